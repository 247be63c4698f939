// Shared pieces of the landmarkers: the session-backed landmarker, the model
// contract, the zero-padded square crop and the reductions from dense
// landmarks to the 5 alignment points.
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <string>

#include "face/image_tensor.h"
#include "face/landmark/landmarker.h"

namespace facefuse::face {
namespace {

Point2 Mean(const std::vector<Point2>& points, std::initializer_list<int> indices) {
  Point2 m;
  for (int i : indices) { m.x += points[i].x; m.y += points[i].y; }
  m.x /= static_cast<float>(indices.size());
  m.y /= static_cast<float>(indices.size());
  return m;
}

class SessionLandmarker final : public FaceLandmarker {
 public:
  SessionLandmarker(std::unique_ptr<Session> session, LandmarkFunction detect, bool reports_presence)
      : session_(std::move(session)), detect_(detect), reports_presence_(reports_presence) {}

  Result<FaceLandmarks> Detect(const cv::Mat& bgr, const DetectedFace& face) override {
    return detect_(*session_, bgr, face);
  }
  bool reports_presence() const override { return reports_presence_; }

 private:
  std::unique_ptr<Session> session_;
  LandmarkFunction detect_;
  bool reports_presence_;
};

}  // namespace

Result<std::vector<FaceLandmarks>> FaceLandmarker::DetectAll(const cv::Mat& bgr, const std::vector<DetectedFace>& faces) {
  std::vector<FaceLandmarks> all;
  all.reserve(faces.size());
  for (const DetectedFace& face : faces) {
    FF_ASSIGN_OR_RETURN(all.emplace_back(), Detect(bgr, face));
  }
  return all;
}

std::unique_ptr<FaceLandmarker> MakeSessionLandmarker(std::unique_ptr<Session> session, LandmarkFunction detect,
                                                      bool reports_presence) {
  return std::make_unique<SessionLandmarker>(std::move(session), detect, reports_presence);
}

Result<std::vector<Tensor>> RunOnSquareCrop(Session& session, const cv::Mat& bgr, const SquareCrop& crop, int size,
                                            float mean, float std) {
  FF_ASSIGN_OR_RETURN(cv::Mat input_image, CutSquareCrop(bgr, crop, size));
  FF_ASSIGN_OR_RETURN(Tensor input, ImageToNchw(input_image, ChannelOrder::kRgb, mean, std));
  return session.Run(std::vector<Tensor>{input});
}

Result<cv::Mat> CutSquareCrop(const cv::Mat& bgr, const SquareCrop& crop, int size) {
  if (bgr.empty() || bgr.type() != CV_8UC3) return InvalidArgument("landmarks need a non-empty 8-bit BGR image");
  if (crop.side <= 0 || size <= 0) return InvalidArgument("landmark crop has no area");
  if (crop.side > 4 * std::max(bgr.cols, bgr.rows)) return InvalidArgument("the face box is far larger than the image");
  const cv::Rect window(crop.x0, crop.y0, crop.side, crop.side);
  const cv::Rect inside = window & cv::Rect(0, 0, bgr.cols, bgr.rows);
  if (inside.empty()) return InvalidArgument("the face box lies outside the image");
  cv::Mat canvas(crop.side, crop.side, CV_8UC3, cv::Scalar(0, 0, 0));
  bgr(inside).copyTo(canvas(inside - window.tl()));
  cv::Mat out;
  cv::resize(canvas, out, cv::Size(size, size), 0, 0, cv::INTER_LINEAR);
  return out;
}

Result<std::vector<Point2>> Landmarks68To5(const std::vector<Point2>& p) {
  if (p.size() != 68) return InvalidArgument("68->5 needs 68 landmarks, got " + std::to_string(p.size()));
  return std::vector<Point2>{Mean(p, {36, 37, 38, 39, 40, 41}), Mean(p, {42, 43, 44, 45, 46, 47}), p[30], p[48],
                             p[54]};
}

Result<std::vector<Point2>> Mesh468To5(const std::vector<Point2>& p) {
  if (p.size() != 468) return InvalidArgument("468->5 needs 468 landmarks, got " + std::to_string(p.size()));
  return std::vector<Point2>{Mean(p, {33, 133}), Mean(p, {362, 263}), p[1], p[61], p[291]};
}

}  // namespace facefuse::face
