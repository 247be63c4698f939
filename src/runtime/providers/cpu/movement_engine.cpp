#include "runtime/providers/cpu/movement_engine.h"

#include <algorithm>
#include <cstring>

#include "common/parallel_for.h"

namespace facefuse::rt::cpu {
namespace {

constexpr int64_t kTile = 32;

// Drops unit axes and merges neighbours that together are one strided axis.
void Coalesce(GatherPlan& plan) {
  std::vector<GatherAxis> axes;
  for (auto& a : plan.axes) {
    if (a.size == 1 && a.Offset(0) != kFill) {
      plan.base += a.Offset(0);
      continue;
    }
    if (!axes.empty() && a.affine() && axes.back().affine() && axes.back().stride == a.stride * a.size) {
      axes.back().size *= a.size;
      axes.back().stride = a.stride;
      continue;
    }
    axes.push_back(std::move(a));
  }
  if (axes.empty()) axes.push_back({1, 0, {}});
  plan.axes = std::move(axes);
}

// A segment of an output row: `len` elements from input offset `src` on (contiguous), or fill values.
struct Segment {
  int64_t pos, len, src;
};

std::vector<Segment> RowRuns(const GatherAxis& axis) {
  std::vector<Segment> runs;
  for (int64_t j = 0; j < axis.size; ++j) {
    const int64_t src = axis.table[static_cast<size_t>(j)];
    if (!runs.empty()) {
      Segment& last = runs.back();
      if (src == kFill ? last.src == kFill : last.src != kFill && src == last.src + last.len) {
        ++last.len;
        continue;
      }
    }
    runs.push_back({j, 1, src});
  }
  return runs;
}

// Output rows of at most this many elements are transposed by a loop whose
// row length is a compile-time constant (NCHW -> NHWC of RGB images), in tiles
// of kNarrowTile rows.
constexpr int64_t kNarrowCols = 4;
constexpr int64_t kNarrowTile = 1024;

template <typename T, int64_t kCols>
void TransposeNarrowRows(T* dst, const T* src, int64_t a0, int64_t a1, int64_t col_stride) {
  for (int64_t a = a0; a < a1; ++a)
    for (int64_t l = 0; l < kCols; ++l) dst[a * kCols + l] = src[a + l * col_stride];
}

// dst[a * cols + l] = src[a + l * col_stride] for a in [a0, a1), l in [0, cols), tile by tile.
template <typename T>
void TransposeRows(T* dst, const T* src, int64_t a0, int64_t a1, int64_t cols, int64_t col_stride) {
  switch (cols) {
    case 2: return TransposeNarrowRows<T, 2>(dst, src, a0, a1, col_stride);
    case 3: return TransposeNarrowRows<T, 3>(dst, src, a0, a1, col_stride);
    case 4: return TransposeNarrowRows<T, 4>(dst, src, a0, a1, col_stride);
    default: break;
  }
  for (int64_t l0 = 0; l0 < cols; l0 += kTile) {
    const int64_t l1 = std::min(cols, l0 + kTile);
    for (int64_t a = a0; a < a1; ++a)
      for (int64_t l = l0; l < l1; ++l) dst[a * cols + l] = src[a + l * col_stride];
  }
}

template <typename T>
class Executor {
 public:
  Executor(const GatherPlan& plan, const T* src, T* dst) : plan_(plan), src_(src), dst_(dst) {
    const size_t n = plan.axes.size();
    const GatherAxis& last = plan.axes[n - 1];
    tiled_ = n >= 2 && last.affine() && last.stride != 0 && last.stride != 1 && plan.axes[n - 2].affine() &&
             plan.axes[n - 2].stride == 1;
    outer_axes_ = n - (tiled_ ? 2 : 1);
    if (!last.affine()) runs_ = RowRuns(last);
    std::memcpy(&fill_, plan.fill.data(), sizeof(T));
    rows_ = 1;
    for (size_t i = 0; i < outer_axes_; ++i) rows_ *= plan.axes[i].size;
    // Work items: outer rows, each split into tiles of the transposed axis.
    tile_ = tiled_ && last.size <= kNarrowCols ? kNarrowTile : kTile;
    parts_ = tiled_ ? (plan.axes[n - 2].size + tile_ - 1) / tile_ : 1;
    block_ = tiled_ ? plan.axes[n - 2].size * last.size : last.size;
  }

