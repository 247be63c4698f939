#include "runtime/providers/cpu/max_pool_2d.h"

#include <algorithm>
#include <limits>
#include <vector>

namespace facefuse::rt::cpu {
namespace {

// The input range [begin, end) of output position `o` along one dim.
struct Window {
  int64_t begin, end;
};

Window WindowAt(int64_t o, int64_t stride, int64_t pad_begin, int64_t kernel, int64_t size) {
  const int64_t start = o * stride - pad_begin;
  return {std::max<int64_t>(start, 0), std::min(start + kernel, size)};
}

// Written as a select so that NaN never wins, as in the reference kernel; every
// window also starts from float's lowest value, as there (and in oneDNN and ORT).
inline float Larger(float candidate, float best) { return candidate > best ? candidate : best; }

// One output row from the row-wise maximum `r` of its window's input rows.
void PoolRow(const float* r, float* y, int64_t out_w, int64_t in_w, int64_t kw, int64_t sw, int64_t pad_w) {
  if (kw == 2 && sw == 2 && pad_w == 0 && 2 * out_w <= in_w) {
    constexpr float kLowest = std::numeric_limits<float>::lowest();
    for (int64_t ox = 0; ox < out_w; ++ox) y[ox] = Larger(r[2 * ox + 1], Larger(r[2 * ox], kLowest));
    return;
  }
  for (int64_t ox = 0; ox < out_w; ++ox) {
    const Window w = WindowAt(ox, sw, pad_w, kw, in_w);
    float best = std::numeric_limits<float>::lowest();
    for (int64_t i = w.begin; i < w.end; ++i) best = Larger(r[i], best);
    y[ox] = best;
  }
}

}  // namespace

bool MaxPool2dApplies(const PoolGeometry& g) {
  if (g.kernel.size() != 2) return false;
  for (size_t d = 0; d < 2; ++d) {
    if (g.dilations[d] != 1 || g.out_spatial[d] < 1) return false;
    const Window first = WindowAt(0, g.strides[d], g.pads_begin[d], g.kernel[d], g.in_spatial[d]);
    const Window last = WindowAt(g.out_spatial[d] - 1, g.strides[d], g.pads_begin[d], g.kernel[d], g.in_spatial[d]);
    if (first.begin >= first.end || last.begin >= last.end) return false;
  }
  return true;
}

void MaxPool2d(const PoolGeometry& g, const float* x, float* y) {
  const int64_t in_h = g.in_spatial[0], in_w = g.in_spatial[1];
  const int64_t out_h = g.out_spatial[0], out_w = g.out_spatial[1];
  const int64_t kh = g.kernel[0], kw = g.kernel[1], sh = g.strides[0], sw = g.strides[1];
  const int64_t pad_h = g.pads_begin[0], pad_w = g.pads_begin[1];
  const int64_t planes = g.batch * g.channels;
#pragma omp parallel
  {
    std::vector<float> row(static_cast<size_t>(in_w));
#pragma omp for collapse(2) schedule(static)
    for (int64_t p = 0; p < planes; ++p) {
      for (int64_t oy = 0; oy < out_h; ++oy) {
        const float* plane = x + p * in_h * in_w;
        const Window rows = WindowAt(oy, sh, pad_h, kh, in_h);
        const float* first = plane + rows.begin * in_w;
        const float* r = first;  // the window's rows combined, element by element
        if (rows.end - rows.begin > 1) {
          float* combined = row.data();
          std::copy(first, first + in_w, combined);
          for (int64_t iy = rows.begin + 1; iy < rows.end; ++iy) {
            const float* src = plane + iy * in_w;
            for (int64_t i = 0; i < in_w; ++i) combined[i] = Larger(src[i], combined[i]);
          }
          r = combined;
        }
        PoolRow(r, y + (p * out_h + oy) * out_w, out_w, in_w, kw, sw, pad_w);
      }
    }
  }
}

}  // namespace facefuse::rt::cpu
