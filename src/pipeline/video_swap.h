// Swapping a face through a whole video: decode, analyse, swap and encode
// run as stages on their own threads, joined by bounded queues (a stage that
// runs ahead waits: back-pressure), so memory holds a few frames whatever
// the clip's length, and frames come out in the order they went in.
//
//   decode (VideoReader) -> [queue] -> analyse (detect or follow, select, track: VideoFaceFinder)
//     -> [queue] -> swap (FaceSwapEngine::SwapFaces, enhancer) -> [queue] -> encode (VideoWriter)
//
// The stages share one thread budget (pipeline/video_threads.h, applied by the job runner).
//
// The output file appears under its name only when the whole video is
// written (VideoWriter's temporary file); an error or a cancel leaves nothing.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "face/track/face_tracker.h"
#include "facefuse/status.h"
#include "media/video_reader.h"
#include "media/video_writer.h"
#include "pipeline/face_swap_engine.h"

namespace facefuse::pipeline {

// Seconds each stage spent working (not waiting on a queue) so far.
struct StageBusy {
  double decode_s = 0;
  double analyse_s = 0;  // detection, landmarks, selection
  double swap_s = 0;     // swapper, masks, paste-back, enhancer
  double encode_s = 0;   // encoder and muxer, audio included
};

// How far a video swap is, as the encode stage sees it.
struct VideoProgress {
  int64_t frames_done = 0;   // written to the output
  int64_t frames_total = 0;  // expected from the span and the rate (0: unknown)
  double elapsed_s = 0;
  double fps = 0;      // frames_done / elapsed_s
  double eta_s = -1;   // seconds left at the current rate; -1 while unknown
  StageBusy busy;
};

struct VideoSwapOptions {
  media::VideoReadOptions read;  // the span (trim), decoder threads, size limits
  media::VideoEncodeOptions encode;
  // The output's audio: the target's own over the span (default), none, or
  // the whole of a replacement file (--audio) from its start.
  bool keep_audio = true;
  std::filesystem::path audio;
  double fps = 0;  // the output frame rate; 0 keeps the target's timing (variable rates included)
  int queue_frames = 4;  // frames each queue holds at most (>= 1)
  // Faces are tracked from frame to frame (face/track/face_tracker.h): smoothed, gaps bridged, the selection kept.
  // Its max_selected is set from the engine's selector ("one": 1). The detector runs at least every
  // detect_every frames and whenever a face is lost; the landmarker follows the faces between
  // (pipeline/video_faces.h).
  face::TrackerOptions tracking;
  int detect_every = 10;
  // Called on the calling thread as frames go through (after each frame swapped, with the frames written so far)
  // and once at the end. Must be quick; must not throw.
  std::function<void(const VideoProgress&)> on_progress;
  // Called from each stage's thread with the seconds one frame took in it ("decode", "analyse", "swap",
  // "encode"), e.g. to observe a stage histogram. Must be thread-safe and quick; must not throw.
  std::function<void(const char* stage, double seconds)> on_stage_time;
  // Polled by every stage: once it reads true the swap stops with Cancelled and writes nothing. Not owned.
  const std::atomic<bool>* cancel = nullptr;
};

struct VideoSwapResult {
  media::VideoInfo input;
  int64_t frames = 0;             // written
  int64_t frames_with_faces = 0;  // frames where at least one face was swapped
  int64_t faces_swapped = 0;      // over all frames
  int64_t frames_detected = 0;    // frames the detector ran on (the others: faces followed by the landmarker)
  std::string encoder;            // the encoder used (after any fallback)
  std::vector<std::string> warnings;  // the writer's: encoder fallback, audio re-encoded, ...
  VideoProgress progress;         // at the end
};

// Swaps `source` onto the selected faces of every frame of `target` and
// writes `output`. Frames without a selected face are written unchanged.
// `engine` is used from two threads for the whole call: the analyse stage's
// (Analyse, FollowFaces) and the caller's, the swap stage (SwapFaces); no other
// thread may use it meanwhile.
// Errors: those of media::VideoReader::Open/Read and media::VideoWriter
// (Open, Write, Finish) and of the engine; InvalidArgument for a span with no
// frame ("--trim-start is past the end of the video"), queue_frames < 1 or
// detect_every < 1;
// Cancelled when options.cancel became true. On any error no file is left
// under `output`.
Result<VideoSwapResult> SwapVideo(FaceSwapEngine& engine, const Identity& source,
                                  const std::filesystem::path& target, const std::filesystem::path& output,
                                  const VideoSwapOptions& options);

}  // namespace facefuse::pipeline
