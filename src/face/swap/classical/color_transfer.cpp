#include "face/swap/classical/color_transfer.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>

namespace facefuse::face {
namespace {

constexpr int kMinPixels = 16;

cv::Mat ToLab(const cv::Mat& bgr) {
  cv::Mat f, lab;
  bgr.convertTo(f, CV_32FC3, 1.0 / 255.0);
  cv::cvtColor(f, lab, cv::COLOR_BGR2Lab);
  return lab;
}

}  // namespace

Result<cv::Mat> TransferColorLab(const cv::Mat& image, const cv::Mat& image_mask, const cv::Mat& reference,
                                 const cv::Mat& reference_mask, const cv::Mat& mask) {
  if (image.empty() || image.type() != CV_8UC3 || reference.type() != CV_8UC3 || reference.size() != image.size())
    return InvalidArgument("colour transfer needs two BGR images of one size");
  for (const cv::Mat* m : {&image_mask, &reference_mask, &mask})
    if (m->type() != CV_8UC1 || m->size() != image.size())
      return InvalidArgument("colour transfer masks must be 8-bit single-channel, the size of the images");
  if (cv::countNonZero(image_mask) < kMinPixels || cv::countNonZero(reference_mask) < kMinPixels)
    return InvalidArgument("colour transfer needs at least 16 pixels in each region");

  cv::Mat lab = ToLab(image), ref_lab = ToLab(reference);
  cv::Scalar mean_i, std_i, mean_r, std_r;
  cv::meanStdDev(lab, mean_i, std_i, image_mask);
  cv::meanStdDev(ref_lab, mean_r, std_r, reference_mask);
  cv::Mat shifted(lab.size(), CV_32FC3);
  for (int c = 0; c < 3; ++c) {
    const double scale = std_i[c] > 1e-6 ? std::clamp(std_r[c] / std_i[c], 0.5, 2.0) : 1.0;
    cv::Mat in_c, out_c;
    cv::extractChannel(lab, in_c, c);
    in_c.convertTo(out_c, CV_32F, scale, mean_r[c] - mean_i[c] * scale);
    cv::insertChannel(out_c, shifted, c);
  }
  cv::Mat bgr_f, out;
  cv::cvtColor(shifted, bgr_f, cv::COLOR_Lab2BGR);
  bgr_f.convertTo(out, CV_8UC3, 255.0);  // saturating
  cv::Mat result = image.clone();
  out.copyTo(result, mask);
  return result;
}

}  // namespace facefuse::face
