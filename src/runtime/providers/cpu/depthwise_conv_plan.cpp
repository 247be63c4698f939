#include "runtime/providers/cpu/depthwise_conv_plan.h"

#include <algorithm>
#include <string>
#include <vector>

#include <omp.h>

#include "common/parallel_for.h"
#include "runtime/ops/activation.h"

namespace facefuse::rt::cpu {
namespace {

// The output columns [begin, end) whose input column ox * stride - pad + k lies in [0, in_w).
struct Columns {
  int64_t begin, end;
};

Columns ValidColumns(int64_t k, int64_t stride, int64_t pad, int64_t in_w, int64_t out_w) {
  const int64_t offset = k - pad;  // input column of output 0
  int64_t begin = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  int64_t end = in_w - 1 - offset < 0 ? 0 : (in_w - 1 - offset) / stride + 1;
  begin = std::min(begin, out_w);
  end = std::clamp(end, begin, out_w);
  return {begin, end};
}

// y[ox] += w * x[ox * stride + offset] for ox in `c`.
// Strides 1 and 2 get their own loops so the compiler vectorises them.
void AccumulateTap(float* y, const float* x, float w, int64_t stride, int64_t offset, Columns c) {
  if (stride == 1) {
    for (int64_t ox = c.begin; ox < c.end; ++ox) y[ox] += w * x[ox + offset];
    return;
  }
  if (stride == 2) {
    for (int64_t ox = c.begin; ox < c.end; ++ox) y[ox] += w * x[2 * ox + offset];
    return;
  }
  for (int64_t ox = c.begin; ox < c.end; ++ox) y[ox] += w * x[ox * stride + offset];
}

}  // namespace

bool DepthwiseConvApplies(const ConvGeometry& g) {
  if (g.transpose || g.spatial_rank() != 2) return false;
  if (g.group != g.in_channels || g.out_channels != g.in_channels || g.group < 1) return false;
  for (int64_t d : g.dilations)
    if (d != 1) return false;
  return g.kernel[0] <= 15 && g.kernel[1] <= 15;
}

DepthwiseConvPlan::DepthwiseConvPlan(const ConvGeometry& g, const ConvEpilogue& epilogue)
    : g_(g), epilogue_(epilogue) {}

void DepthwiseConvPlan::Execute(const ConvArgs& a) {
  const int64_t in_h = g_.in_size[0], in_w = g_.in_size[1];
  const int64_t out_h = g_.out_size[0], out_w = g_.out_size[1];
  const int64_t kh = g_.kernel[0], kw = g_.kernel[1], sh = g_.strides[0], sw = g_.strides[1];
  const int64_t pad_t = g_.pads_begin[0], pad_l = g_.pads_begin[1];
  const int64_t channels = g_.out_channels, planes = g_.batch * channels;
  const int64_t plane_out = out_h * out_w;
  const std::string& act = epilogue_.activation.kind;
  std::vector<Columns> columns(static_cast<size_t>(kw));
  for (int64_t kx = 0; kx < kw; ++kx) columns[static_cast<size_t>(kx)] = ValidColumns(kx, sw, pad_l, in_w, out_w);

  // saved_sum: the plane's Sum when Sum and Y are the same memory
  ParallelForWithScratch(
      planes, true, omp_get_max_threads(), [] { return std::vector<float>(); },
      [&](int64_t p, std::vector<float>& saved_sum) {
        const int64_t c = p % channels;
        const float* x = a.x + p * in_h * in_w;
        const float* w = a.w + c * kh * kw;
        float* y = a.y + p * plane_out;
        const float bias = a.bias ? a.bias[c] : 0.f;
        const float* sum = a.sum ? a.sum + p * plane_out : nullptr;
        if (sum == y) {
          saved_sum.assign(y, y + plane_out);
          sum = saved_sum.data();
        }
        for (int64_t oy = 0; oy < out_h; ++oy) {
          float* row = y + oy * out_w;
          std::fill(row, row + out_w, bias);
          for (int64_t ky = 0; ky < kh; ++ky) {
            const int64_t iy = oy * sh - pad_t + ky;
            if (iy < 0 || iy >= in_h) continue;
            const float* src = x + iy * in_w;
            for (int64_t kx = 0; kx < kw; ++kx)
              AccumulateTap(row, src, w[ky * kw + kx], sw, kx - pad_l, columns[static_cast<size_t>(kx)]);
          }
        }
        if (sum) {
          for (int64_t i = 0; i < plane_out; ++i) y[i] += sum[i];
        }
        if (act == "PRelu") {
          const float slope = a.slope[epilogue_.slope_size > 1 ? c : 0];
          for (int64_t i = 0; i < plane_out; ++i) y[i] = y[i] < 0 ? slope * y[i] : y[i];
        } else if (!act.empty()) {
          // Cannot fail: the activation was checked when the node was validated.
          (void)ApplyActivation(act, epilogue_.activation.params, y, plane_out);
        }
      });
}

}  // namespace facefuse::rt::cpu
