// CPU kernels for Conv, ConvTranspose, facefuse.FusedConv and
// facefuse.NhwcConv (FusedConv on channels-last X, Sum and Y) on oneDNN.
//
// Per input shape, the kernel builds one DnnlConvPlan per activation layout
// (plain NCHW in and out; oneDNN's preferred blocked layout with reorders;
// channels-last with reorders; for NhwcConv: channels-last, and blocked with
// reorders), plus the own DepthwiseConvPlan for plain depthwise
// convolutions, times each on the real inputs and keeps the fastest. A batch
// of images that are each a sizeable convolution runs image by image; on two
// threads or more a mid-sized NHWC convolution, or a small one to many
// channels, runs as one band of output rows per thread (RowSplitConvPlan). An
// NHWC 3x3 stride-1 convolution runs by Winograd's F(2x2, 3x3)
// (WinogradConvPlan, own AVX2 kernels), and an NHWC convolution to 1-4
// channels by NarrowConvPlan (own AVX2 kernel).
// Geometries oneDNN rejects (e.g. ConvTranspose with output_padding beyond
// the end pad) run on the op's reference kernel.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "runtime/exec/plan_cache.h"
#include "runtime/ops/channels_last.h"
#include "runtime/ops/conv_common.h"
#include "runtime/ops/op_util.h"
#include "runtime/providers/cpu/cpu_kernels.h"
#include "runtime/providers/cpu/dnnl_conv_plan.h"
#include "runtime/providers/cpu/depthwise_conv_plan.h"
#include "runtime/providers/cpu/dnnl_util.h"
#include "runtime/providers/cpu/narrow_conv_plan.h"
#include "runtime/providers/cpu/row_split_conv_plan.h"
#include "runtime/providers/cpu/winograd_conv_plan.h"

namespace facefuse::rt::cpu {
namespace {

constexpr size_t kSumInput = 3;
constexpr size_t kSlopeInput = 4;
constexpr int kTimingRounds = 3;
// Convolutions of at least this many FLOPs are timed by one execution per plan
// (a swapper's or an enhancer's 3x3 convolutions over 128+ channels, where
// oneDNN's blocked layout can be twice as fast as channels-last); smaller ones
// by the best of kTimingRounds after a warm-up, or not at all on NHWC.
constexpr double kLargeConvFlops = 1e9;
// A batch runs image by image when each image is a convolution of at least
// this many FLOPs: enough work for two threads, and one image's activations
// stay in cache (PerImageConvPlan).
constexpr double kPerImageConvFlops = 1e8;
// NHWC convolutions of at least this many FLOPs (and below kLargeConvFlops)
// run as RowSplitConvPlan at two threads or more, untimed: SCRFD 2.5G's
// [1,80,80,48] x [48,48,3,3] ran 1.6x faster on two threads than on one with
// oneDNN's own threading and 2x in bands (the model: 49-60 ms -> 44-46 ms;
// the other fixture models within noise).
constexpr double kRowSplitMinFlops = 3e7;
// ... and so do smaller ones to at least kRowSplitWideChannels channels, from
// kRowSplitWideMinFlops (whatever the map's size). oneDNN's own split can give
// each thread output channels of every pixel (on a small map, which has few
// blocks of pixels to share out): each thread then reads the whole input, half
// of it from the other core's cache, where a band reads the rows its own
// thread wrote. PFLD's 14x14 layers of 256 channels, 2 threads: depthwise
// 0.017-0.023 -> 0.015-0.016 ms, 1x1 0.042-0.046 -> 0.037-0.043 ms; the model
// 1.248 -> 1.203 ms (medians of seven alternating rounds); YuNet 4-9 % and
// RetinaFace 0-6 % faster; the recognizer, Face Mesh, BlazeFace and SCRFD
// 500M within noise.
constexpr int64_t kRowSplitWideChannels = 128;
constexpr double kRowSplitWideMinFlops = 5e5;

double ConvFlops(const ConvGeometry& g) {
  double flops = 2.0 * static_cast<double>(g.batch * g.out_channels) *
                 static_cast<double>(g.in_channels / std::max<int64_t>(g.group, 1));
  for (int64_t d : g.out_size) flops *= static_cast<double>(d);
  for (int64_t k : g.kernel) flops *= static_cast<double>(k);
  return flops;
}

bool RowSplitPays(const ConvGeometry& g) {
  const double flops = ConvFlops(g);
  return flops >= kRowSplitMinFlops || (g.out_channels >= kRowSplitWideChannels && flops >= kRowSplitWideMinFlops);
}

const Tensor* InputOrNull(std::span<const Tensor* const> inputs, size_t i) {
  return i < inputs.size() ? inputs[i] : nullptr;
}

class DnnlConvKernel final : public Kernel {
 public:
  DnnlConvKernel(const KernelRequest& req, bool transpose, bool channels_last, FusedActivation activation)
      : node_(req.node),
        reference_(req.def.reference),
        transpose_(transpose),
        channels_last_(channels_last),
        threads_(req.threads),
        plan_cache_(req.plan_cache),
        time_plans_(req.time_plans) {
    epilogue_.sum = node_.HasInput(kSumInput);
    epilogue_.activation = std::move(activation);
    if (req.constant_inputs.size() > 1 && req.constant_inputs[1] != nullptr) constant_w_ = *req.constant_inputs[1];
  }

