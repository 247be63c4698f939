// What the letterboxing detector families share: the model session, the
// options with the family's defaults filled in, the image check, the
// letterboxed run and NMS. Each family adds its output decoding.
#pragma once

#include <array>
#include <memory>
#include <vector>

#include "face/detect/detector.h"
#include "face/image_tensor.h"

namespace facefuse::face {

// The model's outputs for one letterboxed image.
struct LetterboxRun {
  const Session& session;        // the model (its declared outputs name `outputs`, in order)
  std::vector<Tensor> outputs;
  Letterbox lb;                  // the image -> canvas mapping
  int size = 0;                  // the canvas side (options.input_size)
};

// A family's decoding: the faces scoring >= threshold in `run`, in image
// pixels, before NMS. Errors: InvalidArgument for outputs that break the
// family's contract.
using LetterboxDecode = Result<std::vector<DetectedFace>> (*)(const LetterboxRun& run, float threshold);

// A family's input feed, defaults and decoding.
struct LetterboxFamily {
  const char* name;            // names the family in errors, e.g. "SCRFD"
  float default_score;         // used when options.score_threshold < 0
  float default_nms_iou;       // used when options.nms_iou < 0
  ChannelOrder order;          // channel order of the input tensor
  std::array<float, 3> mean;   // (pixel - mean) / std per tensor channel, on 0..255 pixels
  std::array<float, 3> std;
  LetterboxDecode decode;
};

class LetterboxDetector : public FaceDetector {
 public:
  // Takes the session; fills options' score and NMS defaults from `family`.
  LetterboxDetector(std::unique_ptr<Session> session, const DetectorOptions& options, const LetterboxFamily& family);

  // DetectAbove at options.score_threshold. Errors: InvalidArgument ("<family>
  // expects a non-empty 8-bit BGR image") unless `bgr` is non-empty
  // CV_8UC3; DetectAbove's.
  Result<std::vector<DetectedFace>> Detect(const cv::Mat& bgr) override;

 protected:
  // Faces scoring >= threshold in `bgr` (CV_8UC3), in its pixels, after NMS
  // at options_.nms_iou: letterboxes `bgr` onto an options_.input_size
  // canvas, feeds it as the family takes it, runs the model and decodes.
  // Errors: runtime errors; the family's decoding errors.
  Result<std::vector<DetectedFace>> DetectAbove(const cv::Mat& bgr, float threshold);

  std::unique_ptr<Session> session_;
  DetectorOptions options_;
  LetterboxFamily family_;
};

}  // namespace facefuse::face
