// PFLD 68 (cunjian/pytorch_face_landmark onnx/pfld.onnx): input `input`
// [N,3,112,112] RGB x/255; output [N,136] = 68 x (x,y) in 0..1 of the crop.
#include <algorithm>
#include <cmath>

#include "face/landmark/landmarker.h"

namespace facefuse::face {

Result<SquareCrop> Pfld68Crop(const DetectedFace& face) {
  const float limit = 1e7f;
  if (!(face.width() > 0) || !(face.height() > 0) || !(std::abs(face.x1) < limit) || !(std::abs(face.y1) < limit) ||
      !(std::abs(face.x2) < limit) || !(std::abs(face.y2) < limit))
    return InvalidArgument("PFLD needs a face box with an area, within 1e7 px of the origin");
  // cunjian's rule on the integer box (int() truncates toward zero).
  const int x1 = static_cast<int>(face.x1), y1 = static_cast<int>(face.y1);
  const int w = static_cast<int>(face.x2) - x1 + 1, h = static_cast<int>(face.y2) - y1 + 1;
  SquareCrop crop;
  crop.side = static_cast<int>(1.1 * std::max(w, h));
  if (crop.side <= 0) return InvalidArgument("PFLD needs a face box with an area");
  crop.x0 = x1 + w / 2 - crop.side / 2;
  crop.y0 = y1 + h / 2 - crop.side / 2;
  return crop;
}

namespace {

constexpr int kPoints = 68;
constexpr int kInputSize = kPfld68InputSize;

Result<FaceLandmarks> DetectPfld68(Session& session, const cv::Mat& bgr, const DetectedFace& face) {
  if (bgr.empty() || bgr.type() != CV_8UC3) return InvalidArgument("PFLD expects a non-empty 8-bit BGR image");
  FF_ASSIGN_OR_RETURN(SquareCrop crop, Pfld68Crop(face));
  FF_ASSIGN_OR_RETURN(std::vector<Tensor> out, RunOnSquareCrop(session, bgr, crop, kInputSize, 0.f, 255.f));
  if (out.empty() || out[0].dtype() != DataType::kFloat32 || out[0].size() != 2 * kPoints)
    return InvalidArgument("the PFLD model returned no 136-value landmark output");
  FaceLandmarks result;
  const float* v = out[0].data<float>();
  const float side = static_cast<float>(crop.side);
  result.points.reserve(kPoints);
  for (int i = 0; i < kPoints; ++i)
    result.points.push_back({static_cast<float>(crop.x0) + v[2 * i] * side, static_cast<float>(crop.y0) + v[2 * i + 1] * side});
  result.score = 1.f;
  return result;
}

}  // namespace

Result<std::unique_ptr<FaceLandmarker>> OpenPfld68(const std::filesystem::path& model,
                                                   const LandmarkerOptions& options) {
  if (model.empty())
    return NotFound("the PFLD 68-point landmarker is not bundled (300-W, non-commercial terms): pass its model file");
  FF_ASSIGN_OR_RETURN(std::unique_ptr<Session> session,
                      OpenFaceModel(model, options,
                                    SquareImageContract(model, kInputSize, 0,
                                                        "is not a PFLD model (expects one [N,3,112,112] input)")));
  return MakeSessionLandmarker(std::move(session), &DetectPfld68);
}

}  // namespace facefuse::face
