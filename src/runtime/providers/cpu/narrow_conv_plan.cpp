#include "runtime/providers/cpu/narrow_conv_plan.h"

#include <omp.h>

#include <algorithm>

#include "common/parallel_for.h"
#include "runtime/ops/activation.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define FACEFUSE_NARROW_CONV 1
#endif

namespace facefuse::rt::cpu {

bool NarrowConvPlan::Available() {
#ifdef FACEFUSE_NARROW_CONV
  return true;
#else
  return false;
#endif
}

bool NarrowConvPlan::Applies(const ConvGeometry& g, const ConvEpilogue& epilogue, bool constant_weights) {
#ifdef FACEFUSE_NARROW_CONV
  if (!constant_weights || g.transpose || g.spatial_rank() != 2 || g.group != 1) return false;
  if (g.out_channels < 1 || g.out_channels > kMaxOutChannels || g.in_channels <= 0 || g.in_channels % 8 != 0)
    return false;
  for (int64_t d : g.dilations)
    if (d != 1) return false;
  return epilogue.activation.kind != "PRelu";
#else
  (void)g, (void)epilogue, (void)constant_weights;
  return false;
#endif
}

#ifdef FACEFUSE_NARROW_CONV
namespace {

// The 8 lanes of v added up.
inline float LaneSum(__m256 v) {
  const __m128 quad = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 pair = _mm_add_ps(quad, _mm_movehl_ps(quad, quad));
  return _mm_cvtss_f32(_mm_add_ss(pair, _mm_movehdup_ps(pair)));
}

// One output row's pixels of one image.
class RowRunner {
 public:
  RowRunner(const ConvGeometry& g, const float* w, const ConvArgs& a) : g_(g), w_(w), a_(a) {}

  void Run(int64_t n, int64_t oy) const {
    switch (g_.out_channels) {
      case 1: RunRow<1, 4>(n, oy); break;
      case 2: RunRow<2, 4>(n, oy); break;
      case 3: RunRow<3, 4>(n, oy); break;
      default: RunRow<4, 3>(n, oy); break;
    }
  }

 private:
  // Pixels of output row oy: P at a time where their windows lie inside the image's columns, else one at a time.
  template <int CO, int P>
  void RunRow(int64_t n, int64_t oy) const {
    const int64_t in_h = g_.in_size[0], in_w = g_.in_size[1], cin = g_.in_channels;
    const int64_t kh = g_.kernel[0], kw = g_.kernel[1], sw = g_.strides[1], pad_l = g_.pads_begin[1];
    const int64_t out_w = g_.out_size[1];
    const int64_t iy0 = oy * g_.strides[0] - g_.pads_begin[0];
    const int64_t ky0 = std::max<int64_t>(0, -iy0), ky1 = std::min(kh, in_h - iy0);
    const int64_t full_begin = (pad_l + sw - 1) / sw;
    const int64_t full_end = in_w - kw + pad_l >= 0 ? (in_w - kw + pad_l) / sw + 1 : 0;
    const float* image = a_.x + n * in_h * in_w * cin;
    const int64_t y_row = (n * g_.out_size[0] + oy) * out_w;
    for (int64_t ox = 0; ox < out_w;) {
      const int64_t ix0 = ox * sw - pad_l;
      if (ox >= full_begin && ox + P <= full_end) {
        Window<CO, P>(image, iy0, ky0, ky1, ix0, 0, kw, y_row + ox);
        ox += P;
      } else {
        Window<CO, 1>(image, iy0, ky0, ky1, ix0, std::max<int64_t>(0, -ix0), std::min(kw, in_w - ix0), y_row + ox);
        ++ox;
      }
    }
  }

