// The `options` part of POST /v1/jobs: a JSON object of the swap command's
// options that make sense for an image swap, by their command-line names
// without the dashes ({"swapper": "classical", "selector": "one"}).
//
// Options that name files on the server (--swapper-model, --detector-model,
// ...) and those of other targets (video, reference) are not accepted: the
// service swaps uploads only, with the models it has.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "facefuse/face_swap.h"
#include "facefuse/status.h"

namespace facefuse::server {

// The request the options ask for: SwapRequest's defaults with each given
// option set and named in explicitly_set ("--selector"). Empty `json_text`:
// the defaults. Errors: InvalidArgument for text that is not a JSON object,
// an unknown option (naming it and the accepted ones), a value of the wrong
// type or out of the option's range, or a model name that is a path.
Result<SwapRequest> SwapRequestFromOptions(std::string_view json_text);

// The accepted option names, in the order the docs list them.
std::vector<std::string> AcceptedOptionNames();

// The options of a video target besides the swap's, by their command-line names: quality (0..100), preset,
// encoder (libx264, libx265, libvpx-vp9, h264_nvenc, hevc_nvenc), no-audio (bool), detect-every (1..1000).
struct VideoJobOptions {
  int quality = 80;
  std::string preset;
  std::string encoder = "libx264";
  bool no_audio = false;
  int detect_every = 10;
};

// Takes the video options out of `json_text` (into `*video`) and returns the rest as JSON text for
// SwapRequestFromOptions. Errors: InvalidArgument for text that is not a JSON object, a video option when the
// target is an image (`target_is_video` false), a value of the wrong type or out of range, an unknown encoder.
Result<std::string> TakeVideoOptions(std::string_view json_text, bool target_is_video, VideoJobOptions* video);

}  // namespace facefuse::server