  Status Compute(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) override {
    return DnnlCall(node_, [&]() -> Status { return Run(inputs, outputs); });
  }

  // Y may be Sum's memory: every plan adds each Sum element once, into the Y
  // element it belongs to, before that is written (DnnlConvPlan skips its copy
  // of Sum then). Timing a new shape and the reference kernel get a copy.
  int OutputMayReuseInput(size_t output) const override {
    return output == 0 && epilogue_.sum ? static_cast<int>(kSumInput) : -1;
  }

 private:
  // nullptr plan: the reference kernel runs this shape.
  using PlanPtr = std::unique_ptr<ConvPlan>;

  Status Run(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) {
    if (inputs.size() < 2 || inputs[0] == nullptr || inputs[1] == nullptr) return NodeError(node_, "needs X and W");
    const Tensor* bias = InputOrNull(inputs, 2);
    const Tensor* sum = InputOrNull(inputs, kSumInput);
    const Tensor* slope = InputOrNull(inputs, kSlopeInput);
    Tensor& y = *outputs[0];
    ConvArgs args{inputs[0]->data<float>(),
                  inputs[1]->data<float>(),
                  bias ? bias->data<float>() : nullptr,
                  sum ? sum->data<float>() : nullptr,
                  slope ? slope->data<float>() : nullptr,
                  y.data<float>()};
    if (ConvPlan* plan = RepeatedPlan(*inputs[0], *inputs[1], bias, sum, slope, y)) {  // the last call's shapes
      if (y.size() != 0) plan->Execute(args);
      return Status::Ok();
    }
    if (channels_last_ && inputs[0]->rank() != 4) return NodeError(node_, "X must be 4-D NHWC");
    const Shape x_nchw = channels_last_ ? ToChannelsFirst(inputs[0]->shape()) : inputs[0]->shape();
    FF_ASSIGN_OR_RETURN(ConvGeometry g, ResolveConvGeometry(node_, transpose_, x_nchw, inputs[1]->shape(), bias));
    const Shape y_shape = channels_last_ ? ToChannelsLast(g.y_shape) : g.y_shape;
    if (y.shape() != y_shape || (sum != nullptr) != epilogue_.sum || (sum && sum->shape() != y_shape) ||
        (epilogue_.activation.kind == "PRelu") != (slope != nullptr) ||
        (slope && slope->size() != 1 && slope->size() != g.out_channels))
      return NodeError(node_, "inputs or output do not match the shapes infer gave");
    if (y.size() == 0) return Status::Ok();

    Shape key = inputs[0]->shape();
    key.insert(key.end(), inputs[1]->shape().begin(), inputs[1]->shape().end());
    key.push_back(slope ? slope->size() : 0);
    // Sum as it was, when Y is Sum's memory and it is read more than once (timing) or by the reference kernel.
    Tensor sum_copy;
    const bool sum_in_place = sum != nullptr && sum->raw() == y.raw();
    auto it = plans_.find(key);
    if (it == plans_.end() || it->second == nullptr) {
      if (sum_in_place) {
        FF_ASSIGN_OR_RETURN(sum_copy, Tensor::Allocate(DataType::kFloat32, sum->shape()));
        std::memcpy(sum_copy.raw(), sum->raw(), sum->bytes());
        args.sum = sum_copy.data<float>();
      }
    }
    if (it == plans_.end()) {
      ConvEpilogue epilogue = epilogue_;
      epilogue.slope_size = slope ? slope->size() : 0;
      it = plans_.emplace(key, PlanFor(g, epilogue, bias != nullptr, args)).first;
    }
    if (it->second == nullptr) {
      repeat_.reset();
      if (!sum_in_place) return reference_(node_, inputs, outputs);
      std::vector<const Tensor*> with_copy(inputs.begin(), inputs.end());
      with_copy[kSumInput] = &sum_copy;
      return reference_(node_, with_copy, outputs);
    }
    it->second->Execute(args);
    repeat_ = Repeat{inputs[0]->shape(), inputs[1]->shape(), bias ? bias->shape() : Shape{}, bias != nullptr,
                     slope ? slope->size() : -1, y_shape, it->second.get()};
    return Status::Ok();
  }

