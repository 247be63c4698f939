// Dense face landmarks: a model contract (crop, preprocessing, output
// decoding) around a runtime Session, one file per model family.
//
//   MediaPipe Face Mesh   468 points   face_mesh_landmarker.cpp (bundled)
//   PFLD (cunjian)         68 points   pfld68_landmarker.cpp   (user-supplied)
//   2DFAN4 (FaceFusion)    68 points   fan68_landmarker.cpp    (user-supplied)
//
// All start from a detector box (face/detect/detector.h) and return points in
// image pixels; OpenLandmarker picks one by name. The reductions to the 5
// alignment points (Landmarks68To5, Mesh468To5) follow the detector keypoint
// order: eye, eye, nose tip, mouth corner, mouth corner, image-left first for
// an upright face.
//
// Thread safety: a landmarker may be shared between threads; its Detect calls
// are serialised by the Session underneath.
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

// Landmarks of one face.
struct FaceLandmarks {
  std::vector<Point2> points;  // image pixels, in the model's point order
  std::vector<float> depth;    // per-point relative depth in image pixels (Face Mesh z); empty when the model has none
  float score = 0;             // face presence in [0, 1]; 1 for models without a presence output (PFLD)
};

// Landmarkers take only the model options (threads, memory budget).
using LandmarkerOptions = ModelOptions;

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

  // The landmarks of each of `faces` in `bgr`, in order. A model with a
  // dynamic batch dimension (PFLD) runs once for all of them; others run
  // once per face. Errors: those of Detect, for the first face that fails.
  virtual Result<std::vector<FaceLandmarks>> DetectAll(const cv::Mat& bgr, const std::vector<DetectedFace>& faces);

  // True when the score says whether a face is there at all (Face Mesh's
  // presence), so the landmarker alone can follow a face and notice it gone;
  // false when the score is a fit quality or a constant (2DFAN4, PFLD).
  virtual bool reports_presence() const { return false; }
};

// MediaPipe Face Mesh (468 points, input [1,3,192,192] RGB x/127.5-1).
// Crop: FaceMeshCrop, resized to 192. Outputs 468 x (x,y,z) in crop pixels
// and a presence logit (sigmoid). An empty `model` opens the bundled
// face_mesh_468.onnx. Errors: NotFound for a missing file; InvalidArgument
// for a model without one [1,3,192,192] input or without a 1404-value output.
inline constexpr int kFaceMeshPoints = 468;
inline constexpr int kFaceMeshInputSize = 192;
Result<std::unique_ptr<FaceLandmarker>> OpenFaceMesh(const std::filesystem::path& model,
                                                     const LandmarkerOptions& options);

// Face Mesh's crop for a box: square of side int(1.5 max(w,h)) centred on
// the box centre, top-left round(centre - side/2), no rotation.
// Errors: InvalidArgument for an empty box.
Result<SquareCrop> FaceMeshCrop(const DetectedFace& face);

// PFLD 68 points (cunjian/pytorch_face_landmark; iBUG 68 order), input
// [N,3,112,112] RGB x/255 of the Pfld68Crop, output [N,136] in 0..1 of the
// crop. Trained on 300-W (non-commercial terms), so it is never bundled.
// Errors: NotFound for an empty path or a missing file; InvalidArgument for
// a model without one [N,3,112,112] input.
inline constexpr int kPfld68InputSize = 112;
Result<std::unique_ptr<FaceLandmarker>> OpenPfld68(const std::filesystem::path& model,
                                                   const LandmarkerOptions& options);

// PFLD's crop on the integer box: w = x2-x1+1, h = y2-y1+1, side =
// int(1.1 max(w,h)), centre (x1 + w/2, y1 + h/2) with integer halves,
// top-left centre - side/2. Errors: InvalidArgument for an empty box.
Result<SquareCrop> Pfld68Crop(const DetectedFace& face);

// 2DFAN4 (FaceFusion's default 68-point landmarker), input `input`
// [1,3,256,256] BGR x/255; outputs [1,68,3] (x, y, .) in 64-px heatmap space
// and heatmaps [1,68,64,64]. Crop: scale = 195 / max(w, h), translation =
// (256 - (x1 + x2, y1 + y2) * scale) / 2 (no rotation: upright faces); CLAHE
// (clip 2) on Lab L when the crop's mean L is below 30, converting the BGR
// crop as if it were RGB, as FaceFusion does. Score: mean over points of the
// heatmap maximum, mapped from [0, 0.9] to [0, 1]. Errors: NotFound for an
// empty path or a missing file; InvalidArgument for a model without one
// [1,3,256,256] input and two outputs.
inline constexpr int kFan68InputSize = 256;
Result<std::unique_ptr<FaceLandmarker>> OpenFan68(const std::filesystem::path& model,
                                                  const LandmarkerOptions& options);

// OK for a name OpenLandmarker knows ("2dfan4", "pfld_68", "face_mesh").
// Errors: InvalidArgument "unknown landmarker 'NAME' (known: ...)".
Status CheckLandmarkerName(const std::string& name);

// A landmarker by the name the CLI uses: "2dfan4", "pfld_68" or
// "face_mesh" (an empty model path: the bundled Face Mesh; the others are
// not bundled). Errors: InvalidArgument for an unknown name; the family's
// own errors.
Result<std::unique_ptr<FaceLandmarker>> OpenLandmarker(const std::string& name, const std::filesystem::path& model,
                                                       const LandmarkerOptions& options);

// For the families: a landmarker made of its model session and a function
// that runs it on one face. `detect` must be safe to call with the session
// from several threads (the session serialises its runs).
using LandmarkFunction = Result<FaceLandmarks> (*)(Session& session, const cv::Mat& bgr, const DetectedFace& face);
std::unique_ptr<FaceLandmarker> MakeSessionLandmarker(std::unique_ptr<Session> session, LandmarkFunction detect,
                                                      bool reports_presence = false);

// For the families: cuts `crop` out of `bgr` at size x size (CutSquareCrop),
// feeds it as RGB (x - mean) / std and returns the model's outputs.
// Errors: CutSquareCrop's; runtime errors.
Result<std::vector<Tensor>> RunOnSquareCrop(Session& session, const cv::Mat& bgr, const SquareCrop& crop, int size,
                                            float mean, float std);

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