  // Y at pixels [q, q + P) (flat NHW index): the tap rows [ky0, ky1), columns [kx0, kx1) of windows at input
  // row iy0 and column ix0 of `image` (the next pixel's `stride` columns further), all inside the image. The loops
  // over pixels and output channels are unrolled, so that the sums stay in registers.
  template <int CO, int P>
  __attribute__((always_inline)) void Window(const float* image, int64_t iy0, int64_t ky0, int64_t ky1, int64_t ix0,
                                             int64_t kx0, int64_t kx1, int64_t q) const {
    const int64_t cin = g_.in_channels, in_w = g_.in_size[1], kw = g_.kernel[1];
    const int64_t step = g_.strides[1] * cin;              // floats between neighbouring pixels' windows
    const int64_t vectors = (kx1 - kx0) * cin / 8;         // 8-channel vectors per tap row
    __m256 acc[P][CO];
#pragma GCC unroll 4
    for (int j = 0; j < P; ++j)
#pragma GCC unroll 4
      for (int c = 0; c < CO; ++c) acc[j][c] = _mm256_setzero_ps();
    for (int64_t ky = ky0; ky < ky1; ++ky) {
      const float* xr = image + ((iy0 + ky) * in_w + ix0 + kx0) * cin;
      const float* wr = w_ + (ky * kw + kx0) * cin * CO;
      for (int64_t i = 0; i < vectors; ++i, xr += 8, wr += 8 * CO) {
        __m256 w[CO];
#pragma GCC unroll 4
        for (int c = 0; c < CO; ++c) w[c] = _mm256_loadu_ps(wr + 8 * c);
#pragma GCC unroll 4
        for (int j = 0; j < P; ++j) {
          const __m256 v = _mm256_loadu_ps(xr + j * step);
#pragma GCC unroll 4
          for (int c = 0; c < CO; ++c) acc[j][c] = _mm256_fmadd_ps(v, w[c], acc[j][c]);
        }
      }
    }
#pragma GCC unroll 4
    for (int j = 0; j < P; ++j) {
#pragma GCC unroll 4
      for (int c = 0; c < CO; ++c) {
        const int64_t at = (q + j) * CO + c;
        float value = LaneSum(acc[j][c]) + (a_.bias ? a_.bias[c] : 0.f);
        if (a_.sum != nullptr) value += a_.sum[at];
        a_.y[at] = value;
      }
    }
  }

  const ConvGeometry& g_;
  const float* w_;
  const ConvArgs& a_;
};

}  // namespace

NarrowConvPlan::NarrowConvPlan(const ConvGeometry& g, const ConvEpilogue& epilogue, const float* w)
    : g_(g), epilogue_(epilogue) {
  const int64_t cout = g.out_channels, cin = g.in_channels, taps = g.kernel[0] * g.kernel[1];
  w_.resize(static_cast<size_t>(taps * cin * cout));
  for (int64_t co = 0; co < cout; ++co)
    for (int64_t ci = 0; ci < cin; ++ci)
      for (int64_t t = 0; t < taps; ++t)
        w_[static_cast<size_t>(((t * (cin / 8) + ci / 8) * cout + co) * 8 + ci % 8)] = w[(co * cin + ci) * taps + t];
}

void NarrowConvPlan::Execute(const ConvArgs& a) {
  const int64_t rows = g_.batch * g_.out_size[0];
  const int64_t row_values = g_.out_size[1] * g_.out_channels;
  const RowRunner runner(g_, w_.data(), a);
  const std::string& act = epilogue_.activation.kind;
  ParallelFor(rows, true, omp_get_max_threads(), [&](int64_t r) {
    runner.Run(r / g_.out_size[0], r % g_.out_size[0]);
    // Cannot fail: Applies() took only activations ApplyActivation knows, with complete parameters.
    if (!act.empty()) (void)ApplyActivation(act, epilogue_.activation.params, a.y + r * row_values, row_values);
  });
}

#else  // no AVX2 and FMA: Applies() is false and the plan is never built

NarrowConvPlan::NarrowConvPlan(const ConvGeometry& g, const ConvEpilogue& epilogue, const float*)
    : g_(g), epilogue_(epilogue) {}
void NarrowConvPlan::Execute(const ConvArgs&) {}

#endif

}  // namespace facefuse::rt::cpu
