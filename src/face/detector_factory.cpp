#include "common/paths.h"
#include "face/detector.h"

namespace facefuse::face {

Result<std::unique_ptr<Session>> OpenDetectorSession(const char* family, const std::filesystem::path& model,
                                                     const DetectorOptions& options) {
  if (options.input_size <= 0 || options.input_size % 32 != 0)
    return InvalidArgument(std::string(family) + " input size must be a positive multiple of 32");
  SessionOptions so;
  so.threads = options.threads;
  return Session::Open(model, so);
}

Result<std::unique_ptr<FaceDetector>> OpenDetector(const std::string& family, const std::filesystem::path& model,
                                                   const DetectorOptions& options) {
  if (family == "yunet")
    return OpenYuNet(model.empty() ? BundledModelsDir() / "face_detection_yunet_2023mar.onnx" : model, options);
  if (family == "scrfd") {
    if (model.empty())
      return NotFound("the scrfd detector needs its model (det_2.5g.onnx / det_500m.onnx / det_10g.onnx): pass --model");
    return OpenScrfd(model, options);
  }
  return InvalidArgument("unknown detector '" + family + "' (available: yunet, scrfd)");
}

}  // namespace facefuse::face
