#include "face/landmark/mesh_topology.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

namespace facefuse::face::mesh {
namespace {

constexpr int kFaceOval[] = {10,  338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377,
                             152, 148, 176, 149, 150, 136, 172, 58,  132, 93,  234, 127, 162, 21,  54,  103, 67,  109};
constexpr int kInnerLips[] = {78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308, 415, 310, 311, 312, 13, 82, 81, 80, 191};
constexpr int kOuterLips[] = {61,  146, 91, 181, 84, 17, 314, 405, 321, 375,
                              291, 409, 270, 269, 267, 0, 37,  39,  40,  185};
constexpr int kRightEye[] = {33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246};
constexpr int kLeftEye[] = {263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466};

}  // namespace

std::span<const int> FaceOval() { return kFaceOval; }
std::span<const int> InnerLips() { return kInnerLips; }
std::span<const int> OuterLips() { return kOuterLips; }
std::span<const int> RightEye() { return kRightEye; }
std::span<const int> LeftEye() { return kLeftEye; }

Result<std::vector<Triangle>> DelaunayTriangles(const std::vector<Point2>& points) {
  if (points.size() < 3) return InvalidArgument("a triangulation needs at least 3 points");
  float x0 = points[0].x, y0 = points[0].y, x1 = x0, y1 = y0;
  for (const Point2& p : points) {
    if (!std::isfinite(p.x) || !std::isfinite(p.y)) return InvalidArgument("cannot triangulate non-finite points");
    x0 = std::min(x0, p.x); y0 = std::min(y0, p.y);
    x1 = std::max(x1, p.x); y1 = std::max(y1, p.y);
  }
  // Subdiv2D works in float on an integer rectangle; shift the points so the
  // rectangle starts at (0, 0) with a margin.
  const float margin = 2.f + 0.05f * std::max(x1 - x0, y1 - y0);
  const float ox = x0 - margin, oy = y0 - margin;
  const cv::Rect bounds(0, 0, static_cast<int>(std::ceil(x1 - ox + margin)) + 1,
                        static_cast<int>(std::ceil(y1 - oy + margin)) + 1);
  std::map<std::pair<float, float>, int> index_of;
  std::vector<Triangle> triangles;
  try {
    cv::Subdiv2D subdiv(bounds);
    for (size_t i = 0; i < points.size(); ++i) {
      const cv::Point2f p(points[i].x - ox, points[i].y - oy);
      if (index_of.emplace(std::make_pair(p.x, p.y), static_cast<int>(i)).second) subdiv.insert(p);
    }
    std::vector<cv::Vec6f> list;
    subdiv.getTriangleList(list);
    triangles.reserve(list.size());
    for (const cv::Vec6f& t : list) {
      Triangle tri{};
      bool known = true;
      for (int k = 0; k < 3 && known; ++k) {
        auto it = index_of.find({t[2 * k], t[2 * k + 1]});
        if (it == index_of.end()) known = false;  // a vertex of Subdiv2D's outer frame
        else tri[k] = it->second;
      }
      const double area = (static_cast<double>(t[2]) - t[0]) * (static_cast<double>(t[5]) - t[1]) -
                          (static_cast<double>(t[4]) - t[0]) * (static_cast<double>(t[3]) - t[1]);
      if (known && std::abs(area) > 1e-9) triangles.push_back(tri);
    }
  } catch (const cv::Exception& e) {
    return Internal(std::string("Delaunay triangulation failed: ") + e.what());
  }
  if (triangles.empty()) return InvalidArgument("the points are collinear: no triangle to form");
  return triangles;
}

float Openness(const std::vector<Point2>& p, int top, int bottom, int corner_a, int corner_b) {
  const float width = std::hypot(p[corner_a].x - p[corner_b].x, p[corner_a].y - p[corner_b].y);
  if (!(width > 0)) return 0.f;
  return std::hypot(p[top].x - p[bottom].x, p[top].y - p[bottom].y) / width;
}

}  // namespace facefuse::face::mesh
