// The swap-image job's runner: the identity of the faces in the source images
// swapped onto the faces of the target image, written to the output file,
// over pipeline::FaceSwapEngine.
#pragma once

#include "job/job_runner.h"

namespace facefuse::job {

// Reads job.swap_image; writes job.swap_image_result (faces swapped, the
// output path once written), job.frames (1 on success), progress (one item:
// the target) and the stages decode, model_load, detect (the sources'
// identity), swap and write. The output is written whole or not at all
// (media::SaveImage). Errors: InvalidArgument for no sources or an output
// without an image extension, and those of decoding, of the engine
// (pipeline::FaceSwapEngine: Open, LearnIdentity, Swap) and of the write.
// Thread-safe (stateless: each job opens its own engine).
class SwapImageRunner : public JobRunner {
 public:
  Status Run(Job& job, JobContext& context) const override;
};

}  // namespace facefuse::job