  // The last call's shapes, when it ran a plan: a call with the same ones (every run after the first of a model
  // with static shapes) takes that plan without resolving the geometry again (attribute lookups, a dozen small
  // vectors, the plan map).
  struct Repeat {
    Shape x, w, bias;
    bool has_bias;
    int64_t slope_size;  // -1 without a slope
    Shape y;
    ConvPlan* plan;
  };

  // The last call's plan when this call has its shapes; nullptr otherwise.
  ConvPlan* RepeatedPlan(const Tensor& x, const Tensor& w, const Tensor* bias, const Tensor* sum, const Tensor* slope,
                         const Tensor& y) const {
    if (!repeat_) return nullptr;
    const Repeat& r = *repeat_;
    const bool same = x.shape() == r.x && w.shape() == r.w && (bias != nullptr) == r.has_bias &&
                      (!bias || bias->shape() == r.bias) && (slope ? slope->size() : -1) == r.slope_size &&
                      y.shape() == r.y && (sum != nullptr) == epilogue_.sum && (!sum || sum->shape() == r.y);
    return same ? r.plan : nullptr;
  }

  // A batch of images that are each kPerImageConvFlops or more runs image by
  // image on the plan for one image (chosen, and cached, as for batch 1).
  PlanPtr PlanFor(const ConvGeometry& g, const ConvEpilogue& epilogue, bool has_bias, const ConvArgs& args) {
    if (g.batch <= 1 || ConvFlops(g) / static_cast<double>(g.batch) < kPerImageConvFlops)
      return FastestPlan(g, epilogue, has_bias, args);
    PlanPtr inner = FastestPlan(PerImageConvPlan::OneImage(g), epilogue, has_bias, args);
    if (inner == nullptr) return nullptr;
    return std::make_unique<PerImageConvPlan>(std::move(inner), g);
  }

