// BatchNormalization and LayerNormalization on oneDNN's normalization
// primitives (float32); InstanceNormalization in own OpenMP code (oneDNN has
// no instance normalization with a per-channel scale). Other dtypes, ranks
// oneDNN does not take, and LayerNormalization's Mean/InvStdDev outputs run
// the reference kernel.
#include <cmath>
#include <map>
#include <vector>

#include <omp.h>

#include "common/parallel_for.h"
#include "runtime/ops/norm.h"
#include "runtime/ops/op_util.h"
#include "runtime/providers/cpu/cpu_kernels.h"
#include "runtime/providers/cpu/dnnl_util.h"

namespace facefuse::rt::cpu {
namespace {

using dnnl::memory;
using dnnl::normalization_flags;

bool AllFloat32(std::span<const Tensor* const> inputs) {
  for (const Tensor* t : inputs)
    if (t != nullptr && t->dtype() != DataType::kFloat32) return false;
  return true;
}

std::vector<float> ToFloats(const std::vector<double>& v) { return std::vector<float>(v.begin(), v.end()); }

// ---- BatchNormalization ----

class DnnlBatchNormKernel final : public Kernel {
 public:
  explicit DnnlBatchNormKernel(const KernelRequest& req) : node_(req.node), def_(req.def) {}

  Status Compute(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) override {
    const Tensor& x = *inputs[0];
    if (!AllFloat32(inputs) || x.rank() < 2 || x.rank() > 5 || inputs.size() < 5) {
      return def_.reference(node_, inputs, outputs);
    }
    if (x.size() == 0) return Status::Ok();
    if (outputs[0]->shape() != x.shape()) return NodeError(node_, "the output is not the input's shape");
    for (size_t i = 1; i < 5; ++i) {
      if (inputs[i] == nullptr || inputs[i]->size() != x.dim(1)) {
        return NodeError(node_, "scale, B, mean and var must have one value per channel");
      }
    }
    return DnnlCall(node_, [&] {
      if (!primitive_ || x.shape() != shape_) {
        data_md_ = PlainDesc(x.shape());
        const auto flags = normalization_flags::use_global_stats | normalization_flags::use_scale |
                           normalization_flags::use_shift;
        dnnl::batch_normalization_forward::desc desc(dnnl::prop_kind::forward_inference, data_md_,
                                                     node_.GetFloat("epsilon", 1e-5f), flags);
        primitive_ = dnnl::batch_normalization_forward({desc, DnnlEngine()});
        shape_ = x.shape();
      }
      const memory::desc channel_md = PlainDesc({x.dim(1)});
      primitive_.execute(DnnlStream(), {{DNNL_ARG_SRC, WrapMemory(data_md_, x.raw())},
                                        {DNNL_ARG_DST, WrapMemory(data_md_, outputs[0]->raw())},
                                        {DNNL_ARG_SCALE, WrapMemory(channel_md, inputs[1]->raw())},
                                        {DNNL_ARG_SHIFT, WrapMemory(channel_md, inputs[2]->raw())},
                                        {DNNL_ARG_MEAN, WrapMemory(channel_md, inputs[3]->raw())},
                                        {DNNL_ARG_VARIANCE, WrapMemory(channel_md, inputs[4]->raw())}});
      DnnlStream().wait();
    });
  }

 private:
  Node node_;
  const OpDef& def_;
  Shape shape_;
  memory::desc data_md_;
  dnnl::batch_normalization_forward primitive_;
};

// ---- LayerNormalization ----

class DnnlLayerNormKernel final : public Kernel {
 public:
  explicit DnnlLayerNormKernel(const KernelRequest& req) : node_(req.node), def_(req.def) {}

