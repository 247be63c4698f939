// The job record: one job of any kind (detect, swap image, swap video) from
// queued to its final state. The runner fills it, the store keeps it, and the
// GPU report, the metrics, the CLI's result file and the future HTTP job API
// all read it. A plain value: copy it freely; not thread-safe to share
// mutably (the store hands out copies).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "facefuse/face.h"
#include "facefuse/status.h"
#include "job/timeline.h"
#include "pipeline/face_swap_engine.h"
#include "pipeline/video_swap.h"

namespace facefuse::job {

enum class JobKind { kDetect, kSwapImage, kSwapVideo };

// "detect", "swap_image", "swap_video".
std::string_view JobKindName(JobKind kind);
// The `kind` label of the job metrics: "detect", or "swap" for both swap kinds.
std::string_view MetricsKind(JobKind kind);

// queued -> running | cancelled; running -> succeeded | failed | cancelled.
// succeeded, failed and cancelled are final: nothing leaves them.
enum class JobState { kQueued, kRunning, kSucceeded, kFailed, kCancelled };

// "queued", "running", "succeeded", "failed", "cancelled".
std::string_view JobStateName(JobState state);
bool IsFinal(JobState state);
// True for the transitions listed above; a state to itself is not a transition.
bool IsLegalTransition(JobState from, JobState to);
// The state a run with `outcome` ends in: succeeded (OK), cancelled
// (Cancelled) or failed (any other error).
JobState FinalStateFor(const Status& outcome);
// OK for a legal transition of job `id`. Errors: FailedPrecondition
// "job ID: cannot go from FROM to TO".
Status CheckTransition(std::string_view id, JobState from, JobState to);

// How far a running job is: items (images, frames) done out of the total, and the stage it is in.
struct JobProgress {
  int items_done = 0;
  int items_total = 0;
  double items_per_s = 0;  // the rate so far (0: unknown)
  double eta_s = -1;       // seconds left at that rate; -1: unknown
  std::string stage;  // empty before the first stage
};

// What a detect job works on: the bundled (or given) detector over a batch of images.
struct DetectSpec {
  std::vector<std::filesystem::path> images;
  std::filesystem::path model;  // empty: BundledModelsDir()/face_detection_yunet_2023mar.onnx
  float score_threshold = -1;
  int threads = 0;
};

// One image of a detect job.
struct ImageFaces {
  std::filesystem::path image;
  int width = 0, height = 0;
  Status status;  // OK, or why this image failed
  std::vector<DetectedFace> faces;
};

struct DetectResult {
  std::vector<ImageFaces> images;
  int faces = 0;
};

// What a swap-image job works on: the identity of the faces in `sources`
// swapped onto the faces of `target`, written to `output` (format from its extension).
struct SwapImageSpec {
  std::vector<std::filesystem::path> sources;
  std::filesystem::path target;
  std::filesystem::path output;
  pipeline::FaceSwapConfig config;  // the default: the bundled classical swapper, no downloads
};

struct SwapImageResult {
  int faces_swapped = 0;  // in the output image: in each swap of the target when it is swapped repeatedly (frames)
  std::filesystem::path output;  // empty until written
};

// What a swap-video job works on: the identity of the faces in `sources`
// swapped onto the faces of every frame of the video `target`, written to
// `output` (container from its extension).
struct SwapVideoSpec {
  std::vector<std::filesystem::path> sources;
  std::filesystem::path target;
  std::filesystem::path output;
  std::filesystem::path reference;  // the face to match for selector "reference"; empty: none
  pipeline::FaceSwapConfig config;  // the default: the bundled classical swapper, no downloads
  // The span, encoder, audio and rate; its on_progress and cancel are the runner's (from the JobContext).
  pipeline::VideoSwapOptions video;
  // The threads all stages share (0: the CPUs the process may use); the runner splits them between the model
  // kernels (config.threads), the decoder and the encoder (pipeline/video_threads.h), replacing those fields.
  int threads = 0;
};

struct SwapVideoResult {
  int64_t frames_with_faces = 0;
  int64_t faces_swapped = 0;  // over all frames
  int64_t frames_detected = 0;  // frames the detector ran on (the landmarker followed the faces on the others)
  std::string encoder;        // the encoder used
  std::vector<std::string> warnings;
  pipeline::StageBusy busy;   // seconds each pipelined stage worked
  double fps = 0;             // frames written per second of the whole pipeline
  std::filesystem::path output;  // empty until written
};

struct Job {
  std::string id;  // set by JobStore::Create, which keeps one given before ([A-Za-z0-9_-], unique)
  // What the submitter asked for, in its own words (the job API's request JSON): enough for it to build the job
  // again after a restart (a persistent store keeps it; empty: a job that lives only in this process).
  std::string request;
  std::filesystem::path folder;  // the job's own files (uploads, output, GPU report): removed with the job; may be empty
  std::string owner;             // who submitted it (an API key's or token's name); empty: anyone
  int interruptions = 0;         // runs cut short by the process ending (a persistent store requeues such a job once)
  std::string ran_on;            // the process that ran it last (JobQueueLimits::worker_name); empty: not said
  JobKind kind = JobKind::kDetect;
  JobState state = JobState::kQueued;
  JobProgress progress;
  std::vector<StageSpan> stages;  // in the order they ran
  std::vector<StageLoadSample> stage_load;  // pipelined jobs (swap_video): about one a second
  Timeline timeline;
  Status status;  // the final outcome: OK, or why the job failed (or was cancelled)
  int frames = 0;  // frames or images the job got through

  // The input and result of the job's kind (the others stay empty).
  DetectSpec detect;
  DetectResult detect_result;
  SwapImageSpec swap_image;
  SwapImageResult swap_image_result;
  SwapVideoSpec swap_video;
  SwapVideoResult swap_video_result;

  // Moves to `next` and stamps the timeline (running: started; a final state:
  // finished). Errors: FailedPrecondition naming both states when the move is
  // not a legal transition (the job is left as it was).
  Status TransitionTo(JobState next, Clock::time_point now = Clock::now());
  // Clears what one run wrote (progress, stages, frames, status, the results)
  // for another attempt; the spec, id, state and timeline stay.
  void ResetRun();
  double seconds() const { return timeline.seconds(); }
};

// A queued job of each kind, created now.
Job NewDetectJob(DetectSpec spec);
Job NewSwapImageJob(SwapImageSpec spec);
Job NewSwapVideoJob(SwapVideoSpec spec);

}  // namespace facefuse::job