  // Builds a plan per layout (and the depthwise plan where it applies), runs
  // each on `args` and returns the fastest; nullptr when none applies. Layouts are timed in interleaved
  // rounds and each keeps its best round, so a burst of load from other
  // processes does not decide the choice. Throws dnnl::error only for
  // failures while running a plan it could build.
  PlanPtr FastestPlan(const ConvGeometry& g, const ConvEpilogue& epilogue, bool has_bias, const ConvArgs& args) {
    const float* packed_w = constant_w_.empty() ? nullptr : constant_w_.data<float>();
    // On NHWC a convolution to 1-4 channels vectorises over the input channels (oneDNN's kernels over the output
    // ones leave most of each vector idle: a swapper's [134,134,128] x [3,128,7,7] 44 -> 12 ms on one thread):
    // untimed, whatever a cache recorded before this plan existed.
    if (channels_last_ && NarrowConvPlan::Applies(g, epilogue, packed_w != nullptr))
      return std::make_unique<NarrowConvPlan>(g, epilogue, packed_w);
    std::vector<PlanPtr> plans;
    const bool large = ConvFlops(g) >= kLargeConvFlops;
    std::string key;
    if (plan_cache_ != nullptr) {
      key = ConvPlanKey(g, epilogue, has_bias, channels_last_, threads_);
      if (auto choice = time_plans_ ? plan_cache_->Find(key) : std::nullopt) {
        if (PlanPtr plan = NamedPlan(*choice, g, epilogue, has_bias, packed_w)) {
          plan_cache_->CountHit();
          return plan;
        }
      }
    }
    // On NHWC a 3x3 stride-1 convolution runs by Winograd's F(2x2, 3x3): 1.3-2.4x faster than oneDNN's direct
    // kernel on every fixture shape measured (8 to 256 channels, 10x10 to 160x160), so untimed below 1 GFLOP;
    // a larger one is timed against the layouts (unless nothing is timed).
    const bool winograd = channels_last_ && WinogradConvPlan::Applies(g, epilogue, packed_w != nullptr);
    if (winograd && (!large || !time_plans_)) return std::make_unique<WinogradConvPlan>(g, epilogue, packed_w);
    if (winograd) plans.push_back(std::make_unique<WinogradConvPlan>(g, epilogue, packed_w));
    // On NHWC with two or more threads, a band of output rows per thread, untimed like the jit kernel below.
    if (channels_last_ && !large && RowSplitPays(g) && RowSplitConvPlan::Applies(g, threads_)) {
      try {
        return std::make_unique<RowSplitConvPlan>(g, epilogue, has_bias, packed_w, threads_);
      } catch (const dnnl::error&) {
        // oneDNN has no kernel for a band: the layouts below decide
      }
    }
    if (!time_plans_) return DefaultPlan(g, epilogue, has_bias, packed_w);
    for (ConvLayout layout : {ConvLayout::kChannelsLast, ConvLayout::kPlain, ConvLayout::kBlocked}) {
      // Plain NCHW on NHWC tensors pays two reorders: only a large convolution can win them back (oneDNN's gemm).
      if (channels_last_ && layout == ConvLayout::kPlain && !large) continue;
      std::unique_ptr<DnnlConvPlan> plan;
      try {
        plan = std::make_unique<DnnlConvPlan>(g, layout, epilogue, has_bias, packed_w, channels_last_);
      } catch (const dnnl::error&) {
        continue;  // this layout (or the whole geometry) is not implemented by oneDNN
      }
      // On NHWC tensors a channels-last primitive generated for this CPU (jit on AVX2, brgemm on AVX-512) needs
      // no reorder and was the fastest plan for every such convolution of the fixture models: take it untimed,
      // which keeps the first run short (timing every layout took SCRFD 500M's first run from 87 to 146-161 ms on
      // AVX-512, where the jit-only test let every brgemm primitive through to timing).
      if (channels_last_ && !large && layout == ConvLayout::kChannelsLast && plan->isa_kernel()) return plan;
      if (!large) plan->Execute(args);  // warm-up: first touch of internal buffers
      plans.push_back(std::move(plan));
    }
    if (!channels_last_ && DepthwiseConvApplies(g)) {
      plans.push_back(std::make_unique<DepthwiseConvPlan>(g, epilogue));
      if (!large) plans.back()->Execute(args);
    }
    if (plans.size() <= 1) return plans.empty() ? nullptr : std::move(plans[0]);
    std::vector<double> best_seconds(plans.size(), std::numeric_limits<double>::infinity());
    for (int round = 0; round < (large ? 1 : kTimingRounds); ++round) {
      for (size_t i = 0; i < plans.size(); ++i) {
        const auto start = std::chrono::steady_clock::now();
        plans[i]->Execute(args);
        const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
        best_seconds[i] = std::min(best_seconds[i], elapsed.count());
      }
    }
    const auto fastest = std::min_element(best_seconds.begin(), best_seconds.end()) - best_seconds.begin();
    if (plan_cache_ != nullptr) plan_cache_->Record(key, plans[static_cast<size_t>(fastest)]->name());
    return std::move(plans[static_cast<size_t>(fastest)]);
  }

