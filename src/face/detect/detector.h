// Face detectors: a model contract (preprocessing + output decoding) around a
// runtime Session. Each family lives in its own file.
#pragma once

#include <opencv2/core.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "face/model.h"
#include "facefuse/face.h"
#include "facefuse/runtime.h"
#include "facefuse/status.h"

namespace facefuse::face {

// The model options (threads, memory budget) and the detection settings.
struct DetectorOptions : ModelOptions {
  float score_threshold = -1;  // < 0: the family's default
  float nms_iou = -1;          // < 0: the family's default (and, with several angles, the contract's merge IoU)
  int input_size = 640;        // square network input (letterboxed); a positive multiple of 32
  // Rotated passes: each angle (0, 90, 180 or 270; degrees counter-clockwise,
  // OpenCV's and FaceFusion's convention) turns the image before detection;
  // faces are mapped back and merged (see DetectAtAngles). {0}: upright only.
  std::vector<int> angles = {0};
};

class FaceDetector {
 public:
  virtual ~FaceDetector() = default;
  // Faces in `bgr` (8-bit, 3 channels) in image pixels, best first.
  // Errors: InvalidArgument for an empty or non-BGR image; runtime errors.
  virtual Result<std::vector<DetectedFace>> Detect(const cv::Mat& bgr) = 0;
};

// YuNet's default (options.score_threshold < 0): keep faces scoring
// >= kYuNetCandidateScore (FaceFusion's 0.5); a face below
// kYuNetConfidentScore (OpenCV FaceDetectorYN's 0.9) is kept only when YuNet,
// run again on a square crop of 2.5 x the face's longer side around it, finds
// it there (IoU >= 0.5) with a score >= kYuNetCropCheckScore. Seen larger, a
// real face scores higher: camera.png's 3/4-view face 0.873 -> 0.904, the
// same face tiled 3 x 3 0.785..0.863 -> 0.907..0.912, while the non-faces of
// the face-free images stay <= 0.788 (docs/benchmarks.md, "Default
// detector"). An explicit score_threshold keeps every face scoring at least
// that much, without the crop check.
constexpr float kYuNetCandidateScore = 0.5f;
constexpr float kYuNetConfidentScore = 0.9f;
constexpr float kYuNetCropCheckScore = 0.85f;

// YuNet 2023mar contract (OpenCV FaceDetectorYN decode; default score: see
// kYuNetCandidateScore; NMS IoU 0.3).
Result<std::unique_ptr<FaceDetector>> OpenYuNet(const std::filesystem::path& model, const DetectorOptions& options);

// SCRFD / InsightFace det_* contract (default score 0.5, NMS IoU 0.4).
Result<std::unique_ptr<FaceDetector>> OpenScrfd(const std::filesystem::path& model, const DetectorOptions& options);

// RetinaFace MobileNet-0.25 (biubug6 export: loc / conf / landms over 16800
// priors at 640; BGR - (104,117,123); default score 0.5, NMS IoU 0.4).
Result<std::unique_ptr<FaceDetector>> OpenRetinaFace(const std::filesystem::path& model,
                                                     const DetectorOptions& options);

// YOLOv8-face as FaceFusion's yoloface_8n ([1,20,N] output; BGR x/255; default
// score 0.5, NMS IoU 0.4).
Result<std::unique_ptr<FaceDetector>> OpenYoloFace(const std::filesystem::path& model, const DetectorOptions& options);

// OK for a family name OpenDetector knows ("yunet", "scrfd", "retinaface",
// "yoloface"). Errors: InvalidArgument "unknown detector 'NAME' (available: ...)".
Status CheckDetectorFamily(const std::string& family);

// A detector by family name ("yunet", "scrfd", "retinaface", "yoloface"); an
// empty model path means the bundled default where there is one. When
// options.angles holds anything but {0} the detector runs once per angle
// (DetectAtAngles). Errors: InvalidArgument for an unknown family, a bad
// input size or bad angles; NotFound for a family without a bundled model
// and no model path; the model's own errors.
Result<std::unique_ptr<FaceDetector>> OpenDetector(const std::string& family, const std::filesystem::path& model,
                                                   const DetectorOptions& options);

// The session behind a letterboxing detector: checks that the input size is a
// positive multiple of 32 (InvalidArgument naming `family`), opens the model
// through OpenFaceModel and checks that it has an input and, when its input
// size is fixed, that it takes options.input_size.
Result<std::unique_ptr<Session>> OpenDetectorSession(const char* family, const std::filesystem::path& model,
                                                     const DetectorOptions& options);

// InsightFace letterbox: scale to fit (size x size) keeping the aspect ratio,
// paste at the top-left of a zero canvas. `scale` maps image px to canvas px.
struct Letterbox {
  cv::Mat canvas;  // CV_8UC3, size x size
  float scale = 1;
};
Letterbox MakeLetterbox(const cv::Mat& bgr, int size);

// Maps faces decoded in canvas pixels back to image pixels (divides boxes and
// keypoints by lb.scale).
void UndoLetterbox(const Letterbox& lb, std::vector<DetectedFace>& faces);

// InvalidArgument unless `angles` is non-empty, holds only 0, 90, 180 and 270,
// and none twice.
Status ValidateAngles(const std::vector<int>& angles);

// The NMS IoU that merges the faces of several rotated passes (the contract's
// 0.4 / 0.3 / 0.2 / 0.1 for 1 / 2 / 3 / 4 angles).
float MergeIoUForAngles(size_t angle_count);

// Runs `detector` on `bgr` turned by each angle (degrees counter-clockwise),
// maps boxes (the rotated corners' bounding box) and keypoints back into
// `bgr`, and merges all passes with NonMaxSuppression at `merge_iou` (< 0:
// MergeIoUForAngles; a single pass then keeps the detector's own NMS). Keypoints keep the order the detector gave in
// the turned image, i.e. the face's own order, which is what alignment needs. Errors: ValidateAngles; the detector's
// errors.
Result<std::vector<DetectedFace>> DetectAtAngles(FaceDetector& detector, const cv::Mat& bgr,
                                                 const std::vector<int>& angles, float merge_iou = -1);

// `detector` itself for options.angles == {0}; otherwise a detector whose
// Detect is DetectAtAngles over options.angles, merging at options.nms_iou
// when set. Errors: ValidateAngles.
Result<std::unique_ptr<FaceDetector>> WrapForAngles(std::unique_ptr<FaceDetector> detector,
                                                    const DetectorOptions& options);

}  // namespace facefuse::face
