// SwapFaceClassical: mesh -> triangulation -> piecewise-affine warp -> colour
// transfer -> mask -> Poisson or feathered blend, all inside a window around
// the target face so the rest of the image is never touched.
#include "face/swap/classical/classical_swapper.h"

#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

#include <algorithm>
#include <cmath>

#include "face/swap/classical/color_transfer.h"
#include "face/landmark/mesh_topology.h"
#include "face/swap/classical/piecewise_affine.h"
#include "face/swap/classical/swap_geometry.h"

namespace facefuse::face {
namespace {

constexpr size_t kMeshPoints = 468;
constexpr float kMaxCoordinate = 1e6f;
constexpr int kPoissonPad = 8;  // reflected border so the Poisson mask never touches the window edge

Status CheckMesh(const FaceLandmarks& mesh, const char* which) {
  if (mesh.points.size() != kMeshPoints)
    return InvalidArgument(std::string("the ") + which + " mesh must have 468 points (Face Mesh)");
  for (const Point2& p : mesh.points)
    if (!(std::abs(p.x) < kMaxCoordinate) || !(std::abs(p.y) < kMaxCoordinate))
      return InvalidArgument(std::string("the ") + which + " mesh has non-finite or far-away points");
  return Status::Ok();
}

Status CheckOptions(const ClassicalSwapOptions& o) {
  auto in01 = [](float v) { return v >= 0.f && v <= 1.f; };
  if (!in01(o.mask_erosion) || !in01(o.feather) || !in01(o.shape_transfer) || !in01(o.mouth_open_ratio) ||
      !in01(o.forehead))
    return InvalidArgument(
        "classical swap options mask_erosion, feather, forehead, shape_transfer and mouth_open_ratio must lie in [0, 1]");
  if (o.poisson_max_side < 0) return InvalidArgument("the classical swap's poisson_max_side must be 0 or more");
  return Status::Ok();
}

KeptRegions ChooseKeptRegions(const std::vector<Point2>& src, const std::vector<Point2>& tgt,
                              const ClassicalSwapOptions& o) {
  using namespace mesh;
  KeptRegions kept;
  kept.mouth = o.keep_open_mouth &&
               Openness(tgt, kUpperInnerLip, kLowerInnerLip, kInnerMouthRight, kInnerMouthLeft) > o.mouth_open_ratio;
  auto keep_eye = [&](int top, int bottom, int outer, int inner) {
    if (o.eyes == ClassicalSwapOptions::Eyes::kTarget) return true;
    if (o.eyes == ClassicalSwapOptions::Eyes::kSource) return false;
    const float s = Openness(src, top, bottom, outer, inner), t = Openness(tgt, top, bottom, outer, inner);
    return t > 0.15f && s < 0.6f * t;  // a closed source eye would paint a lid over an open target eye
  };
  kept.right_eye = keep_eye(kRightEyeTop, kRightEyeBottom, kRightEyeOuter, kRightEyeInner);
  kept.left_eye = keep_eye(kLeftEyeTop, kLeftEyeBottom, kLeftEyeOuter, kLeftEyeInner);
  return kept;
}

// The part of `mask` that is skin: without eyes and lips, whose colours
// would skew the statistics of a colour transfer.
cv::Mat SkinOnly(const cv::Mat& mask, const std::vector<Point2>& mesh, cv::Point origin, float face_size);

int OddKernel(float pixels) { return std::max(1, static_cast<int>(std::lround(pixels)) | 1); }

cv::Mat Ellipse(int k) { return cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(k, k)); }

// The binary blend mask in window coordinates: the destination mesh's face
// outline (forehead limited), inside the warp's coverage, eroded, minus the
// kept regions (slightly grown).
cv::Mat BuildMask(const std::vector<Point2>& dst, const std::vector<Point2>& target, const KeptRegions& kept,
                  const cv::Mat& coverage, cv::Point origin, float face_size, const ClassicalSwapOptions& o) {
  cv::Mat mask(coverage.size(), CV_8UC1, cv::Scalar(0));
  cv::fillPoly(mask, std::vector<std::vector<cv::Point>>{FaceOutline(dst, o.forehead, origin)}, cv::Scalar(255));
  mask &= coverage;
  const int erode = OddKernel(2 * o.mask_erosion * face_size);
  if (erode > 1) cv::erode(mask, mask, Ellipse(erode));
  cv::Mat holes(mask.size(), CV_8UC1, cv::Scalar(0));
  std::vector<std::vector<cv::Point>> polygons;
  if (kept.mouth) polygons.push_back(RegionContour(target, mesh::InnerLips(), origin));
  if (kept.right_eye) polygons.push_back(RegionContour(target, mesh::RightEye(), origin));
  if (kept.left_eye) polygons.push_back(RegionContour(target, mesh::LeftEye(), origin));
  if (polygons.empty()) return mask;
  cv::fillPoly(holes, polygons, cv::Scalar(255));
  cv::dilate(holes, holes, Ellipse(OddKernel(0.02f * face_size)));
  mask.setTo(0, holes);
  return mask;
}

cv::Mat SkinOnly(const cv::Mat& mask, const std::vector<Point2>& mesh, cv::Point origin, float face_size) {
  cv::Mat features(mask.size(), CV_8UC1, cv::Scalar(0));
  cv::fillPoly(features,
               std::vector<std::vector<cv::Point>>{RegionContour(mesh, mesh::OuterLips(), origin),
                                                   RegionContour(mesh, mesh::RightEye(), origin),
                                                   RegionContour(mesh, mesh::LeftEye(), origin)},
               cv::Scalar(255));
  cv::dilate(features, features, Ellipse(OddKernel(0.06f * face_size)));
  cv::Mat skin = mask.clone();
  skin.setTo(0, features);
  return skin;
}

// cv::seamlessClone on a reflected-border copy of the window; false when
// OpenCV refuses (the caller then alpha-blends).
bool PoissonBlendFull(const cv::Mat& warped, const cv::Mat& target, const cv::Mat& mask, cv::Mat* out) {
  cv::Mat src, dst, m;
  cv::copyMakeBorder(warped, src, kPoissonPad, kPoissonPad, kPoissonPad, kPoissonPad, cv::BORDER_REFLECT);
  cv::copyMakeBorder(target, dst, kPoissonPad, kPoissonPad, kPoissonPad, kPoissonPad, cv::BORDER_REFLECT);
  cv::copyMakeBorder(mask, m, kPoissonPad, kPoissonPad, kPoissonPad, kPoissonPad, cv::BORDER_CONSTANT, cv::Scalar(0));
  const cv::Rect box = cv::boundingRect(m);
  if (box.empty()) return false;
  try {
    cv::Mat blended;
    cv::seamlessClone(src, dst, m, cv::Point(box.x + box.width / 2, box.y + box.height / 2), blended, cv::NORMAL_CLONE);
    *out = blended(cv::Rect(kPoissonPad, kPoissonPad, target.cols, target.rows)).clone();
    return true;
  } catch (const cv::Exception&) {
    return false;
  }
}

// Poisson blending of `warped` into `target` inside `mask`. With NORMAL_CLONE
// the result differs from `warped` by a harmonic correction (zero Laplacian
// inside the mask, target - warped on its edge), and a harmonic function is
// smooth: so a window longer than max_side is solved on a copy scaled down to
// max_side and the correction is scaled back up. That costs a fraction of the
// full-size solve (whose cost grows with the face's area); the two differ by a
// smooth shading of a few grey levels (mean 6 on a 380 px face), as the solve's
// edge lies on a coarser grid. max_side <= 0 solves at full size.
bool PoissonBlend(const cv::Mat& warped, const cv::Mat& target, const cv::Mat& mask, int max_side, cv::Mat* out) {
  const int side = std::max(warped.cols, warped.rows);
  if (max_side <= 0 || side <= max_side) return PoissonBlendFull(warped, target, mask, out);
  const double scale = static_cast<double>(max_side) / side;
  const cv::Size small(std::max(1, static_cast<int>(std::lround(warped.cols * scale))),
                       std::max(1, static_cast<int>(std::lround(warped.rows * scale))));
  cv::Mat small_warped, small_target, small_mask, small_blended;
  cv::resize(warped, small_warped, small, 0, 0, cv::INTER_AREA);
  cv::resize(target, small_target, small, 0, 0, cv::INTER_AREA);
  cv::resize(mask, small_mask, small, 0, 0, cv::INTER_AREA);
  cv::threshold(small_mask, small_mask, 127, 255, cv::THRESH_BINARY);
  if (!PoissonBlendFull(small_warped, small_target, small_mask, &small_blended)) return false;
  cv::Mat correction, warped_float;
  cv::subtract(small_blended, small_warped, correction, cv::noArray(), CV_32FC3);
  cv::resize(correction, correction, warped.size(), 0, 0, cv::INTER_LINEAR);
  warped.convertTo(warped_float, CV_32FC3);
  cv::add(warped_float, correction, warped_float);
  warped_float.convertTo(*out, CV_8UC3);  // saturating
  return true;
}

// out = alpha * face + (1 - alpha) * target, with alpha in 0..255; exact
// target pixels where alpha is 0.
cv::Mat AlphaBlend(const cv::Mat& face, const cv::Mat& target, const cv::Mat& alpha) {
  cv::Mat out = target.clone();
  for (int y = 0; y < out.rows; ++y) {
    const uint8_t* a = alpha.ptr<uint8_t>(y);
    const uint8_t* f = face.ptr<uint8_t>(y);
    uint8_t* o = out.ptr<uint8_t>(y);
    for (int x = 0; x < out.cols; ++x) {
      if (a[x] == 0) continue;
      for (int c = 0; c < 3; ++c) {
        const int v = (f[3 * x + c] * a[x] + o[3 * x + c] * (255 - a[x]) + 127) / 255;
        o[3 * x + c] = static_cast<uint8_t>(v);
      }
    }
  }
  return out;
}

}  // namespace

