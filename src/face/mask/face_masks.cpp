#include "face/mask/face_masks.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>

#include "face/image_tensor.h"

namespace facefuse::face {
namespace {

constexpr int kOcclusionSize = 256;
constexpr int kRegionSize = 512;

const std::vector<std::pair<std::string, int>>& RegionTable() {
  static const std::vector<std::pair<std::string, int>> table = {
      {"skin", 1},  {"left-eyebrow", 2}, {"right-eyebrow", 3}, {"left-eye", 4},   {"right-eye", 5},
      {"glasses", 6}, {"nose", 10},      {"mouth", 11},        {"upper-lip", 12}, {"lower-lip", 13}};
  return table;
}

// A mask model: one image input and a mask output, else refused naming `what`.
InputContract OneInOneOut(const std::filesystem::path& model, const char* what) {
  InputContract contract;
  contract.min_inputs = contract.max_inputs = 1;
  contract.min_outputs = 1;
  contract.refusal = [text = model.string() + " is not " + what + ": it needs one image input and a mask output"](
                         size_t, size_t) { return text; };
  return contract;
}

}  // namespace

void SmoothModelMask(cv::Mat& mask) {
  cv::GaussianBlur(mask, mask, cv::Size(0, 0), 5);
  cv::min(cv::max(mask, 0.5), 1.0, mask);
  mask = (mask - 0.5) * 2;
}

Result<std::unique_ptr<OcclusionMasker>> OcclusionMasker::Open(const std::filesystem::path& model,
                                                               const ModelOptions& options) {
  std::unique_ptr<OcclusionMasker> m(new OcclusionMasker());
  FF_ASSIGN_OR_RETURN(m->session_, OpenFaceModel(model, options, OneInOneOut(model, "an XSeg occlusion model")));
  return m;
}

Result<cv::Mat> OcclusionMasker::Mask(const cv::Mat& crop) {
  if (crop.empty() || crop.type() != CV_8UC3) return InvalidArgument("the occlusion mask needs an 8-bit BGR crop");
  cv::Mat small;
  cv::resize(crop, small, cv::Size(kOcclusionSize, kOcclusionSize), 0, 0, cv::INTER_LINEAR);
  FF_ASSIGN_OR_RETURN(Tensor input, Tensor::Allocate(DataType::kFloat32, {1, kOcclusionSize, kOcclusionSize, 3}));
  small.convertTo(cv::Mat(kOcclusionSize, kOcclusionSize, CV_32FC3, input.data<float>()), CV_32FC3, 1 / 255.0);
  FF_ASSIGN_OR_RETURN(std::vector<Tensor> out, session_->Run({input}));
  if (out[0].dtype() != DataType::kFloat32 || out[0].size() != kOcclusionSize * kOcclusionSize)
    return InvalidArgument("the occlusion model must return 256x256 float32 values, got " +
                           ShapeToString(out[0].shape()));
  cv::Mat mask(kOcclusionSize, kOcclusionSize, CV_32FC1, out[0].data<float>());
  cv::Mat clipped = cv::min(cv::max(mask, 0.0), 1.0), full;
  cv::resize(clipped, full, crop.size(), 0, 0, cv::INTER_LINEAR);
  SmoothModelMask(full);
  return full;
}

const std::vector<std::string>& RegionNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const auto& [name, id] : RegionTable()) n.push_back(name);
    return n;
  }();
  return names;
}

Result<std::vector<int>> RegionClassIds(const std::vector<std::string>& names) {
  std::vector<int> ids;
  for (const auto& [name, id] : RegionTable())
    if (names.empty() || std::find(names.begin(), names.end(), name) != names.end()) ids.push_back(id);
  for (const std::string& n : names) {
    const auto& t = RegionTable();
    if (std::none_of(t.begin(), t.end(), [&](const auto& e) { return e.first == n; })) {
      std::string known;
      for (const std::string& k : RegionNames()) known += (known.empty() ? "" : ", ") + k;
      return InvalidArgument("unknown face region '" + n + "' (known: " + known + ")");
    }
  }
  return ids;
}

Result<std::unique_ptr<RegionMasker>> RegionMasker::Open(const std::filesystem::path& model,
                                                        const std::vector<std::string>& regions,
                                                        const ModelOptions& options) {
  std::unique_ptr<RegionMasker> m(new RegionMasker());
  FF_ASSIGN_OR_RETURN(m->keep_, RegionClassIds(regions));
  FF_ASSIGN_OR_RETURN(m->session_,
                      OpenFaceModel(model, options, OneInOneOut(model, "a BiSeNet face-parsing model")));
  return m;
}

Result<cv::Mat> RegionMasker::Mask(const cv::Mat& crop) {
  if (crop.empty() || (crop.type() != CV_8UC3 && crop.type() != CV_32FC3))
    return InvalidArgument("the region mask needs a BGR crop");
  cv::Mat unit, big;
  crop.convertTo(unit, CV_32FC3, crop.type() == CV_8UC3 ? 1 / 255.0 : 1.0);
  cv::resize(unit, big, cv::Size(kRegionSize, kRegionSize), 0, 0, cv::INTER_LINEAR);
  FF_ASSIGN_OR_RETURN(Tensor input, ImageToNchw(big, ChannelOrder::kRgb, {0.485f, 0.456f, 0.406f},
                                                {0.229f, 0.224f, 0.225f}));  // ImageNet, on x / 255
  FF_ASSIGN_OR_RETURN(std::vector<Tensor> out, session_->Run({input}));
  const Tensor& scores = out[0];
  if (scores.dtype() != DataType::kFloat32 || scores.shape().size() != 4 || scores.shape()[0] != 1 ||
      scores.shape()[1] < 14)
    return InvalidArgument("the face-parsing model must return [1,C>=14,h,w] float32 scores, got " +
                           ShapeToString(scores.shape()));
  const int classes = static_cast<int>(scores.shape()[1]);
  const int h = static_cast<int>(scores.shape()[2]), w = static_cast<int>(scores.shape()[3]);
  const size_t hw = static_cast<size_t>(h) * w;
  cv::Mat mask(h, w, CV_32FC1, cv::Scalar(0));
  for (size_t i = 0; i < hw; ++i) {
    int best = 0;
    for (int c = 1; c < classes; ++c)
      if (scores.data<float>()[c * hw + i] > scores.data<float>()[best * hw + i]) best = c;
    if (std::find(keep_.begin(), keep_.end(), best) != keep_.end()) mask.ptr<float>()[i] = 1.f;
  }
  cv::Mat full;
  cv::resize(mask, full, crop.size(), 0, 0, cv::INTER_LINEAR);
  SmoothModelMask(full);
  return full;
}

}  // namespace facefuse::face
