#include "runtime/providers/cpu/pool_2d.h"

#include <algorithm>
#include <limits>
#include <vector>

#include <omp.h>

#include "common/parallel_for.h"

namespace facefuse::rt::cpu {
namespace {

constexpr float kLowest = std::numeric_limits<float>::lowest();
// Window elements combined, below which a pool runs on the calling thread alone (no parallel region).
constexpr double kParallelWork = 1 << 16;

// The input range [begin, end) of output position `o` along one dim.
struct Window {
  int64_t begin, end;
};

Window WindowAt(int64_t o, int64_t stride, int64_t pad_begin, int64_t kernel, int64_t size) {
  const int64_t start = o * stride - pad_begin;
  return {std::max<int64_t>(start, 0), std::min(start + kernel, size)};
}

// Written as a select so that NaN never wins, as in the reference kernel; every
// max window also starts from float's lowest value, as there (and in oneDNN and ORT).
inline float Larger(float candidate, float best) { return candidate > best ? candidate : best; }

struct Dims {
  int64_t in_w, out_w, kw, sw, pad_w;
};

// One output row of max pooling from the row-wise maximum `r` of the window's rows.
void MaxRow(const float* r, float* y, const Dims& d) {
  if (d.kw == 2 && d.sw == 2 && d.pad_w == 0 && 2 * d.out_w <= d.in_w) {
    for (int64_t ox = 0; ox < d.out_w; ++ox) y[ox] = Larger(r[2 * ox + 1], Larger(r[2 * ox], kLowest));
    return;
  }
  for (int64_t ox = 0; ox < d.out_w; ++ox) {
    const Window w = WindowAt(ox, d.sw, d.pad_w, d.kw, d.in_w);
    float best = kLowest;
    for (int64_t i = w.begin; i < w.end; ++i) best = Larger(r[i], best);
    y[ox] = best;
  }
}

// One output row of average pooling from the row-wise sum `r` of the window's
// `rows` input rows; `padded_rows` is the rows' count within the padded input.
void AverageRow(const float* r, float* y, const Dims& d, const PoolGeometry& g, bool count_pads, int64_t rows,
                int64_t padded_rows) {
  if (!count_pads && d.kw == 2 && d.sw == 2 && d.pad_w == 0 && 2 * d.out_w <= d.in_w) {
    const float scale = 1.f / static_cast<float>(2 * rows);
    for (int64_t ox = 0; ox < d.out_w; ++ox) y[ox] = (r[2 * ox] + r[2 * ox + 1]) * scale;
    return;
  }
  for (int64_t ox = 0; ox < d.out_w; ++ox) {
    const Window w = WindowAt(ox, d.sw, d.pad_w, d.kw, d.in_w);
    float sum = 0;
    for (int64_t i = w.begin; i < w.end; ++i) sum += r[i];
    const int64_t count = count_pads ? padded_rows * PaddedWindowSize(g, 1, ox) : rows * (w.end - w.begin);
    y[ox] = count > 0 ? sum / static_cast<float>(count) : 0.f;
  }
}

}  // namespace

bool Pool2dApplies(const PoolGeometry& g) {
  if (g.kernel.size() != 2) return false;
  for (size_t d = 0; d < 2; ++d) {
    if (g.dilations[d] != 1 || g.out_spatial[d] < 1) return false;
    const Window first = WindowAt(0, g.strides[d], g.pads_begin[d], g.kernel[d], g.in_spatial[d]);
    const Window last = WindowAt(g.out_spatial[d] - 1, g.strides[d], g.pads_begin[d], g.kernel[d], g.in_spatial[d]);
    if (first.begin >= first.end || last.begin >= last.end) return false;
  }
  return true;
}

void Pool2d(Pool2dKind kind, const PoolGeometry& g, const float* x, float* y) {
  const int64_t in_h = g.in_spatial[0];
  const Dims d{g.in_spatial[1], g.out_spatial[1], g.kernel[1], g.strides[1], g.pads_begin[1]};
  const int64_t out_h = g.out_spatial[0], kh = g.kernel[0], sh = g.strides[0], pad_h = g.pads_begin[0];
  const int64_t planes = g.batch * g.channels;
  const bool is_max = kind == Pool2dKind::kMax;
  const bool parallel = static_cast<double>(planes * out_h) * static_cast<double>(kh * d.in_w) >= kParallelWork;
  ParallelForWithScratch(
      planes * out_h, parallel, omp_get_max_threads(), [&] { return std::vector<float>(static_cast<size_t>(d.in_w)); },
      [&](int64_t item, std::vector<float>& combined) {
        const int64_t p = item / out_h, oy = item % out_h;
        const float* plane = x + p * in_h * d.in_w;
        const Window rows = WindowAt(oy, sh, pad_h, kh, in_h);
        const float* first = plane + rows.begin * d.in_w;
        const float* r = first;  // the window's rows combined, element by element
        if (rows.end - rows.begin > 1) {
          float* c = combined.data();
          std::copy(first, first + d.in_w, c);
          for (int64_t iy = rows.begin + 1; iy < rows.end; ++iy) {
            const float* src = plane + iy * d.in_w;
            if (is_max) {
              for (int64_t i = 0; i < d.in_w; ++i) c[i] = Larger(src[i], c[i]);
            } else {
              for (int64_t i = 0; i < d.in_w; ++i) c[i] += src[i];
            }
          }
          r = c;
        }
        float* out = y + (p * out_h + oy) * d.out_w;
        if (is_max) {
          MaxRow(r, out, d);
        } else {
          AverageRow(r, out, d, g, kind == Pool2dKind::kAverageCountPads, rows.end - rows.begin,
                     kind == Pool2dKind::kAverageCountPads ? PaddedWindowSize(g, 0, oy) : 0);
        }
      });
}

void Pool2dChannelsLast(Pool2dKind kind, const PoolGeometry& g, const float* x, float* y) {
  const int64_t in_h = g.in_spatial[0], in_w = g.in_spatial[1], out_h = g.out_spatial[0], out_w = g.out_spatial[1];
  const int64_t channels = g.channels;
  const bool is_max = kind == Pool2dKind::kMax;
  const double work =
      static_cast<double>(g.batch * out_h * out_w * channels) * static_cast<double>(g.kernel[0] * g.kernel[1]);
  ParallelFor(g.batch * out_h, work >= kParallelWork, omp_get_max_threads(), [&](int64_t item) {
    const int64_t n = item / out_h, oy = item % out_h;
    const Window rows = WindowAt(oy, g.strides[0], g.pads_begin[0], g.kernel[0], in_h);
    const float* image = x + n * in_h * in_w * channels;
    for (int64_t ox = 0; ox < out_w; ++ox) {
      const Window cols = WindowAt(ox, g.strides[1], g.pads_begin[1], g.kernel[1], in_w);
      float* out = y + ((n * out_h + oy) * out_w + ox) * channels;
      if (is_max && rows.end - rows.begin == 2 && cols.end - cols.begin == 2) {
        // A whole 2x2 window (YuNet's pools): one pass over the channels, no partial maxima stored.
        const float* a = image + (rows.begin * in_w + cols.begin) * channels;
        const float* b = a + channels;
        const float* c0 = a + in_w * channels;
        const float* d = c0 + channels;
        for (int64_t c = 0; c < channels; ++c)
          out[c] = Larger(d[c], Larger(c0[c], Larger(b[c], Larger(a[c], kLowest))));
        continue;
      }
      std::fill(out, out + channels, is_max ? kLowest : 0.f);
      for (int64_t iy = rows.begin; iy < rows.end; ++iy) {
        for (int64_t ix = cols.begin; ix < cols.end; ++ix) {
          const float* src = image + (iy * in_w + ix) * channels;
          if (is_max) {
            for (int64_t c = 0; c < channels; ++c) out[c] = Larger(src[c], out[c]);
          } else {
            for (int64_t c = 0; c < channels; ++c) out[c] += src[c];
          }
        }
      }
      if (is_max) continue;
      const int64_t count = kind == Pool2dKind::kAverageCountPads
                                ? PaddedWindowSize(g, 0, oy) * PaddedWindowSize(g, 1, ox)
                                : (rows.end - rows.begin) * (cols.end - cols.begin);
      const float divisor = static_cast<float>(count);
      for (int64_t c = 0; c < channels; ++c) out[c] /= divisor;
    }
  });
}

}  // namespace facefuse::rt::cpu
