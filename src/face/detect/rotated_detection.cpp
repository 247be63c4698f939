// Rotated detection passes. The image is turned exactly (cv::rotate, no
// resampling) by 90, 180 or 270 degrees counter-clockwise; with pixel centres
// on integer coordinates, a point (u, v) in the turned image of a W x H
// original maps back to:
//    90: (W-1-v, u)       180: (W-1-u, H-1-v)       270: (v, H-1-u)
#include <opencv2/core.hpp>

#include <algorithm>
#include <set>

#include "face/detect/detector.h"

namespace facefuse::face {
namespace {

Point2 MapBack(Point2 p, int angle, int width, int height) {
  const float w1 = static_cast<float>(width - 1), h1 = static_cast<float>(height - 1);
  switch (angle) {
    case 90:
      return {w1 - p.y, p.x};
    case 180:
      return {w1 - p.x, h1 - p.y};
    case 270:
      return {p.y, h1 - p.x};
    default:
      return p;
  }
}

DetectedFace MapFaceBack(const DetectedFace& f, int angle, int width, int height) {
  DetectedFace out;
  out.score = f.score;
  const Point2 a = MapBack({f.x1, f.y1}, angle, width, height), b = MapBack({f.x2, f.y2}, angle, width, height);
  out.x1 = std::min(a.x, b.x);
  out.y1 = std::min(a.y, b.y);
  out.x2 = std::max(a.x, b.x);
  out.y2 = std::max(a.y, b.y);
  for (const Point2& p : f.keypoints) out.keypoints.push_back(MapBack(p, angle, width, height));
  return out;
}

cv::Mat Turn(const cv::Mat& bgr, int angle) {
  cv::Mat turned;
  switch (angle) {
    case 90:
      cv::rotate(bgr, turned, cv::ROTATE_90_COUNTERCLOCKWISE);
      break;
    case 180:
      cv::rotate(bgr, turned, cv::ROTATE_180);
      break;
    case 270:
      cv::rotate(bgr, turned, cv::ROTATE_90_CLOCKWISE);
      break;
    default:
      turned = bgr;
  }
  return turned;
}

// Runs the wrapped detector once per angle (OpenDetector with options.angles).
class RotatingDetector final : public FaceDetector {
 public:
  RotatingDetector(std::unique_ptr<FaceDetector> inner, std::vector<int> angles, float merge_iou)
      : inner_(std::move(inner)), angles_(std::move(angles)), merge_iou_(merge_iou) {}

  Result<std::vector<DetectedFace>> Detect(const cv::Mat& bgr) override {
    return DetectAtAngles(*inner_, bgr, angles_, merge_iou_);
  }

 private:
  std::unique_ptr<FaceDetector> inner_;
  std::vector<int> angles_;
  float merge_iou_;
};

}  // namespace

Status ValidateAngles(const std::vector<int>& angles) {
  if (angles.empty()) return InvalidArgument("detection needs at least one angle (0 for upright)");
  std::set<int> seen;
  for (int a : angles) {
    if (a != 0 && a != 90 && a != 180 && a != 270)
      return InvalidArgument("detection angle " + std::to_string(a) + " is not one of 0, 90, 180, 270");
    if (!seen.insert(a).second) return InvalidArgument("detection angle " + std::to_string(a) + " is given twice");
  }
  return Status::Ok();
}

float MergeIoUForAngles(size_t angle_count) {
  switch (angle_count) {
    case 0:
    case 1:
      return 0.4f;
    case 2:
      return 0.3f;
    case 3:
      return 0.2f;
    default:
      return 0.1f;
  }
}

Result<std::vector<DetectedFace>> DetectAtAngles(FaceDetector& detector, const cv::Mat& bgr,
                                                 const std::vector<int>& angles, float merge_iou) {
  FF_RETURN_IF_ERROR(ValidateAngles(angles));
  if (bgr.empty()) return InvalidArgument("cannot detect faces in an empty image");
  std::vector<DetectedFace> all;
  for (int angle : angles) {
    FF_ASSIGN_OR_RETURN(std::vector<DetectedFace> faces, detector.Detect(Turn(bgr, angle)));
    for (const DetectedFace& f : faces) all.push_back(MapFaceBack(f, angle, bgr.cols, bgr.rows));
  }
  if (angles.size() == 1 && merge_iou < 0) return all;  // one pass: the detector's own NMS stands
  return NonMaxSuppression(std::move(all), merge_iou < 0 ? MergeIoUForAngles(angles.size()) : merge_iou);
}

Result<std::unique_ptr<FaceDetector>> WrapForAngles(std::unique_ptr<FaceDetector> detector,
                                                    const DetectorOptions& options) {
  FF_RETURN_IF_ERROR(ValidateAngles(options.angles));
  if (options.angles == std::vector<int>{0}) return detector;
  const float merge_iou = options.nms_iou >= 0 ? options.nms_iou : -1.f;
  return std::unique_ptr<FaceDetector>(new RotatingDetector(std::move(detector), options.angles, merge_iou));
}

}  // namespace facefuse::face
