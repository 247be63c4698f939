// The content gate: a whole-image classifier that scores how likely a picture is not safe for work, as FaceFusion
// checks its inputs with. The service can refuse a job whose target scores at or above a threshold (off by
// default; `serve --content-gate MODEL`).
//
// The contract (ContentClassifierContract, "open_nsfw"): one input [1,224,224,3] float32, BGR pixels less the
// means (104, 117, 123), the image resized to 224x224; one output [1,2], the probabilities (safe, not safe).
// tools/standins writes a stand-in with this contract (kind "red-flag": the score rises with how much redder than
// green the picture is).
//
// Thread safety: Score is not; use one classifier per thread or guard it.
#pragma once

#include <opencv2/core.hpp>

#include <filesystem>
#include <memory>
#include <string>

#include "face/model.h"
#include "facefuse/runtime.h"
#include "facefuse/status.h"

namespace facefuse::face {

struct ContentClassifierContract {
  std::string name;       // "open_nsfw"
  int size;               // the square input side (224)
  float bgr_means[3];     // subtracted from the B, G, R levels
  int unsafe_index;       // the output's probability of "not safe"
};

// The one contract the gate reads.
const ContentClassifierContract& OpenNsfwContract();

class ContentClassifier {
 public:
  // Errors: Session's (NotFound for a missing file, ...); InvalidArgument for a model whose input is not
  // [N,224,224,3] or that has no output.
  static Result<std::unique_ptr<ContentClassifier>> Open(const std::filesystem::path& model,
                                                         const ModelOptions& options);

  // The probability (0..1) that `bgr` (8-bit BGR) is not safe for work. Errors: InvalidArgument for an empty or
  // non-8-bit image, or a model output that is not two probabilities.
  Result<float> Score(const cv::Mat& bgr);

 private:
  explicit ContentClassifier(std::unique_ptr<Session> session) : session_(std::move(session)) {}
  std::unique_ptr<Session> session_;
};

}  // namespace facefuse::face
