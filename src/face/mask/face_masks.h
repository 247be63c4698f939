// Model-driven face masks in crop space (model-contract reference, section 8):
// occlusion (XSeg: what covers the face) built on the input crop, and region
// (BiSeNet face parsing: which parts to swap) built on the swapped crop. Both
// give CV_32FC1 in [0,1] at the crop's size, after the contract's smoothing
// (Gaussian sigma 5, clip to [0.5,1], then (x - 0.5) * 2). The swap pipeline
// combines them with the box mask by per-pixel minimum.
#pragma once

#include <opencv2/core.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "face/model.h"
#include "facefuse/runtime.h"
#include "facefuse/status.h"

namespace facefuse::face {

// The contract's post-processing of a raw [0,1] mask, in place (CV_32FC1).
void SmoothModelMask(cv::Mat& mask);

class OcclusionMasker {
 public:
  // XSeg contract: input [1,256,256,3] NHWC, BGR, x/255; output a 256x256
  // single-channel map (any layout with 256*256 values). Errors: as
  // Session::Open; InvalidArgument for other I/O.
  static Result<std::unique_ptr<OcclusionMasker>> Open(const std::filesystem::path& model,
                                                       const ModelOptions& options);
  // 1 where the face shows, 0 where something covers it. `crop` is CV_8UC3 BGR.
  Result<cv::Mat> Mask(const cv::Mat& crop);

 private:
  std::unique_ptr<Session> session_;
};

// BiSeNet face-parsing classes the region mask can keep.
// Names: skin, left-eyebrow, right-eyebrow, left-eye, right-eye, glasses, nose, mouth, upper-lip, lower-lip.
Result<std::vector<int>> RegionClassIds(const std::vector<std::string>& names);
const std::vector<std::string>& RegionNames();

class RegionMasker {
 public:
  // BiSeNet contract: input [1,3,512,512] RGB, ImageNet mean/std on x/255;
  // output [1,C,h,w] class scores (C >= 14). `regions` are names from
  // RegionNames() (empty: all). Errors: as Session::Open; InvalidArgument for
  // other I/O or an unknown region name.
  static Result<std::unique_ptr<RegionMasker>> Open(const std::filesystem::path& model,
                                                    const std::vector<std::string>& regions,
                                                    const ModelOptions& options);
  // 1 over the chosen regions of `crop` (CV_8UC3 BGR or CV_32FC3 BGR in [0,1]).
  Result<cv::Mat> Mask(const cv::Mat& crop);

 private:
  std::unique_ptr<Session> session_;
  std::vector<int> keep_;  // class ids
};

}  // namespace facefuse::face
