// YuNet 2023mar: input [1,3,S,S] BGR float 0..255 (letterboxed); outputs
// cls/obj/bbox/kps for strides 8, 16, 32, one anchor per cell, row-major.
// Decode as OpenCV's FaceDetectorYN:
//   score = sqrt(clip(cls) * clip(obj)); cx = (c + b0) s; cy = (r + b1) s;
//   w = exp(b2) s; h = exp(b3) s; kp_n = ((k2n + c) s, (k2n+1 + r) s).
#include <algorithm>
#include <cmath>
#include <map>

#include "face/detector.h"
#include "face/image_tensor.h"

namespace facefuse::face {
namespace {

constexpr int kStrides[] = {8, 16, 32};

class YuNetDetector final : public FaceDetector {
 public:
  YuNetDetector(std::unique_ptr<Session> session, DetectorOptions options)
      : session_(std::move(session)), options_(options) {
    if (options_.score_threshold < 0) options_.score_threshold = 0.9f;
    if (options_.nms_iou < 0) options_.nms_iou = 0.3f;
  }

  Result<std::vector<DetectedFace>> Detect(const cv::Mat& bgr) override {
    if (bgr.empty() || bgr.type() != CV_8UC3) return InvalidArgument("YuNet expects a non-empty 8-bit BGR image");
    const int size = options_.input_size;
    Letterbox lb = MakeLetterbox(bgr, size);
    FF_ASSIGN_OR_RETURN(Tensor input, ImageToNchw(lb.canvas, ChannelOrder::kBgr, 0.f, 1.f));
    FF_ASSIGN_OR_RETURN(std::vector<Tensor> out, session_->Run(std::vector<Tensor>{input}));
    std::map<std::string, const Tensor*> by_name;
    for (size_t i = 0; i < out.size(); ++i) by_name[session_->outputs()[i].name] = &out[i];

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
        if (score < options_.score_threshold) continue;
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
    return NonMaxSuppression(std::move(faces), options_.nms_iou);
  }

 private:
  std::unique_ptr<Session> session_;
  DetectorOptions options_;
};

}  // namespace

Result<std::unique_ptr<FaceDetector>> OpenYuNet(const std::filesystem::path& model, const DetectorOptions& options) {
  FF_ASSIGN_OR_RETURN(std::unique_ptr<Session> session, OpenDetectorSession("YuNet", model, options));
  return std::unique_ptr<FaceDetector>(new YuNetDetector(std::move(session), options));
}

}  // namespace facefuse::face
