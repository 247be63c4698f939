// Face recognition: aligned 112x112 crop -> L2-normalised embedding.
#pragma once

#include <opencv2/core.hpp>

#include <filesystem>
#include <memory>
#include <vector>

#include "face/model.h"
#include "facefuse/face.h"
#include "facefuse/runtime.h"
#include "facefuse/status.h"

namespace facefuse::face {

// The model options (threads, memory budget) and the input normalisation.
struct RecognizerOptions : ModelOptions {
  // Input normalisation (x - mean) / std on RGB 0..255. ArcFace w600k_r50
  // uses 127.5 / 127.5; the bundled recognizer_512 uses 127 / 128.
  float mean = 127.f;
  float std = 128.f;
};

class Recognizer {
 public:
  // Errors: NotFound / InvalidArgument / Unsupported from the model; a model
  // whose input is not [N,3,112,112] is InvalidArgument.
  static Result<std::unique_ptr<Recognizer>> Open(const std::filesystem::path& model, const RecognizerOptions& options);

  // The unit-length embedding of the face with these 5 keypoints in `bgr`.
  Result<std::vector<float>> Embed(const cv::Mat& bgr, const std::vector<Point2>& keypoints);

 private:
  Recognizer(std::unique_ptr<Session> s, RecognizerOptions o) : session_(std::move(s)), options_(o) {}
  std::unique_ptr<Session> session_;
  RecognizerOptions options_;
};

// Cosine similarity of two embeddings (0 when either is zero or sizes differ).
float CosineSimilarity(const std::vector<float>& a, const std::vector<float>& b);

}  // namespace facefuse::face
