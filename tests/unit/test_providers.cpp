// The provider registry, tensors on devices, and the copy steps a session
// inserts between providers on different devices (proved with an "emulated"
// provider whose device is host memory posing as a separate device).
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "facefuse/device.h"
#include "facefuse/runtime.h"
#include "facefuse/tensor.h"
#include "runtime/ops/op_def.h"
#include "runtime/providers/registry.h"
#include "tests/unit/face_fixtures.h"
#include "tools/standins/model_builder.h"

namespace facefuse {
namespace {

constexpr Device kEmulated{DeviceKind::kEmulated, 0};

// Host-backed memory on the emulated device; counts the copies in and out.
class EmulatedAllocator final : public Allocator {
 public:
  Device device() const override { return kEmulated; }
  Result<void*> Allocate(size_t bytes) override {
    void* p = std::aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (p == nullptr) return OutOfMemory("emulated device full");
    std::memset(p, 0, bytes);
    return p;
  }
  void Free(void* p) override { std::free(p); }
  Status Copy(void* dst, const void* src, size_t bytes, CopyDirection direction) override {
    (direction == CopyDirection::kHostToDevice ? to_device : direction == CopyDirection::kDeviceToHost ? to_host : within)++;
    std::memcpy(dst, src, bytes);
    return Status::Ok();
  }
  std::atomic<int> to_device{0}, to_host{0}, within{0};
};

// The reference kernel, refusing any tensor not on the emulated device.
class EmulatedKernel final : public rt::Kernel {
 public:
  EmulatedKernel(const rt::Node& node, rt::ComputeFn fn) : node_(node), fn_(fn) {}
  Status Compute(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) override {
    for (const Tensor* t : inputs)
      if (t != nullptr && t->device() != kEmulated) return Internal("input on " + DeviceName(t->device()));
    for (const Tensor* t : outputs)
      if (t->device() != kEmulated) return Internal("output on " + DeviceName(t->device()));
    return fn_(node_, inputs, outputs);
  }

 private:
  rt::Node node_;
  rt::ComputeFn fn_;
};

// Runs Relu and Add on the emulated device, leaves the rest to the reference.
class EmulatedProvider final : public rt::ExecutionProvider {
 public:
  explicit EmulatedProvider(std::shared_ptr<EmulatedAllocator> allocator) : allocator_(std::move(allocator)) {}
  std::string_view name() const override { return "emulated"; }
  Device device() const override { return kEmulated; }
  std::shared_ptr<Allocator> allocator() const override { return allocator_; }
  Result<std::unique_ptr<rt::Kernel>> CreateKernel(const rt::KernelRequest& req) override {
    if (req.def.op_type != "Relu" && req.def.op_type != "Add") return std::unique_ptr<rt::Kernel>();
    return std::unique_ptr<rt::Kernel>(new EmulatedKernel(req.node, req.def.reference));
  }

