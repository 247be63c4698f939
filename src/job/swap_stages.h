// The stages every swap job (image or video) begins with: model_load (the
// engine for the job's configuration) and detect (the identity of its
// sources, and of its reference when it has one).
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include <opencv2/core.hpp>

#include "job/job_runner.h"
#include "pipeline/face_swap_engine.h"

namespace facefuse::job {

struct PreparedSwap {
  std::unique_ptr<pipeline::FaceSwapEngine> engine;
  pipeline::Identity identity;
};

// Opens the engine for `config` (stage model_load, named by the swapper's
// file stem, or "classical") and learns the identity of `sources` (stage
// detect): `images` holds the decoded source images, an empty image for a
// video source, which is resolved to its best frame here. With a `reference`
// image its identity becomes the engine's reference. Errors: those of
// FaceSwapEngine::Open and LearnIdentity, pipeline::ResolveVideoSources and
// decoding the reference.
Result<PreparedSwap> PrepareSwap(const pipeline::FaceSwapConfig& config,
                                 const std::vector<std::filesystem::path>& sources, std::vector<cv::Mat> images,
                                 const std::filesystem::path& reference, Job& job, JobContext& context);

}  // namespace facefuse::job
