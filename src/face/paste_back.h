// Crop-space masks and pasting a swapped crop back into the frame, as
// FaceFusion does it (model-contract reference, section 8).
#pragma once

#include <opencv2/core.hpp>

#include <array>

#include "facefuse/status.h"

namespace facefuse::face {

struct BoxMaskOptions {
  float blur = 0.3f;                              // 0..1
  std::array<float, 4> padding{0, 0, 0, 0};       // top, right, bottom, left, percent of the crop side
};

// The box mask of a size x size crop: CV_32FC1 in [0,1]. With B =
// int(size * 0.5 * blur) and e = max(B / 2, 1), bands of max(e, padding%)
// rows/columns are zeroed on each side, then a Gaussian blur with sigma B / 4
// softens the edge (none when B = 0). Errors: InvalidArgument for size < 1,
// blur outside [0,1] or padding outside [0,100].
Result<cv::Mat> BoxMask(int size, const BoxMaskOptions& options);

// Pastes `crop` (CV_32FC3 BGR in [0,1], square) into `frame` (CV_8UC3, in
// place), where `frame_to_crop` (2x3 CV_64F) maps frame pixels to crop pixels
// and `mask` (CV_32FC1, crop size) weighs the crop: frame = frame * (1 - m) +
// crop * m, rounded to 8 bits (FaceFusion truncates, which darkens every
// pasted pixel by half a level on average: an identity swap would not give
// its input back). Only the crop's bounding box in the frame is
// touched: pixels outside it keep their exact values. Errors: InvalidArgument
// for mismatched types or sizes, or a singular matrix.
Status PasteBack(cv::Mat& frame, const cv::Mat& crop, const cv::Mat& mask, const cv::Mat& frame_to_crop);

}  // namespace facefuse::face
