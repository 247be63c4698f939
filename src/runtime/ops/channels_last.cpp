#include "runtime/ops/channels_last.h"

#include <algorithm>

namespace facefuse::rt {
namespace {

// dst[n, c, s] = src[n, s, c] for `planes` = C and `pixels` = H*W, or the
// reverse with the two swapped; one image at a time.
void Transpose2d(const float* src, float* dst, int64_t rows, int64_t cols) {
  constexpr int64_t kTile = 16;  // keeps both sides of a tile in cache
  for (int64_t r0 = 0; r0 < rows; r0 += kTile)
    for (int64_t c0 = 0; c0 < cols; c0 += kTile)
      for (int64_t r = r0; r < std::min(rows, r0 + kTile); ++r)
        for (int64_t c = c0; c < std::min(cols, c0 + kTile); ++c) dst[c * rows + r] = src[r * cols + c];
}

Result<Tensor> Relayout(const Tensor& from, bool to_channels_last) {
  if (from.rank() != 4 || from.dtype() != DataType::kFloat32)
    return InvalidArgument("a layout change needs a 4-D float32 tensor, got " + ShapeToString(from.shape()) + " " +
                           DataTypeName(from.dtype()));
  const Shape shape = to_channels_last ? ToChannelsLast(from.shape()) : ToChannelsFirst(from.shape());
  FF_ASSIGN_OR_RETURN(Tensor to, Tensor::Allocate(DataType::kFloat32, shape));
  const int64_t n = from.dim(0);
  const int64_t channels = to_channels_last ? from.dim(1) : from.dim(3);
  const int64_t pixels = from.size() / std::max<int64_t>(1, n * channels);
  const int64_t image = channels * pixels;
  for (int64_t i = 0; i < n && image > 0; ++i) {
    const float* src = from.data<float>() + i * image;
    float* dst = to.data<float>() + i * image;
    if (to_channels_last) Transpose2d(src, dst, channels, pixels);
    else Transpose2d(src, dst, pixels, channels);
  }
  return to;
}

}  // namespace

Shape ToChannelsLast(const Shape& s) { return s.size() == 4 ? Shape{s[0], s[2], s[3], s[1]} : s; }
Shape ToChannelsFirst(const Shape& s) { return s.size() == 4 ? Shape{s[0], s[3], s[1], s[2]} : s; }

int64_t ChannelsLastAxis(int64_t axis) {
  static constexpr int64_t kPosition[4] = {0, 3, 1, 2};
  return axis >= 0 && axis < 4 ? kPosition[axis] : axis;
}

Result<Tensor> CopyToChannelsLast(const Tensor& nchw) { return Relayout(nchw, true); }
Result<Tensor> CopyToChannelsFirst(const Tensor& nhwc) { return Relayout(nhwc, false); }

}  // namespace facefuse::rt
