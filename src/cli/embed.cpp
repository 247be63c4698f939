// facefuse embed IMAGE: the 512-d identity embedding of each face.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/common_flags.h"
#include "cli/exit_status.h"
#include "cli/option_checks.h"
#include "common/paths.h"
#include "face/detect/detector.h"
#include "face/recognizer.h"
#include "media/image_io.h"

namespace facefuse::cli {
namespace {

struct EmbedOptions {
  std::string image;
  std::string detector = "yunet";
  std::string detector_model;
  std::string recognizer_model;
  int threads = 0;
  bool json = false;
};

int RunEmbed(const EmbedOptions& o) {
  if (Status s = face::CheckDetectorFamily(o.detector); !s.ok())  // before the image is read: a usage error
    return Exit("embed", s.WithContext("--detector"), ErrorOrigin::kUsage);
  auto image = media::LoadImageBgr(o.image);
  if (!image.ok()) return Exit("embed", image.status());
  face::DetectorOptions dopts;
  dopts.threads = o.threads;
  auto detector = face::OpenDetector(o.detector, o.detector_model, dopts);
  if (!detector.ok()) return Exit("embed", detector.status());
  face::RecognizerOptions ropts;
  ropts.threads = o.threads;
  auto recognizer = face::Recognizer::Open(
      o.recognizer_model.empty() ? BundledModelsDir() / "recognizer_512.onnx" : std::filesystem::path(o.recognizer_model),
      ropts);
  if (!recognizer.ok()) return Exit("embed", recognizer.status());
  auto faces = (*detector)->Detect(*image);
  if (!faces.ok()) return Exit("embed", faces.status());
  if (faces->empty()) return Exit("embed", NotFound("no face found in " + o.image));
  nlohmann::json j = {{"image", o.image}, {"faces", nlohmann::json::array()}};
  for (size_t i = 0; i < faces->size(); ++i) {
    const auto& f = (*faces)[i];
    auto e = (*recognizer)->Embed(*image, f.keypoints);
    if (!e.ok()) return Exit("embed", e.status());
    if (o.json) {
      j["faces"].push_back({{"box", {f.x1, f.y1, f.x2, f.y2}}, {"score", f.score}, {"embedding", *e}});
    } else {
      std::printf("face %zu box (%.1f, %.1f)-(%.1f, %.1f) embedding[%zu]:", i, f.x1, f.y1, f.x2, f.y2, e->size());
      for (float v : *e) std::printf(" %.6f", v);
      std::printf("\n");
    }
  }
  if (o.json) std::printf("%s\n", j.dump().c_str());
  return 0;
}

}  // namespace

void AddEmbedCommand(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<EmbedOptions>();
  auto* cmd = app.add_subcommand("embed", "Print the identity embedding (L2-normalised) of each face in an image");
  cmd->add_option("image", o->image, "Image file")->required();
  cmd->add_option("--detector", o->detector, "Detector family: yunet (bundled) or scrfd")->capture_default_str();
  cmd->add_option("--detector-model", o->detector_model, "Detector model file");
  cmd->add_option("--recognizer-model", o->recognizer_model, "Recognizer model (default: bundled recognizer_512)");
  AddThreadsOption(cmd, o->threads);
  AddJsonFlag(cmd, o->json, "Print JSON");
  cmd->callback([o, &exit_code] { exit_code = RunEmbed(*o); });
}

}  // namespace facefuse::cli
