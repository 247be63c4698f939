// The MediaPipe Face Mesh topology the classical swapper needs: named index
// contours of the 468-point mesh and a triangulation shared by two meshes.
#pragma once

#include <array>
#include <span>
#include <vector>

#include "facefuse/face.h"
#include "facefuse/status.h"

namespace facefuse::face::mesh {

// Closed contours, each in drawing order (MediaPipe FACEMESH_* connections).
// Sides are the subject's: the right eye appears on the image's left.
std::span<const int> FaceOval();   // 36 points, the silhouette from forehead to chin
std::span<const int> InnerLips();  // 20 points, the inner lip line (78 ... 191)
std::span<const int> OuterLips();  // 20 points, the outer lip line (61 ... 185)
std::span<const int> RightEye();   // 16 points, the lid line around the subject's right eye
std::span<const int> LeftEye();    // 16 points, the lid line around the subject's left eye

// Single points used for openness measures.
inline constexpr int kUpperInnerLip = 13, kLowerInnerLip = 14, kInnerMouthRight = 78, kInnerMouthLeft = 308;
inline constexpr int kRightEyeTop = 159, kRightEyeBottom = 145, kRightEyeOuter = 33, kRightEyeInner = 133;
inline constexpr int kLeftEyeTop = 386, kLeftEyeBottom = 374, kLeftEyeOuter = 263, kLeftEyeInner = 362;

using Triangle = std::array<int, 3>;

// Delaunay triangulation (cv::Subdiv2D) of `points`, as index triples into
// `points`. Coincident points share the lowest index; triangles with a zero
// area are dropped. The same list can index any other mesh with the same
// point order, so corresponding triangles of two faces are
// (a[t[0]], a[t[1]], a[t[2]]) and (b[t[0]], b[t[1]], b[t[2]]).
// Errors: InvalidArgument for fewer than 3 points or non-finite coordinates.
Result<std::vector<Triangle>> DelaunayTriangles(const std::vector<Point2>& points);

// Vertical opening over width of a contour's two middle points and two
// corners: |p[top] - p[bottom]| / |p[corner_a] - p[corner_b]| (0 when the
// corners coincide). Precondition: all indices are valid for `points`.
float Openness(const std::vector<Point2>& points, int top, int bottom, int corner_a, int corner_b);

}  // namespace facefuse::face::mesh
