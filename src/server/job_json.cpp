#include "server/job_json.h"

#include <ctime>
#include <string>

namespace facefuse::server {
namespace {

nlohmann::json TimeJson(job::Clock::time_point at) {
  if (at == job::Clock::time_point{}) return nullptr;
  const std::time_t seconds = job::Clock::to_time_t(at);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

// `message` without the job folder's path: "no face in source-0.jpg", not "/tmp/.../job-x/source-0.jpg".
std::string WithoutFolder(std::string message, const job::Job& job) {
  if (job.kind != job::JobKind::kSwapImage || job.swap_image.target.empty()) return message;
  const std::string folder = job.swap_image.target.parent_path().string() + "/";
  for (size_t at = message.find(folder); at != std::string::npos; at = message.find(folder, at)) {
    message.erase(at, folder.size());
  }
  return message;
}

}  // namespace

nlohmann::json ErrorJson(const Status& status) {
  return {{"error", {{"code", std::string(StatusCodeName(status.code()))}, {"message", status.message()}}}};
}

nlohmann::json JobJson(const job::Job& job) {
  nlohmann::json out = {
      {"id", job.id},
      {"kind", std::string(job::JobKindName(job.kind))},
      {"state", std::string(job::JobStateName(job.state))},
      {"stage", job.progress.stage},
      {"progress", {{"items_done", job.progress.items_done}, {"items_total", job.progress.items_total}}},
      {"error", nullptr},
      {"created", TimeJson(job.timeline.created)},
      {"started", TimeJson(job.timeline.started)},
      {"finished", TimeJson(job.timeline.finished)},
  };
  if (!job.status.ok()) {
    out["error"] = ErrorJson(Status(job.status.code(), WithoutFolder(job.status.message(), job)))["error"];
  }
  if (job.kind == job::JobKind::kSwapImage) {
    out["faces_swapped"] = job.swap_image_result.faces_swapped;
    if (job.state == job::JobState::kSucceeded) out["result"] = "/v1/jobs/" + job.id + "/result";
  }
  return out;
}

}  // namespace facefuse::server
