// A detection job: the bundled (or given) face detector over a batch of images,
// with every stage (model load, decode, detect) timed, recorded for the GPU
// chart and fed to the metrics.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "facefuse/face.h"
#include "facefuse/status.h"
#include "report/gpu_chart.h"
#include "telemetry/metrics.h"

namespace facefuse::job {

struct DetectJobOptions {
  std::vector<std::filesystem::path> images;
  std::filesystem::path model;  // empty: BundledModelsDir()/face_detection_yunet_2023mar.onnx
  float score_threshold = -1;
  int threads = 0;
  // Called on the job's thread as each stage begins (e.g. to take a GPU reading); may be empty.
  std::function<void(const std::string& stage)> on_stage;
};

struct ImageResult {
  std::filesystem::path image;
  int width = 0, height = 0;
  Status status;  // OK, or why this image failed
  std::vector<DetectedFace> faces;
};

struct JobResult {
  std::string kind = "detect";
  Status status;  // OK when every image succeeded; else the first error
  report::Clock::time_point start, end;
  std::vector<report::StageSpan> stages;
  std::vector<ImageResult> images;
  int frames = 0;  // images detected successfully
  int faces = 0;
  double seconds() const { return std::chrono::duration<double>(end - start).count(); }
};

// Runs the job on the calling thread. A model that fails to load fails the job
// at once; a failing image is recorded and the job goes on with the next one
// (its outcome is then "failure"). `metrics` may be null. Never throws.
JobResult RunDetectJob(const DetectJobOptions& options, telemetry::Metrics* metrics);

}  // namespace facefuse::job
