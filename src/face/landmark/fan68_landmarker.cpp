// 2DFAN4 (FaceFusion's 2dfan4.onnx): 68 iBUG points from a 256 px crop.
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

#include "face/image_tensor.h"
#include "face/landmark/landmarker.h"

namespace facefuse::face {
namespace {

constexpr int kPoints = 68;
constexpr int kInputSize = kFan68InputSize;

// FaceFusion's contrast rule: CLAHE on the L channel when the crop is very dark (its BGR crop is converted as if
// it were RGB, and back the same way).
void EqualiseIfDark(cv::Mat& crop) {
  cv::Mat lab;
  cv::cvtColor(crop, lab, cv::COLOR_RGB2Lab);
  std::vector<cv::Mat> planes;
  cv::split(lab, planes);
  // OpenCV's 8-bit L is scaled to 0..255; the rule's threshold 30 is on 0..100.
  if (cv::mean(planes[0])[0] * 100.0 / 255.0 >= 30) return;
  cv::createCLAHE(2.0)->apply(planes[0], planes[0]);
  cv::merge(planes, lab);
  cv::cvtColor(lab, crop, cv::COLOR_Lab2RGB);
}

Result<FaceLandmarks> DetectFan68(Session& session, const cv::Mat& bgr, const DetectedFace& face) {
  if (bgr.empty() || bgr.type() != CV_8UC3) return InvalidArgument("2DFAN4 expects a non-empty 8-bit BGR image");
  const float size = std::max(face.width(), face.height());
  if (!(size > 0) || !std::isfinite(size)) return InvalidArgument("2DFAN4 needs a face box with an area");
  const double scale = 195.0 / size;
  const double tx = (kInputSize - (face.x1 + face.x2) * scale) / 2, ty = (kInputSize - (face.y1 + face.y2) * scale) / 2;
  cv::Mat affine = (cv::Mat_<double>(2, 3) << scale, 0, tx, 0, scale, ty), crop;
  cv::warpAffine(bgr, crop, affine, cv::Size(kInputSize, kInputSize), cv::INTER_LINEAR, cv::BORDER_CONSTANT);
  EqualiseIfDark(crop);
  FF_ASSIGN_OR_RETURN(Tensor input, ImageToNchw(crop, ChannelOrder::kBgr, 0.f, 255.f));
  FF_ASSIGN_OR_RETURN(std::vector<Tensor> out, session.Run(std::vector<Tensor>{input}));
  if (out.size() < 2 || out[0].dtype() != DataType::kFloat32 || out[0].size() != 3 * kPoints ||
      out[1].dtype() != DataType::kFloat32 || out[1].size() % kPoints != 0 || out[1].size() == 0)
    return InvalidArgument("the 2DFAN4 model must return [1,68,3] landmarks and [1,68,h,w] heatmaps");
  FaceLandmarks result;
  const float* p = out[0].data<float>();
  for (int i = 0; i < kPoints; ++i) {
    // 64-px heatmap space -> 256-px crop -> image (inverse of the crop's scale and translation).
    const double cx = p[3 * i] * 4.0, cy = p[3 * i + 1] * 4.0;
    result.points.push_back({static_cast<float>((cx - tx) / scale), static_cast<float>((cy - ty) / scale)});
  }
  const int64_t per_point = out[1].size() / kPoints;
  double sum = 0;
  for (int i = 0; i < kPoints; ++i) {
    const float* h = out[1].data<float>() + i * per_point;
    sum += *std::max_element(h, h + per_point);
  }
  result.score = static_cast<float>(std::clamp(sum / kPoints / 0.9, 0.0, 1.0));
  return result;
}

}  // namespace

Result<std::unique_ptr<FaceLandmarker>> OpenFan68(const std::filesystem::path& model,
                                                  const LandmarkerOptions& options) {
  if (model.empty()) return NotFound("the 2DFAN4 landmarker is not bundled: facefuse models download 2dfan4");
  FF_ASSIGN_OR_RETURN(std::unique_ptr<Session> session,
                      OpenFaceModel(model, options,
                                    SquareImageContract(model, kInputSize, 2,
                                                        "is not a 2DFAN4 model (one [1,3,256,256] input, landmark "
                                                        "and heatmap outputs)")));
  return MakeSessionLandmarker(std::move(session), &DetectFan68);
}

}  // namespace facefuse::face
