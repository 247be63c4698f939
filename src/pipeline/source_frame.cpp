#include "pipeline/source_frame.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "media/image_io.h"
#include "media/video_info.h"
#include "media/video_reader.h"

namespace facefuse::pipeline {
namespace {

namespace fs = std::filesystem;

// The face box is measured for sharpness at this side, so every face is judged at one scale.
constexpr int kSharpnessSide = 112;
// A face box this short side or longer gets the full size factor.
constexpr float kFullSizeSide = 64;

double Sharpness(const cv::Mat& frame, const cv::Rect& box) {
  cv::Mat grey, resized, laplacian;
  cv::cvtColor(frame(box), grey, cv::COLOR_BGR2GRAY);
  cv::resize(grey, resized, cv::Size(kSharpnessSide, kSharpnessSide), 0, 0, cv::INTER_AREA);
  cv::Laplacian(resized, laplacian, CV_64F);
  cv::Scalar mean, deviation;
  cv::meanStdDev(laplacian, mean, deviation);
  return deviation[0] * deviation[0];
}

// 1 for a frontal, level face; towards 0 as the head turns (nose towards an eye) or rolls (eye line upright).
double Frontality(const std::vector<Point2>& keypoints) {
  if (keypoints.size() < 3) return 1;
  const double eye_dx = keypoints[1].x - keypoints[0].x, eye_dy = keypoints[1].y - keypoints[0].y;
  const double eye_distance = std::hypot(eye_dx, eye_dy);
  if (!(eye_distance > 0)) return 0;
  // The nose tip's offset from the eyes' midpoint along the eye line, in eye distances: 0.5 puts it over an eye.
  const double mid_x = (keypoints[0].x + keypoints[1].x) / 2, mid_y = (keypoints[0].y + keypoints[1].y) / 2;
  const double along = ((keypoints[2].x - mid_x) * eye_dx + (keypoints[2].y - mid_y) * eye_dy) / eye_distance;
  const double yaw = std::max(0.0, 1 - 2 * std::abs(along) / eye_distance);
  const double roll = std::abs(eye_dx) / eye_distance;  // the cosine of the eye line's angle to the horizontal
  return yaw * roll;
}

double SizeFactor(const cv::Rect& box) {
  return std::min(1.0, static_cast<double>(std::min(box.width, box.height)) / kFullSizeSide);
}

// The best-scoring frame so far.
struct BestFrame {
  cv::Mat frame;
  double score = -1;
};

// Scores `frame`'s largest face and keeps the frame in `best` when it beats it.
Status Consider(FaceSwapEngine& engine, const cv::Mat& frame, BestFrame* best) {
  FF_ASSIGN_OR_RETURN(std::vector<DetectedFace> faces, engine.DetectFaces(frame));
  if (faces.empty()) return Status::Ok();
  const auto largest = std::max_element(faces.begin(), faces.end(), [](const DetectedFace& a, const DetectedFace& b) {
    return a.area() < b.area();
  });
  const double score = SourceFrameScore(frame, *largest);
  if (score > best->score) {
    best->frame = frame.clone();
    best->score = score;
  }
  return Status::Ok();
}

}  // namespace

double SourceFrameScore(const cv::Mat& frame, const DetectedFace& face) {
  if (frame.empty() || frame.type() != CV_8UC3) return 0;
  const cv::Rect box = cv::Rect(cv::Point(static_cast<int>(std::floor(face.x1)), static_cast<int>(std::floor(face.y1))),
                                cv::Point(static_cast<int>(std::ceil(face.x2)), static_cast<int>(std::ceil(face.y2)))) &
                       cv::Rect(0, 0, frame.cols, frame.rows);
  if (box.width < 2 || box.height < 2) return 0;
  return Sharpness(frame, box) * Frontality(face.keypoints) * SizeFactor(box);
}

Result<cv::Mat> BestSourceFrame(FaceSwapEngine& engine, const fs::path& video, int samples) {
  if (samples < 1) return InvalidArgument("the number of frames to sample from a source video must be >= 1");
  FF_ASSIGN_OR_RETURN(std::unique_ptr<media::VideoReader> reader, media::VideoReader::Open(video));
  const media::VideoInfo info = reader->info();
  // A long clip (or one of unknown frame count but known duration) is sampled by seeking to evenly spaced
  // times, one frame after each: no need to decode the whole clip. A short one is read front to back.
  const bool seek = info.duration_s > 0 && (info.frame_count == 0 || info.frame_count > samples);
  BestFrame best;
  media::VideoFrame frame;
  int sampled = 0;
  for (int i = 0; i < samples; ++i) {
    if (seek && i > 0) {
      media::VideoReadOptions from;
      from.start_s = info.duration_s * i / samples;
      FF_ASSIGN_OR_RETURN(reader, media::VideoReader::Open(video, from));
    }
    FF_ASSIGN_OR_RETURN(const bool more, reader->Read(&frame));
    if (!more) {
      if (seek) continue;  // a duration longer than the frames: this sample falls after the last one
      break;
    }
    ++sampled;
    FF_RETURN_IF_ERROR(Consider(engine, frame.bgr, &best));
  }
  if (best.frame.empty())
    return NotFound("no face found in any of the " + std::to_string(sampled) + " frames sampled from " +
                    video.string());
  return best.frame;
}

bool IsVideoSource(const fs::path& path) {
  const Result<media::MediaKind> kind = media::DetectMediaKind(path);
  return kind.ok() && *kind == media::MediaKind::kVideo;
}

Result<std::vector<cv::Mat>> LoadImageSources(const std::vector<fs::path>& sources) {
  std::vector<cv::Mat> images;
  for (const fs::path& source : sources) {
    if (IsVideoSource(source)) {
      images.emplace_back();
      continue;
    }
    FF_ASSIGN_OR_RETURN(cv::Mat image, media::LoadImageBgr(source));
    images.push_back(std::move(image));
  }
  return images;
}

Status ResolveVideoSources(FaceSwapEngine& engine, const std::vector<fs::path>& sources, std::vector<cv::Mat>& frames) {
  if (frames.size() != sources.size()) return InvalidArgument("one source frame per source is needed");
  for (size_t i = 0; i < sources.size(); ++i) {
    if (!frames[i].empty()) continue;
    FF_ASSIGN_OR_RETURN(frames[i], BestSourceFrame(engine, sources[i]));
  }
  return Status::Ok();
}

}  // namespace facefuse::pipeline
