// facefuse detect IMAGE: faces with boxes, scores and 5 keypoints.
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/common_flags.h"
#include "cli/exit_status.h"
#include "cli/option_checks.h"
#include "face/detect/detector.h"
#include "media/image_io.h"

namespace facefuse::cli {
namespace {

struct DetectOptions {
  std::string image;
  std::string detector = "yunet";
  std::string model;
  float threshold = -1;
  int size = 640;
  std::vector<int> angles = {0};
  int threads = 0;
  bool json = false;
};

int RunDetect(const DetectOptions& o) {
  // The option values first (usage errors, exit 2 naming the option), before the image is read.
  if (Status s = face::CheckDetectorFamily(o.detector); !s.ok())
    return Exit("detect", s.WithContext("--detector"), ErrorOrigin::kUsage);
  if (Status s = face::ValidateAngles(o.angles); !s.ok())
    return Exit("detect", s.WithContext("--angles"), ErrorOrigin::kUsage);
  auto image = media::LoadImageBgr(o.image);
  if (!image.ok()) return Exit("detect", image.status());
  face::DetectorOptions dopts;
  dopts.score_threshold = o.threshold;
  dopts.input_size = o.size;
  dopts.angles = o.angles;
  dopts.threads = o.threads;
  auto detector = face::OpenDetector(o.detector, o.model, dopts);
  if (!detector.ok()) return Exit("detect", detector.status());
  auto faces = (*detector)->Detect(*image);
  if (!faces.ok()) return Exit("detect", faces.status());
  if (o.json) {
    nlohmann::json j = {{"image", o.image}, {"width", image->cols}, {"height", image->rows}, {"faces", nlohmann::json::array()}};
    for (const auto& f : *faces) {
      nlohmann::json kps = nlohmann::json::array();
      for (const auto& p : f.keypoints) kps.push_back({p.x, p.y});
      j["faces"].push_back({{"box", {f.x1, f.y1, f.x2, f.y2}}, {"score", f.score}, {"keypoints", kps}});
    }
    std::printf("%s\n", j.dump(1).c_str());
    return 0;
  }
  std::printf("%s: %dx%d, %zu face(s)\n", o.image.c_str(), image->cols, image->rows, faces->size());
  for (size_t i = 0; i < faces->size(); ++i) {
    const auto& f = (*faces)[i];
    std::printf("  face %zu: box (%.1f, %.1f)-(%.1f, %.1f) score %.3f keypoints", i, f.x1, f.y1, f.x2, f.y2, f.score);
    for (const auto& p : f.keypoints) std::printf(" (%.1f, %.1f)", p.x, p.y);
    std::printf("\n");
  }
  return 0;
}

}  // namespace

void AddDetectCommand(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<DetectOptions>();
  auto* cmd = app.add_subcommand("detect", "Detect faces in an image: boxes, scores and 5 keypoints");
  cmd->add_option("image", o->image, "Image file (jpg, png, webp, bmp)")->required();
  cmd->add_option("--detector", o->detector,
                  "Detector family: yunet (bundled), scrfd, retinaface or yoloface (these need --model)")
      ->capture_default_str();
  cmd->add_option("--model", o->model, "Detector model file (default: the bundled model of the family)");
  cmd->add_option("--threshold", o->threshold, "Score threshold (default: the detector's own)")
      ->check(FiniteIn(0, 1));
  cmd->add_option("--detector-size", o->size, "Square network input size, a multiple of 32")
      ->capture_default_str()
      ->check(IntIn(32, 4096))
      ->check(MultipleOf(32));
  cmd->add_option("--angles", o->angles,
                  "Comma-separated detection angles (0, 90, 180, 270; counter-clockwise); more than one adds rotated "
                  "passes merged by NMS")
      ->delimiter(',')
      ->capture_default_str();
  AddThreadsOption(cmd, o->threads);
  AddJsonFlag(cmd, o->json, "Print JSON");
  cmd->callback([o, &exit_code] { exit_code = RunDetect(*o); });
}

}  // namespace facefuse::cli
