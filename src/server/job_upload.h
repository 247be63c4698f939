// One POST /v1/jobs body on its way to disk: each multipart file part is
// streamed to a file in a folder of its own under the data dir, then checked
// by its content and renamed for it (source-0.jpg, target.png). The client's
// file names are never used: they do not reach the file system.
//
// Thread safety: one request's object, used by the thread serving it.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "facefuse/memory_budget.h"
#include "facefuse/status.h"

namespace facefuse::server {

// The checked files of one upload, in its job folder.
struct JobFiles {
  std::filesystem::path folder;
  std::vector<std::filesystem::path> sources;  // source-0.<ext>, source-1.<ext>, ...
  std::filesystem::path target;                // target.<ext>
  bool target_is_video = false;                // a video (target.mp4, .mkv, .webm, .mov); else an image
  double max_video_seconds = 0;                // a video target is swapped up to this time at most (0: no bound)
  std::filesystem::path output;                // output.<the target's ext> (a video: output.mp4), not written yet
  std::string options;                         // the options part's text (empty: none)
};

// Parts a request may hold; more are refused.
inline constexpr int kMaxSourceParts = 16;
inline constexpr size_t kMaxOptionsBytes = 64 * 1024;

class JobUpload {
 public:
  // Creates a fresh folder (job-XXXXXX) under `data_dir` for a body of at
  // most `max_bytes`, whose checks decode the images within `decode_budget`
  // (null: no limit but the loader's). Errors: IoError with the system's reason.
  static Result<std::unique_ptr<JobUpload>> Begin(const std::filesystem::path& data_dir, uint64_t max_bytes,
                                                  std::shared_ptr<MemoryBudget> decode_budget = {});
  // Removes the folder unless Keep() was called.
  ~JobUpload();
  JobUpload(const JobUpload&) = delete;
  JobUpload& operator=(const JobUpload&) = delete;

  // A part begins (`name`: its form field name). A part that is not source,
  // target or options, or one too many, is recorded as the request's error
  // and its bytes are dropped. Always true: the body is read to its end.
  bool BeginPart(const std::string& name);
  // The current part's next bytes. False (stop reading) only when the body
  // goes over the size limit (over_limit()) or past the deadline (timed_out()).
  bool Append(const char* data, size_t size);
  bool over_limit() const { return over_limit_; }

  // The whole body must arrive within `seconds` of Begin (a slow client holds a server thread); later bytes are
  // refused (Append false, timed_out()). 0: no deadline.
  void set_deadline_seconds(double seconds);
  bool timed_out() const { return timed_out_; }

  // Targets may be videos (judged by content) of at most this many seconds; 0: images only.
  void set_max_video_seconds(double seconds) { max_video_seconds_ = seconds; }

  // After the whole body: the parts present and each file a decodable image
  // within the image loader's limits (the target also a video FFmpeg reads,
  // within the size and duration limits), renamed for its content. Errors:
  // InvalidArgument for a malformed request (no target part, no source
  // part, an unknown or repeated part: usage errors, see usage_error()) or a
  // file that is not an image the loader reads (naming the part, never a
  // path); OutOfMemory when its pixels do not fit the decode budget now;
  // IoError for the file system.
  Result<JobFiles> Finish();
  // True when Finish's error is about the request's shape, not its files.
  bool usage_error() const { return usage_error_; }
  // Leaves the folder in place (the job owns it now).
  void Keep() { keep_ = true; }

 private:
  struct Part {
    std::string name;  // "source" or "target"
    std::filesystem::path file;
  };
  JobUpload(std::filesystem::path folder, uint64_t max_bytes, std::shared_ptr<MemoryBudget> decode_budget);
  void CloseFile();
  Status CheckShape() const;
  Result<std::filesystem::path> CheckAndRename(const Part& part, const std::string& label, const std::string& stem);
  // The target part as a video: probed within the limits and renamed for its container.
  Result<std::filesystem::path> CheckVideoAndRename(const Part& part);

  std::filesystem::path folder_;
  uint64_t max_bytes_;
  std::shared_ptr<MemoryBudget> decode_budget_;
  uint64_t received_ = 0;
  std::vector<Part> parts_;
  std::FILE* file_ = nullptr;  // the current file part's, while it is written
  bool in_options_ = false;
  bool dropping_ = false;  // the current part is refused: its bytes go nowhere
  std::string options_;
  int options_parts_ = 0;
  Status error_;  // the first problem with the request's shape or the file system
  bool usage_error_ = false;
  bool over_limit_ = false;
  bool keep_ = false;
  double max_video_seconds_ = 0;
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
  bool timed_out_ = false;
};

}  // namespace facefuse::server
