#include <opencv2/imgproc.hpp>

#include "face/detect/detector.h"

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

}  // namespace facefuse::face
