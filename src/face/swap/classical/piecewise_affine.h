// Piecewise-affine image warp: every triangle of a source mesh is mapped onto
// the corresponding triangle of a destination mesh by its own affine map.
#pragma once

#include <opencv2/core.hpp>

#include <vector>

#include "face/landmark/mesh_topology.h"
#include "facefuse/face.h"
#include "facefuse/status.h"

namespace facefuse::face {

struct PiecewiseWarp {
  cv::Mat image;     // CV_8UC3, `size`; pixels no triangle covers are 0
  cv::Mat coverage;  // CV_8UC1, `size`; 255 where a destination triangle covers the pixel
};

// Warps `src` so that src_points[t[k]] lands on dst_points[t[k]] for every
// triangle t. Destination coordinates are shifted by -dst_origin, so the
// output covers the window [dst_origin, dst_origin + size) of the destination
// frame. Each output pixel samples `src` bilinearly (border replicated) through
// the affine map of the one triangle that covers it, so neighbouring triangles
// leave no seams. Degenerate destination triangles are skipped.
// Errors: InvalidArgument for an empty or non-CV_8UC3 source, an empty size,
// point lists of different lengths, or a triangle index out of range.
Result<PiecewiseWarp> WarpPiecewiseAffine(const cv::Mat& src, const std::vector<Point2>& src_points,
                                          const std::vector<Point2>& dst_points,
                                          const std::vector<mesh::Triangle>& triangles, cv::Point dst_origin,
                                          cv::Size size);

}  // namespace facefuse::face
