// MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool on oneDNN pooling
// (1-D, 2-D and 3-D; float32, and int8/uint8 for max pooling), and
// facefuse.NhwcMaxPool/NhwcAveragePool.
//
// ONNX's ceil_mode is expressed as extra right padding. oneDNN's
// avg_include_padding always divides by the full kernel size, while ONNX
// counts only the positions inside the explicitly padded input, so a shape
// whose last window reaches past the explicit padding runs the reference
// kernel, as do other spatial ranks and shapes oneDNN rejects. The Indices
// output of MaxPool is left to the reference kernel. 2-D float pooling runs
// the provider's own kernels (pool_2d.h) on both layouts: oneDNN 2.6's
// plain-layout implementation is scalar for most shapes, and its channels-last
// one was 3-9x slower than ours on the detectors' pools (AVX2, 1 thread).
#include <algorithm>
#include <map>

#include "runtime/ops/channels_last.h"
#include "runtime/ops/op_util.h"
#include "runtime/ops/pool.h"
#include "runtime/providers/cpu/cpu_kernels.h"
#include "runtime/providers/cpu/dnnl_util.h"
#include "runtime/providers/cpu/pool_2d.h"

namespace facefuse::rt::cpu {
namespace {

using dnnl::memory;

class DnnlPoolKernel final : public Kernel {
 public:
  explicit DnnlPoolKernel(const KernelRequest& req)
      : node_(req.node), def_(req.def), channels_last_(req.node.op_type.starts_with("Nhwc")) {
    if (node_.op_type.find("Max") != std::string::npos) algorithm_ = dnnl::algorithm::pooling_max;
    else if (node_.GetInt("count_include_pad", 0) != 0) algorithm_ = dnnl::algorithm::pooling_avg_include_padding;
    else algorithm_ = dnnl::algorithm::pooling_avg_exclude_padding;
    own_kind_ = algorithm_ == dnnl::algorithm::pooling_max                   ? Pool2dKind::kMax
                : algorithm_ == dnnl::algorithm::pooling_avg_include_padding ? Pool2dKind::kAverageCountPads
                                                                             : Pool2dKind::kAverage;
  }

  Status Compute(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) override {
    const Tensor& x = *inputs[0];
    Tensor& y = *outputs[0];
    auto it = plans_.find(x.shape());
    if (it == plans_.end()) {
      FF_ASSIGN_OR_RETURN(Plan plan, MakePlan(x));
      it = plans_.emplace(x.shape(), std::move(plan)).first;
    }
    const Plan& p = it->second;
    if (y.size() == 0) return Status::Ok();
    if (p.own_pool) {
      if (y.shape() != (channels_last_ ? ToChannelsLast(p.geometry.out) : p.geometry.out)) return NodeError(node_, "the output does not have the shape the pooling makes");
      if (channels_last_) {
        Pool2dChannelsLast(own_kind_, p.geometry, x.data<float>(), y.data<float>());
      } else {
        Pool2d(own_kind_, p.geometry, x.data<float>(), y.data<float>());
      }
      return Status::Ok();
    }
    if (p.use_reference) return def_.reference(node_, inputs, outputs);
    if (channels_last_ && y.shape() != ToChannelsLast(p.geometry.out))
      return NodeError(node_, "the output does not have the shape the pooling makes");
    FF_RETURN_IF_ERROR(CheckFits(node_, p.dst_md, y));
    return DnnlCall(node_, [&] {
      p.primitive.execute(DnnlStream(), {{DNNL_ARG_SRC, WrapMemory(p.src_md, x.raw())},
                                         {DNNL_ARG_DST, WrapMemory(p.dst_md, y.raw())}});
      DnnlStream().wait();
    });
  }

 private:
  struct Plan {
    bool own_pool = false;  // Pool2d: plain 2-D float pooling
    PoolGeometry geometry;  // on the NCHW shape
    bool use_reference = true;
    memory::desc src_md, dst_md;
    dnnl::pooling_v2_forward primitive;
  };

  Result<Plan> MakePlan(const Tensor& x) {
    if (channels_last_ && x.rank() != 4) return NodeError(node_, "X must be 4-D NHWC");
    const Shape x_nchw = channels_last_ ? ToChannelsFirst(x.shape()) : x.shape();
    FF_ASSIGN_OR_RETURN(PoolGeometry g, ComputePoolGeometry(node_, x_nchw));
    Plan p;
    p.geometry = g;
    if (x.dtype() == DataType::kFloat32 && Pool2dApplies(g)) {
      p.own_pool = true;
      return p;
    }
    const size_t rank = g.kernel.size();
    auto type = ToDnnlType(x.dtype());
    if (rank < 1 || rank > 3 || !type.ok() || NumElements(g.out) == 0) return p;
    memory::dims pad_right(rank), dilation(rank);
    for (size_t i = 0; i < rank; ++i) {
      const int64_t extent = (g.kernel[i] - 1) * g.dilations[i] + 1;
      // The right padding that makes oneDNN's floor formula give ONNX's output size.
      pad_right[i] = std::max(g.pads_end[i], (g.out_spatial[i] - 1) * g.strides[i] + extent - g.in_spatial[i] -
                                                 g.pads_begin[i]);
      if (algorithm_ == dnnl::algorithm::pooling_avg_include_padding && pad_right[i] > g.pads_end[i]) return p;
      dilation[i] = g.dilations[i] - 1;  // oneDNN counts the gaps between taps
    }
    p.src_md = channels_last_ ? ChannelsLastDesc(x_nchw, *type) : PlainDesc(x_nchw, *type);
    p.dst_md = channels_last_ ? ChannelsLastDesc(g.out, *type) : PlainDesc(g.out, *type);
    try {
      dnnl::pooling_v2_forward::desc desc(dnnl::prop_kind::forward_inference, algorithm_, p.src_md, p.dst_md,
                                          g.strides, g.kernel, dilation, g.pads_begin, pad_right);
      p.primitive = dnnl::pooling_v2_forward(dnnl::pooling_v2_forward::primitive_desc(desc, DnnlEngine()));
      p.use_reference = false;
    } catch (const dnnl::error& e) {
      if (e.status != dnnl_unimplemented && e.status != dnnl_invalid_arguments) return DnnlErrorStatus(node_, e);
    }
    return p;
  }

  Node node_;
  const OpDef& def_;
  const bool channels_last_;  // NhwcMaxPool, NhwcAveragePool
  dnnl::algorithm algorithm_;
  Pool2dKind own_kind_;
  std::map<Shape, Plan> plans_;  // by input shape
};

Result<std::unique_ptr<Kernel>> MakePoolKernel(const KernelRequest& req) {
  const bool wants_indices = req.node.outputs.size() > 1 && !req.node.outputs[1].empty();
  if (wants_indices || req.input_types.empty() || !ToDnnlType(req.input_types[0]).ok())
    return std::unique_ptr<Kernel>();
  return std::unique_ptr<Kernel>(new DnnlPoolKernel(req));
}

}  // namespace

void RegisterDnnlPoolKernels(CpuKernelTable& t) {
  for (const char* op : {"MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool"}) t.Add("", op, MakePoolKernel);
  for (const char* op : {"NhwcMaxPool", "NhwcAveragePool"}) t.Add("facefuse", op, MakePoolKernel);
}

}  // namespace facefuse::rt::cpu
