#include "face/align.h"

#include <opencv2/imgproc.hpp>

#include <cmath>

namespace facefuse::face {

const std::array<Point2, 5> kArcFaceTemplate112 = {{{38.2946f, 51.6963f},
                                                    {73.5318f, 51.5014f},
                                                    {56.0252f, 71.7366f},
                                                    {41.5493f, 92.3655f},
                                                    {70.7299f, 92.2041f}}};

const std::array<Point2, 5> kArcFaceTemplate128 = {
    {{46.2946f, 51.6963f}, {81.5318f, 51.5014f}, {64.0252f, 71.7366f}, {49.5493f, 92.3655f}, {78.7299f, 92.2041f}}};
const std::array<Point2, 5> kArcFaceV1Template112 = {
    {{39.730f, 51.138f}, {72.270f, 51.138f}, {56.000f, 68.493f}, {42.463f, 87.010f}, {69.537f, 87.010f}}};
const std::array<Point2, 5> kFfhqTemplate512 = {
    {{192.98f, 239.95f}, {318.90f, 240.19f}, {256.63f, 314.02f}, {201.26f, 371.41f}, {313.09f, 371.15f}}};

std::vector<Point2> ScaleTemplate(const std::array<Point2, 5>& tmpl, float template_size, int side) {
  std::vector<Point2> out;
  for (const Point2& p : tmpl) out.push_back({p.x / template_size * side, p.y / template_size * side});
  return out;
}

Result<cv::Mat> EstimateSimilarity(const std::vector<Point2>& src, const std::vector<Point2>& dst) {
  const size_t n = src.size();
  if (n != dst.size() || n < 2) return InvalidArgument("similarity transform needs matching point sets of 2 or more");
  double sx = 0, sy = 0, dx = 0, dy = 0;
  for (size_t i = 0; i < n; ++i) { sx += src[i].x; sy += src[i].y; dx += dst[i].x; dy += dst[i].y; }
  sx /= n; sy /= n; dx /= n; dy /= n;
  // Covariance (dst x src^T) / n and the variance of src.
  double a = 0, b = 0, c = 0, d = 0, var = 0;
  for (size_t i = 0; i < n; ++i) {
    double px = src[i].x - sx, py = src[i].y - sy, qx = dst[i].x - dx, qy = dst[i].y - dy;
    a += qx * px; b += qx * py; c += qy * px; d += qy * py;
    var += px * px + py * py;
  }
  a /= n; b /= n; c /= n; d /= n; var /= n;
  if (var < 1e-12) return InvalidArgument("keypoints are degenerate (all at one place)");
  // For 2-D the optimal rotation of Umeyama's SVD solution has the closed form
  // R = rot(theta) with theta = atan2(c - b, a + d), and scale = trace(D S) / var.
  double theta = std::atan2(c - b, a + d);
  double cs = std::cos(theta), sn = std::sin(theta);
  double scale = ((a + d) * cs + (c - b) * sn) / var;
  cv::Mat m(2, 3, CV_64F);
  m.at<double>(0, 0) = scale * cs;
  m.at<double>(0, 1) = -scale * sn;
  m.at<double>(1, 0) = scale * sn;
  m.at<double>(1, 1) = scale * cs;
  m.at<double>(0, 2) = dx - (m.at<double>(0, 0) * sx + m.at<double>(0, 1) * sy);
  m.at<double>(1, 2) = dy - (m.at<double>(1, 0) * sx + m.at<double>(1, 1) * sy);
  return m;
}

Result<cv::Mat> WarpAligned(const cv::Mat& bgr, const std::vector<Point2>& keypoints, const std::array<Point2, 5>& tmpl,
                            int template_size, int size, cv::Mat* matrix) {
  if (bgr.empty()) return InvalidArgument("cannot align a face in an empty image");
  std::vector<Point2> dst;
  const float k = static_cast<float>(size) / static_cast<float>(template_size);
  for (const auto& p : tmpl) dst.push_back({p.x * k, p.y * k});
  FF_ASSIGN_OR_RETURN(cv::Mat m, EstimateSimilarity(keypoints, dst));
  cv::Mat out;
  cv::warpAffine(bgr, out, m, cv::Size(size, size), cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(0, 0, 0));
  if (matrix) *matrix = m;
  return out;
}

}  // namespace facefuse::face
