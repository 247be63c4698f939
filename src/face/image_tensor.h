// Turning 8-bit BGR images into the float NCHW tensors face models take.
#pragma once

#include <opencv2/core.hpp>

#include "facefuse/status.h"
#include "facefuse/tensor.h"

namespace facefuse::face {

enum class ChannelOrder { kBgr, kRgb };

// A [1,3,H,W] float32 tensor with (pixel - mean) / std per channel, in the
// given channel order. Errors: InvalidArgument unless `bgr` is non-empty
// CV_8UC3; OutOfMemory from the allocation.
Result<Tensor> ImageToNchw(const cv::Mat& bgr, ChannelOrder order, float mean, float std);

}  // namespace facefuse::face
