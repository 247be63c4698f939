// test-ops: every op case runs on the reference kernel and on every other
// registered provider (runtime/providers/registry.h); outputs must agree
// within the case's tolerance, and the bytes around each output buffer
// (sentinels) must be untouched by every host kernel.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>
#include <set>

#include "runtime/ops/activation.h"
#include "runtime/ops/op_def.h"
#include "runtime/providers/provider.h"
#include "runtime/providers/registry.h"
#include "tests/ops/op_cases.h"

namespace facefuse::rt::testing {
namespace {

constexpr size_t kGuard = 64;
constexpr unsigned char kSentinel = 0xA5;

// An output buffer with sentinel bytes before and after the tensor's data.
struct GuardedOutput {
  std::vector<unsigned char> storage;
  Tensor tensor;
  GuardedOutput(DataType dt, const Shape& shape) {
    size_t bytes = static_cast<size_t>(NumElements(shape)) * DataTypeSize(dt);
    storage.assign(bytes + 2 * kGuard + 64, kSentinel);
    auto base = reinterpret_cast<uintptr_t>(storage.data()) + kGuard;
    base = (base + 63) / 64 * 64;  // kernels may rely on 64-byte alignment
    tensor = Tensor::View(dt, shape, reinterpret_cast<void*>(base));
    std::memset(tensor.raw(), 0x7F, bytes);  // garbage, so kernels must write everything
  }
  bool SentinelsIntact() const {
    auto* data = static_cast<const unsigned char*>(tensor.raw());
    for (const unsigned char* p = storage.data(); p < data; ++p) if (*p != kSentinel) return false;
    for (const unsigned char* p = data + tensor.bytes(); p < storage.data() + storage.size(); ++p)
      if (*p != kSentinel) return false;
    return true;
  }
};

std::vector<OpCase> AllCases() {
  std::vector<OpCase> all;
  for (auto f : {ActivationCases, UnaryMathCases, CastCases, BinaryCases, ReduceCases, ConvCases, MatMulCases,
                 PoolCases, NormCases, SoftmaxCases, ShapeCases, MovementCases, ResizeCases, SelectCases,
                 ChannelsLastCases})
    for (auto& c : f()) all.push_back(std::move(c));
  return all;
}

const std::vector<OpCase>& Cases() {
  static const std::vector<OpCase> cases = AllCases();
  return cases;
}

struct Prepared {
  const OpDef* def = nullptr;
  std::vector<const Tensor*> inputs;
  std::vector<DataType> types;
  std::vector<const Tensor*> consts;
  std::vector<OutputSpec> specs;
};

void Prepare(const OpCase& c, Prepared& p) {
  p.def = OpRegistry::Global().Find(c.node.domain, c.node.op_type);
  ASSERT_NE(p.def, nullptr) << "op not registered: " << c.node.op_type;
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    const Tensor& t = c.inputs[i];
    p.inputs.push_back(t.empty() ? nullptr : &t);
    p.types.push_back(t.empty() ? DataType::kUndefined : t.dtype());
    p.consts.push_back(!t.empty() && i < c.constant.size() && c.constant[i] ? &t : nullptr);
  }
  ASSERT_NE(p.def->validate, nullptr);
  Status v = p.def->validate(ValidateContext{c.node, c.opset, p.types, p.consts});
  ASSERT_TRUE(v.ok()) << v.ToString();
  p.specs.assign(c.node.outputs.size(), OutputSpec{});
  Status s = p.def->infer(c.node, p.inputs, p.specs);
  ASSERT_TRUE(s.ok()) << s.ToString();
}

// Runs a kernel into guarded outputs; aliasing outputs are views of inputs.
void RunKernel(Kernel& k, const OpCase& c, Prepared& p, std::vector<std::unique_ptr<GuardedOutput>>& outs) {
  std::vector<Tensor*> ptrs;
  std::vector<Tensor> aliases(p.specs.size());
  for (size_t j = 0; j < p.specs.size(); ++j) {
    if (p.specs[j].alias_of >= 0) {
      aliases[j] = p.inputs[static_cast<size_t>(p.specs[j].alias_of)]->Reshaped(p.specs[j].shape).value();
      outs.push_back(nullptr);
      ptrs.push_back(&aliases[j]);
      continue;
    }
    outs.push_back(std::make_unique<GuardedOutput>(p.specs[j].dtype, p.specs[j].shape));
    ptrs.push_back(&outs.back()->tensor);
  }
  Status s = k.Compute(p.inputs, ptrs);
  ASSERT_TRUE(s.ok()) << c.name << ": " << s.ToString();
  for (auto& o : outs)
    if (o) { ASSERT_TRUE(o->SentinelsIntact()) << c.name << ": kernel wrote outside its output"; }
}

// Runs a kernel of a provider off the host: inputs copied to its device,
// outputs allocated there and copied back into guarded host buffers (whose
// sentinels then guard the copy, not the kernel).
void RunKernelOnDevice(Kernel& k, ExecutionProvider& provider, const OpCase& c, Prepared& p,
                       std::vector<std::unique_ptr<GuardedOutput>>& outs) {
  std::vector<Tensor> device_inputs(p.inputs.size());
  std::vector<const Tensor*> in_ptrs;
  for (size_t i = 0; i < p.inputs.size(); ++i) {
    if (p.inputs[i] == nullptr) { in_ptrs.push_back(nullptr); continue; }
    auto copy = CopyToDevice(*p.inputs[i], provider.allocator());
    ASSERT_TRUE(copy.ok()) << copy.status().ToString();
    device_inputs[i] = std::move(copy).value();
    in_ptrs.push_back(&device_inputs[i]);
  }
  std::vector<Tensor> device_outputs(p.specs.size());
  std::vector<Tensor*> ptrs;
  for (size_t j = 0; j < p.specs.size(); ++j) {
    if (p.specs[j].alias_of >= 0) {
      device_outputs[j] = in_ptrs[static_cast<size_t>(p.specs[j].alias_of)]->Reshaped(p.specs[j].shape).value();
    } else {
      auto out = Tensor::Allocate(p.specs[j].dtype, p.specs[j].shape, provider.allocator());
      ASSERT_TRUE(out.ok()) << out.status().ToString();
      device_outputs[j] = std::move(out).value();
    }
    ptrs.push_back(&device_outputs[j]);
  }
  Status s = k.Compute(in_ptrs, ptrs);
  ASSERT_TRUE(s.ok()) << c.name << ": " << s.ToString();
  for (size_t j = 0; j < p.specs.size(); ++j) {
    if (p.specs[j].alias_of >= 0) { outs.push_back(nullptr); continue; }
    outs.push_back(std::make_unique<GuardedOutput>(p.specs[j].dtype, p.specs[j].shape));
    const Tensor& d = device_outputs[j];
    if (d.bytes() == 0) continue;
    Status copied = d.allocator()->Copy(outs.back()->tensor.raw(), d.raw(), d.bytes(), CopyDirection::kDeviceToHost);
    ASSERT_TRUE(copied.ok()) << copied.ToString();
    ASSERT_TRUE(outs.back()->SentinelsIntact()) << c.name << ": the copy wrote outside its output";
  }
}

void ExpectSameOutputs(const OpCase& c, const Prepared& p, const std::string& provider,
                       const std::vector<std::unique_ptr<GuardedOutput>>& ref_out,
                       const std::vector<std::unique_ptr<GuardedOutput>>& out) {
  for (size_t j = 0; j < p.specs.size(); ++j) {
    if (!ref_out[j] || !out[j]) continue;
    const Tensor& a = ref_out[j]->tensor;
    const Tensor& b = out[j]->tensor;
    int64_t bad = 0;
    for (int64_t i = 0; i < a.size(); ++i) {
      double x = ElementAsDouble(a, i), y = ElementAsDouble(b, i);
      if (std::isnan(x) && std::isnan(y)) continue;
      if (!(std::fabs(x - y) <= c.atol + c.rtol * std::fabs(x))) {
        if (bad++ < 5) ADD_FAILURE() << c.name << " output " << j << " [" << i << "]: reference " << x << ", " << provider << " " << y;
      }
    }
    EXPECT_EQ(bad, 0) << c.name << ": " << bad << " of " << a.size() << " elements differ on " << provider;
  }
}

class OpTest : public ::testing::TestWithParam<size_t> {};

TEST_P(OpTest, ProvidersMatchReference) {
  const OpCase& c = Cases()[GetParam()];
  Prepared p;
  ASSERT_NO_FATAL_FAILURE(Prepare(c, p));
  KernelRequest req{c.node, *p.def, c.opset, p.types, p.consts, 2};

  auto ref_provider = MakeReferenceProvider();
  auto ref_kernel = ref_provider->CreateKernel(req);
  ASSERT_TRUE(ref_kernel.ok() && *ref_kernel) << "no reference kernel for " << c.name;
  std::vector<std::unique_ptr<GuardedOutput>> ref_out;
  ASSERT_NO_FATAL_FAILURE(RunKernel(**ref_kernel, c, p, ref_out));

  std::vector<std::string> compared;
  for (const std::string& name : ProviderRegistry::Global().Names()) {
    if (name == "reference") continue;
    SCOPED_TRACE("provider " + name);
    auto registration = ProviderRegistry::Global().Find(name);
    ASSERT_TRUE(registration.has_value());
    std::unique_ptr<ExecutionProvider> provider = registration->make(ProviderConfig{2});
    auto kernel = provider->CreateKernel(req);
    ASSERT_TRUE(kernel.ok()) << kernel.status().ToString();
    if (!*kernel) continue;  // left to its fallback
    std::vector<std::unique_ptr<GuardedOutput>> out;
    if (provider->device().is_host()) {
      ASSERT_NO_FATAL_FAILURE(RunKernel(**kernel, c, p, out));
    } else {
      ASSERT_NO_FATAL_FAILURE(RunKernelOnDevice(**kernel, *provider, c, p, out));
    }
    ExpectSameOutputs(c, p, name, ref_out, out);
    compared.push_back(name);
  }
  if (compared.empty()) GTEST_SKIP() << c.name << ": every provider leaves this case to the reference kernel";
}

// The reference activations give NaN where their input is NaN (the */nan cases hold five among ordinary values):
// ONNX defines them elementwise, and ORT propagates NaN. HardSigmoid once gave 1 (std::min(1, NaN) is 1).
TEST(ActivationsKeepNaN, ReferenceGivesNaNForNaN) {
  int checked = 0;
  for (const OpCase& c : Cases()) {
    if (!c.name.ends_with("/nan")) continue;
    SCOPED_TRACE(c.name);
    Prepared p;
    ASSERT_NO_FATAL_FAILURE(Prepare(c, p));
    KernelRequest req{c.node, *p.def, c.opset, p.types, p.consts, 1};
    auto ref_provider = MakeReferenceProvider();  // outlives its kernel
    auto ref_kernel = ref_provider->CreateKernel(req);
    ASSERT_TRUE(ref_kernel.ok() && *ref_kernel);
    std::vector<std::unique_ptr<GuardedOutput>> out;
    ASSERT_NO_FATAL_FAILURE(RunKernel(**ref_kernel, c, p, out));
    ASSERT_EQ(out.size(), 1u);
    const Tensor& x = c.inputs[0];
    const Tensor& y = out[0]->tensor;
    for (int64_t i = 0; i < x.size(); ++i)
      EXPECT_EQ(std::isnan(x.data<float>()[i]), std::isnan(y.data<float>()[i])) << "element " << i;
    ++checked;
  }
  EXPECT_EQ(checked, 8);
}

// LeakyRelu is y = x < 0 ? alpha * x : x, exactly: x >= 0 comes back as it was (-0 keeps its sign, and an
// infinite or NaN alpha does not reach it), x < 0 is alpha * x (-0 for alpha 0). The epilogues of the CPU
// provider's own convolution plans call ApplyActivation; a form as selects, `max(x, 0) + alpha * min(x, 0)`,
// gave NaN for x >= 0 with an infinite alpha and +0 for -0.
TEST(ActivationsKeepNaN, LeakyReluIsExactForEveryAlpha) {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> x = {-0.f, 0.f, 2.f, -3.f, inf, -inf, 1e-30f, -1e-30f, 5.f};  // 9: a SIMD tail too
  for (float alpha : {0.01f, 0.f, -2.f, 3.f, inf, -inf, nan}) {
    SCOPED_TRACE("alpha " + std::to_string(alpha));
    std::vector<float> y = x;
    ASSERT_TRUE(ApplyActivation("LeakyRelu", std::vector<float>{alpha}, y.data(), static_cast<int64_t>(y.size())).ok());
    for (size_t i = 0; i < x.size(); ++i) {
      const float want = x[i] < 0.f ? alpha * x[i] : x[i];
      if (std::isnan(want)) {
        EXPECT_TRUE(std::isnan(y[i])) << "x " << x[i];
      } else {
        EXPECT_EQ(y[i], want) << "x " << x[i];
        EXPECT_EQ(std::signbit(y[i]), std::signbit(want)) << "x " << x[i];
      }
    }
  }
}

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(OpTest);
INSTANTIATE_TEST_SUITE_P(AllOps, OpTest, ::testing::Range<size_t>(0, Cases().size()),
                         [](const ::testing::TestParamInfo<size_t>& info) {
                           std::string n = Cases()[info.param].name;
                           for (char& ch : n) if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return n;
                         });

TEST(OpCoverage, EveryRegisteredOpHasCases) {
  std::set<std::string> covered;
  for (const auto& c : Cases()) covered.insert(c.node.domain + ":" + c.node.op_type);
  for (const auto& def : OpRegistry::Global().all())
    EXPECT_TRUE(covered.count(std::string(def.domain) + ":" + std::string(def.op_type)))
        << def.op_type << " has no test-ops case";
}

}  // namespace
}  // namespace facefuse::rt::testing
