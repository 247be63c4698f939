// Colour transfer between face regions (Reinhard et al. 2001, in CIE Lab).
#pragma once

#include <opencv2/core.hpp>

#include "facefuse/status.h"

namespace facefuse::face {

// Shifts and scales each Lab channel of `image` inside `mask` so that its mean
// and standard deviation over `image_mask` match those of `reference` over
// `reference_mask`: x' = (x - mean_i) * clamp(std_r / std_i) + mean_r. The
// scale is clamped to [0.5, 2] so a flat region cannot blow up. Pixels where
// `mask` is 0 are untouched. All images are CV_8UC3 BGR of one size, masks
// CV_8UC1 of that size. Returns the new image.
// Errors: InvalidArgument for mismatched or wrongly typed inputs, or a mask
// selecting fewer than 16 pixels.
Result<cv::Mat> TransferColorLab(const cv::Mat& image, const cv::Mat& image_mask, const cv::Mat& reference,
                                 const cv::Mat& reference_mask, const cv::Mat& mask);

}  // namespace facefuse::face