  int64_t items() const { return rows_ * parts_; }

  // Runs items [begin, end).
  void Run(int64_t begin, int64_t end) const {
    std::vector<int64_t> index(outer_axes_, 0);
    int64_t row = begin / parts_, part = begin % parts_;
    for (size_t i = outer_axes_; i-- > 0;) {
      index[i] = row % plan_.axes[i].size;
      row /= plan_.axes[i].size;
    }
    row = begin / parts_;
    for (int64_t item = begin; item < end; ++item) {
      int64_t offset = plan_.base;
      for (size_t i = 0; i < outer_axes_ && offset != kFill; ++i) {
        const int64_t o = plan_.axes[i].Offset(index[i]);
        offset = o == kFill ? kFill : offset + o;
      }
      Block(offset, row, part);
      if (++part < parts_) continue;
      part = 0;
      ++row;
      for (size_t i = outer_axes_; i-- > 0;) {  // odometer step
        if (++index[i] < plan_.axes[i].size) break;
        index[i] = 0;
      }
    }
  }

 private:
  // Writes one work item of output row `row`, whose elements come from input offset `offset` on (or kFill).
  void Block(int64_t offset, int64_t row, int64_t part) const {
    T* d = dst_ + row * block_;
    const GatherAxis& last = plan_.axes.back();
    if (tiled_) {
      const int64_t rows = plan_.axes[plan_.axes.size() - 2].size;
      const int64_t a0 = part * tile_, a1 = std::min(rows, a0 + tile_);
      if (offset == kFill)
        std::fill(d + a0 * last.size, d + a1 * last.size, fill_);
      else
        TransposeRows(d, src_ + offset, a0, a1, last.size, last.stride);
      return;
    }
    if (offset == kFill) {
      std::fill_n(d, block_, fill_);
    } else if (!last.affine()) {
      for (const auto& r : runs_) {
        if (r.src == kFill)
          std::fill_n(d + r.pos, r.len, fill_);
        else if (r.len == 1)
          d[r.pos] = src_[offset + r.src];
        else
          std::memcpy(d + r.pos, src_ + offset + r.src, static_cast<size_t>(r.len) * sizeof(T));
      }
    } else if (last.stride == 1) {
      std::memcpy(d, src_ + offset, static_cast<size_t>(block_) * sizeof(T));
    } else if (last.stride == 0) {
      std::fill_n(d, block_, src_[offset]);
    } else {
      const T* s = src_ + offset;
      for (int64_t j = 0; j < block_; ++j) d[j] = s[j * last.stride];
    }
  }

  const GatherPlan& plan_;
  const T* src_;
  T* dst_;
  bool tiled_ = false;
  size_t outer_axes_ = 0;
  std::vector<Segment> runs_;
  T fill_{};
  int64_t rows_ = 1, parts_ = 1, block_ = 1;
  int64_t tile_ = kTile;  // output rows per work item of a tiled transpose
};

template <typename T>
void RunTyped(const GatherPlan& plan, const Tensor& in, Tensor& out, int threads) {
  const Executor<T> exec(plan, static_cast<const T*>(in.raw()), static_cast<T*>(out.raw()));
  const int64_t items = exec.items();
  const bool parallel = threads > 1 && items > 1 && static_cast<int64_t>(out.bytes()) >= kParallelBytes;
  const int64_t chunks = parallel ? std::min<int64_t>(items, int64_t{threads} * 4) : 1;
  ParallelFor(chunks, parallel, threads,
              [&](int64_t c) { exec.Run(items * c / chunks, items * (c + 1) / chunks); });
}

}  // namespace

bool EngineSupportsElementSize(size_t bytes) { return bytes == 1 || bytes == 2 || bytes == 4 || bytes == 8; }

void RunGatherPlan(GatherPlan plan, const Tensor& in, Tensor& out, int threads) {
  if (out.size() == 0) return;
  Coalesce(plan);
  switch (DataTypeSize(in.dtype())) {
    case 1:
      return RunTyped<uint8_t>(plan, in, out, threads);
    case 2:
      return RunTyped<uint16_t>(plan, in, out, threads);
    case 4:
      return RunTyped<uint32_t>(plan, in, out, threads);
    default:
      return RunTyped<uint64_t>(plan, in, out, threads);
  }
}

}  // namespace facefuse::rt::cpu
