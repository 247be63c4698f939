// The CPU conv kernel picks a plan per shape by timing, so which plan runs
// depends on the machine and its load. This test runs every Conv,
// ConvTranspose and FusedConv case on every layout oneDNN implements, and on
// the own depthwise plan where it applies, and checks each against the
// reference kernel (the depthwise plan with sentinel bytes around its output).
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <utility>

#include "runtime/ops/channels_last.h"
#include "runtime/ops/conv_common.h"
#include "runtime/providers/cpu/depthwise_conv_plan.h"
#include "runtime/providers/cpu/dnnl_conv_plan.h"
#include "runtime/providers/cpu/narrow_conv_plan.h"
#include "runtime/providers/cpu/row_split_conv_plan.h"
#include "runtime/providers/cpu/winograd_conv_plan.h"
#include "tests/ops/op_cases.h"

namespace facefuse::rt::testing {
namespace {

const float* DataOrNull(const std::vector<Tensor>& inputs, size_t i) {
  return i < inputs.size() && !inputs[i].empty() ? inputs[i].data<float>() : nullptr;
}

// Counts the elements of y outside atol + rtol * |reference|, reporting the first three.
int64_t Mismatches(const OpCase& c, const Tensor& expected, const float* y) {
  int64_t bad = 0;
  for (int64_t i = 0; i < expected.size(); ++i) {
    const double want = expected.data<float>()[i], got = y[i];
    if (!(std::fabs(want - got) <= c.atol + c.rtol * std::fabs(want)) && bad++ < 3)
      ADD_FAILURE() << "[" << i << "]: reference " << want << ", got " << got;
  }
  return bad;
}

// The plan, or nullptr where oneDNN has no kernel for it (the conv kernel skips such a plan the same way).
template <typename Plan, typename... Args>
std::unique_ptr<Plan> BuiltOrNull(Args&&... args) {
  try {
    return std::make_unique<Plan>(std::forward<Args>(args)...);
  } catch (const dnnl::error&) {
    return nullptr;
  }
}

// Y of the case by the op's reference kernel.
Tensor ReferenceOutput(const OpCase& c, const ConvGeometry& g) {
  const OpDef* def = OpRegistry::Global().Find(c.node.domain, c.node.op_type);
  std::vector<const Tensor*> inputs;
  for (const Tensor& t : c.inputs) inputs.push_back(t.empty() ? nullptr : &t);
  Tensor expected = Tensor::Allocate(DataType::kFloat32, g.y_shape).value();
  Tensor* expected_ptr = &expected;
  EXPECT_NE(def, nullptr);
  if (def != nullptr) {
    EXPECT_TRUE(def->reference(c.node, inputs, std::span<Tensor* const>(&expected_ptr, 1)).ok());
  }
  return expected;
}

cpu::ConvEpilogue EpilogueOf(const OpCase& c) {
  cpu::ConvEpilogue epilogue;
  if (c.node.op_type == "FusedConv") {
    epilogue.sum = c.node.HasInput(3);
    epilogue.activation = ReadFusedActivation(c.node).value();
    epilogue.slope_size = c.node.HasInput(4) ? c.inputs[4].size() : 0;
  }
  return epilogue;
}

constexpr size_t kGuard = 64;
constexpr float kSentinel = -12345.f;

// Room for `n` output floats with kGuard sentinels on each side; the output starts at kGuard.
std::vector<float> GuardedOutput(int64_t n) { return std::vector<float>(static_cast<size_t>(n) + 2 * kGuard, kSentinel); }

void ExpectGuardsIntact(const std::vector<float>& storage) {
  for (size_t i = 0; i < kGuard; ++i) {
    ASSERT_EQ(storage[i], kSentinel) << "written before the output";
    ASSERT_EQ(storage[storage.size() - 1 - i], kSentinel) << "written after the output";
  }
}

// The geometry of a (not transposed) Conv or FusedConv case.
ConvGeometry GeometryOf(const OpCase& c) {
  const Tensor* bias = c.inputs[2].empty() ? nullptr : &c.inputs[2];
  return ResolveConvGeometry(c.node, false, c.inputs[0].shape(), c.inputs[1].shape(), bias).value();
}

// A case's X, Sum (empty when absent) and reference Y, as NHWC tensors.
struct ChannelsLastIo {
  Tensor x, sum, expected;
  const float* sum_or_null() const { return sum.empty() ? nullptr : sum.data<float>(); }
};

ChannelsLastIo ChannelsLastIoOf(const OpCase& c, const ConvGeometry& g) {
  const bool has_sum = c.inputs.size() > 3 && !c.inputs[3].empty();
  return {CopyToChannelsLast(c.inputs[0]).value(), has_sum ? CopyToChannelsLast(c.inputs[3]).value() : Tensor(),
          CopyToChannelsLast(ReferenceOutput(c, g)).value()};
}

TEST(ConvLayouts, EveryLayoutMatchesReference) {
  int depthwise_cases = 0;
  for (const OpCase& c : ConvCases()) {
    SCOPED_TRACE(c.name);
    const bool transpose = c.node.op_type == "ConvTranspose";
    const Tensor* bias = c.inputs[2].empty() ? nullptr : &c.inputs[2];
    auto geometry = ResolveConvGeometry(c.node, transpose, c.inputs[0].shape(), c.inputs[1].shape(), bias);
    ASSERT_TRUE(geometry.ok()) << geometry.status().ToString();
    const ConvGeometry& g = *geometry;
    const Tensor expected = ReferenceOutput(c, g);
    const cpu::ConvEpilogue epilogue = EpilogueOf(c);
    const float* constant_w = c.constant[1] ? c.inputs[1].data<float>() : nullptr;
    for (auto layout : {cpu::ConvLayout::kPlain, cpu::ConvLayout::kBlocked, cpu::ConvLayout::kChannelsLast}) {
      SCOPED_TRACE(cpu::ConvLayoutName(layout));
      auto plan = BuiltOrNull<cpu::DnnlConvPlan>(g, layout, epilogue, bias != nullptr, constant_w);
      if (plan == nullptr) continue;
      Tensor y = Tensor::Allocate(DataType::kFloat32, g.y_shape).value();
      cpu::ConvArgs args{c.inputs[0].data<float>(), c.inputs[1].data<float>(), DataOrNull(c.inputs, 2),
                         DataOrNull(c.inputs, 3),   DataOrNull(c.inputs, 4),   y.data<float>()};
      ASSERT_NO_THROW(plan->Execute(args));
      EXPECT_EQ(Mismatches(c, expected, y.data<float>()), 0);
    }
    if (cpu::DepthwiseConvApplies(g)) {
      SCOPED_TRACE("own depthwise");
      ++depthwise_cases;
      std::vector<float> storage = GuardedOutput(expected.size());
      float* y = storage.data() + kGuard;
      cpu::DepthwiseConvPlan plan(g, epilogue);
      plan.Execute({c.inputs[0].data<float>(), c.inputs[1].data<float>(), DataOrNull(c.inputs, 2),
                    DataOrNull(c.inputs, 3), DataOrNull(c.inputs, 4), y});
      EXPECT_EQ(Mismatches(c, expected, y), 0);
      ExpectGuardsIntact(storage);
      if (epilogue.sum) {  // Sum may be Y itself
        SCOPED_TRACE("Sum in Y's memory");
        std::copy(c.inputs[3].data<float>(), c.inputs[3].data<float>() + expected.size(), y);
        plan.Execute({c.inputs[0].data<float>(), c.inputs[1].data<float>(), DataOrNull(c.inputs, 2), y,
                      DataOrNull(c.inputs, 4), y});
        EXPECT_EQ(Mismatches(c, expected, y), 0);
      }
    }
  }
  EXPECT_GE(depthwise_cases, 10);  // the depthwise Conv and FusedConv cases above all reach the own plan
}

// A one-thread session run by another OpenMP team's thread (a caller's worker): the Winograd plan's loops must stay
// its own, each caller computing every tile of its own output (with the caller's team they shared them out).
TEST(ConvLayouts, WinogradInsideAnotherTeamsRegion) {
  if (!cpu::WinogradConvPlan::Available()) GTEST_SKIP() << "built without AVX2 and FMA: the plan never applies";
  int cases = 0;
  for (const OpCase& c : ConvCases()) {
    if (c.node.op_type != "Conv" || c.inputs[0].rank() != 4 || c.inputs[0].dim(0) != 1) continue;
    const ConvGeometry g = GeometryOf(c);
    const cpu::ConvEpilogue epilogue = EpilogueOf(c);
    if (!cpu::WinogradConvPlan::Applies(g, epilogue, c.constant[1]) || g.out_size[0] * g.out_size[1] < 100) continue;
    SCOPED_TRACE(c.name);
    ++cases;
    const ChannelsLastIo io = ChannelsLastIoOf(c, g);
    std::vector<std::vector<float>> outputs(2, GuardedOutput(io.expected.size()));
    std::vector<std::unique_ptr<cpu::WinogradConvPlan>> plans;
    for (int i = 0; i < 2; ++i)
      plans.push_back(std::make_unique<cpu::WinogradConvPlan>(g, epilogue, c.inputs[1].data<float>()));
#pragma omp parallel num_threads(2)
    {
      const int t = omp_get_thread_num();
      omp_set_num_threads(1);  // as the CPU provider's BeginRun does for a one-thread session
      plans[static_cast<size_t>(t)]->Execute({io.x.data<float>(), nullptr, DataOrNull(c.inputs, 2), io.sum_or_null(),
                                              nullptr, outputs[static_cast<size_t>(t)].data() + kGuard});
    }
    for (auto& storage : outputs) {
      EXPECT_EQ(Mismatches(c, io.expected, storage.data() + kGuard), 0);
      ExpectGuardsIntact(storage);
    }
  }
  EXPECT_GE(cases, 2);
}

// On NHWC, a depthwise convolution runs oneDNN's jit depthwise kernel, not the brgemm one it lists first on
// AVX-512 (brdgmm_dw: 21-46 % more time on one thread): every 2-D depthwise case with 3x3 taps and no dilation, but
// those with PRelu (oneDNN 2.6's jit kernel takes no PReLU post-op, so they keep the brgemm one).
TEST(ConvLayouts, ChannelsLastDepthwiseTakesTheJitKernel) {
  int depthwise_cases = 0;
  for (const OpCase& c : ConvCases()) {
    if (c.node.op_type == "ConvTranspose" || c.inputs[0].rank() != 4) continue;
    const ConvGeometry g = GeometryOf(c);
    const bool depthwise = g.group > 1 && g.group == g.in_channels && g.out_channels == g.in_channels;
    if (!depthwise || g.kernel != std::vector<int64_t>{3, 3} || g.dilations != std::vector<int64_t>{1, 1}) continue;
    if (EpilogueOf(c).activation.kind == "PRelu") continue;
    SCOPED_TRACE(c.name);
    ++depthwise_cases;
    auto plan = BuiltOrNull<cpu::DnnlConvPlan>(g, cpu::ConvLayout::kChannelsLast, EpilogueOf(c), !c.inputs[2].empty(),
                                               nullptr, /*channels_last_io=*/true);
    ASSERT_NE(plan, nullptr);
    EXPECT_TRUE(plan->implementation().starts_with("jit_dw")) << plan->implementation();
  }
  EXPECT_GE(depthwise_cases, 4);
}

// A batch run image by image on a plan built for one image: each case of batch
// 2 or more, on every layout, with sentinels around Y, and with Sum in Y's memory.
TEST(ConvLayouts, PerImagePlanMatchesReference) {
  int batched_cases = 0;
  for (const OpCase& c : ConvCases()) {
    if (c.node.op_type == "ConvTranspose" || c.inputs[0].dim(0) < 2) continue;
    SCOPED_TRACE(c.name);
    ++batched_cases;
    const bool has_bias = !c.inputs[2].empty();
    const ConvGeometry g = GeometryOf(c);
    const Tensor expected = ReferenceOutput(c, g);
    const cpu::ConvEpilogue epilogue = EpilogueOf(c);
    const ConvGeometry one = cpu::PerImageConvPlan::OneImage(g);
    for (auto layout : {cpu::ConvLayout::kPlain, cpu::ConvLayout::kBlocked, cpu::ConvLayout::kChannelsLast}) {
      SCOPED_TRACE(cpu::ConvLayoutName(layout));
      auto inner = BuiltOrNull<cpu::DnnlConvPlan>(one, layout, epilogue, has_bias, nullptr);
      if (inner == nullptr) continue;
      cpu::PerImageConvPlan plan(std::move(inner), g);
      std::vector<float> storage = GuardedOutput(expected.size());
      float* y = storage.data() + kGuard;
      const float* sum = DataOrNull(c.inputs, 3);
      ASSERT_NO_THROW(plan.Execute({c.inputs[0].data<float>(), c.inputs[1].data<float>(), DataOrNull(c.inputs, 2),
                                    sum, DataOrNull(c.inputs, 4), y}));
      EXPECT_EQ(Mismatches(c, expected, y), 0);
      if (sum != nullptr) {
        SCOPED_TRACE("Sum in Y's memory");
        std::copy(sum, sum + expected.size(), y);
        ASSERT_NO_THROW(plan.Execute({c.inputs[0].data<float>(), c.inputs[1].data<float>(),
                                      DataOrNull(c.inputs, 2), y, DataOrNull(c.inputs, 4), y}));
        EXPECT_EQ(Mismatches(c, expected, y), 0);
      }
      ExpectGuardsIntact(storage);
    }
  }
  EXPECT_GE(batched_cases, 4);  // 1x1 nobias, 3x3 per image, 1-D, FusedConv Sum_PRelu_batch3 (+ depthwise)
}

// Bands of output rows, one per thread, each a single-threaded primitive over the input rows it reads: every
// 2-D case of one image with enough rows (pads, strides, dilations, asymmetric kernels and every epilogue), on NHWC
// X, Sum and Y, split in 2 and 3 bands, with sentinels around Y.
TEST(ConvLayouts, RowSplitMatchesReference) {
  int split_cases = 0;
  for (const OpCase& c : ConvCases()) {
    if (c.node.op_type == "ConvTranspose" || c.inputs[0].rank() != 4) continue;
    const ConvGeometry g = GeometryOf(c);
    for (int bands : {2, 3}) {
      if (!cpu::RowSplitConvPlan::Applies(g, bands)) continue;
      SCOPED_TRACE(c.name + " in " + std::to_string(bands) + " bands");
      const ChannelsLastIo io = ChannelsLastIoOf(c, g);
      auto plan = BuiltOrNull<cpu::RowSplitConvPlan>(g, EpilogueOf(c), !c.inputs[2].empty(),
                                                     c.constant[1] ? c.inputs[1].data<float>() : nullptr, bands);
      if (plan == nullptr) continue;  // oneDNN has no channels-last kernel for this geometry
      ++split_cases;
      std::vector<float> storage = GuardedOutput(io.expected.size());
      float* y = storage.data() + kGuard;
      ASSERT_NO_THROW(plan->Execute({io.x.data<float>(), c.inputs[1].data<float>(), DataOrNull(c.inputs, 2),
                                     io.sum_or_null(), DataOrNull(c.inputs, 4), y}));
      EXPECT_EQ(Mismatches(c, io.expected, y), 0);
      if (!io.sum.empty()) {
        SCOPED_TRACE("Sum in Y's memory");
        std::copy(io.sum.data<float>(), io.sum.data<float>() + io.sum.size(), y);
        ASSERT_NO_THROW(plan->Execute({io.x.data<float>(), c.inputs[1].data<float>(), DataOrNull(c.inputs, 2), y,
                                       DataOrNull(c.inputs, 4), y}));
        EXPECT_EQ(Mismatches(c, io.expected, y), 0);
      }
      ExpectGuardsIntact(storage);
    }
  }
  EXPECT_GE(split_cases, 40);  // built and run (a band whose pads do not add up is refused by oneDNN)
}

// A band whose output rows all lie in the pads reads no input row: the plan is refused for that many bands
// (a primitive over an empty input would leave its rows without bias, activation and Sum).
TEST(ConvLayouts, RowSplitRefusesABandOfPadsAlone) {
  int found = 0;
  for (const OpCase& c : ConvCases()) {
    if (c.node.op_type != "Conv" || !c.name.ends_with("/1x1_pads_past_rows")) continue;
    ++found;
    const ConvGeometry g = GeometryOf(c);  // 2 input rows, 2 rows of pads above and below: 6 output rows
    EXPECT_TRUE(cpu::RowSplitConvPlan::Applies(g, 2));
    EXPECT_FALSE(cpu::RowSplitConvPlan::Applies(g, 3));  // rows 0-1 read input rows -2 and -1
  }
  EXPECT_EQ(found, 1);
}

// Runs a plan with prepacked weights on the case's NHWC X and Sum into Y between sentinels, and again with Sum in
// Y's memory; Y must match the reference both times.
void ExpectChannelsLastPlanMatches(cpu::ConvPlan& plan, const OpCase& c, const ChannelsLastIo& io) {
  std::vector<float> storage = GuardedOutput(io.expected.size());
  float* y = storage.data() + kGuard;
  plan.Execute({io.x.data<float>(), nullptr, DataOrNull(c.inputs, 2), io.sum_or_null(), nullptr, y});
  EXPECT_EQ(Mismatches(c, io.expected, y), 0);
  if (!io.sum.empty()) {
    SCOPED_TRACE("Sum in Y's memory");
    std::copy(io.sum.data<float>(), io.sum.data<float>() + io.sum.size(), y);
    plan.Execute({io.x.data<float>(), nullptr, DataOrNull(c.inputs, 2), y, nullptr, y});
    EXPECT_EQ(Mismatches(c, io.expected, y), 0);
  }
  ExpectGuardsIntact(storage);
}

// Winograd F(2x2, 3x3) on NHWC X, Sum and Y: every case it applies to (odd and even output sizes, pads of 0 to 2,
// half-used blocks of 16 output channels, a 1x1 image, every count of tiles past the product kernel's full blocks,
// batches, no bias, Relu, LeakyRelu, Clip, Sum), with sentinels around Y, and again with Sum in Y's memory; in
// streaming mode, and in grouped mode with groups of one block of tiles (6 on AVX2, 12 on AVX-512), of 24 tiles
// and of every tile (the last group of a split image part-full).
TEST(ConvLayouts, WinogradMatchesReference) {
  if (!cpu::WinogradConvPlan::Available()) GTEST_SKIP() << "built without AVX2 and FMA: the plan never applies";
  int winograd_cases = 0, grouped_splits = 0;
  for (const OpCase& c : ConvCases()) {
    if (c.node.op_type == "ConvTranspose" || c.inputs[0].rank() != 4) continue;
    const ConvGeometry g = GeometryOf(c);
    const cpu::ConvEpilogue epilogue = EpilogueOf(c);
    if (!cpu::WinogradConvPlan::Applies(g, epilogue, c.constant[1])) continue;
    ++winograd_cases;
    const ChannelsLastIo io = ChannelsLastIoOf(c, g);
    const int64_t tiles = ((g.out_size[0] + 1) / 2) * ((g.out_size[1] + 1) / 2);
    const double per_tile = 16.0 * static_cast<double>(g.in_channels + (g.out_channels + 15) / 16 * 16) * 4;
    const std::pair<const char*, cpu::WinogradTuning> tunings[] = {
        {"streaming", cpu::WinogradTuning{}},
        {"groups of one block", cpu::WinogradTuning{0, 0}},
        {"groups of 24 tiles", cpu::WinogradTuning{0, 25 * per_tile}},
        {"one group", cpu::WinogradTuning{0, 1e12}},
    };
    for (const auto& [mode, tuning] : tunings) {
      SCOPED_TRACE(c.name + ", " + mode);
      if (tuning.streaming_weight_bytes == 0 && tiles > 12) ++grouped_splits;
      cpu::WinogradConvPlan plan(g, epilogue, c.inputs[1].data<float>(), tuning);
      ExpectChannelsLastPlanMatches(plan, c, io);
    }
  }
  EXPECT_GE(winograd_cases, 17);
  EXPECT_GE(grouped_splits, 9);  // images of more than one group of one block (12 tiles on AVX-512)
}

// The plan for 1-4 output channels on NHWC X, Sum and Y: every case it applies to (7x7, 5x5, 3x3 and 1x1 kernels,
// strides, asymmetric pads, batches, no bias, Sigmoid, Tanh, Sum), with sentinels around Y, and again with Sum in
// Y's memory.
TEST(ConvLayouts, NarrowMatchesReference) {
  if (!cpu::NarrowConvPlan::Available()) GTEST_SKIP() << "built without AVX2 and FMA: the plan never applies";
  int narrow_cases = 0;
  for (const OpCase& c : ConvCases()) {
    if (c.node.op_type == "ConvTranspose" || c.inputs[0].rank() != 4) continue;
    const ConvGeometry g = GeometryOf(c);
    const cpu::ConvEpilogue epilogue = EpilogueOf(c);
    if (!cpu::NarrowConvPlan::Applies(g, epilogue, c.constant[1])) continue;
    SCOPED_TRACE(c.name);
    ++narrow_cases;
    const ChannelsLastIo io = ChannelsLastIoOf(c, g);
    cpu::NarrowConvPlan plan(g, epilogue, c.inputs[1].data<float>());
    ExpectChannelsLastPlanMatches(plan, c, io);
  }
  EXPECT_GE(narrow_cases, 7);
}

}  // namespace
}  // namespace facefuse::rt::testing
