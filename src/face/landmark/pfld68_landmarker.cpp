// PFLD 68 (cunjian/pytorch_face_landmark onnx/pfld.onnx): input `input`
// [N,3,112,112] RGB x/255; output [N,136] = 68 x (x,y) in 0..1 of the crop.
#include <algorithm>
#include <cmath>

#include "face/image_tensor.h"
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

// The landmarks of crop `index` of a [N,136] output.
FaceLandmarks PointsOf(const Tensor& out, size_t index, const SquareCrop& crop) {
  FaceLandmarks result;
  const float* v = out.data<float>() + index * 2 * kPoints;
  const float side = static_cast<float>(crop.side);
  result.points.reserve(kPoints);
  for (int i = 0; i < kPoints; ++i)
    result.points.push_back({static_cast<float>(crop.x0) + v[2 * i] * side, static_cast<float>(crop.y0) + v[2 * i + 1] * side});
  result.score = 1.f;
  return result;
}

// PFLD on one crop per face, all in one run of a [N,3,112,112] batch when the model's batch is dynamic.
class Pfld68Landmarker final : public FaceLandmarker {
 public:
  explicit Pfld68Landmarker(std::unique_ptr<Session> session)
      : session_(std::move(session)),
        dynamic_batch_(!session_->inputs().empty() && !session_->inputs()[0].dims.empty() &&
                       session_->inputs()[0].dims[0] < 0) {}

  Result<FaceLandmarks> Detect(const cv::Mat& bgr, const DetectedFace& face) override {
    FF_ASSIGN_OR_RETURN(std::vector<FaceLandmarks> one, Run(bgr, {face}));
    return std::move(one[0]);
  }

  Result<std::vector<FaceLandmarks>> DetectAll(const cv::Mat& bgr, const std::vector<DetectedFace>& faces) override {
    if (dynamic_batch_ || faces.size() <= 1) return Run(bgr, faces);
    return FaceLandmarker::DetectAll(bgr, faces);
  }

 private:
  Result<std::vector<FaceLandmarks>> Run(const cv::Mat& bgr, const std::vector<DetectedFace>& faces) {
    if (bgr.empty() || bgr.type() != CV_8UC3) return InvalidArgument("PFLD expects a non-empty 8-bit BGR image");
    if (faces.empty()) return std::vector<FaceLandmarks>{};
    const int64_t n = static_cast<int64_t>(faces.size());
    constexpr int64_t kValues = 3 * kInputSize * kInputSize;
    FF_ASSIGN_OR_RETURN(Tensor batch, Tensor::Allocate(DataType::kFloat32, {n, 3, kInputSize, kInputSize}));
    std::vector<SquareCrop> crops;
    for (int64_t i = 0; i < n; ++i) {
      FF_ASSIGN_OR_RETURN(SquareCrop crop, Pfld68Crop(faces[static_cast<size_t>(i)]));
      FF_ASSIGN_OR_RETURN(cv::Mat pixels, CutSquareCrop(bgr, crop, kInputSize));
      FF_ASSIGN_OR_RETURN(Tensor input, ImageToNchw(pixels, ChannelOrder::kRgb, 0.f, 255.f));
      std::copy_n(input.data<float>(), kValues, batch.data<float>() + i * kValues);
      crops.push_back(crop);
    }
    FF_ASSIGN_OR_RETURN(std::vector<Tensor> out, session_->Run(std::vector<Tensor>{batch}));
    if (out.empty() || out[0].dtype() != DataType::kFloat32 || out[0].size() != n * 2 * kPoints)
      return InvalidArgument("the PFLD model returned no 136-value landmark output per face");
    std::vector<FaceLandmarks> all;
    for (size_t i = 0; i < crops.size(); ++i) all.push_back(PointsOf(out[0], i, crops[i]));
    return all;
  }

  std::unique_ptr<Session> session_;
  bool dynamic_batch_;
};

}  // namespace

Result<std::unique_ptr<FaceLandmarker>> OpenPfld68(const std::filesystem::path& model,
                                                   const LandmarkerOptions& options) {
  if (model.empty())
    return NotFound("the PFLD 68-point landmarker is not bundled (300-W, non-commercial terms): pass its model file");
  FF_ASSIGN_OR_RETURN(std::unique_ptr<Session> session,
                      OpenFaceModel(model, options,
                                    SquareImageContract(model, kInputSize, 0,
                                                        "is not a PFLD model (expects one [N,3,112,112] input)")));
  return std::unique_ptr<FaceLandmarker>(std::make_unique<Pfld68Landmarker>(std::move(session)));
}

}  // namespace facefuse::face
