#include "face/image_tensor.h"

namespace facefuse::face {

Result<Tensor> ImageToNchw(const cv::Mat& bgr, ChannelOrder order, float mean, float std) {
  if (bgr.empty() || bgr.type() != CV_8UC3) return InvalidArgument("expected a non-empty 8-bit BGR image");
  const int h = bgr.rows, w = bgr.cols;
  FF_ASSIGN_OR_RETURN(Tensor t, Tensor::Allocate(DataType::kFloat32, {1, 3, h, w}));
  float* dst = t.data<float>();
  const int64_t plane = static_cast<int64_t>(h) * w;
  const float inv_std = 1.f / std;
  for (int c = 0; c < 3; ++c) {
    const int src_c = order == ChannelOrder::kRgb ? 2 - c : c;
    float* out = dst + c * plane;
    for (int y = 0; y < h; ++y) {
      const uint8_t* row = bgr.ptr<uint8_t>(y);
      for (int x = 0; x < w; ++x) out[static_cast<int64_t>(y) * w + x] = (row[x * 3 + src_c] - mean) * inv_std;
    }
  }
  return t;
}

}  // namespace facefuse::face