Result<cv::Mat> SwapFaceClassical(const cv::Mat& source_bgr, const FaceLandmarks& source_mesh,
                                  const cv::Mat& target_bgr, const FaceLandmarks& target_mesh,
                                  const ClassicalSwapOptions& options) {
  if (source_bgr.empty() || source_bgr.type() != CV_8UC3 || target_bgr.empty() || target_bgr.type() != CV_8UC3)
    return InvalidArgument("the classical swap needs non-empty 8-bit BGR source and target images");
  FF_RETURN_IF_ERROR(CheckMesh(source_mesh, "source"));
  FF_RETURN_IF_ERROR(CheckMesh(target_mesh, "target"));
  FF_RETURN_IF_ERROR(CheckOptions(options));
  const std::vector<Point2>& src = source_mesh.points;
  const std::vector<Point2>& tgt = target_mesh.points;

  // The window: the target face's bounding box, grown, inside the image.
  const std::vector<cv::Point> hull = MeshHull(tgt, {0, 0});
  const float face_size = static_cast<float>(std::sqrt(std::abs(cv::contourArea(hull))));
  if (face_size < 4.f) return InvalidArgument("the target face is too small to swap (under 4 px)");
  const int grow = static_cast<int>(std::ceil(0.05f * face_size)) + 2;
  const cv::Rect bounds = cv::boundingRect(hull);
  const cv::Rect window = cv::Rect(bounds.x - grow, bounds.y - grow, bounds.width + 2 * grow, bounds.height + 2 * grow) &
                          cv::Rect(0, 0, target_bgr.cols, target_bgr.rows);
  if (window.empty()) return InvalidArgument("the target face lies outside the target image");

  const KeptRegions kept = ChooseKeptRegions(src, tgt, options);
  FF_ASSIGN_OR_RETURN(std::vector<Point2> dst, BlendMeshShape(src, tgt, options.shape_transfer, kept));
  // Triangulate a mesh halfway between the two shapes so the triangles suit both.
  FF_ASSIGN_OR_RETURN(std::vector<Point2> between, BlendMeshShape(src, tgt, 0.5f, {}));
  FF_ASSIGN_OR_RETURN(std::vector<mesh::Triangle> triangles, mesh::DelaunayTriangles(between));
  FF_ASSIGN_OR_RETURN(PiecewiseWarp warp, WarpPiecewiseAffine(source_bgr, src, dst, triangles, window.tl(), window.size()));

  const cv::Mat target_window = target_bgr(window);
  cv::Mat mask = BuildMask(dst, tgt, kept, warp.coverage, window.tl(), face_size, options);
  cv::Mat result = target_bgr.clone();
  if (cv::countNonZero(mask) == 0) return result;  // the face is almost all outside the image

  cv::Mat face = warp.image;
  if (options.color_transfer) {
    const cv::Mat skin = SkinOnly(mask, dst, window.tl(), face_size);
    const cv::Mat target_skin = SkinOnly(mask, tgt, window.tl(), face_size);
    auto matched = TransferColorLab(face, skin, target_window, target_skin, warp.coverage);
    if (matched.ok()) face = std::move(matched).value();  // too few pixels: keep the raw colours
  }

  cv::Mat blended = face;
  bool poisson = false;
  if (options.blend == ClassicalSwapOptions::Blend::kSeamless) {
    cv::Mat cloned;
    poisson = PoissonBlend(face, target_window, mask, options.poisson_max_side, &cloned);
    if (poisson) blended = cloned;
  }
  // After Poisson blending the face already meets the target at the mask
  // edge, so a light blur is enough; an alpha blend feathers inwards instead
  // (erode by half the kernel, so the blurred alpha fades out inside the mask).
  // Either way alpha is 0 outside the mask, which keeps those pixels exact.
  const int feather = OddKernel(options.feather * face_size);
  cv::Mat alpha = mask.clone();
  if (feather > 1) {
    if (!poisson) cv::erode(mask, alpha, Ellipse(std::max(1, feather / 2) | 1));
    const int k = poisson ? OddKernel(feather / 2.f) : feather;
    cv::GaussianBlur(alpha, alpha, cv::Size(k, k), 0);
    alpha &= mask;
  }
  AlphaBlend(blended, target_window, alpha).copyTo(result(window));
  return result;
}

}  // namespace facefuse::face
