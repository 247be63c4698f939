#include "job/job_record_json.h"

#include <chrono>
#include <nlohmann/json.hpp>

namespace facefuse::job {
namespace {

using nlohmann::json;

int64_t Micros(Clock::time_point at) {
  return std::chrono::duration_cast<std::chrono::microseconds>(at.time_since_epoch()).count();
}

Clock::time_point FromMicros(int64_t micros) {
  return Clock::time_point(std::chrono::duration_cast<Clock::duration>(std::chrono::microseconds(micros)));
}

std::optional<JobKind> KindNamed(std::string_view name) {
  for (JobKind kind : {JobKind::kDetect, JobKind::kSwapImage, JobKind::kSwapVideo})
    if (JobKindName(kind) == name) return kind;
  return std::nullopt;
}

std::optional<JobState> StateNamed(std::string_view name) {
  for (JobState state :
       {JobState::kQueued, JobState::kRunning, JobState::kSucceeded, JobState::kFailed, JobState::kCancelled})
    if (JobStateName(state) == name) return state;
  return std::nullopt;
}

}  // namespace

std::string RecordJson(const Job& job) {
  const SwapVideoResult& video = job.swap_video_result;
  const json record = {
      {"kind", JobKindName(job.kind)},
      {"state", JobStateName(job.state)},
      {"status", {{"code", StatusCodeName(job.status.code())}, {"message", job.status.message()}}},
      {"progress",
       {{"items_done", job.progress.items_done},
        {"items_total", job.progress.items_total},
        {"items_per_s", job.progress.items_per_s},
        {"eta_s", job.progress.eta_s},
        {"stage", job.progress.stage}}},
      {"frames", job.frames},
      {"owner", job.owner},
      {"folder", job.folder.string()},
      {"ran_on", job.ran_on},
      {"interruptions", job.interruptions},
      {"times", {Micros(job.timeline.created), Micros(job.timeline.started), Micros(job.timeline.finished)}},
      {"swap_image", {{"output", job.swap_image.output.string()},
                      {"faces_swapped", job.swap_image_result.faces_swapped},
                      {"written", job.swap_image_result.output.string()}}},
      {"swap_video", {{"output", job.swap_video.output.string()},
                      {"frames_with_faces", video.frames_with_faces},
                      {"faces_swapped", video.faces_swapped},
                      {"frames_detected", video.frames_detected},
                      {"encoder", video.encoder},
                      {"warnings", video.warnings},
                      {"fps", video.fps},
                      {"written", video.output.string()}}},
  };
  return record.dump(-1, ' ', false, json::error_handler_t::replace);
}

Status ApplyRecordJson(std::string_view text, Job& job) {
  const json record = json::parse(text, nullptr, false);
  if (!record.is_object()) return InvalidArgument("a stored job record is not a JSON object");
  try {
    const std::optional<JobKind> kind = KindNamed(record.at("kind").get<std::string>());
    const std::optional<JobState> state = StateNamed(record.at("state").get<std::string>());
    const std::optional<StatusCode> code = StatusCodeFromName(record.at("status").at("code").get<std::string>());
    if (!kind || !state || !code) return InvalidArgument("a stored job record has an unknown kind, state or code");
    job.kind = *kind;
    job.state = *state;
    job.status = *code == StatusCode::kOk ? Status::Ok()
                                          : Status(*code, record["status"].at("message").get<std::string>());
    const json& progress = record.at("progress");
    job.progress.items_done = progress.at("items_done").get<int>();
    job.progress.items_total = progress.at("items_total").get<int>();
    job.progress.items_per_s = progress.at("items_per_s").get<double>();
    job.progress.eta_s = progress.at("eta_s").get<double>();
    job.progress.stage = progress.at("stage").get<std::string>();
    job.frames = record.at("frames").get<int>();
    job.owner = record.at("owner").get<std::string>();
    job.folder = record.at("folder").get<std::string>();
    job.ran_on = record.value("ran_on", "");
    job.interruptions = record.at("interruptions").get<int>();
    const json& times = record.at("times");
    job.timeline.created = FromMicros(times.at(0).get<int64_t>());
    job.timeline.started = FromMicros(times.at(1).get<int64_t>());
    job.timeline.finished = FromMicros(times.at(2).get<int64_t>());
    const json& image = record.at("swap_image");
    job.swap_image.output = image.at("output").get<std::string>();
    job.swap_image_result.faces_swapped = image.at("faces_swapped").get<int>();
    job.swap_image_result.output = image.at("written").get<std::string>();
    const json& video = record.at("swap_video");
    job.swap_video.output = video.at("output").get<std::string>();
    job.swap_video_result.frames_with_faces = video.at("frames_with_faces").get<int64_t>();
    job.swap_video_result.faces_swapped = video.at("faces_swapped").get<int64_t>();
    job.swap_video_result.frames_detected = video.at("frames_detected").get<int64_t>();
    job.swap_video_result.encoder = video.at("encoder").get<std::string>();
    job.swap_video_result.warnings = video.at("warnings").get<std::vector<std::string>>();
    job.swap_video_result.fps = video.at("fps").get<double>();
    job.swap_video_result.output = video.at("written").get<std::string>();
  } catch (const json::exception& e) {
    return InvalidArgument(std::string("a stored job record is malformed: ") + e.what());
  }
  return Status::Ok();
}

}  // namespace facefuse::job
