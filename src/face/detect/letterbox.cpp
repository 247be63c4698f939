#include <opencv2/imgproc.hpp>

#include "face/detect/letterbox_detector.h"

namespace facefuse::face {

Letterbox MakeLetterbox(const cv::Mat& bgr, int size) {
  double r = static_cast<double>(bgr.rows) / bgr.cols;
  int nw, nh;
  if (r > 1.0) {
    nh = size;
    nw = static_cast<int>(size / r);
  } else {
    nw = size;
    nh = static_cast<int>(size * r);
  }
  nw = std::max(nw, 1);
  nh = std::max(nh, 1);
  Letterbox lb;
  lb.canvas = cv::Mat::zeros(size, size, CV_8UC3);
  cv::Mat resized;
  cv::resize(bgr, resized, cv::Size(nw, nh), 0, 0, cv::INTER_LINEAR);
  resized.copyTo(lb.canvas(cv::Rect(0, 0, nw, nh)));
  lb.scale = static_cast<float>(nh) / static_cast<float>(bgr.rows);
  return lb;
}

void UndoLetterbox(const Letterbox& lb, std::vector<DetectedFace>& faces) {
  const float inv = 1.f / lb.scale;
  for (auto& f : faces) {
    f.x1 *= inv;
    f.y1 *= inv;
    f.x2 *= inv;
    f.y2 *= inv;
    for (auto& p : f.keypoints) {
      p.x *= inv;
      p.y *= inv;
    }
  }
}

LetterboxDetector::LetterboxDetector(std::unique_ptr<Session> session, const DetectorOptions& options,
                                     const LetterboxFamily& family)
    : session_(std::move(session)), options_(options), family_(family) {
  if (options_.score_threshold < 0) options_.score_threshold = family.default_score;
  if (options_.nms_iou < 0) options_.nms_iou = family.default_nms_iou;
}

Result<std::vector<DetectedFace>> LetterboxDetector::Detect(const cv::Mat& bgr) {
  if (bgr.empty() || bgr.type() != CV_8UC3)
    return InvalidArgument(std::string(family_.name) + " expects a non-empty 8-bit BGR image");
  return DetectAbove(bgr, options_.score_threshold);
}

Result<std::vector<DetectedFace>> LetterboxDetector::DetectAbove(const cv::Mat& bgr, float threshold) {
  LetterboxRun run{*session_, {}, MakeLetterbox(bgr, options_.input_size), options_.input_size};
  FF_ASSIGN_OR_RETURN(Tensor input, ImageToNchw(run.lb.canvas, family_.order, family_.mean, family_.std));
  FF_ASSIGN_OR_RETURN(run.outputs, session_->Run(std::vector<Tensor>{input}));
  FF_ASSIGN_OR_RETURN(std::vector<DetectedFace> faces, family_.decode(run, threshold));
  return NonMaxSuppression(std::move(faces), options_.nms_iou);
}

}  // namespace facefuse::face
