#include "cli/job_output.h"

#include <cstdio>
#include <map>

namespace facefuse::cli {

nlohmann::json JobResultJson(const job::Job& r) {
  std::map<std::string, double> stage_seconds;
  for (const auto& s : r.stages) stage_seconds[s.stage] += std::chrono::duration<double>(s.end - s.start).count();
  nlohmann::json out = {{"kind", std::string(job::JobKindName(r.kind))},
                        {"outcome", r.status.ok() ? "success" : "failure"},
                        {"error", r.status.ok() ? "" : r.status.ToString()},
                        {"duration_s", r.seconds()},
                        {"frames", r.frames}};
  if (r.kind != job::JobKind::kDetect) {
    out["faces_swapped"] = r.swap_image_result.faces_swapped;
    out["output"] = r.swap_image_result.output.string();
    out["stages"] = stage_seconds;
    return out;
  }
  nlohmann::json images = nlohmann::json::array();
  for (const auto& im : r.detect_result.images) {
    nlohmann::json faces = nlohmann::json::array();
    for (const auto& f : im.faces) faces.push_back({{"box", {f.x1, f.y1, f.x2, f.y2}}, {"score", f.score}});
    images.push_back({{"image", im.image.string()}, {"width", im.width}, {"height", im.height},
                      {"error", im.status.ok() ? "" : im.status.ToString()}, {"faces", faces}});
  }
  out["faces"] = r.detect_result.faces;
  out["stages"] = stage_seconds;
  out["images"] = images;
  return out;
}

Status WriteJobResultJson(const job::Job& r, const std::filesystem::path& path, Env* env) {
  return WriteStringToFile(env, path, JobResultJson(r).dump(1) + "\n");
}

std::string JobResultLine(const job::Job& r) {
  char buf[256];
  const std::string kind(job::JobKindName(r.kind));
  if (r.kind == job::JobKind::kDetect) {
    std::snprintf(buf, sizeof(buf), "%s job: %zu image(s), %d frame(s), %d face(s) in %.3f s: ", kind.c_str(),
                  r.detect_result.images.size(), r.frames, r.detect_result.faces, r.seconds());
  } else {
    std::snprintf(buf, sizeof(buf), "%s job: %d frame(s), %d face(s) swapped in %.3f s: ", kind.c_str(), r.frames,
                  r.swap_image_result.faces_swapped, r.seconds());
  }
  return buf + (r.status.ok() ? std::string("success") : "failure (" + r.status.ToString() + ")");
}

}  // namespace facefuse::cli
