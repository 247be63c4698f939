// CPU kernels for the reductions: oneDNN's reduction primitive for float32
// ReduceMean/ReduceSum/ReduceMax, an own vectorised loop for float32 ArgMax.
// Other dtypes (and empty tensors) run the op's reference kernel.
#include <algorithm>
#include <cstring>
#include <vector>

#include "common/parallel_for.h"
#include "runtime/ops/op_util.h"
#include "runtime/ops/reduce_axes.h"
#include "runtime/providers/cpu/cpu_kernels.h"
#include "runtime/providers/cpu/dnnl_util.h"

namespace facefuse::rt::cpu {
namespace {

constexpr int64_t kParallelMin = 1 << 16;  // input elements below which one thread is faster

// A shape with size-1 dims dropped and adjacent dims of the same kind (reduced
// or kept) merged: [1,C,H,W] reducing H and W becomes [C, H*W], reducing dim 1.
struct CollapsedReduce {
  Shape src, dst;  // dst has 1 where src is reduced
  bool any_reduced = false;
};

CollapsedReduce Collapse(const Shape& shape, const std::vector<bool>& reduced) {
  CollapsedReduce c;
  bool last_reduced = false;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    if (!c.src.empty() && reduced[d] == last_reduced) {
      c.src.back() *= shape[d];
      if (!reduced[d]) c.dst.back() *= shape[d];
    } else {
      c.src.push_back(shape[d]);
      c.dst.push_back(reduced[d] ? 1 : shape[d]);
    }
    last_reduced = reduced[d];
    c.any_reduced = c.any_reduced || reduced[d];
  }
  return c;
}

class DnnlReduceKernel final : public Kernel {
 public:
  DnnlReduceKernel(const KernelRequest& req, dnnl::algorithm alg)
      : node_(req.node), reference_(req.def.reference), alg_(alg) {}

  Status Compute(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) override {
    const Tensor& in = *inputs[0];
    Tensor& out = *outputs[0];
    if (in.dtype() != DataType::kFloat32 || in.size() == 0) return reference_(node_, inputs, outputs);
    FF_ASSIGN_OR_RETURN(ReduceGeometry g, ResolveReduce(node_, inputs));
    if (g.noop) return reference_(node_, inputs, outputs);
    if (in.shape() != shape_ || g.reduced != reduced_) {
      shape_ = in.shape();
      reduced_ = g.reduced;
      CollapsedReduce c = Collapse(shape_, reduced_);
      copy_only_ = !c.any_reduced;  // only size-1 dims are reduced: the data is unchanged
      if (!copy_only_) {
        FF_RETURN_IF_ERROR(DnnlCall(node_, [&] {
          src_md_ = PlainDesc(c.src);
          dst_md_ = PlainDesc(c.dst);
          prim_ = dnnl::reduction(
              dnnl::reduction::primitive_desc(dnnl::reduction::desc(alg_, src_md_, dst_md_, 0.f, 0.f), DnnlEngine()));
        }));
      }
    }
    if (copy_only_) {
      if (out.bytes() != in.bytes()) return NodeError(node_, "the output does not have the input's size");
      std::memcpy(out.raw(), in.raw(), out.bytes());
      return Status::Ok();
    }
    FF_RETURN_IF_ERROR(CheckFits(node_, dst_md_, out));
    return DnnlCall(node_, [&] {
      dnnl::stream& stream = DnnlStream();
      prim_.execute(stream,
                    {{DNNL_ARG_SRC, WrapMemory(src_md_, in.raw())}, {DNNL_ARG_DST, WrapMemory(dst_md_, out.raw())}});
      stream.wait();
    });
  }

 private:
  Node node_;
  ComputeFn reference_;
  dnnl::algorithm alg_;
  // Cached for the last input shape and reduced axes.
  Shape shape_;
  std::vector<bool> reduced_;
  bool copy_only_ = false;
  dnnl::memory::desc src_md_, dst_md_;
  dnnl::reduction prim_;
};

class ArgMaxKernel final : public Kernel {
 public:
  explicit ArgMaxKernel(const KernelRequest& req)
      : node_(req.node), reference_(req.def.reference), threads_(req.threads) {}

  Status Compute(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) override {
    const Tensor& in = *inputs[0];
    if (in.dtype() != DataType::kFloat32) return reference_(node_, inputs, outputs);
    FF_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(node_, node_.GetInt("axis", 0), in.rank()));
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < axis; ++d) outer *= in.dim(d);
    for (int64_t d = axis + 1; d < in.rank(); ++d) inner *= in.dim(d);
    const int64_t n = in.dim(axis);
    if (node_.GetInt("select_last_index", 0) != 0)
      Run<true>(in.data<float>(), outer, n, inner, outputs[0]->data<int64_t>());
    else
      Run<false>(in.data<float>(), outer, n, inner, outputs[0]->data<int64_t>());
    return Status::Ok();
  }

 private:
  // y[o, j] = index k of the largest x[o, k, j] (the first of equals, or the last when kLast).
  template <bool kLast>
  void Run(const float* x, int64_t outer, int64_t n, int64_t inner, int64_t* y) const {
    auto better = [](float v, float best) { return kLast ? v >= best : v > best; };
    const bool parallel = threads_ > 1 && outer > 1 && outer * n * inner >= kParallelMin;
    ParallelForWithScratch(
        outer, parallel, threads_, [&] { return std::vector<float>(static_cast<size_t>(inner)); },
        [&](int64_t o, std::vector<float>& best) {
          const float* row = x + o * n * inner;
          int64_t* idx = y + o * inner;
          if (inner == 1) {
            int64_t b = 0;
            for (int64_t k = 1; k < n; ++k) b = better(row[k], row[b]) ? k : b;
            idx[0] = b;
            return;
          }
          std::copy_n(row, inner, best.begin());
          std::fill_n(idx, inner, 0);
          for (int64_t k = 1; k < n; ++k) {
            const float* v = row + k * inner;
            for (int64_t j = 0; j < inner; ++j) {
              const bool take = better(v[j], best[j]);
              best[j] = take ? v[j] : best[j];
              idx[j] = take ? k : idx[j];
            }
          }
        });
  }

  Node node_;
  ComputeFn reference_;
  int threads_;
};

// Leaves nodes whose input is known not to be float32 to the reference kernel.
bool IsFloat32OrUnknown(const KernelRequest& req) {
  return req.input_types.empty() || req.input_types[0] == DataType::kFloat32 ||
         req.input_types[0] == DataType::kUndefined;
}

KernelFactory ReduceFactory(dnnl::algorithm alg) {
  return [alg](const KernelRequest& req) -> Result<std::unique_ptr<Kernel>> {
    if (!IsFloat32OrUnknown(req)) return std::unique_ptr<Kernel>();
    return std::unique_ptr<Kernel>(new DnnlReduceKernel(req, alg));
  };
}

}  // namespace

void RegisterReduceKernels(CpuKernelTable& t) {
  t.Add("", "ReduceMean", ReduceFactory(dnnl::algorithm::reduction_mean));
  t.Add("", "ReduceSum", ReduceFactory(dnnl::algorithm::reduction_sum));
  t.Add("", "ReduceMax", ReduceFactory(dnnl::algorithm::reduction_max));
  t.Add("", "ArgMax", [](const KernelRequest& req) -> Result<std::unique_ptr<Kernel>> {
    if (!IsFloat32OrUnknown(req)) return std::unique_ptr<Kernel>();
    return std::unique_ptr<Kernel>(new ArgMaxKernel(req));
  });
}

}  // namespace facefuse::rt::cpu
