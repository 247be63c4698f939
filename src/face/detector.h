// Face detectors: a model contract (preprocessing + output decoding) around a
// runtime Session. Each family lives in its own file.
#pragma once

#include <opencv2/core.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "facefuse/face.h"
#include "facefuse/runtime.h"
#include "facefuse/status.h"

namespace facefuse::face {

struct DetectorOptions {
  float score_threshold = -1;  // < 0: the family's default
  float nms_iou = -1;          // < 0: the family's default
  int input_size = 640;        // square network input (letterboxed)
  int threads = 0;             // 0: all cores
};

class FaceDetector {
 public:
  virtual ~FaceDetector() = default;
  // Faces in `bgr` (8-bit, 3 channels) in image pixels, best first.
  // Errors: InvalidArgument for an empty or non-BGR image; runtime errors.
  virtual Result<std::vector<DetectedFace>> Detect(const cv::Mat& bgr) = 0;
};

// YuNet 2023mar contract (OpenCV FaceDetectorYN decode; default score 0.9, NMS IoU 0.3).
Result<std::unique_ptr<FaceDetector>> OpenYuNet(const std::filesystem::path& model, const DetectorOptions& options);

// SCRFD / InsightFace det_* contract (default score 0.5, NMS IoU 0.4).
Result<std::unique_ptr<FaceDetector>> OpenScrfd(const std::filesystem::path& model, const DetectorOptions& options);

// A detector by family name ("yunet", "scrfd"); an empty model path means the
// bundled default where there is one.
Result<std::unique_ptr<FaceDetector>> OpenDetector(const std::string& family, const std::filesystem::path& model,
                                                   const DetectorOptions& options);

// The session behind a letterboxing detector: checks that the input size is a
// positive multiple of 32 (InvalidArgument naming `family`), then opens the model.
Result<std::unique_ptr<Session>> OpenDetectorSession(const char* family, const std::filesystem::path& model,
                                                     const DetectorOptions& options);

// InsightFace letterbox: scale to fit (size x size) keeping the aspect ratio,
// paste at the top-left of a zero canvas. `scale` maps image px to canvas px.
struct Letterbox {
  cv::Mat canvas;  // CV_8UC3, size x size
  float scale = 1;
};
Letterbox MakeLetterbox(const cv::Mat& bgr, int size);

}  // namespace facefuse::face
