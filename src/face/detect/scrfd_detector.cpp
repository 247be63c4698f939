// SCRFD (InsightFace det_500m / det_2.5g / det_10g): input [1,3,H,W] RGB,
// (x - 127.5) / 128, letterboxed; 9 outputs (scores, boxes, keypoints for
// strides 8, 16, 32; an optional leading batch dim), two anchors per cell.
// Decode as InsightFace scrfd.py: anchor centre (c s, r s); box = centre -/+
// d * s; kp = centre + k * s; default score 0.5, NMS IoU 0.4.
#include <cmath>

#include "face/detect/letterbox_detector.h"

namespace facefuse::face {
namespace {

constexpr int kStrides[] = {8, 16, 32};
constexpr int kAnchorsPerCell = 2;

Result<std::vector<DetectedFace>> DecodeScrfd(const LetterboxRun& run, float threshold) {
  const std::vector<Tensor>& out = run.outputs;
  const int size = run.size;
  const Letterbox& lb = run.lb;
  if (out.size() != 9) return InvalidArgument("an SCRFD model has 9 outputs (with keypoints), this one has " +
                                              std::to_string(out.size()));
  std::vector<DetectedFace> faces;
  for (int level = 0; level < 3; ++level) {
    const int s = kStrides[level], cols = size / s, rows = size / s;
    const int64_t anchors = static_cast<int64_t>(rows) * cols * kAnchorsPerCell;
    const Tensor &scores = out[static_cast<size_t>(level)], &boxes = out[static_cast<size_t>(level + 3)],
                 &kps = out[static_cast<size_t>(level + 6)];
    if (scores.size() != anchors || boxes.size() != anchors * 4 || kps.size() != anchors * 10)
      return InvalidArgument("SCRFD outputs for stride " + std::to_string(s) + " do not match the input size");
    for (int64_t a = 0; a < anchors; ++a) {
      float score = scores.data<float>()[a];
      if (score < threshold) continue;
      const int64_t cell = a / kAnchorsPerCell;
      const float cx = static_cast<float>(cell % cols) * s, cy = static_cast<float>(cell / cols) * s;
      const float* d = boxes.data<float>() + a * 4;
      const float* k = kps.data<float>() + a * 10;
      DetectedFace f;
      f.score = score;
      f.x1 = (cx - d[0] * s) / lb.scale;
      f.y1 = (cy - d[1] * s) / lb.scale;
      f.x2 = (cx + d[2] * s) / lb.scale;
      f.y2 = (cy + d[3] * s) / lb.scale;
      for (int n = 0; n < 5; ++n) f.keypoints.push_back({(cx + k[2 * n] * s) / lb.scale, (cy + k[2 * n + 1] * s) / lb.scale});
      faces.push_back(std::move(f));
    }
  }
  return faces;
}

constexpr LetterboxFamily kFamily = {"SCRFD", 0.5f, 0.4f, ChannelOrder::kRgb, {127.5f, 127.5f, 127.5f},
                                     {128.f, 128.f, 128.f}, &DecodeScrfd};

}  // namespace

Result<std::unique_ptr<FaceDetector>> OpenScrfd(const std::filesystem::path& model, const DetectorOptions& options) {
  FF_ASSIGN_OR_RETURN(std::unique_ptr<Session> session, OpenDetectorSession("SCRFD", model, options));
  return std::unique_ptr<FaceDetector>(new LetterboxDetector(std::move(session), options, kFamily));
}

}  // namespace facefuse::face
