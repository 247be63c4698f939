// The swap-video job's runner: the identity of the faces in the source images
// swapped onto the faces of every frame of the target video, written to the
// output file, over pipeline::SwapVideo.
#pragma once

#include <string_view>

#include "job/job_runner.h"

namespace facefuse::job {

// Reads job.swap_video; writes job.swap_video_result, job.frames (frames
// written), progress (frames done of the span's frames, updated as they go)
// and the stages decode (the sources), model_load, detect (the sources'
// identity) and video (the pipelined decode, analyse, swap and encode of the
// video: their busy seconds in swap_video_result.busy, their load about once
// a second in job.stage_load, each frame's time in each in the stage metric). The output appears whole or
// not at all. context.cancel stops it with Cancelled. Errors: InvalidArgument
// for no sources, and those of decoding the sources, of the engine and of
// pipeline::SwapVideo. Thread-safe (stateless: each job opens its own engine).
// The stage of the record that holds the pipelined video (progress.stage while frames go through).
inline constexpr std::string_view kVideoStage = "video";

class SwapVideoRunner : public JobRunner {
 public:
  Status Run(Job& job, JobContext& context) const override;
};

}  // namespace facefuse::job
