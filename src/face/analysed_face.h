// A face as selection and swapping see it: where it is and who it is.
#pragma once

#include <opencv2/core.hpp>

#include <vector>

#include "face/detect/detector.h"
#include "face/recognizer.h"
#include "facefuse/face.h"
#include "facefuse/status.h"

namespace facefuse::face {

struct AnalysedFace {
  DetectedFace face;
  std::vector<float> embedding;  // unit length, as Recognizer::Embed returns; empty when not embedded
};

// Detects the faces in `bgr` and embeds each one (aligned on its 5 detector
// keypoints). Faces keep the detector's order (best first). Errors: the
// detector's and the recognizer's.
Result<std::vector<AnalysedFace>> AnalyseFaces(FaceDetector& detector, Recognizer& recognizer, const cv::Mat& bgr);

}  // namespace facefuse::face
