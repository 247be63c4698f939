// The detect job's runner: the bundled (or given) face detector over a batch
// of images, every stage (model_load, decode, detect) timed on the record and
// fed to the metrics.
#pragma once

#include "job/job_runner.h"

namespace facefuse::job {

// Reads job.detect; writes job.detect_result (one ImageFaces per image, in
// order), job.frames (images detected successfully), progress (items: images)
// and stages. A model that fails to load fails the job at once; a failing
// image is recorded and the job goes on with the next one (the outcome is then
// its first error). No images: InvalidArgument. Thread-safe (stateless).
class DetectRunner : public JobRunner {
 public:
  Status Run(Job& job, JobContext& context) const override;
};

}  // namespace facefuse::job
