// RetinaFace MobileNet-0.25 (biubug6 Pytorch_Retinaface export): input
// [1,3,H,W] BGR float minus (104,117,123), letterboxed top-left on a zero
// canvas (so padding is -104/-117/-123); outputs loc [1,P,4], conf [1,P,2]
// (softmax applied, column 1 = face) and landms [1,P,10] over anchor priors.
// Priors, for steps 8, 16, 32 with min sizes {16,32}, {64,128}, {256,512}:
// rows i, cols j (row-major, ceil(H/step) x ceil(W/step)), then each min size
// m: (cx, cy, w, h) = ((j+.5) step/W, (i+.5) step/H, m/W, m/H).
// Decode with variances 0.1 / 0.2: centre = p.xy + loc.xy 0.1 p.wh; size =
// p.wh exp(0.2 loc.wh); kp = p.xy + l 0.1 p.wh; all normalised, times (W, H).
// Outputs are recognised by their last dim (4 / 2 / 10), not by name.
#include <cmath>

#include "face/detect/detector_decode.h"
#include "face/detect/letterbox_detector.h"

namespace facefuse::face {
namespace {

constexpr int kSteps[] = {8, 16, 32};
constexpr int kMinSizes[3][2] = {{16, 32}, {64, 128}, {256, 512}};
constexpr float kCentreVariance = 0.1f;
constexpr float kSizeVariance = 0.2f;

int CeilDiv(int a, int b) { return (a + b - 1) / b; }

bool IsFloatWithLastDim(const Tensor& t, int64_t last) {
  return t.dtype() == DataType::kFloat32 && t.rank() >= 2 && t.dim(t.rank() - 1) == last;
}

Result<std::vector<DetectedFace>> DecodeRetinaFaceRun(const LetterboxRun& run, float threshold) {
  const Tensor *loc = nullptr, *conf = nullptr, *landms = nullptr;
  for (const Tensor& t : run.outputs) {
    if (IsFloatWithLastDim(t, 4))
      loc = &t;
    else if (IsFloatWithLastDim(t, 2))
      conf = &t;
    else if (IsFloatWithLastDim(t, 10))
      landms = &t;
  }
  if (!loc || !conf || !landms)
    return InvalidArgument("a RetinaFace model has float outputs loc [1,P,4], conf [1,P,2] and landms [1,P,10]");
  FF_ASSIGN_OR_RETURN(std::vector<DetectedFace> faces,
                      DecodeRetinaFace(*loc, *conf, *landms, run.size, run.size, threshold));
  UndoLetterbox(run.lb, faces);
  return faces;
}

constexpr LetterboxFamily kFamily = {"RetinaFace", 0.5f, 0.4f, ChannelOrder::kBgr, {104.f, 117.f, 123.f}, {1.f, 1.f, 1.f},
                                     &DecodeRetinaFaceRun};

}  // namespace

int64_t RetinaFacePriorCount(int width, int height) {
  int64_t n = 0;
  for (int k = 0; k < 3; ++k) n += static_cast<int64_t>(CeilDiv(height, kSteps[k])) * CeilDiv(width, kSteps[k]) * 2;
  return n;
}

Result<std::vector<DetectedFace>> DecodeRetinaFace(const Tensor& loc, const Tensor& conf, const Tensor& landms,
                                                   int width, int height, float score_threshold) {
  if (width <= 0 || height <= 0) return InvalidArgument("RetinaFace decode needs a positive input size");
  const int64_t priors = RetinaFacePriorCount(width, height);
  if (loc.dtype() != DataType::kFloat32 || conf.dtype() != DataType::kFloat32 || landms.dtype() != DataType::kFloat32)
    return InvalidArgument("RetinaFace outputs must be float32");
  if (loc.size() != priors * 4 || conf.size() != priors * 2 || landms.size() != priors * 10)
    return InvalidArgument("RetinaFace outputs do not hold " + std::to_string(priors) + " priors for a " +
                           std::to_string(width) + "x" + std::to_string(height) + " input");
  const float w_in = static_cast<float>(width), h_in = static_cast<float>(height);
  std::vector<DetectedFace> faces;
  int64_t a = 0;
  for (int k = 0; k < 3; ++k) {
    const int step = kSteps[k], rows = CeilDiv(height, step), cols = CeilDiv(width, step);
    for (int i = 0; i < rows; ++i) {
      for (int j = 0; j < cols; ++j) {
        for (int m : kMinSizes[k]) {
          const int64_t index = a++;
          const float score = conf.data<float>()[index * 2 + 1];
          if (score < score_threshold) continue;
          const float pcx = (j + 0.5f) * step / w_in, pcy = (i + 0.5f) * step / h_in;
          const float pw = m / w_in, ph = m / h_in;
          const float* l = loc.data<float>() + index * 4;
          const float* q = landms.data<float>() + index * 10;
          const float cx = pcx + l[0] * kCentreVariance * pw, cy = pcy + l[1] * kCentreVariance * ph;
          const float bw = pw * std::exp(l[2] * kSizeVariance), bh = ph * std::exp(l[3] * kSizeVariance);
          DetectedFace f;
          f.score = score;
          f.x1 = (cx - bw / 2) * w_in;
          f.y1 = (cy - bh / 2) * h_in;
          f.x2 = (cx + bw / 2) * w_in;
          f.y2 = (cy + bh / 2) * h_in;
          for (int n = 0; n < 5; ++n)
            f.keypoints.push_back(
                {(pcx + q[2 * n] * kCentreVariance * pw) * w_in, (pcy + q[2 * n + 1] * kCentreVariance * ph) * h_in});
          faces.push_back(std::move(f));
        }
      }
    }
  }
  return faces;
}

Result<std::unique_ptr<FaceDetector>> OpenRetinaFace(const std::filesystem::path& model,
                                                     const DetectorOptions& options) {
  FF_ASSIGN_OR_RETURN(std::unique_ptr<Session> session, OpenDetectorSession("RetinaFace", model, options));
  return std::unique_ptr<FaceDetector>(new LetterboxDetector(std::move(session), options, kFamily));
}

}  // namespace facefuse::face