  // The plan taken untimed (SessionOptions::time_plans false) where the layouts would be timed. On NHWC the
  // activations' own layout (no reorder); on NCHW the blocked layout, which timing picks for most NCHW shapes and
  // every depthwise one of PFLD (oneDNN's plain NCHW convolution is its im2col gemm: 2.5-3.4x slower over PFLD,
  // YuNet and RetinaFace); else the others, then the own depthwise plan; nullptr when none builds.
  PlanPtr DefaultPlan(const ConvGeometry& g, const ConvEpilogue& epilogue, bool has_bias, const float* packed_w) {
    const auto order = channels_last_
                           ? std::array{ConvLayout::kChannelsLast, ConvLayout::kBlocked, ConvLayout::kPlain}
                           : std::array{ConvLayout::kBlocked, ConvLayout::kPlain, ConvLayout::kChannelsLast};
    for (ConvLayout layout : order) {
      try {
        return std::make_unique<DnnlConvPlan>(g, layout, epilogue, has_bias, packed_w, channels_last_);
      } catch (const dnnl::error&) {
        // not implemented by oneDNN for this layout: the next one
      }
    }
    if (!channels_last_ && DepthwiseConvApplies(g)) return std::make_unique<DepthwiseConvPlan>(g, epilogue);
    return nullptr;
  }

  // The plan a cache entry names, when it applies and oneDNN builds it; nullptr otherwise (then the plans are timed).
  PlanPtr NamedPlan(const std::string& name, const ConvGeometry& g, const ConvEpilogue& epilogue, bool has_bias,
                    const float* packed_w) {
    if (name == WinogradConvPlan::kName) {
      return channels_last_ && WinogradConvPlan::Applies(g, epilogue, packed_w != nullptr)
                 ? std::make_unique<WinogradConvPlan>(g, epilogue, packed_w)
                 : nullptr;
    }
    if (name == "own-depthwise") {
      return !channels_last_ && DepthwiseConvApplies(g) ? std::make_unique<DepthwiseConvPlan>(g, epilogue) : nullptr;
    }
    for (ConvLayout layout : {ConvLayout::kPlain, ConvLayout::kBlocked, ConvLayout::kChannelsLast}) {
      if (name != ConvLayoutName(layout)) continue;
      try {
        return std::make_unique<DnnlConvPlan>(g, layout, epilogue, has_bias, packed_w, channels_last_);
      } catch (const dnnl::error&) {
        return nullptr;
      }
    }
    return nullptr;
  }

  const Node node_;
  const ComputeFn reference_;
  const bool transpose_;
  const bool channels_last_;  // NhwcConv
  const int threads_;
  PlanCache* const plan_cache_;  // nullptr when the kernel was created without one
  const bool time_plans_;        // false: DefaultPlan where the layouts would be timed
  ConvEpilogue epilogue_;
  Tensor constant_w_;  // empty when W is not an initializer
  std::map<Shape, PlanPtr> plans_;
  std::optional<Repeat> repeat_;  // points into plans_, whose plans live as long as the kernel
};

// Leaves non-float32 nodes to the reference kernel (validate already rejects them).
bool AllFloat32(const KernelRequest& req) {
  for (DataType t : req.input_types)
    if (t != DataType::kFloat32 && t != DataType::kUndefined) return false;
  return true;
}

KernelFactory ConvFactory(bool transpose) {
  return [transpose](const KernelRequest& req) -> Result<std::unique_ptr<Kernel>> {
    if (!AllFloat32(req)) return std::unique_ptr<Kernel>();
    FusedActivation activation;
    const bool channels_last = req.node.op_type == "NhwcConv";
    if (req.node.op_type == "FusedConv" || channels_last) {
      FF_ASSIGN_OR_RETURN(activation, ReadFusedActivation(req.node));
    }
    return std::unique_ptr<Kernel>(
        std::make_unique<DnnlConvKernel>(req, transpose, channels_last, std::move(activation)));
  };
}

}  // namespace

void RegisterDnnlConvKernels(CpuKernelTable& t) {
  t.Add("", "Conv", ConvFactory(false));
  t.Add("", "ConvTranspose", ConvFactory(true));
  t.Add("facefuse", "FusedConv", ConvFactory(false));
  t.Add("facefuse", "NhwcConv", ConvFactory(false));
}

}  // namespace facefuse::rt::cpu
