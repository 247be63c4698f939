// Turning BGR images into the float NCHW tensors face models take, and model
// image outputs back into BGR pixels.
#pragma once

#include <opencv2/core.hpp>

#include <array>

#include "facefuse/status.h"
#include "facefuse/tensor.h"

namespace facefuse::face {

enum class ChannelOrder { kBgr, kRgb };

// A [1,3,H,W] float32 tensor with (pixel - mean) / std per channel, in the
// given channel order. Errors: InvalidArgument unless `bgr` is non-empty
// CV_8UC3; OutOfMemory from the allocation.
Result<Tensor> ImageToNchw(const cv::Mat& bgr, ChannelOrder order, float mean, float std);

// As above with a mean and std per tensor channel (in `order`). `bgr` may be
// CV_8UC3 or CV_32FC3; mean and std are in the image's own value scale.
Result<Tensor> ImageToNchw(const cv::Mat& bgr, ChannelOrder order, const std::array<float, 3>& mean,
                           const std::array<float, 3>& std);

// A [1,3,H,W] float32 RGB model output as a CV_32FC3 BGR image in [0,1]:
// y * scale + offset, clipped (non-finite values become 0). Errors:
// InvalidArgument for another dtype or shape.
Result<cv::Mat> RgbNchwToUnitBgr(const Tensor& y, float scale, float offset);

}  // namespace facefuse::face
