#include "server/job_requests.h"

#include <nlohmann/json.hpp>

#include "pipeline/swap_plan.h"
#include "server/job_options.h"

namespace facefuse::server {
namespace {

std::string RequestJson(const JobFiles& files) {
  const char* kind = files.target_is_video ? "swap_video" : "swap_image";
  nlohmann::json sources = nlohmann::json::array();
  for (const std::filesystem::path& source : files.sources) sources.push_back(source.filename().string());
  const nlohmann::json request = {{"kind", kind},
                                  {"options", files.options},
                                  {"sources", sources},
                                  {"target", files.target.filename().string()},
                                  {"output", files.output.filename().string()},
                                  {"max_video_s", files.max_video_seconds}};
  return request.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Removes the partial outputs a run cut short left (.NAME.XXXX.part: the writers rename them only when complete).
void RemoveUnfinishedOutputs(const std::filesystem::path& folder) {
  std::error_code error;
  for (std::filesystem::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name.size() > 5 && name.front() == '.' && name.ends_with(".part")) {
      std::error_code ignored;
      std::filesystem::remove(it->path(), ignored);
    }
  }
}

// A file name of a stored request: a plain name in the job's folder.
Result<std::filesystem::path> FileOfRequest(const std::filesystem::path& folder, const nlohmann::json& name) {
  if (!name.is_string()) return InvalidArgument("a stored job request names a file with no string");
  const std::filesystem::path file(name.get<std::string>());
  if (file.empty() || file != file.filename() || file == "." || file == "..") {
    return InvalidArgument("a stored job request names a file outside its folder");
  }
  return folder / file;
}

// The swap-video job of `files` with the swap's `config` and the video's `options`.
job::Job SwapVideoJob(const JobFiles& files, const pipeline::FaceSwapConfig& config, const VideoJobOptions& options) {
  job::SwapVideoSpec spec;
  spec.sources = files.sources;
  spec.target = files.target;
  spec.output = files.output;
  spec.config = config;
  spec.video.encode.encoder = options.encoder;
  spec.video.encode.quality = options.quality;
  spec.video.encode.preset = options.preset;
  spec.video.keep_audio = !options.no_audio;
  spec.video.detect_every = options.detect_every;
  if (files.max_video_seconds > 0) spec.video.read.end_s = files.max_video_seconds;
  return job::NewSwapVideoJob(std::move(spec));
}

// A model the server lacks, said to a client: not the server's folders, nor the command an operator runs there
// ("model NAME (KIND) is not installed: put ... into /srv/...; run `facefuse models download NAME` ...").
Status ForClients(const Status& status) {
  const std::string& message = status.message();
  const size_t cut = message.find(" is not installed: ");
  if (status.code() != StatusCode::kNotFound || message.rfind("model ", 0) != 0 || cut == std::string::npos) {
    return status;
  }
  return NotFound(message.substr(0, cut) + " is not installed on this server (GET /v1/models lists those that "
                  "are; its operator installs more with `facefuse models download`)");
}

}  // namespace

Result<job::Job> SwapJobFor(const JobFiles& files, std::vector<std::string>* warnings) {
  VideoJobOptions video;
  FF_ASSIGN_OR_RETURN(std::string swap_options, TakeVideoOptions(files.options, files.target_is_video, &video));
  FF_ASSIGN_OR_RETURN(SwapRequest request, SwapRequestFromOptions(swap_options));
  for (const std::filesystem::path& source : files.sources) request.sources.push_back(source.string());
  request.target = files.target.string();
  if (files.target_is_video) request = pipeline::ForVideoTarget(request);  // the CLI's video defaults
  Result<pipeline::SwapPlan> resolved = pipeline::ResolveSwapPlan(request, warnings);
  if (!resolved.ok()) return ForClients(resolved.status());
  const pipeline::SwapPlan& plan = *resolved;
  job::Job job;
  if (files.target_is_video) {
    job = SwapVideoJob(files, plan.config, video);
  } else {
    job::SwapImageSpec spec;
    spec.sources = files.sources;
    spec.target = files.target;
    spec.output = files.output;
    spec.config = plan.config;
    job = job::NewSwapImageJob(std::move(spec));
  }
  job.request = RequestJson(files);
  job.folder = files.folder;
  job.id = files.folder.filename().string();
  return job;
}

Status RebuildJob(job::Job& job) {
  const nlohmann::json request = nlohmann::json::parse(job.request, nullptr, false);
  const std::string kind = request.is_object() ? request.value("kind", "") : "";
  if ((kind != "swap_image" && kind != "swap_video") || !request.contains("sources") ||
      !request["sources"].is_array() || !request.value("options", nlohmann::json()).is_string()) {
    return InvalidArgument("job " + job.id + " has a stored request that is not a swap request");
  }
  JobFiles files;
  files.target_is_video = kind == "swap_video";
  const nlohmann::json max_video = request.value("max_video_s", nlohmann::json(0));
  files.max_video_seconds = max_video.is_number() ? max_video.get<double>() : 0;
  files.folder = job.folder;
  files.options = request["options"].get<std::string>();
  for (const nlohmann::json& name : request["sources"]) {
    FF_ASSIGN_OR_RETURN(std::filesystem::path source, FileOfRequest(job.folder, name));
    files.sources.push_back(std::move(source));
  }
  FF_ASSIGN_OR_RETURN(files.target, FileOfRequest(job.folder, request.value("target", nlohmann::json())));
  FF_ASSIGN_OR_RETURN(files.output, FileOfRequest(job.folder, request.value("output", nlohmann::json())));
  std::error_code error;
  for (const std::filesystem::path& input : files.sources) {
    if (!std::filesystem::is_regular_file(input, error)) return NotFound(input.filename().string() + " is gone");
  }
  if (!std::filesystem::is_regular_file(files.target, error)) return NotFound("the target is gone");
  RemoveUnfinishedOutputs(job.folder);
  std::vector<std::string> warnings;
  FF_ASSIGN_OR_RETURN(job::Job rebuilt, SwapJobFor(files, &warnings));
  job.swap_image = std::move(rebuilt.swap_image);
  job.swap_video = std::move(rebuilt.swap_video);
  return Status::Ok();
}

}  // namespace facefuse::server