  Status Compute(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) override {
    const Tensor& x = *inputs[0];
    if (!AllFloat32(inputs)) return def_.reference(node_, inputs, outputs);
    FF_ASSIGN_OR_RETURN(LayerNormExtents e, ComputeLayerNormExtents(node_, x.shape()));
    if (x.size() == 0) return Status::Ok();
    if (outputs[0]->shape() != x.shape()) return NodeError(node_, "the output is not the input's shape");
    // Scale and B are expanded to the normalised shape on every call: they are
    // inner-sized, small next to X.
    const Tensor* bias = inputs.size() > 2 ? inputs[2] : nullptr;
    FF_ASSIGN_OR_RETURN(std::vector<double> scale, ExpandNormParam(node_, inputs[1], e, 1));
    FF_ASSIGN_OR_RETURN(std::vector<double> shift, ExpandNormParam(node_, bias, e, 0));
    scale_ = ToFloats(scale);
    shift_ = ToFloats(shift);
    return DnnlCall(node_, [&] {
      const memory::dims dims = {e.outer, e.inner};
      if (!primitive_ || dims != dims_) {
        data_md_ = PlainDesc({e.outer, e.inner});
        const auto flags = normalization_flags::use_scale | normalization_flags::use_shift;
        dnnl::layer_normalization_forward::desc desc(dnnl::prop_kind::forward_inference, data_md_,
                                                     node_.GetFloat("epsilon", 1e-5f), flags);
        primitive_ = dnnl::layer_normalization_forward({desc, DnnlEngine()});
        dims_ = dims;
      }
      const memory::desc param_md = PlainDesc({e.inner});
      primitive_.execute(DnnlStream(), {{DNNL_ARG_SRC, WrapMemory(data_md_, x.raw())},
                                        {DNNL_ARG_DST, WrapMemory(data_md_, outputs[0]->raw())},
                                        {DNNL_ARG_SCALE, WrapMemory(param_md, scale_.data())},
                                        {DNNL_ARG_SHIFT, WrapMemory(param_md, shift_.data())}});
      DnnlStream().wait();
    });
  }

 private:
  Node node_;
  const OpDef& def_;
  memory::dims dims_;
  memory::desc data_md_;
  dnnl::layer_normalization_forward primitive_;
  std::vector<float> scale_, shift_;
};

// ---- InstanceNormalization ----

class InstanceNormKernel final : public Kernel {
 public:
  explicit InstanceNormKernel(const KernelRequest& req) : node_(req.node), def_(req.def) {}

  Status Compute(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) override {
    const Tensor& x = *inputs[0];
    if (!AllFloat32(inputs)) return def_.reference(node_, inputs, outputs);
    const int64_t channels = x.dim(1), planes = x.dim(0) * channels, inner = x.size() / std::max<int64_t>(planes, 1);
    if (x.size() == 0) return Status::Ok();
    const float* scale = inputs[1]->data<float>();
    const float* bias = inputs[2]->data<float>();
    const float* src = x.data<float>();
    float* dst = outputs[0]->data<float>();
    const auto epsilon = static_cast<double>(node_.GetFloat("epsilon", 1e-5f));
    ParallelFor(planes, x.size() > (1 << 15), omp_get_max_threads(), [&](int64_t p) {
      const float* xp = src + p * inner;
      float* yp = dst + p * inner;
      double sum = 0;
#pragma omp simd reduction(+ : sum)
      for (int64_t i = 0; i < inner; ++i) sum += xp[i];
      const double mean = sum / static_cast<double>(inner);
      double squares = 0;
#pragma omp simd reduction(+ : squares)
      for (int64_t i = 0; i < inner; ++i) squares += (xp[i] - mean) * (xp[i] - mean);
      const double inv_std = 1.0 / std::sqrt(squares / static_cast<double>(inner) + epsilon);
      const auto a = static_cast<float>(scale[p % channels] * inv_std);
      const auto b = static_cast<float>(bias[p % channels] - mean * scale[p % channels] * inv_std);
#pragma omp simd
      for (int64_t i = 0; i < inner; ++i) yp[i] = xp[i] * a + b;
    });
    return Status::Ok();
  }

 private:
  Node node_;
  const OpDef& def_;
};

template <typename K>
Result<std::unique_ptr<Kernel>> MakeKernel(const KernelRequest& req) {
  for (DataType t : req.input_types)
    if (t != DataType::kFloat32 && t != DataType::kUndefined) return std::unique_ptr<Kernel>();
  for (size_t i = 1; i < req.node.outputs.size(); ++i)
    if (!req.node.outputs[i].empty()) return std::unique_ptr<Kernel>();
  return std::unique_ptr<Kernel>(new K(req));
}

}  // namespace

void RegisterNormKernels(CpuKernelTable& t) {
  t.Add("", "BatchNormalization", MakeKernel<DnnlBatchNormKernel>);
  t.Add("", "LayerNormalization", MakeKernel<DnnlLayerNormKernel>);
  t.Add("", "InstanceNormalization", MakeKernel<InstanceNormKernel>);
}

}  // namespace facefuse::rt::cpu
