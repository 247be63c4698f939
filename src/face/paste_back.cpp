#include "face/paste_back.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace facefuse::face {

Result<cv::Mat> BoxMask(int size, const BoxMaskOptions& options) {
  if (size < 1) return InvalidArgument("the mask size must be positive");
  if (!(options.blur >= 0 && options.blur <= 1)) return InvalidArgument("the mask blur must be in [0, 1]");
  for (float p : options.padding)
    if (!(p >= 0 && p <= 100)) return InvalidArgument("the mask padding must be in [0, 100] percent");
  const int blur = static_cast<int>(size * 0.5 * options.blur);
  const int edge = std::max(blur / 2, 1);
  auto band = [&](float percent) { return std::min(size, std::max(edge, static_cast<int>(size * percent / 100))); };
  cv::Mat mask(size, size, CV_32FC1, cv::Scalar(1.f));
  const int top = band(options.padding[0]), right = band(options.padding[1]);
  const int bottom = band(options.padding[2]), left = band(options.padding[3]);
  mask.rowRange(0, top).setTo(0.f);
  mask.rowRange(size - bottom, size).setTo(0.f);
  mask.colRange(0, left).setTo(0.f);
  mask.colRange(size - right, size).setTo(0.f);
  if (blur > 0) cv::GaussianBlur(mask, mask, cv::Size(0, 0), blur * 0.25);
  return mask;
}

Status PasteBack(cv::Mat& frame, const cv::Mat& crop, const cv::Mat& mask, const cv::Mat& frame_to_crop) {
  if (frame.empty() || frame.type() != CV_8UC3) return InvalidArgument("PasteBack needs an 8-bit BGR frame");
  if (crop.type() != CV_32FC3 || mask.type() != CV_32FC1 || crop.size() != mask.size() || crop.empty())
    return InvalidArgument("PasteBack needs a float BGR crop and a float mask of the same size");
  if (frame_to_crop.rows != 2 || frame_to_crop.cols != 3 || frame_to_crop.type() != CV_64F)
    return InvalidArgument("PasteBack needs a 2x3 double matrix");
  cv::Mat crop_to_frame;
  cv::invertAffineTransform(frame_to_crop, crop_to_frame);
  if (!cv::checkRange(crop_to_frame)) return InvalidArgument("the crop matrix is singular");
  // The crop's corners in the frame give the box to touch.
  const double w = crop.cols, h = crop.rows;
  double x0 = 1e30, y0 = 1e30, x1 = -1e30, y1 = -1e30;
  for (auto [cx, cy] : {std::pair{0.0, 0.0}, {w, 0.0}, {w, h}, {0.0, h}}) {
    const double* m = crop_to_frame.ptr<double>(0);
    const double* n = crop_to_frame.ptr<double>(1);
    const double fx = m[0] * cx + m[1] * cy + m[2], fy = n[0] * cx + n[1] * cy + n[2];
    x0 = std::min(x0, fx), y0 = std::min(y0, fy), x1 = std::max(x1, fx), y1 = std::max(y1, fy);
  }
  const int bx0 = std::clamp(static_cast<int>(std::floor(x0)), 0, frame.cols);
  const int by0 = std::clamp(static_cast<int>(std::floor(y0)), 0, frame.rows);
  const int bx1 = std::clamp(static_cast<int>(std::ceil(x1)), 0, frame.cols);
  const int by1 = std::clamp(static_cast<int>(std::ceil(y1)), 0, frame.rows);
  if (bx1 <= bx0 || by1 <= by0) return Status::Ok();  // the crop lies outside the frame
  cv::Mat shifted = crop_to_frame.clone();
  shifted.at<double>(0, 2) -= bx0;
  shifted.at<double>(1, 2) -= by0;
  const cv::Size box(bx1 - bx0, by1 - by0);
  cv::Mat box_mask, box_crop;
  cv::warpAffine(mask, box_mask, shifted, box, cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(0));
  cv::warpAffine(crop, box_crop, shifted, box, cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  cv::Mat roi = frame(cv::Rect(bx0, by0, box.width, box.height));
  for (int y = 0; y < box.height; ++y) {
    cv::Vec3b* out = roi.ptr<cv::Vec3b>(y);
    const float* m = box_mask.ptr<float>(y);
    const cv::Vec3f* c = box_crop.ptr<cv::Vec3f>(y);
    for (int x = 0; x < box.width; ++x) {
      const float a = std::clamp(m[x], 0.f, 1.f);
      if (a <= 0) continue;
      for (int k = 0; k < 3; ++k) {
        const float v = out[x][k] * (1 - a) + std::clamp(c[x][k], 0.f, 1.f) * 255.f * a;
        out[x][k] = static_cast<uint8_t>(std::clamp(v + 0.5f, 0.f, 255.f));  // rounded (FaceFusion truncates)
      }
    }
  }
  return Status::Ok();
}

}  // namespace facefuse::face
