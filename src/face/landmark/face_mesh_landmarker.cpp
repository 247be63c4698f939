// MediaPipe Face Mesh (keijiro/FaceLandmarkBarracuda export): input `input_1`
// [1,3,192,192] RGB x/127.5-1; outputs [1,1404,1,1] = 468 x (x,y,z) in pixels
// of the 192 input and [1,1,1,1] = face-presence logit.
#include <algorithm>
#include <cmath>

#include "common/paths.h"
#include "face/landmark/landmarker.h"

namespace facefuse::face {
namespace {

constexpr float kMaxCoordinate = 1e7f;
constexpr int kPoints = kFaceMeshPoints;
constexpr int kInputSize = kFaceMeshInputSize;
constexpr int64_t kMeshValues = kPoints * 3;

bool DeclaredSize(const TensorInfo& info, int64_t* n) {
  if (!info.has_shape) return false;
  int64_t total = 1;
  for (int64_t d : info.dims) {
    if (d < 0) return false;
    total *= d;
  }
  *n = total;
  return true;
}

}  // namespace

Result<SquareCrop> FaceMeshCrop(const DetectedFace& face) {
  const float w = face.width(), h = face.height();
  if (!(w > 0) || !(h > 0) || !(std::abs(face.x1) < kMaxCoordinate) || !(std::abs(face.y1) < kMaxCoordinate) ||
      !(std::abs(face.x2) < kMaxCoordinate) || !(std::abs(face.y2) < kMaxCoordinate))
    return InvalidArgument("Face Mesh needs a face box with an area, within 1e7 px of the origin");
  SquareCrop crop;
  crop.side = static_cast<int>(1.5 * std::max(w, h));
  if (crop.side <= 0) return InvalidArgument("Face Mesh needs a face box with an area");
  // Round half to even, as the reference preprocessing (Python round) does.
  const double cx = 0.5 * (static_cast<double>(face.x1) + face.x2), cy = 0.5 * (static_cast<double>(face.y1) + face.y2);
  crop.x0 = static_cast<int>(std::nearbyint(cx - crop.side / 2.0));
  crop.y0 = static_cast<int>(std::nearbyint(cy - crop.side / 2.0));
  return crop;
}

namespace {

Result<FaceLandmarks> DetectFaceMesh(Session& session, const cv::Mat& bgr, const DetectedFace& face) {
  if (bgr.empty() || bgr.type() != CV_8UC3) return InvalidArgument("Face Mesh expects a non-empty 8-bit BGR image");
  FF_ASSIGN_OR_RETURN(SquareCrop crop, FaceMeshCrop(face));
  FF_ASSIGN_OR_RETURN(std::vector<Tensor> out, RunOnSquareCrop(session, bgr, crop, kInputSize, 127.5f, 127.5f));
  const Tensor* mesh = nullptr;
  const Tensor* presence = nullptr;
  for (const Tensor& t : out) {
    if (t.dtype() != DataType::kFloat32) continue;
    if (t.size() == kMeshValues && !mesh) mesh = &t;
    else if (t.size() == 1 && !presence) presence = &t;
  }
  if (!mesh) return InvalidArgument("the Face Mesh model returned no 468x3 landmark output");

  FaceLandmarks result;
  const float k = static_cast<float>(crop.side) / kInputSize;
  const float* v = mesh->data<float>();
  result.points.reserve(kPoints);
  result.depth.reserve(kPoints);
  for (int i = 0; i < kPoints; ++i) {
    result.points.push_back({static_cast<float>(crop.x0) + v[3 * i] * k, static_cast<float>(crop.y0) + v[3 * i + 1] * k});
    result.depth.push_back(v[3 * i + 2] * k);
  }
  if (presence) {
    const double logit = std::clamp(static_cast<double>(presence->data<float>()[0]), -80.0, 80.0);
    result.score = static_cast<float>(1.0 / (1.0 + std::exp(-logit)));
  } else {
    result.score = 1.f;
  }
  return result;
}

}  // namespace

Result<std::unique_ptr<FaceLandmarker>> OpenFaceMesh(const std::filesystem::path& model,
                                                     const LandmarkerOptions& options) {
  const std::filesystem::path file = model.empty() ? BundledModelsDir() / "face_mesh_468.onnx" : model;
  FF_ASSIGN_OR_RETURN(std::unique_ptr<Session> session,
                      OpenFaceModel(file, options,
                                    SquareImageContract(file, kInputSize, 0,
                                                        "is not a Face Mesh model (expects one [1,3,192,192] input)")));
  bool has_mesh = false;
  for (const auto& out : session->outputs()) {
    int64_t n = 0;
    if (!DeclaredSize(out, &n) || n == kMeshValues) has_mesh = true;  // unknown sizes are checked on Run
  }
  if (!has_mesh) return InvalidArgument(file.string() + " is not a Face Mesh model (no 1404-value output)");
  return MakeSessionLandmarker(std::move(session), &DetectFaceMesh, /*reports_presence=*/true);
}

}  // namespace facefuse::face
