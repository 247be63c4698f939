#include "cli/job_output.h"

#include <cstdio>
#include <map>

namespace facefuse::cli {

nlohmann::json JobResultJson(const job::JobResult& r) {
  std::map<std::string, double> stage_seconds;
  for (const auto& s : r.stages) stage_seconds[s.stage] += std::chrono::duration<double>(s.end - s.start).count();
  nlohmann::json images = nlohmann::json::array();
  for (const auto& im : r.images) {
    nlohmann::json faces = nlohmann::json::array();
    for (const auto& f : im.faces) faces.push_back({{"box", {f.x1, f.y1, f.x2, f.y2}}, {"score", f.score}});
    images.push_back({{"image", im.image.string()}, {"width", im.width}, {"height", im.height},
                      {"error", im.status.ok() ? "" : im.status.ToString()}, {"faces", faces}});
  }
  return {{"kind", r.kind},
          {"outcome", r.status.ok() ? "success" : "failure"},
          {"error", r.status.ok() ? "" : r.status.ToString()},
          {"duration_s", r.seconds()},
          {"frames", r.frames},
          {"faces", r.faces},
          {"stages", stage_seconds},
          {"images", images}};
}

Status WriteJobResultJson(const job::JobResult& r, const std::filesystem::path& path, Env* env) {
  return WriteStringToFile(env, path, JobResultJson(r).dump(1) + "\n");
}

std::string JobResultLine(const job::JobResult& r) {
  char buf[256];
  std::snprintf(buf, sizeof(buf), "%s job: %zu image(s), %d frame(s), %d face(s) in %.3f s: ", r.kind.c_str(),
                r.images.size(), r.frames, r.faces, r.seconds());
  return buf + (r.status.ok() ? std::string("success") : "failure (" + r.status.ToString() + ")");
}

}  // namespace facefuse::cli
