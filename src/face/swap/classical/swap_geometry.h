// Geometry of a classical swap on two 468-point meshes: which target regions
// keep their own pixels, and where the source's features land.
#pragma once

#include <opencv2/core.hpp>

#include <span>
#include <vector>

#include "facefuse/face.h"
#include "facefuse/status.h"

namespace facefuse::face {

// Target regions that keep the target's own pixels.
struct KeptRegions {
  bool mouth = false;      // the inner-mouth polygon (target open mouth)
  bool right_eye = false;  // the subject's right eye lid polygon
  bool left_eye = false;   // the subject's left eye lid polygon
};

// The destination mesh: the target mesh with its features moved towards the
// source's (source mapped onto the target by a least-squares similarity fit)
// by up to `shape_transfer` (0..1). The move fades to zero towards the face
// silhouette and towards every kept region, so those outlines stay exactly
// the target's. Errors: InvalidArgument for meshes other than 468 points or
// a degenerate source mesh.
Result<std::vector<Point2>> BlendMeshShape(const std::vector<Point2>& source, const std::vector<Point2>& target,
                                           float shape_transfer, const KeptRegions& kept);

// The contour of a mesh region as integer pixel coordinates shifted by -origin.
std::vector<cv::Point> RegionContour(const std::vector<Point2>& mesh, std::span<const int> indices, cv::Point origin);

// The face outline of a mesh (FaceOval) shifted by -origin, with the part
// above the brows pulled down to `forehead` (0..1) of its height.
std::vector<cv::Point> FaceOutline(const std::vector<Point2>& mesh, float forehead, cv::Point origin);

// The target mesh's hull (all 468 points) shifted by -origin.
std::vector<cv::Point> MeshHull(const std::vector<Point2>& mesh, cv::Point origin);

}  // namespace facefuse::face
