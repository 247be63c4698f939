// The warp rasterises each destination triangle into a triangle-id map, then
// builds one remap table from the per-triangle inverse affine maps and samples
// the source once with cv::remap.
#include "face/swap/classical/piecewise_affine.h"

#include <opencv2/imgproc.hpp>

#include <array>
#include <cmath>

namespace facefuse::face {
namespace {

constexpr int kShift = 4;  // sub-pixel bits for fillConvexPoly
constexpr float kOne = 1 << kShift;
constexpr float kMaxCoordinate = 1e6f;  // keeps kOne-scaled corners inside int

// The affine map taking triangle (d0, d1, d2) onto (s0, s1, s2), as
// [a b c; d e f]. False for a degenerate destination triangle.
bool InverseAffine(const std::array<Point2, 3>& dst, const std::array<Point2, 3>& src, std::array<double, 6>* m) {
  const double ux = dst[1].x - dst[0].x, uy = dst[1].y - dst[0].y;
  const double vx = dst[2].x - dst[0].x, vy = dst[2].y - dst[0].y;
  const double det = ux * vy - vx * uy;
  if (std::abs(det) < 1e-6) return false;
  // (x, y) = d0 + a u + b v  =>  a, b by Cramer's rule; src = s0 + a (s1 - s0) + b (s2 - s0).
  const double sux = src[1].x - src[0].x, suy = src[1].y - src[0].y;
  const double svx = src[2].x - src[0].x, svy = src[2].y - src[0].y;
  // a = ( vy (x - d0x) - vx (y - d0y)) / det ; b = (-uy (x - d0x) + ux (y - d0y)) / det
  const double ax = vy / det, ay = -vx / det, bx = -uy / det, by = ux / det;
  (*m)[0] = sux * ax + svx * bx;
  (*m)[1] = sux * ay + svx * by;
  (*m)[3] = suy * ax + svy * bx;
  (*m)[4] = suy * ay + svy * by;
  (*m)[2] = src[0].x - ((*m)[0] * dst[0].x + (*m)[1] * dst[0].y);
  (*m)[5] = src[0].y - ((*m)[3] * dst[0].x + (*m)[4] * dst[0].y);
  return true;
}

}  // namespace

Result<PiecewiseWarp> WarpPiecewiseAffine(const cv::Mat& src, const std::vector<Point2>& src_points,
                                          const std::vector<Point2>& dst_points,
                                          const std::vector<mesh::Triangle>& triangles, cv::Point dst_origin,
                                          cv::Size size) {
  if (src.empty() || src.type() != CV_8UC3) return InvalidArgument("the warp source must be a non-empty BGR image");
  if (size.width <= 0 || size.height <= 0) return InvalidArgument("the warp output has no area");
  if (src_points.size() != dst_points.size()) return InvalidArgument("source and destination meshes differ in size");
  const int n = static_cast<int>(src_points.size());

  cv::Mat ids(size, CV_32S, cv::Scalar(-1));
  std::vector<std::array<double, 6>> maps;
  maps.reserve(triangles.size());
  for (const mesh::Triangle& t : triangles) {
    std::array<Point2, 3> s, d;
    for (int k = 0; k < 3; ++k) {
      if (t[k] < 0 || t[k] >= n) return InvalidArgument("a triangle indexes past the end of the mesh");
      s[k] = src_points[t[k]];
      d[k] = {dst_points[t[k]].x - static_cast<float>(dst_origin.x), dst_points[t[k]].y - static_cast<float>(dst_origin.y)};
    }
    bool finite = true;
    for (int k = 0; k < 3; ++k)
      finite = finite && std::abs(d[k].x) < kMaxCoordinate && std::abs(d[k].y) < kMaxCoordinate &&
               std::isfinite(s[k].x) && std::isfinite(s[k].y);
    std::array<double, 6> m{};
    if (!finite || !InverseAffine(d, s, &m)) continue;
    cv::Point corners[3];
    for (int k = 0; k < 3; ++k)
      corners[k] = cv::Point(static_cast<int>(std::lround(d[k].x * kOne)), static_cast<int>(std::lround(d[k].y * kOne)));
    cv::fillConvexPoly(ids, corners, 3, cv::Scalar(static_cast<double>(maps.size())), cv::LINE_8, kShift);
    maps.push_back(m);
  }

  cv::Mat map_x(size, CV_32F), map_y(size, CV_32F);
  PiecewiseWarp out;
  out.coverage = cv::Mat(size, CV_8UC1, cv::Scalar(0));
  for (int y = 0; y < size.height; ++y) {
    const int* id = ids.ptr<int>(y);
    float* mx = map_x.ptr<float>(y);
    float* my = map_y.ptr<float>(y);
    uint8_t* cov = out.coverage.ptr<uint8_t>(y);
    for (int x = 0; x < size.width; ++x) {
      if (id[x] < 0) {
        mx[x] = my[x] = -1.f;
        continue;
      }
      const std::array<double, 6>& m = maps[id[x]];
      mx[x] = static_cast<float>(m[0] * x + m[1] * y + m[2]);
      my[x] = static_cast<float>(m[3] * x + m[4] * y + m[5]);
      cov[x] = 255;
    }
  }
  cv::remap(src, out.image, map_x, map_y, cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  out.image.setTo(cv::Scalar(0, 0, 0), out.coverage == 0);
  return out;
}

}  // namespace facefuse::face