 private:
  std::shared_ptr<EmulatedAllocator> allocator_;
};

// Registers "emulated" for one test and removes it after.
class EmulatedRegistration {
 public:
  EmulatedRegistration() : allocator(std::make_shared<EmulatedAllocator>()) {
    rt::ProviderRegistration r;
    r.name = "emulated";
    r.device = kEmulated;
    auto shared = allocator;
    r.make = [shared](const rt::ProviderConfig&) { return std::make_unique<EmulatedProvider>(shared); };
    r.supports_op = [](std::string_view, std::string_view op) { return op == "Relu" || op == "Add"; };
    r.fallback = "reference";
    registered = rt::ProviderRegistry::Global().Register(std::move(r));
  }
  ~EmulatedRegistration() { rt::ProviderRegistry::Global().Unregister("emulated"); }
  std::shared_ptr<EmulatedAllocator> allocator;
  Status registered;
};

// y = Sigmoid(Relu(x)) + bias: Relu and Add on "emulated", Sigmoid on the reference.
std::string MixedDeviceModel() {
  onnx::ModelProto model;
  standins::StartModel(&model);
  standins::ModelBuilder b(&model, 3, false);
  b.Input("x", {2, 8});
  std::string s = b.Op("Sigmoid", {b.Op("Relu", {"x"})});
  std::vector<float> bias(16);
  for (size_t i = 0; i < bias.size(); ++i) bias[i] = 0.25f * static_cast<float>(i) - 1.f;
  b.Op("Add", {s, b.Floats("bias", {2, 8}, bias)}, {}, "y");
  b.Output("y", {2, 8});
  std::string bytes;
  EXPECT_TRUE(model.SerializeToString(&bytes));
  return bytes;
}

Result<std::unique_ptr<Session>> OpenWith(const std::string& bytes, const std::string& provider) {
  SessionOptions o;
  o.threads = testing::kFixtureThreads;
  o.provider = provider;
  o.optimize = false;
  return Session::OpenFromBytes({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, ".", o);
}

TEST(RuntimeProviders, BuiltInsAreCpuThenReference) {
  EXPECT_EQ(RegisteredProviders(), (std::vector<std::string>{"cpu", "reference"}));
  auto chain = rt::ProviderRegistry::Global().FallbackChain("cpu");
  ASSERT_TRUE(chain.ok()) << chain.status().ToString();
  ASSERT_EQ(chain->size(), 2u);
  EXPECT_EQ((*chain)[0].name, "cpu");
  EXPECT_EQ((*chain)[1].name, "reference");
  EXPECT_TRUE((*chain)[0].device.is_host());
  EXPECT_TRUE((*chain)[0].supports_op("", "Conv"));
  EXPECT_FALSE((*chain)[0].supports_op("", "NonZero"));
  auto unknown = rt::ProviderRegistry::Global().FallbackChain("tpu");
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(unknown.status().message(), "unknown provider 'tpu' (known: cpu, reference)");
}

TEST(RuntimeProviders, RegistrationIsCheckedAndListed) {
  EmulatedRegistration emulated;
  ASSERT_TRUE(emulated.registered.ok()) << emulated.registered.ToString();
  EXPECT_EQ(RegisteredProviders(), (std::vector<std::string>{"cpu", "reference", "emulated"}));
  rt::ProviderRegistration again;
  again.name = "emulated";
  again.make = [](const rt::ProviderConfig&) { return rt::MakeReferenceProvider(); };
  EXPECT_EQ(rt::ProviderRegistry::Global().Register(again).code(), StatusCode::kFailedPrecondition);
  auto s = OpenWith(MixedDeviceModel(), "tpu");
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.status().message().find("(known: cpu, reference, emulated)"), std::string::npos) << s.status().ToString();
}

TEST(TensorDevices, AllocateCopyAndCloneOnAnotherDevice) {
  auto allocator = std::make_shared<EmulatedAllocator>();
  Tensor host = Tensor::FromVector<float>({1.f, 2.f, 3.f}, {3}).value();
  EXPECT_TRUE(host.device().is_host());
  EXPECT_EQ(host.allocator(), HostAllocator().get());
  auto on_device = CopyToDevice(host, allocator);
  ASSERT_TRUE(on_device.ok()) << on_device.status().ToString();
  EXPECT_EQ(on_device->device(), kEmulated);
  EXPECT_EQ(DeviceName(on_device->device()), "emulated:0");
  auto clone = on_device->Clone();
  ASSERT_TRUE(clone.ok()) << clone.status().ToString();
  EXPECT_EQ(clone->device(), kEmulated);
  auto back = CopyToDevice(*clone, HostAllocator());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(back->device().is_host());
  EXPECT_EQ(back->span<float>()[2], 3.f);
  EXPECT_EQ(allocator->to_device.load(), 1);
  EXPECT_EQ(allocator->within.load(), 1);
  EXPECT_EQ(allocator->to_host.load(), 1);
  float bytes[3] = {};
  Tensor stray = Tensor::View(DataType::kFloat32, {3}, bytes, kEmulated);
  EXPECT_EQ(CopyToDevice(stray, HostAllocator()).status().code(), StatusCode::kUnsupported);
}

TEST(SessionDeviceCopies, InsertedBetweenProvidersAndResultsMatchTheReference) {
  EmulatedRegistration emulated;
  ASSERT_TRUE(emulated.registered.ok()) << emulated.registered.ToString();
  const std::string bytes = MixedDeviceModel();
  auto mixed = OpenWith(bytes, "emulated");
  ASSERT_TRUE(mixed.ok()) << mixed.status().ToString();
  auto reference = OpenWith(bytes, "reference");
  ASSERT_TRUE(reference.ok()) << reference.status().ToString();
  EXPECT_EQ(emulated.allocator->to_device.load(), 1);  // the bias, once, at Open

  // Copy steps: x in, Relu's output out, Sigmoid's output in, y out.
  SessionStats stats = (*mixed)->stats();
  EXPECT_EQ(stats.nodes, 3u);
  EXPECT_EQ(stats.kernels_by_provider,
            (std::vector<std::pair<std::string, size_t>>{{"copy", 4}, {"emulated", 2}, {"reference", 1}}));

  Tensor x = Tensor::Allocate(DataType::kFloat32, {2, 8}).value();
  for (int64_t i = 0; i < x.size(); ++i) x.data<float>()[i] = std::sin(0.7f * static_cast<float>(i));
  for (int run = 1; run <= 2; ++run) {  // the second run uses the planned arena
    auto got = (*mixed)->Run({x});
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    auto want = (*reference)->Run({x});
    ASSERT_TRUE(want.ok()) << want.status().ToString();
    ASSERT_EQ(got->size(), 1u);
    EXPECT_TRUE((*got)[0].device().is_host());
    ASSERT_EQ((*got)[0].shape(), (*want)[0].shape());
    for (int64_t i = 0; i < (*want)[0].size(); ++i) EXPECT_EQ((*got)[0].data<float>()[i], (*want)[0].data<float>()[i]) << i;
    EXPECT_EQ(emulated.allocator->to_device.load(), 1 + 2 * run);
    EXPECT_EQ(emulated.allocator->to_host.load(), 2 * run);
  }
}

TEST(SessionDeviceCopies, NoneBetweenHostProviders) {
  auto s = OpenWith(MixedDeviceModel(), "cpu");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  for (const auto& [provider, count] : (*s)->stats().kernels_by_provider) EXPECT_NE(provider, "copy") << count;
  EXPECT_EQ((*s)->stats().nodes, 3u);
}

TEST(SessionDeviceCopies, FeedsMustBeOnTheHost) {
  auto s = OpenWith(MixedDeviceModel(), "cpu");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto allocator = std::make_shared<EmulatedAllocator>();
  Tensor x = Tensor::Allocate(DataType::kFloat32, {2, 8}, allocator).value();
  auto r = (*s)->Run({x});
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "input 'x' must be a host tensor, got one on emulated:0");
}

}  // namespace
}  // namespace facefuse
