#include "cli/swap_video.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>

#include "cli/exit_status.h"
#include "cli/option_checks.h"
#include "job/job.h"
#include "job/job_runner.h"
#include "job/swap_video_runner.h"
#include "media/video_info.h"
#include "media/video_span.h"
#include "media/video_writer.h"

namespace facefuse::cli {
namespace {

const char* const kVideoOptions[] = {"--encoder",  "--quality", "--preset",   "--fps",      "--trim-start",
                                     "--trim-end", "--audio",   "--no-audio", "--progress", "--detect-every"};

// SIGINT and SIGTERM set a flag the job polls (instead of killing the process
// with its output half written) while an object lives; the handlers before
// it come back when it goes.
std::atomic<bool> g_cancel_requested{false};

extern "C" void RequestCancel(int /*signal*/) { g_cancel_requested.store(true); }

class ScopedCancelSignals {
 public:
  ScopedCancelSignals() {
    g_cancel_requested = false;
    previous_int_ = std::signal(SIGINT, RequestCancel);
    previous_term_ = std::signal(SIGTERM, RequestCancel);
  }
  ~ScopedCancelSignals() {
    std::signal(SIGINT, previous_int_);
    std::signal(SIGTERM, previous_term_);
  }
  ScopedCancelSignals(const ScopedCancelSignals&) = delete;
  ScopedCancelSignals& operator=(const ScopedCancelSignals&) = delete;
  const std::atomic<bool>* flag() const { return &g_cancel_requested; }

 private:
  void (*previous_int_)(int) = SIG_DFL;
  void (*previous_term_)(int) = SIG_DFL;
};

std::string Clock(double seconds) {
  if (seconds < 0) return "?";
  const long s = std::lround(seconds);
  char text[32];
  std::snprintf(text, sizeof text, "%ld:%02ld", s / 60, s % 60);
  return text;
}

double Percent(double busy_s, double elapsed_s) { return elapsed_s > 0 ? std::min(100.0, 100 * busy_s / elapsed_s) : 0; }

// Shows the job's progress: a bar on stderr redrawn at most four times a
// second, or one JSON line a second on stdout.
class ProgressPrinter {
 public:
  explicit ProgressPrinter(std::string mode) : mode_(std::move(mode)), start_(std::chrono::steady_clock::now()) {
    if (mode_ == "auto") mode_ = isatty(STDERR_FILENO) ? "bar" : "none";
  }

  void Update(const job::Job& job, bool final = false) {
    // Lines start with the first frame, once the span's frame count is known.
    if (mode_ == "none" || job.progress.stage != job::kVideoStage || job.progress.items_total <= 0) return;
    const auto now = std::chrono::steady_clock::now();
    const auto every = mode_ == "json" ? std::chrono::milliseconds(1000) : std::chrono::milliseconds(250);
    if (!final && now - last_ < every) return;
    last_ = now;
    if (mode_ == "json") return PrintJson(job, std::chrono::duration<double>(now - start_).count());
    PrintBar(job, final);
  }

  // Ends the bar's line.
  void Finish() {
    if (mode_ == "bar" && drawn_) std::fprintf(stderr, "\n");
  }

 private:
  void PrintJson(const job::Job& job, double elapsed_s) {
    const pipeline::StageBusy& busy = job.swap_video_result.busy;
    nlohmann::json line = {{"frame", job.progress.items_done},
                           {"total", job.progress.items_total},
                           {"fps", job.progress.items_per_s},
                           {"eta_s", job.progress.eta_s},
                           {"busy_percent",
                            {{"decode", Percent(busy.decode_s, elapsed_s)},
                             {"analyse", Percent(busy.analyse_s, elapsed_s)},
                             {"swap", Percent(busy.swap_s, elapsed_s)},
                             {"encode", Percent(busy.encode_s, elapsed_s)}}}};
    std::printf("%s\n", line.dump().c_str());
    std::fflush(stdout);
  }

  void PrintBar(const job::Job& job, bool final) {
    const int done = job.progress.items_done;
    const int total = std::max(job.progress.items_total, done);
    constexpr int kWidth = 30;
    const int filled = total > 0 ? kWidth * done / total : 0;
    std::fprintf(stderr, "\r[%s%s] %d/%d frames  %.1f fps  ETA %s%s", std::string(filled, '#').c_str(),
                 std::string(kWidth - filled, '.').c_str(), done, total, job.progress.items_per_s,
                 Clock(final ? 0 : job.progress.eta_s).c_str(), "   ");
    std::fflush(stderr);
    drawn_ = true;
  }

