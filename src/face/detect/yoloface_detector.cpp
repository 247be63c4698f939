// YOLOv8-face as FaceFusion's yoloface_8n: input [1,3,S,S] BGR x/255,
// letterboxed top-left on a zero canvas; one output [1,20,N] (N = 8400 at
// 640), channel major: cx, cy, w, h in input pixels, score, then for each of
// the 5 keypoints (x, y, visibility). Box = (cx -/+ w/2, cy -/+ h/2); the
// visibility values are ignored. Default score 0.5, NMS IoU 0.4.
#include "face/detect/detector_decode.h"
#include "face/detect/letterbox_detector.h"

namespace facefuse::face {
namespace {

constexpr int64_t kChannels = 20;  // 4 box + 1 score + 5 x 3 keypoint values

Result<std::vector<DetectedFace>> DecodeYoloFaceRun(const LetterboxRun& run, float threshold) {
  if (run.outputs.empty()) return InvalidArgument("the YOLO-face model returned no output");
  FF_ASSIGN_OR_RETURN(std::vector<DetectedFace> faces, DecodeYoloFace(run.outputs[0], threshold));
  UndoLetterbox(run.lb, faces);
  return faces;
}

constexpr LetterboxFamily kFamily = {"YOLO-face", 0.5f, 0.4f, ChannelOrder::kBgr, {0.f, 0.f, 0.f}, {255.f, 255.f, 255.f},
                                     &DecodeYoloFaceRun};

}  // namespace

Result<std::vector<DetectedFace>> DecodeYoloFace(const Tensor& output, float score_threshold) {
  const bool batched = output.rank() == 3 && output.dim(0) == 1;
  if (output.dtype() != DataType::kFloat32 || !(batched || output.rank() == 2) ||
      output.dim(output.rank() - 2) != kChannels)
    return InvalidArgument("a YOLO-face output is float32 [1,20,N]; got " + DataTypeName(output.dtype()) + " " +
                           ShapeToString(output.shape()));
  const int64_t n = output.dim(output.rank() - 1);
  const float* v = output.data<float>();
  auto at = [&](int64_t channel, int64_t i) { return v[channel * n + i]; };
  std::vector<DetectedFace> faces;
  for (int64_t i = 0; i < n; ++i) {
    const float score = at(4, i);
    if (score < score_threshold) continue;
    const float cx = at(0, i), cy = at(1, i), w = at(2, i), h = at(3, i);
    DetectedFace f;
    f.score = score;
    f.x1 = cx - w / 2;
    f.y1 = cy - h / 2;
    f.x2 = cx + w / 2;
    f.y2 = cy + h / 2;
    for (int k = 0; k < 5; ++k) f.keypoints.push_back({at(5 + 3 * k, i), at(6 + 3 * k, i)});
    faces.push_back(std::move(f));
  }
  return faces;
}

Result<std::unique_ptr<FaceDetector>> OpenYoloFace(const std::filesystem::path& model, const DetectorOptions& options) {
  FF_ASSIGN_OR_RETURN(std::unique_ptr<Session> session, OpenDetectorSession("YOLO-face", model, options));
  return std::unique_ptr<FaceDetector>(new LetterboxDetector(std::move(session), options, kFamily));
}

}  // namespace facefuse::face
