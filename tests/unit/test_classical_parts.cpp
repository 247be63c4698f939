// The pieces of the classical swapper on synthetic data: triangulation,
// piecewise-affine warp, colour transfer, shape blending.
#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <set>

#include "face/swap/classical/color_transfer.h"
#include "face/landmark/mesh_topology.h"
#include "face/swap/classical/piecewise_affine.h"
#include "face/swap/classical/swap_geometry.h"

namespace facefuse::face {
namespace {

std::vector<Point2> Grid(int n, float step, float ox = 0, float oy = 0) {
  std::vector<Point2> points;
  for (int y = 0; y < n; ++y)
    for (int x = 0; x < n; ++x) points.push_back({ox + x * step, oy + y * step});
  return points;
}

cv::Mat Pattern(int size) {
  cv::Mat image(size, size, CV_8UC3);
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x)
      image.at<cv::Vec3b>(y, x) = cv::Vec3b(static_cast<uint8_t>(x * 2), static_cast<uint8_t>(y * 2),
                                            static_cast<uint8_t>((x + y) % 256));
  return image;
}

TEST(MeshTopology, DelaunayCoversAGridWithIndexTriangles) {
  auto tris = mesh::DelaunayTriangles(Grid(5, 10));
  ASSERT_TRUE(tris.ok()) << tris.status().ToString();
  EXPECT_EQ(tris->size(), 32u);  // 2 per cell of a 4x4 cell grid
  std::set<int> used;
  for (const auto& t : *tris)
    for (int i : t) {
      ASSERT_GE(i, 0);
      ASSERT_LT(i, 25);
      used.insert(i);
    }
  EXPECT_EQ(used.size(), 25u);
  EXPECT_EQ(mesh::DelaunayTriangles({{0, 0}, {1, 1}}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(mesh::DelaunayTriangles({{0, 0}, {1, 1}, {2, 2}}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(mesh::DelaunayTriangles({{0, 0}, {1, NAN}, {2, 0}}).status().code(), StatusCode::kInvalidArgument);
}

TEST(MeshTopology, ContoursHaveTheDocumentedSizes) {
  EXPECT_EQ(mesh::FaceOval().size(), 36u);
  EXPECT_EQ(mesh::InnerLips().size(), 20u);
  EXPECT_EQ(mesh::OuterLips().size(), 20u);
  EXPECT_EQ(mesh::RightEye().size(), 16u);
  EXPECT_EQ(mesh::LeftEye().size(), 16u);
}

TEST(PiecewiseAffine, IdentityMeshCopiesTheImageWithoutSeams) {
  const cv::Mat src = Pattern(64);
  const std::vector<Point2> points = Grid(5, 15, 2, 2);  // 2 .. 62
  auto tris = mesh::DelaunayTriangles(points);
  ASSERT_TRUE(tris.ok());
  auto warp = WarpPiecewiseAffine(src, points, points, *tris, {0, 0}, src.size());
  ASSERT_TRUE(warp.ok()) << warp.status().ToString();
  const cv::Rect inner(3, 3, 58, 58);
  EXPECT_EQ(cv::countNonZero(warp->coverage(inner)), inner.area()) << "a seam between triangles";
  cv::Mat diff;
  cv::absdiff(warp->image(inner), src(inner), diff);
  EXPECT_LE(cv::norm(diff, cv::NORM_INF), 1);
  EXPECT_EQ(warp->coverage.at<uint8_t>(0, 0), 0);
}

TEST(PiecewiseAffine, ShiftedDestinationMovesTheImage) {
  const cv::Mat src = Pattern(64);
  const std::vector<Point2> s = Grid(4, 20, 2, 2);
  std::vector<Point2> d = s;
  for (Point2& p : d) { p.x += 100; p.y += 50; }
  auto tris = mesh::DelaunayTriangles(s);
  ASSERT_TRUE(tris.ok());
  // The destination frame window starts at (100, 50): the output is the source again.
  auto warp = WarpPiecewiseAffine(src, s, d, *tris, {100, 50}, src.size());
  ASSERT_TRUE(warp.ok());
  cv::Mat diff;
  cv::absdiff(warp->image(cv::Rect(5, 5, 50, 50)), src(cv::Rect(5, 5, 50, 50)), diff);
  EXPECT_LE(cv::norm(diff, cv::NORM_INF), 1);
  EXPECT_EQ(WarpPiecewiseAffine(src, s, {}, *tris, {0, 0}, src.size()).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(WarpPiecewiseAffine(src, s, d, {{0, 1, 99}}, {0, 0}, src.size()).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(WarpPiecewiseAffine(cv::Mat(), s, d, *tris, {0, 0}, src.size()).status().code(), StatusCode::kInvalidArgument);
}

TEST(ColorTransfer, MatchesTheReferenceMeanInsideTheMask) {
  cv::Mat image(32, 32, CV_8UC3, cv::Scalar(40, 60, 200));
  cv::Mat reference(32, 32, CV_8UC3, cv::Scalar(150, 140, 120));
  cv::randn(reference, cv::Scalar(150, 140, 120), cv::Scalar(10, 10, 10));
  cv::Mat mask(32, 32, CV_8UC1, cv::Scalar(0));
  mask(cv::Rect(0, 0, 16, 32)).setTo(255);
  auto out = TransferColorLab(image, mask, reference, mask, mask);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const cv::Scalar got = cv::mean(*out, mask), want = cv::mean(reference, mask);
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(got[c], want[c], 4.0);
  EXPECT_EQ(out->at<cv::Vec3b>(5, 20), image.at<cv::Vec3b>(5, 20));  // outside the mask: untouched
  EXPECT_EQ(TransferColorLab(image, cv::Mat(32, 32, CV_8UC1, cv::Scalar(0)), reference, mask, mask).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(TransferColorLab(image, mask, cv::Mat(8, 8, CV_8UC3), mask, mask).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(SwapGeometry, ShapeBlendKeepsTheSilhouetteAndMovesTheInside) {
  // A synthetic "mesh": 468 points on a disc; the source is the target with
  // its inner points pushed outwards.
  std::vector<Point2> target(468), source(468);
  for (int i = 0; i < 468; ++i) {
    const float a = static_cast<float>(i) * 2.399963f, r = 100.f * std::sqrt((i + 0.5f) / 468.f);
    target[i] = {200 + r * std::cos(a), 200 + r * std::sin(a)};
  }
  for (size_t k = 0; k < mesh::FaceOval().size(); ++k) {  // put the oval on the rim, in order
    const float a = static_cast<float>(k) / static_cast<float>(mesh::FaceOval().size()) * 6.2831853f;
    target[mesh::FaceOval()[k]] = {200 + 110 * std::cos(a), 200 + 110 * std::sin(a)};
  }
  source = target;
  for (Point2& p : source) { p.x = 200 + (p.x - 200) * 1.1f; }
  auto same = BlendMeshShape(source, target, 0.f, {});
  ASSERT_TRUE(same.ok());
  EXPECT_EQ((*same)[1].x, target[1].x);
  auto moved = BlendMeshShape(source, target, 1.f, {});
  ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  for (int i : mesh::FaceOval()) EXPECT_NEAR((*moved)[i].x, target[i].x, 1e-3) << i;
  float largest = 0;
  for (int i = 0; i < 468; ++i) largest = std::max(largest, std::abs((*moved)[i].x - target[i].x));
  EXPECT_GT(largest, 2.f);
  EXPECT_EQ(BlendMeshShape(source, target, 1.5f, {}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(BlendMeshShape({}, target, 0.5f, {}).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace facefuse::face
