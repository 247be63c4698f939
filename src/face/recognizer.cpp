#include "face/recognizer.h"

#include <cmath>

#include "face/align.h"
#include "face/image_tensor.h"

namespace facefuse::face {

constexpr int kCropSize = 112;

Result<std::unique_ptr<Recognizer>> Recognizer::Open(const std::filesystem::path& model,
                                                     const RecognizerOptions& options) {
  FF_ASSIGN_OR_RETURN(
      std::unique_ptr<Session> session,
      OpenFaceModel(model, options,
                    SquareImageContract(model, kCropSize, 0,
                                        "is not a 112x112 face recognizer (expects one [N,3,112,112] input)")));
  return std::unique_ptr<Recognizer>(new Recognizer(std::move(session), options));
}

Result<std::vector<float>> Recognizer::Embed(const cv::Mat& bgr, const std::vector<Point2>& keypoints) {
  if (keypoints.size() != 5) return InvalidArgument("recognition needs 5 keypoints");
  FF_ASSIGN_OR_RETURN(cv::Mat crop, WarpAligned(bgr, keypoints, kArcFaceTemplate112, kCropSize, kCropSize));
  FF_ASSIGN_OR_RETURN(Tensor input, ImageToNchw(crop, ChannelOrder::kRgb, options_.mean, options_.std));
  FF_ASSIGN_OR_RETURN(std::vector<Tensor> out, session_->Run(std::vector<Tensor>{input}));
  if (out.empty() || out[0].dtype() != DataType::kFloat32 || out[0].size() == 0)
    return InvalidArgument("the recognizer returned no float embedding");
  std::vector<float> e(out[0].data<float>(), out[0].data<float>() + out[0].size());
  double norm = 0;
  for (float v : e) norm += static_cast<double>(v) * v;
  norm = std::sqrt(norm);
  if (norm <= 0) return InvalidArgument("the recognizer returned a zero embedding");
  for (float& v : e) v = static_cast<float>(v / norm);
  return e;
}

float CosineSimilarity(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size() || a.empty()) return 0.f;
  double dot = 0, na = 0, nb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    dot += static_cast<double>(a[i]) * b[i];
    na += static_cast<double>(a[i]) * a[i];
    nb += static_cast<double>(b[i]) * b[i];
  }
  return na > 0 && nb > 0 ? static_cast<float>(dot / std::sqrt(na * nb)) : 0.f;
}

}  // namespace facefuse::face
