// CPU kernels for Resize and Upsample.
//
// Nearest (any rank, any 1/2/4/8-byte dtype): output rows (runs of the last
// axis) are gathered through the last axis's index table, with a dedicated
// loop for integer upscale factors (2x is the common face-detector FPN case);
// consecutive output rows that read the same input row are memcpy'd from the
// first one. Linear and cubic float32 resizing of the last two axes (all other
// axes unchanged) evaluates the plan's taps directly. Everything else (other
// axis combinations, tf_crop_and_resize extrapolation in nearest mode) runs the
// reference kernel.
#include <omp.h>

#include <cstring>
#include <vector>

#include "common/parallel_for.h"
#include "runtime/ops/resize_plan.h"
#include "runtime/providers/cpu/cpu_kernels.h"

namespace facefuse::rt::cpu {
namespace {

// Below this many output bytes the kernels stay single-threaded.
constexpr size_t kParallelBytes = size_t{1} << 16;

// The integer factor k when the axis maps output j to input j / k for every j; 0 otherwise.
int64_t IntegerUpscale(const ResizeAxis& axis) {
  if (axis.in_size == 0 || axis.out_size % axis.in_size != 0) return 0;
  const int64_t k = axis.out_size / axis.in_size;
  for (int64_t j = 0; j < axis.out_size; ++j)
    if (axis.index[static_cast<size_t>(j)] != j / k) return 0;
  return k;
}

template <typename U>
void GatherRow(const U* in, U* out, const int64_t* index, int64_t width, int64_t factor) {
  if (factor == 1) {
    std::memcpy(out, in, static_cast<size_t>(width) * sizeof(U));
  } else if (factor == 2) {
    for (int64_t j = 0; j < width / 2; ++j) out[2 * j] = out[2 * j + 1] = in[j];
  } else if (factor > 2) {
    for (int64_t j = 0; j < width / factor; ++j)
      for (int64_t k = 0; k < factor; ++k) out[j * factor + k] = in[j];
  } else {
    for (int64_t j = 0; j < width; ++j) out[j] = in[index[j]];
  }
}

// Precondition: !plan.any_outside, rank >= 1.
template <typename U>
void NearestRows(const ResizePlan& plan, const Shape& in_shape, const U* in, U* out, int threads) {
  const size_t rank = in_shape.size();
  const ResizeAxis& last = plan.axes.back();
  const int64_t width = last.out_size;
  const int64_t factor = IntegerUpscale(last);
  const std::vector<int64_t> in_strides = Strides(in_shape);
  // Input offset of every output row, then runs of equal consecutive offsets.
  const int64_t rows = NumElements(plan.out_shape) / width;
  std::vector<int64_t> row_offset(static_cast<size_t>(rows), 0);
  std::vector<int64_t> o(rank - 1, 0);
  for (int64_t r = 0; r < rows; ++r) {
    int64_t offset = 0;
    for (size_t d = 0; d + 1 < rank; ++d) offset += plan.axes[d].index[static_cast<size_t>(o[d])] * in_strides[d];
    row_offset[static_cast<size_t>(r)] = offset;
    for (size_t d = rank - 1; d-- > 0;) {
      if (++o[d] < plan.out_shape[d]) break;
      o[d] = 0;
    }
  }
  std::vector<int64_t> run_start;
  for (int64_t r = 0; r < rows; ++r)
    if (r == 0 || row_offset[static_cast<size_t>(r)] != row_offset[static_cast<size_t>(r - 1)]) run_start.push_back(r);
  run_start.push_back(rows);
  const int64_t runs = static_cast<int64_t>(run_start.size()) - 1;
  const size_t row_bytes = static_cast<size_t>(width) * sizeof(U);
  const bool parallel = static_cast<size_t>(rows) * row_bytes >= kParallelBytes && threads > 1;
  ParallelFor(runs, parallel, threads, [&](int64_t run) {
    const int64_t first = run_start[static_cast<size_t>(run)];
    U* dst = out + first * width;
    GatherRow(in + row_offset[static_cast<size_t>(first)], dst, last.index.data(), width, factor);
    for (int64_t r = first + 1; r < run_start[static_cast<size_t>(run) + 1]; ++r)
      std::memcpy(out + r * width, dst, row_bytes);
  });
}

// Precondition: float32, rank >= 2, every axis but the last two is an identity.
void Weighted2D(const ResizePlan& plan, const Shape& in_shape, const float* in, float* out, int threads) {
  const size_t rank = in_shape.size();
  const ResizeAxis& ay = plan.axes[rank - 2];
  const ResizeAxis& ax = plan.axes[rank - 1];
  const int64_t in_plane = ay.in_size * ax.in_size;
  const int64_t out_w = ax.out_size;
  const int64_t rows = NumElements(plan.out_shape) / out_w;  // planes * out_h
  const float fill = plan.attrs.extrapolation_value;
  const bool parallel = static_cast<size_t>(rows * out_w) * sizeof(float) >= kParallelBytes && threads > 1;
  ParallelFor(rows, parallel, threads, [&](int64_t r) {
    const int64_t plane = r / ay.out_size, oy = r % ay.out_size;
    const float* src = in + plane * in_plane;
    float* dst = out + r * out_w;
    if (ay.outside[static_cast<size_t>(oy)]) {
      for (int64_t ox = 0; ox < out_w; ++ox) dst[ox] = fill;
      return;
    }
    for (int64_t ox = 0; ox < out_w; ++ox) {
      if (ax.outside[static_cast<size_t>(ox)]) {
        dst[ox] = fill;
        continue;
      }
      float acc = 0;
      for (int ty = 0; ty < ay.taps; ++ty) {
        const size_t ky = static_cast<size_t>(oy * ay.taps + ty);
        const float* line = src + ay.index[ky] * ax.in_size;
        float row_acc = 0;
        for (int tx = 0; tx < ax.taps; ++tx) {
          const size_t kx = static_cast<size_t>(ox * ax.taps + tx);
          row_acc += ax.weight[kx] * line[ax.index[kx]];
        }
        acc += ay.weight[ky] * row_acc;
      }
      dst[ox] = acc;
    }
  });
}

bool OuterAxesAreIdentity(const ResizePlan& plan, size_t inner) {
  for (size_t d = 0; d + inner < plan.axes.size(); ++d)
    if (!plan.axes[d].identity) return false;
  return true;
}

class ResizeKernel final : public Kernel {
 public:
  ResizeKernel(const Node& node, ComputeFn reference, int threads)
      : node_(node), reference_(reference), threads_(threads) {}

