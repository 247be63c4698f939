// Face enhancers (GFPGAN, CodeFormer, GPEN-BFR) run by their shared contract
// (model-contract reference, section 7): aligned crop in, restored crop out,
// pasted back under a box mask and blended with the frame.
#pragma once

#include <opencv2/core.hpp>

#include <array>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "face/model.h"
#include "facefuse/face.h"
#include "facefuse/runtime.h"
#include "facefuse/status.h"

namespace facefuse::face {

struct EnhancerContract {
  std::string name;                       // catalog name, e.g. "gfpgan_1.4"
  std::array<Point2, 5> template_points;  // in pixels of template_size
  float template_size = 0;
  int size = 0;                           // model input/output side
  bool weight_input = false;              // CodeFormer's float64 `weight` [1]
};

// gfpgan_1.2, gfpgan_1.3, gfpgan_1.4, codeformer, gpen_bfr_256, gpen_bfr_512.
// Errors: NotFound listing the known names.
Result<const EnhancerContract*> FindEnhancerContract(const std::string& name);
const std::vector<EnhancerContract>& EnhancerContracts();

// The model options (threads, memory budget) and the enhancement settings.
struct EnhancerOptions : ModelOptions {
  int blend = 80;         // 0..100: share of the enhanced frame in the result
  double weight = 0.5;    // CodeFormer fidelity weight
  float mask_blur = 0.3f;
};

class FaceEnhancer {
 public:
  // Errors: as Session::Open; InvalidArgument when the model's inputs or
  // output do not match the contract, or an option is out of range.
  static Result<std::unique_ptr<FaceEnhancer>> Open(const EnhancerContract& contract,
                                                    const std::filesystem::path& model,
                                                    const EnhancerOptions& options);

  // Enhances the face with these 5 keypoints in `frame` (CV_8UC3, in place).
  // Errors: InvalidArgument for a bad frame or degenerate keypoints; runtime errors.
  Status Enhance(cv::Mat& frame, const std::vector<Point2>& keypoints);

  const EnhancerContract& contract() const { return contract_; }

 private:
  FaceEnhancer(const EnhancerContract& c, const EnhancerOptions& o) : contract_(c), options_(o) {}
  Result<cv::Mat> Run(const cv::Mat& crop);

  EnhancerContract contract_;
  EnhancerOptions options_;
  std::unique_ptr<Session> session_;
  std::string image_input_, weight_input_;
  cv::Mat mask_;
};

}  // namespace facefuse::face
