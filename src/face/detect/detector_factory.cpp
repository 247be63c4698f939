#include "common/paths.h"
#include "face/detect/detector.h"

namespace facefuse::face {
namespace {

Result<std::unique_ptr<FaceDetector>> OpenFamily(const std::string& family, const std::filesystem::path& model,
                                                 const DetectorOptions& options) {
  FF_RETURN_IF_ERROR(CheckDetectorFamily(family));
  if (family == "yunet")
    return OpenYuNet(model.empty() ? BundledModelsDir() / "face_detection_yunet_2023mar.onnx" : model, options);
  if (model.empty()) {
    const char* files = family == "scrfd"        ? "det_2.5g.onnx / det_500m.onnx / det_10g.onnx"
                        : family == "retinaface" ? "a RetinaFace MobileNet-0.25 export (FaceDetector.onnx)"
                                                 : "yoloface_8n.onnx";
    return NotFound("the " + family + " detector needs its model (" + files + "): pass its file (detect: --model FILE; embed, swap: --detector-model FILE)");
  }
  if (family == "scrfd") return OpenScrfd(model, options);
  if (family == "retinaface") return OpenRetinaFace(model, options);
  return OpenYoloFace(model, options);
}

}  // namespace

Status CheckDetectorFamily(const std::string& family) {
  if (family == "yunet" || family == "scrfd" || family == "retinaface" || family == "yoloface") return Status::Ok();
  return InvalidArgument("unknown detector '" + family + "' (available: yunet, scrfd, retinaface, yoloface)");
}

Result<std::unique_ptr<Session>> OpenDetectorSession(const char* family, const std::filesystem::path& model,
                                                     const DetectorOptions& options) {
  const int size = options.input_size;
  if (size <= 0 || size % 32 != 0)
    return InvalidArgument(std::string(family) + " input size must be a positive multiple of 32");
  InputContract contract;
  contract.min_inputs = 1;
  contract.height = contract.width = size;
  contract.refusal = [&](size_t, size_t) { return model.string() + " has no inputs"; };
  contract.size_refusal = [&](int64_t h, int64_t w) {
    return std::string(family) + " model " + model.filename().string() + " takes a fixed " + std::to_string(w) + "x" +
           std::to_string(h) + " input, not " + std::to_string(size) + "x" + std::to_string(size);
  };
  return OpenFaceModel(model, options, contract);
}

Result<std::unique_ptr<FaceDetector>> OpenDetector(const std::string& family, const std::filesystem::path& model,
                                                   const DetectorOptions& options) {
  FF_RETURN_IF_ERROR(ValidateAngles(options.angles));
  FF_ASSIGN_OR_RETURN(std::unique_ptr<FaceDetector> detector, OpenFamily(family, model, options));
  return WrapForAngles(std::move(detector), options);
}

}  // namespace facefuse::face
