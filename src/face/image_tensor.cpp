#include "face/image_tensor.h"

#include <algorithm>
#include <cmath>

namespace facefuse::face {
namespace {

template <typename Pixel>
void FillPlanes(const cv::Mat& image, ChannelOrder order, const std::array<float, 3>& mean,
                const std::array<float, 3>& std, float* dst) {
  const int h = image.rows, w = image.cols;
  const int64_t plane = static_cast<int64_t>(h) * w;
  for (int c = 0; c < 3; ++c) {
    const int src_c = order == ChannelOrder::kRgb ? 2 - c : c;
    const float inv_std = 1.f / std[static_cast<size_t>(c)], m = mean[static_cast<size_t>(c)];
    float* out = dst + c * plane;
    for (int y = 0; y < h; ++y) {
      const Pixel* row = image.ptr<Pixel>(y);
      for (int x = 0; x < w; ++x) out[static_cast<int64_t>(y) * w + x] = (row[x * 3 + src_c] - m) * inv_std;
    }
  }
}

}  // namespace

Result<Tensor> ImageToNchw(const cv::Mat& bgr, ChannelOrder order, float mean, float std) {
  if (bgr.type() != CV_8UC3) return InvalidArgument("expected a non-empty 8-bit BGR image");
  return ImageToNchw(bgr, order, {mean, mean, mean}, {std, std, std});
}

Result<Tensor> ImageToNchw(const cv::Mat& bgr, ChannelOrder order, const std::array<float, 3>& mean,
                           const std::array<float, 3>& std) {
  if (bgr.empty() || (bgr.type() != CV_8UC3 && bgr.type() != CV_32FC3))
    return InvalidArgument("expected a non-empty 8-bit or float BGR image");
  FF_ASSIGN_OR_RETURN(Tensor t, Tensor::Allocate(DataType::kFloat32, {1, 3, bgr.rows, bgr.cols}));
  if (bgr.type() == CV_8UC3) FillPlanes<uint8_t>(bgr, order, mean, std, t.data<float>());
  else FillPlanes<float>(bgr, order, mean, std, t.data<float>());
  return t;
}

Result<cv::Mat> RgbNchwToUnitBgr(const Tensor& y, float scale, float offset) {
  if (y.dtype() != DataType::kFloat32 || y.rank() != 4 || y.dim(0) != 1 || y.dim(1) != 3)
    return InvalidArgument("expected a [1,3,H,W] float32 image output, got " + ShapeToString(y.shape()));
  const int h = static_cast<int>(y.dim(2)), w = static_cast<int>(y.dim(3));
  const size_t plane = static_cast<size_t>(h) * w;
  const float* src = y.data<float>();
  cv::Mat image(h, w, CV_32FC3);
  for (int r = 0; r < h; ++r) {
    cv::Vec3f* row = image.ptr<cv::Vec3f>(r);
    for (int x = 0; x < w; ++x) {
      const size_t at = static_cast<size_t>(r) * w + x;
      for (int c = 0; c < 3; ++c) {  // RGB planes to BGR pixels
        const float v = src[c * plane + at] * scale + offset;
        row[x][2 - c] = std::clamp(std::isfinite(v) ? v : 0.f, 0.f, 1.f);
      }
    }
  }
  return image;
}

}  // namespace facefuse::face
