#include "server/job_json.h"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <optional>
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
  std::filesystem::path where = job.folder;
  if (where.empty() && job.kind == job::JobKind::kSwapImage) where = job.swap_image.target.parent_path();
  if (where.empty()) return message;
  const std::string folder = where.string() + "/";
  for (size_t at = message.find(folder); at != std::string::npos; at = message.find(folder, at)) {
    message.erase(at, folder.size());
  }
  return message;
}

}  // namespace

nlohmann::json ErrorJson(const Status& status) {
  return {{"error", {{"code", std::string(StatusCodeName(status.code()))}, {"message", status.message()}}}};
}

namespace {

template <typename T>
nlohmann::json OrNull(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

nlohmann::json ProgressJson(const job::Job& job) {
  const job::JobProgress& p = job.progress;
  // 1 only once succeeded: a running job whose count outgrew its total (a video whose header understated its
  // length) stays just under.
  double fraction = p.items_total > 0 ? std::min(0.99, static_cast<double>(p.items_done) / p.items_total) : 0.0;
  if (job.state == job::JobState::kSucceeded) fraction = 1.0;
  return {{"items_done", p.items_done},
          {"items_total", std::max(p.items_total, p.items_done)},
          {"fraction", fraction},
          {"items_per_s", p.items_per_s > 0 ? nlohmann::json(p.items_per_s) : nlohmann::json(nullptr)},
          {"eta_s", p.eta_s >= 0 && job.state == job::JobState::kRunning ? nlohmann::json(p.eta_s)
                                                                          : nlohmann::json(nullptr)}};
}

std::vector<std::string> WarningsForClients(const std::vector<std::string>& warnings, const job::Job& job) {
  std::vector<std::string> out;
  for (const std::string& warning : warnings) out.push_back(WithoutFolder(warning, job));
  return out;
}

}  // namespace

Status ForClients(const Status& status, const job::Job& job) {
  if (status.ok()) return status;
  return Status(status.code(), WithoutFolder(status.message(), job));
}

nlohmann::json GpuNowJson(const gpu::GpuSampler* sampler) {
  if (sampler == nullptr) return nullptr;
  const std::vector<gpu::GpuSample> latest = sampler->latest();
  if (latest.empty()) return nullptr;
  const gpu::GpuSample& s = latest.front();
  std::optional<double> used_mib;
  if (s.memory_used_bytes) used_mib = static_cast<double>(*s.memory_used_bytes) / (1 << 20);
  return {{"util_pct", OrNull(s.gpu_util_percent)},
          {"mem_used_mib", OrNull(used_mib)},
          {"temp_c", OrNull(s.temperature_celsius)},
          {"power_w", OrNull(s.power_draw_watts)}};
}

nlohmann::json JobJson(const job::Job& job, const nlohmann::json& gpu) {
  // Cancelled before it ran: its timeline has started == finished, but it never started.
  const bool never_ran = job.state == job::JobState::kCancelled && job.stages.empty() && job.frames == 0 &&
                         job.timeline.started == job.timeline.finished;
  nlohmann::json out = {
      {"id", job.id},
      {"kind", std::string(job::JobKindName(job.kind))},
      {"state", std::string(job::JobStateName(job.state))},
      {"stage", job.progress.stage},
      {"progress", ProgressJson(job)},
      {"gpu", gpu},
      {"interruptions", job.interruptions},
      {"ran_on", job.ran_on.empty() ? nlohmann::json(nullptr) : nlohmann::json(job.ran_on)},
      {"error", nullptr},
      {"created", TimeJson(job.timeline.created)},
      {"started", never_ran ? nlohmann::json(nullptr) : TimeJson(job.timeline.started)},
      {"finished", TimeJson(job.timeline.finished)},
  };
  if (!job.status.ok()) {
    out["error"] = ErrorJson(ForClients(job.status, job))["error"];
  }
  if (job.kind == job::JobKind::kSwapImage) out["faces_swapped"] = job.swap_image_result.faces_swapped;
  if (job.kind == job::JobKind::kSwapVideo) {
    const job::SwapVideoResult& video = job.swap_video_result;
    out["faces_swapped"] = video.faces_swapped;
    out["video"] = {{"frames_with_faces", video.frames_with_faces},
                    {"frames_detected", video.frames_detected},
                    {"encoder", video.encoder},
                    {"fps", video.fps},
                    {"warnings", WarningsForClients(video.warnings, job)}};
  }
  if (job.kind != job::JobKind::kDetect && job.state == job::JobState::kSucceeded) {
    out["result"] = "/v1/jobs/" + job.id + "/result";
  }
  return out;
}

}  // namespace facefuse::server