  std::string mode_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_{};
  bool drawn_ = false;
};

// The trim options in seconds of the target's video stream.
Status ResolveSpan(const VideoFlags& flags, const media::VideoInfo& info, media::VideoReadOptions* read) {
  if (!flags.trim_start.empty()) {
    FF_ASSIGN_OR_RETURN(media::VideoPosition start, media::ParseVideoPosition(flags.trim_start));
    read->start_s = media::PositionSeconds(start, info.frame_rate);
  }
  if (!flags.trim_end.empty()) {
    FF_ASSIGN_OR_RETURN(media::VideoPosition end, media::ParseVideoPosition(flags.trim_end));
    read->end_s = media::PositionSeconds(end, info.frame_rate);
    if (read->end_s <= read->start_s)
      return InvalidArgument("--trim-end (" + flags.trim_end + ") must come after --trim-start (" +
                             (flags.trim_start.empty() ? "0" : flags.trim_start) + ")");
  }
  return Status::Ok();
}

Result<job::Job> NewVideoJob(const VideoSwapCommand& command, const media::VideoInfo& info) {
  const SwapRequest& request = *command.request;
  const VideoFlags& flags = command.flags;
  job::SwapVideoSpec spec;
  spec.sources.assign(request.sources.begin(), request.sources.end());
  spec.target = request.target;
  spec.output = command.output;
  spec.reference = request.reference;
  spec.config = *command.config;
  pipeline::VideoSwapOptions& video = spec.video;
  FF_RETURN_IF_ERROR(ResolveSpan(flags, info, &video.read));
  spec.threads = request.threads;  // shared by the stages (pipeline/video_threads.h)
  video.encode.encoder = flags.encoder.empty() ? media::DefaultVideoEncoderFor(command.output) : flags.encoder;
  video.encode.quality = flags.quality;
  video.encode.preset = flags.preset;
  video.keep_audio = !flags.no_audio;
  video.audio = flags.audio;
  video.fps = flags.fps;
  video.detect_every = flags.detect_every;
  return job::NewSwapVideoJob(std::move(spec));
}

// The most resident memory the process has held so far, in bytes (0 when the system cannot say).
long long PeakResidentBytes() {
  rusage usage{};
  return getrusage(RUSAGE_SELF, &usage) == 0 ? static_cast<long long>(usage.ru_maxrss) * 1024 : 0;
}

nlohmann::json ReportOf(const job::Job& job, const std::string& swapper) {
  const job::SwapVideoResult& r = job.swap_video_result;
  return {{"output", r.output.string()},
          {"swapper", swapper},
          {"frames", job.frames},
          {"frames_with_faces", r.frames_with_faces},
          {"faces_swapped", r.faces_swapped},
          {"frames_detected", r.frames_detected},
          {"fps", r.fps},
          {"seconds", job.seconds()},
          {"encoder", r.encoder},
          {"busy_seconds",
           {{"decode", r.busy.decode_s}, {"analyse", r.busy.analyse_s}, {"swap", r.busy.swap_s}, {"encode", r.busy.encode_s}}},
          {"warnings", r.warnings},
          {"peak_rss_bytes", PeakResidentBytes()}};
}

}  // namespace

void AddVideoOptions(CLI::App* cmd, VideoFlags& flags) {
  cmd->add_option("--encoder", flags.encoder, "Video encoder: libx264, libx265, libvpx-vp9, h264_nvenc, hevc_nvenc "
                  "(NVENC falls back to libx264/libx265 without an NVIDIA encoder); default libx264, libvpx-vp9 for .webm")
      ->check(CLI::Validator([](std::string& name) { return media::IsKnownVideoEncoder(name) ? "" : "unknown encoder " + name; },
                             "ENCODER", "Encoder"));
  cmd->add_option("--quality", flags.quality, "Video quality 0..100 (CRF = round(51 - 0.51 q) for x264/x265)")
      ->capture_default_str()
      ->check(IntIn(0, 100));
  cmd->add_option("--preset", flags.preset, "Encoder preset (x264/x265: ultrafast..veryslow; NVENC: p1..p7)");
  cmd->add_option("--fps", flags.fps, "Output frame rate (default: the target's)")->check(FiniteIn(0.1, 1000));
  cmd->add_option("--trim-start", flags.trim_start, "Start of the video span to swap: a frame number or a time (2.5s, 1:02.5)");
  cmd->add_option("--trim-end", flags.trim_end, "End of the span (exclusive): a frame number or a time");
  cmd->add_option("--audio", flags.audio, "Audio file to use instead of the target's audio")->check(CLI::ExistingFile);
  cmd->add_flag("--no-audio", flags.no_audio, "Write the video without audio");
  cmd->add_option("--detect-every", flags.detect_every, "Run the face detector at least every N frames (1: every "
                  "frame); between, the landmarker follows the faces, and a lost face is detected again at once")
      ->capture_default_str()
      ->check(IntIn(1, 1000));
  cmd->add_option("--progress", flags.progress, "Video progress: auto (a bar on a terminal), bar, json (one line a second "
                  "on stdout) or none")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "bar", "json", "none"}));
}

