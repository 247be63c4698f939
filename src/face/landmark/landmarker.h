// Dense face landmarks: a model contract (crop, preprocessing, output
// decoding) around a runtime Session, one file per model family.
//
//   MediaPipe Face Mesh   468 points   face_mesh_landmarker.cpp (bundled)
//   PFLD (cunjian)         68 points   pfld68_landmarker.cpp   (user-supplied)
//   2DFAN4 (FaceFusion)    68 points   fan68_landmarker.cpp    (user-supplied)
//
// Both start from a detector box (face/detector.h) and return points in image
// pixels. The reductions to the 5 alignment points (Landmarks68To5,
// Mesh468To5) follow the detector keypoint order: eye, eye, nose tip, mouth
// corner, mouth corner, image-left first for an upright face.
//
// Thread safety: a landmarker may be shared between threads; its Detect calls
// are serialised by the Session underneath.
#pragma once

#include <opencv2/core.hpp>

#include <filesystem>
#include <memory>
#include <vector>

#include "facefuse/face.h"
#include "facefuse/runtime.h"
#include "facefuse/status.h"

namespace facefuse::face {

// Landmarks of one face.
struct FaceLandmarks {
  std::vector<Point2> points;  // image pixels, in the model's point order
  std::vector<float> depth;    // per-point relative depth in image pixels (Face Mesh z); empty when the model has none
  float score = 0;             // face presence in [0, 1]; 1 for models without a presence output (PFLD)
};

struct LandmarkerOptions {
  int threads = 0;  // kernel threads; 0: all cores
  std::shared_ptr<MemoryBudget> memory_budget;  // admits the model's memory (none: unlimited)
};

// The square window a landmarker cuts around a detector box, in image pixels.
// Parts outside the image are zero-padded.
struct SquareCrop {
  int x0 = 0, y0 = 0;  // top-left, may be negative
  int side = 0;        // > 0
};

class FaceLandmarker {
 public:
  virtual ~FaceLandmarker() = default;
  // Landmarks of the face in `face`'s box (keypoints unused) in `bgr`.
  // Errors: InvalidArgument for an empty or non-CV_8UC3 image, an empty box,
  // or a box that does not overlap the image; runtime errors from the model.
  virtual Result<FaceLandmarks> Detect(const cv::Mat& bgr, const DetectedFace& face) = 0;
};

// MediaPipe Face Mesh (468 points, input [1,3,192,192] RGB x/127.5-1).
// Crop: square of side int(1.5 max(w,h)) centred on the box centre,
// top-left round(centre - side/2), zero pad, no rotation; resized to 192.
// Outputs 468 x (x,y,z) in crop pixels and a presence logit (sigmoid).
class FaceMeshLandmarker final : public FaceLandmarker {
 public:
  static constexpr int kPoints = 468;
  static constexpr int kInputSize = 192;

  // An empty `model` opens the bundled face_mesh_468.onnx. Errors: NotFound
  // for a missing file; InvalidArgument for a model without one
  // [1,3,192,192] input or without a 1404-value output.
  static Result<std::unique_ptr<FaceMeshLandmarker>> Open(const std::filesystem::path& model,
                                                          const LandmarkerOptions& options);

  // The crop for a box. Errors: InvalidArgument for an empty box.
  static Result<SquareCrop> CropFor(const DetectedFace& face);

  Result<FaceLandmarks> Detect(const cv::Mat& bgr, const DetectedFace& face) override;

 private:
  explicit FaceMeshLandmarker(std::unique_ptr<Session> s) : session_(std::move(s)) {}
  std::unique_ptr<Session> session_;
};

// PFLD 68 points (cunjian/pytorch_face_landmark; iBUG 68 order), input
// [N,3,112,112] RGB x/255, output [N,136] in 0..1 of the crop. Crop on the
// integer box: w = x2-x1+1, h = y2-y1+1, side = int(1.1 max(w,h)), centre
// (x1 + w/2, y1 + h/2) with integer halves, top-left centre - side/2.
// Trained on 300-W (non-commercial terms), so it is never bundled.
class Pfld68Landmarker final : public FaceLandmarker {
 public:
  static constexpr int kPoints = 68;
  static constexpr int kInputSize = 112;

  // Errors: NotFound for an empty path or a missing file; InvalidArgument for
  // a model without one [N,3,112,112] input.
  static Result<std::unique_ptr<Pfld68Landmarker>> Open(const std::filesystem::path& model,
                                                        const LandmarkerOptions& options);

  // The crop for a box. Errors: InvalidArgument for an empty box.
  static Result<SquareCrop> CropFor(const DetectedFace& face);

  Result<FaceLandmarks> Detect(const cv::Mat& bgr, const DetectedFace& face) override;

 private:
  explicit Pfld68Landmarker(std::unique_ptr<Session> s) : session_(std::move(s)) {}
  std::unique_ptr<Session> session_;
};

// 2DFAN4 (FaceFusion's default 68-point landmarker), input `input`
// [1,3,256,256] BGR x/255; outputs [1,68,3] (x, y, .) in 64-px heatmap space
// and heatmaps [1,68,64,64]. Crop: scale = 195 / max(w, h), translation =
// (256 - (x1 + x2, y1 + y2) * scale) / 2 (no rotation: upright faces); CLAHE
// (clip 2) on Lab L when the crop's mean L is below 30, converting the BGR
// crop as if it were RGB, as FaceFusion does. Score: mean over points of the
// heatmap maximum, mapped from [0, 0.9] to [0, 1].
class Fan68Landmarker final : public FaceLandmarker {
 public:
  static constexpr int kPoints = 68;
  static constexpr int kInputSize = 256;
  // Errors: NotFound for an empty path or a missing file; InvalidArgument for
  // a model without one [1,3,256,256] input and two outputs.
  static Result<std::unique_ptr<Fan68Landmarker>> Open(const std::filesystem::path& model,
                                                       const LandmarkerOptions& options);
  Result<FaceLandmarks> Detect(const cv::Mat& bgr, const DetectedFace& face) override;

 private:
  explicit Fan68Landmarker(std::unique_ptr<Session> s) : session_(std::move(s)) {}
  std::unique_ptr<Session> session_;
};

// The 5 alignment points from iBUG 68 landmarks (FaceFusion's rule):
// mean(36..41), mean(42..47), 30, 48, 54. Errors: InvalidArgument unless
// there are exactly 68 points.
Result<std::vector<Point2>> Landmarks68To5(const std::vector<Point2>& points);

// The 5 alignment points from the 468-point mesh: mean(33,133),
// mean(362,263), 1, 61, 291. Errors: InvalidArgument unless there are
// exactly 468 points.
Result<std::vector<Point2>> Mesh468To5(const std::vector<Point2>& points);

// Cuts `crop` out of `bgr` (zero outside the image) and resizes it to
// size x size, bilinear. Errors: InvalidArgument for an empty or non-CV_8UC3
// image, a non-positive side, or a crop that does not overlap the image.
Result<cv::Mat> CutSquareCrop(const cv::Mat& bgr, const SquareCrop& crop, int size);

}  // namespace facefuse::face
