#include "face/swap/classical/swap_geometry.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

#include "face/align.h"
#include "face/landmark/mesh_topology.h"

namespace facefuse::face {
namespace {

constexpr size_t kMeshPoints = 468;

std::vector<cv::Point2f> ToCv(const std::vector<Point2>& mesh, std::span<const int> indices) {
  std::vector<cv::Point2f> out;
  out.reserve(indices.size());
  for (int i : indices) out.emplace_back(mesh[i].x, mesh[i].y);
  return out;
}

float SmoothStep(float t) {
  t = std::clamp(t, 0.f, 1.f);
  return t * t * (3 - 2 * t);
}

// 0 on or outside the contour, rising to 1 at `width` pixels inside it
// (for the silhouette), or at `width` pixels away from it (for holes).
float Fade(const std::vector<cv::Point2f>& contour, cv::Point2f p, float width, bool inside) {
  const double d = cv::pointPolygonTest(contour, p, true);  // > 0 inside
  return SmoothStep(static_cast<float>((inside ? d : std::abs(d)) / width));
}

}  // namespace

Result<std::vector<Point2>> BlendMeshShape(const std::vector<Point2>& source, const std::vector<Point2>& target,
                                           float shape_transfer, const KeptRegions& kept) {
  if (source.size() != kMeshPoints || target.size() != kMeshPoints)
    return InvalidArgument("shape blending needs two 468-point meshes");
  if (!(shape_transfer >= 0.f && shape_transfer <= 1.f)) return InvalidArgument("shape_transfer must lie in [0, 1]");
  if (shape_transfer == 0.f) return target;
  FF_ASSIGN_OR_RETURN(cv::Mat m, EstimateSimilarity(source, target));

  const std::vector<cv::Point2f> oval = ToCv(target, mesh::FaceOval());
  const double area = std::abs(cv::contourArea(oval));
  const float size = static_cast<float>(std::sqrt(std::max(area, 1.0)));
  std::vector<std::vector<cv::Point2f>> holes;
  if (kept.mouth) holes.push_back(ToCv(target, mesh::InnerLips()));
  if (kept.right_eye) holes.push_back(ToCv(target, mesh::RightEye()));
  if (kept.left_eye) holes.push_back(ToCv(target, mesh::LeftEye()));

  std::vector<Point2> out(kMeshPoints);
  for (size_t i = 0; i < kMeshPoints; ++i) {
    const cv::Point2f t(target[i].x, target[i].y);
    float w = shape_transfer * Fade(oval, t, 0.15f * size, true);
    for (const auto& hole : holes) w *= Fade(hole, t, 0.08f * size, false);
    const double sx = source[i].x, sy = source[i].y;
    const double mx = m.at<double>(0, 0) * sx + m.at<double>(0, 1) * sy + m.at<double>(0, 2);
    const double my = m.at<double>(1, 0) * sx + m.at<double>(1, 1) * sy + m.at<double>(1, 2);
    out[i].x = static_cast<float>(t.x + w * (mx - t.x));
    out[i].y = static_cast<float>(t.y + w * (my - t.y));
  }
  return out;
}

std::vector<cv::Point> RegionContour(const std::vector<Point2>& mesh, std::span<const int> indices, cv::Point origin) {
  std::vector<cv::Point> out;
  out.reserve(indices.size());
  for (int i : indices)
    out.emplace_back(static_cast<int>(std::lround(mesh[i].x)) - origin.x, static_cast<int>(std::lround(mesh[i].y)) - origin.y);
  return out;
}

std::vector<cv::Point> FaceOutline(const std::vector<Point2>& mesh, float forehead, cv::Point origin) {
  // "Up" runs from the chin (152) to the top of the forehead (10); heights are
  // measured from the top of the brows (105, 334).
  const double ux = mesh[10].x - mesh[152].x, uy = mesh[10].y - mesh[152].y;
  const double len = std::hypot(ux, uy);
  const double bx = 0.5 * (mesh[105].x + mesh[334].x), by = 0.5 * (mesh[105].y + mesh[334].y);
  std::vector<cv::Point> out;
  out.reserve(mesh::FaceOval().size());
  for (int i : mesh::FaceOval()) {
    double x = mesh[i].x, y = mesh[i].y;
    if (len > 0) {
      const double h = ((x - bx) * ux + (y - by) * uy) / len;
      if (h > 0) {
        x -= (1 - forehead) * h * ux / len;
        y -= (1 - forehead) * h * uy / len;
      }
    }
    out.emplace_back(static_cast<int>(std::lround(x)) - origin.x, static_cast<int>(std::lround(y)) - origin.y);
  }
  return out;
}

std::vector<cv::Point> MeshHull(const std::vector<Point2>& mesh, cv::Point origin) {
  std::vector<cv::Point> points;
  points.reserve(mesh.size());
  for (const Point2& p : mesh)
    points.emplace_back(static_cast<int>(std::lround(p.x)) - origin.x, static_cast<int>(std::lround(p.y)) - origin.y);
  std::vector<cv::Point> hull;
  if (!points.empty()) cv::convexHull(points, hull);
  return hull;
}

}  // namespace facefuse::face