std::vector<std::string> VideoOnlyOptionsGiven(const SwapRequest& request) {
  std::vector<std::string> given;
  for (const char* option : kVideoOptions)
    if (std::find(request.explicitly_set.begin(), request.explicitly_set.end(), option) != request.explicitly_set.end())
      given.push_back(option);
  return given;
}

Status RunVideoSwap(const VideoSwapCommand& command, nlohmann::json* report, ErrorOrigin* origin) {
  const SwapRequest& request = *command.request;
  if (command.flags.no_audio && !command.flags.audio.empty())
    return AsUsage(InvalidArgument("--audio and --no-audio cannot be used together"), origin);
  std::vector<std::filesystem::path> inputs(request.sources.begin(), request.sources.end());
  inputs.emplace_back(request.target);
  if (!request.reference.empty()) inputs.emplace_back(request.reference);
  if (!command.flags.audio.empty()) inputs.emplace_back(command.flags.audio);
  FF_RETURN_IF_ERROR(AsUsage(CheckJobOutputs(command.report, {"-o", command.output}, command.output, inputs), origin));
  FF_RETURN_IF_ERROR(AsUsage(media::CheckVideoExtension(command.output), origin));
  if (!command.flags.encoder.empty()) {
    FF_RETURN_IF_ERROR(AsUsage(media::CheckVideoEncoderFits(command.output, command.flags.encoder), origin));
  }
  FF_ASSIGN_OR_RETURN(media::VideoInfo info, media::ProbeVideo(request.target));
  Result<job::Job> made = NewVideoJob(command, info);  // a bad trim is the command line's error
  if (!made.ok()) return AsUsage(made.status(), origin);
  job::Job record = std::move(made).value();
  Result<JobReport> started = JobReport::Start(command.report, command.output, "swap " + request.target);
  if (!started.ok()) return AsUsage(started.status(), origin);  // a --gpu N this machine lacks
  JobReport run = std::move(started).value();
  ScopedCancelSignals signals;
  ProgressPrinter progress(command.flags.progress);
  job::JobContext context;
  context.metrics = run.metrics();
  context.on_stage = run.StageHook();
  context.cancel = signals.flag();
  context.on_update = [&progress](const job::Job& job) { progress.Update(job); };
  FF_RETURN_IF_ERROR(job::RunJob(record, job::DefaultJobRunners(), context));
  if (record.status.ok()) progress.Update(record, /*final=*/true);
  progress.Finish();
  for (const std::string& warning : record.swap_video_result.warnings) Warn("swap", warning);
  // A failed or cancelled job still gets its full report (metrics, GPU report), as the image swap's does.
  Result<std::string> gpu_summary = run.Finish(record);
  if (!record.status.ok()) {  // the job's error comes first; a report that could not be written is its own error
    if (gpu_summary.ok() && !gpu_summary->empty()) (*report)["gpu_report"] = *gpu_summary;
    return record.status;
  }
  if (!gpu_summary.ok()) return gpu_summary.status();
  *report = ReportOf(record, command.config->swapper);
  if (!gpu_summary->empty()) (*report)["gpu_report"] = *gpu_summary;
  return Status::Ok();
}

}  // namespace facefuse::cli
