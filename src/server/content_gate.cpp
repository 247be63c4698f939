#include "server/content_gate.h"

#include <algorithm>
#include <cstdio>

#include "media/image_io.h"
#include "media/video_info.h"
#include "media/video_reader.h"

namespace facefuse::server {
namespace {

constexpr int kVideoSamples = 5;

Status Refused(const std::string& part, float score, float threshold) {
  char text[160];
  std::snprintf(text, sizeof text, "the content gate refused the %s (score %.2f, threshold %.2f)", part.c_str(),
                score, threshold);
  return PermissionDenied(text);
}

}  // namespace

Result<std::unique_ptr<ContentGate>> ContentGate::Open(const std::filesystem::path& model, float threshold,
                                                       int threads) {
  if (!(threshold > 0.f && threshold <= 1.f)) {
    return InvalidArgument("the content gate's threshold must be more than 0 and at most 1");
  }
  face::ModelOptions options;
  options.threads = threads;
  FF_ASSIGN_OR_RETURN(std::unique_ptr<face::ContentClassifier> classifier, face::ContentClassifier::Open(model, options));
  return std::unique_ptr<ContentGate>(new ContentGate(std::move(classifier), threshold));
}

Result<float> ContentGate::ScoreImage(const std::filesystem::path& image) {
  FF_ASSIGN_OR_RETURN(media::Image loaded, media::LoadImage(image));
  std::lock_guard lock(mu_);
  return classifier_->Score(loaded.bgr);
}

Result<float> ContentGate::ScoreVideo(const std::filesystem::path& video) {
  FF_ASSIGN_OR_RETURN(media::VideoInfo info, media::ProbeVideo(video));
  float highest = 0.f;
  for (int i = 0; i < kVideoSamples; ++i) {
    media::VideoReadOptions read;
    read.start_s = info.duration_s * i / kVideoSamples;
    read.threads = 1;
    FF_ASSIGN_OR_RETURN(std::unique_ptr<media::VideoReader> reader, media::VideoReader::Open(video, read));
    media::VideoFrame frame;
    FF_ASSIGN_OR_RETURN(bool got, reader->Read(&frame));
    if (!got) continue;
    std::lock_guard lock(mu_);
    FF_ASSIGN_OR_RETURN(float score, classifier_->Score(frame.bgr));
    highest = std::max(highest, score);
  }
  return highest;
}

Status ContentGate::Check(const JobFiles& files) {
  FF_ASSIGN_OR_RETURN(float target, files.target_is_video ? ScoreVideo(files.target) : ScoreImage(files.target));
  if (target >= threshold_) return Refused("target", target, threshold_);
  for (size_t i = 0; i < files.sources.size(); ++i) {
    FF_ASSIGN_OR_RETURN(float source, ScoreImage(files.sources[i]));
    if (source >= threshold_) return Refused("source " + std::to_string(i), source, threshold_);
  }
  return Status::Ok();
}

}  // namespace facefuse::server