  Status Compute(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) override {
    FF_ASSIGN_OR_RETURN(ResizePlan plan, MakeResizePlan(node_, inputs));
    const Tensor& x = *inputs[0];
    Tensor& y = *outputs[0];
    if (y.shape() != plan.out_shape || y.dtype() != x.dtype())
      return NodeError(node_, "output buffer does not match the inferred shape");
    const size_t rank = plan.out_shape.size();
    if (y.size() == 0) return Status::Ok();
    if (plan.attrs.mode == ResizeMode::kNearest && rank >= 1 && !plan.any_outside) {
      return DispatchElementSize(node_, x.dtype(), [&](auto zero) {
        using U = decltype(zero);
        NearestRows<U>(plan, x.shape(), x.data<U>(), y.data<U>(), threads_);
        return Status::Ok();
      });
    }
    if (plan.attrs.mode != ResizeMode::kNearest && x.dtype() == DataType::kFloat32 && rank >= 2 &&
        OuterAxesAreIdentity(plan, 2)) {
      Weighted2D(plan, x.shape(), x.data<float>(), y.data<float>(), threads_);
      return Status::Ok();
    }
    return reference_(node_, inputs, outputs);
  }

 private:
  Node node_;
  ComputeFn reference_;
  int threads_;
};

Result<std::unique_ptr<Kernel>> MakeResizeKernel(const KernelRequest& req) {
  if (req.def.reference == nullptr) return std::unique_ptr<Kernel>();
  return std::unique_ptr<Kernel>(new ResizeKernel(req.node, req.def.reference, req.threads));
}

}  // namespace

void RegisterResizeKernels(CpuKernelTable& t) {
  t.Add("", "Resize", MakeResizeKernel);
  t.Add("", "Upsample", MakeResizeKernel);
}

}  // namespace facefuse::rt::cpu
