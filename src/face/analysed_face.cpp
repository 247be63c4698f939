#include "face/analysed_face.h"

namespace facefuse::face {

Result<std::vector<AnalysedFace>> AnalyseFaces(FaceDetector& detector, Recognizer& recognizer, const cv::Mat& bgr) {
  FF_ASSIGN_OR_RETURN(std::vector<DetectedFace> detected, detector.Detect(bgr));
  std::vector<AnalysedFace> faces;
  faces.reserve(detected.size());
  for (DetectedFace& d : detected) {
    FF_ASSIGN_OR_RETURN(std::vector<float> embedding, recognizer.Embed(bgr, d.keypoints));
    faces.push_back({std::move(d), std::move(embedding)});
  }
  return faces;
}

}  // namespace facefuse::face
