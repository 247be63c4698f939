// The service's content gate: every uploaded image (sources and target) and a few frames of a video target are
// scored by a content classifier (face/gate/content_classifier.h); a request whose highest score reaches the
// threshold is refused with PermissionDenied (403) before any job is made. Off unless `serve --content-gate MODEL`.
//
// Thread safety: Check may be called from any thread at once (the classifier runs one picture at a time).
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>

#include "face/gate/content_classifier.h"
#include "facefuse/status.h"
#include "server/job_upload.h"

namespace facefuse::server {

class ContentGate {
 public:
  // Opens the classifier `model` (the open_nsfw contract). `threshold` in (0, 1]. Errors: InvalidArgument for a
  // threshold outside it; ContentClassifier::Open's.
  static Result<std::unique_ptr<ContentGate>> Open(const std::filesystem::path& model, float threshold,
                                                   int threads = 1);

  // OK when every picture of `files` scores under the threshold. Errors: PermissionDenied naming the part and the
  // score; the classifier's and the decoders' errors (InvalidArgument).
  Status Check(const JobFiles& files);

  float threshold() const { return threshold_; }

 private:
  ContentGate(std::unique_ptr<face::ContentClassifier> classifier, float threshold)
      : classifier_(std::move(classifier)), threshold_(threshold) {}
  // The highest score of a video's frames sampled at 5 points of its length.
  Result<float> ScoreVideo(const std::filesystem::path& video);
  Result<float> ScoreImage(const std::filesystem::path& image);

  std::mutex mu_;
  std::unique_ptr<face::ContentClassifier> classifier_;
  float threshold_;
};

}  // namespace facefuse::server
