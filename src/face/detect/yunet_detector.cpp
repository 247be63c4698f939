// YuNet 2023mar: input [1,3,S,S] BGR float 0..255 (letterboxed); outputs
// cls/obj/bbox/kps for strides 8, 16, 32, one anchor per cell, row-major.
// Decode as OpenCV's FaceDetectorYN:
//   score = sqrt(clip(cls) * clip(obj)); cx = (c + b0) s; cy = (r + b1) s;
//   w = exp(b2) s; h = exp(b3) s; kp_n = ((k2n + c) s, (k2n+1 + r) s).
// The default threshold adds a crop check (detector.h, kYuNetCandidateScore).
#include <algorithm>
#include <cmath>
#include <map>

#include "face/detect/letterbox_detector.h"

namespace facefuse::face {
namespace {

constexpr int kStrides[] = {8, 16, 32};

Result<std::vector<DetectedFace>> DecodeYuNet(const LetterboxRun& run, float threshold) {
  const std::vector<Tensor>& out = run.outputs;
  const int size = run.size;
  const Letterbox& lb = run.lb;
  std::map<std::string, const Tensor*> by_name;
  for (size_t i = 0; i < out.size(); ++i) by_name[run.session.outputs()[i].name] = &out[i];

  std::vector<DetectedFace> faces;
  for (int s : kStrides) {
    const std::string k = std::to_string(s);
    const Tensor *cls = by_name["cls_" + k], *obj = by_name["obj_" + k], *bbox = by_name["bbox_" + k],
                 *kps = by_name["kps_" + k];
    if (!cls || !obj || !bbox || !kps) return InvalidArgument("model lacks the YuNet outputs for stride " + k);
    const int cols = size / s, rows = size / s;
    const int64_t cells = static_cast<int64_t>(rows) * cols;
    if (cls->size() < cells || obj->size() < cells || bbox->size() < cells * 4 || kps->size() < cells * 10)
      return InvalidArgument("YuNet outputs for stride " + k + " are smaller than the input size implies");
    for (int64_t i = 0; i < cells; ++i) {
      float c = std::clamp(cls->data<float>()[i], 0.f, 1.f), o = std::clamp(obj->data<float>()[i], 0.f, 1.f);
      float score = std::sqrt(c * o);
      if (score < threshold) continue;
      const float r = static_cast<float>(i / cols), col = static_cast<float>(i % cols);
      const float* b = bbox->data<float>() + i * 4;
      const float* kp = kps->data<float>() + i * 10;
      float cx = (col + b[0]) * s, cy = (r + b[1]) * s, w = std::exp(b[2]) * s, h = std::exp(b[3]) * s;
      DetectedFace f;
      f.score = score;
      f.x1 = (cx - w / 2) / lb.scale;
      f.y1 = (cy - h / 2) / lb.scale;
      f.x2 = (cx + w / 2) / lb.scale;
      f.y2 = (cy + h / 2) / lb.scale;
      for (int n = 0; n < 5; ++n) f.keypoints.push_back({(kp[2 * n] + col) * s / lb.scale, (kp[2 * n + 1] + r) * s / lb.scale});
      faces.push_back(std::move(f));
    }
  }
  return faces;
}

constexpr LetterboxFamily kFamily = {"YuNet", kYuNetCandidateScore, 0.3f, ChannelOrder::kBgr, {0.f, 0.f, 0.f},
                                     {1.f, 1.f, 1.f}, &DecodeYuNet};

class YuNetDetector final : public LetterboxDetector {
 public:
  YuNetDetector(std::unique_ptr<Session> session, const DetectorOptions& options)
      : LetterboxDetector(std::move(session), options, kFamily), crop_check_(options.score_threshold < 0) {}

  Result<std::vector<DetectedFace>> Detect(const cv::Mat& bgr) override {
    FF_ASSIGN_OR_RETURN(std::vector<DetectedFace> faces, LetterboxDetector::Detect(bgr));
    if (!crop_check_) return faces;
    std::vector<DetectedFace> kept;
    for (DetectedFace& f : faces) {
      if (f.score < kYuNetConfidentScore) {
        FF_ASSIGN_OR_RETURN(bool found_again, FoundAgainInCrop(bgr, f));
        if (!found_again) continue;
      }
      kept.push_back(std::move(f));
    }
    return kept;
  }

 private:
  // True when YuNet finds `face` again (IoU >= 0.5, score >=
  // kYuNetCropCheckScore) in a square crop of 2.5 x its longer side centred
  // on it, zero outside `bgr`; the crop is letterboxed like any image, so the
  // face is seen larger than in a big image.
  Result<bool> FoundAgainInCrop(const cv::Mat& bgr, const DetectedFace& face) {
    const int side = std::max(32, static_cast<int>(2.5f * std::max(face.width(), face.height())));
    const cv::Rect want(static_cast<int>((face.x1 + face.x2 - side) / 2), static_cast<int>((face.y1 + face.y2 - side) / 2),
                        side, side);
    const cv::Rect have = want & cv::Rect(0, 0, bgr.cols, bgr.rows);
    if (have.empty()) return false;
    cv::Mat crop(side, side, CV_8UC3, cv::Scalar::all(0));
    bgr(have).copyTo(crop(have - want.tl()));
    FF_ASSIGN_OR_RETURN(std::vector<DetectedFace> again, DetectAbove(crop, kYuNetCropCheckScore));
    for (DetectedFace& g : again) {
      g.x1 += want.x;
      g.x2 += want.x;
      g.y1 += want.y;
      g.y2 += want.y;
      if (IoU(g, face) >= 0.5f) return true;
    }
    return false;
  }

  bool crop_check_;  // the default threshold: faces below kYuNetConfidentScore need the crop check
};

}  // namespace

Result<std::unique_ptr<FaceDetector>> OpenYuNet(const std::filesystem::path& model, const DetectorOptions& options) {
  FF_ASSIGN_OR_RETURN(std::unique_ptr<Session> session, OpenDetectorSession("YuNet", model, options));
  return std::unique_ptr<FaceDetector>(new YuNetDetector(std::move(session), options));
}

}  // namespace facefuse::face
