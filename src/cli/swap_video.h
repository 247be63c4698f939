// facefuse swap with a video target: the options only videos take, and the
// run of a swap_video job with progress on the terminal and Ctrl-C handling.
#pragma once

#include <CLI/CLI.hpp>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/job_report.h"
#include "common/status_map.h"
#include "facefuse/face_swap.h"
#include "facefuse/status.h"
#include "pipeline/face_swap_engine.h"

namespace facefuse::cli {

struct VideoFlags {
  std::string encoder;  // empty: media::DefaultVideoEncoderFor(the output)
  int quality = 80;
  std::string preset;
  double fps = 0;
  std::string trim_start;  // a frame number or a time; empty: from the start
  std::string trim_end;    // empty: to the end
  std::string audio;       // replacement audio file; empty: the target's
  bool no_audio = false;
  int detect_every = 10;  // frames between full detections at most
  std::string progress = "auto";  // auto (a bar when stderr is a terminal), bar, json, none
};

// Adds --encoder, --quality, --preset, --fps, --trim-start, --trim-end,
// --audio, --no-audio, --detect-every and --progress to `cmd`.
void AddVideoOptions(CLI::App* cmd, VideoFlags& flags);

// The video options `request.explicitly_set` names: an image target ignores them (one warning line each).
std::vector<std::string> VideoOnlyOptionsGiven(const SwapRequest& request);

// What the video swap needs besides the request.
struct VideoSwapCommand {
  const SwapRequest* request = nullptr;
  const pipeline::FaceSwapConfig* config = nullptr;
  std::string output;
  VideoFlags flags;
  JobReportOptions report;
};

// Runs the swap of the video `command.request->target` as a swap_video job
// and fills `report` (the --json object; on a failed job only its
// "gpu_report", since a failed job still gets its full report). SIGINT/SIGTERM
// during the run cancel it: the output is not written and the result is
// Cancelled. Errors: InvalidArgument for a bad trim, option or output, which
// set `*origin` to a usage error; those of the job (pipeline::SwapVideo) and
// of the job report.
Status RunVideoSwap(const VideoSwapCommand& command, nlohmann::json* report, ErrorOrigin* origin);

}  // namespace facefuse::cli
