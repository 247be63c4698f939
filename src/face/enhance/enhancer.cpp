#include "face/enhance/enhancer.h"

#include <opencv2/imgproc.hpp>

#include <cmath>

#include "face/align.h"
#include "face/image_tensor.h"
#include "face/paste_back.h"

namespace facefuse::face {
namespace {

EnhancerContract Make(const std::string& name, const std::array<Point2, 5>& tmpl, float tmpl_size, int size,
                      bool weight = false) {
  EnhancerContract c;
  c.name = name;
  c.template_points = tmpl;
  c.template_size = tmpl_size;
  c.size = size;
  c.weight_input = weight;
  return c;
}

}  // namespace

const std::vector<EnhancerContract>& EnhancerContracts() {
  static const std::vector<EnhancerContract> contracts = {
      Make("gfpgan_1.2", kFfhqTemplate512, 512, 512),  Make("gfpgan_1.3", kFfhqTemplate512, 512, 512),
      Make("gfpgan_1.4", kFfhqTemplate512, 512, 512),  Make("codeformer", kFfhqTemplate512, 512, 512, true),
      Make("gpen_bfr_256", kArcFaceTemplate128, 128, 256), Make("gpen_bfr_512", kFfhqTemplate512, 512, 512),
  };
  return contracts;
}

Result<const EnhancerContract*> FindEnhancerContract(const std::string& name) {
  std::string known;
  for (const EnhancerContract& c : EnhancerContracts()) {
    if (c.name == name) return &c;
    known += (known.empty() ? "" : ", ") + c.name;
  }
  return NotFound("no enhancer contract named '" + name + "' (known: " + known + ")");
}

Result<std::unique_ptr<FaceEnhancer>> FaceEnhancer::Open(const EnhancerContract& contract,
                                                         const std::filesystem::path& model,
                                                         const EnhancerOptions& options) {
  if (options.blend < 0 || options.blend > 100) return InvalidArgument("the enhancer blend must be in [0, 100]");
  std::unique_ptr<FaceEnhancer> e(new FaceEnhancer(contract, options));
  const size_t want = contract.weight_input ? 2 : 1;
  InputContract io;
  io.min_inputs = io.max_inputs = want;
  io.min_outputs = 1;
  io.refusal = [&](size_t inputs, size_t) {
    return model.string() + " is not a " + contract.name + " enhancer: it needs " + std::to_string(want) +
           " input(s) and an image output, it has " + std::to_string(inputs) + " input(s)";
  };
  FF_ASSIGN_OR_RETURN(e->session_, OpenFaceModel(model, options, io));
  const auto& inputs = e->session_->inputs();
  e->image_input_ = inputs[0].name;
  for (const TensorInfo& in : inputs) {
    if (in.dtype == DataType::kFloat64) e->weight_input_ = in.name;
    else e->image_input_ = in.name;
  }
  if (contract.weight_input && e->weight_input_.empty())
    return InvalidArgument(model.string() + ": " + contract.name + " needs a float64 weight input");
  BoxMaskOptions mask;
  mask.blur = options.mask_blur;
  FF_ASSIGN_OR_RETURN(e->mask_, BoxMask(contract.size, mask));
  return e;
}

Result<cv::Mat> FaceEnhancer::Run(const cv::Mat& crop) {
  const int n = contract_.size;
  FF_ASSIGN_OR_RETURN(Tensor input, ImageToNchw(crop, ChannelOrder::kRgb, 127.5f, 127.5f));  // (x / 255 - 0.5) / 0.5
  std::vector<std::pair<std::string, Tensor>> feeds = {{image_input_, input}};
  if (!weight_input_.empty()) {
    FF_ASSIGN_OR_RETURN(Tensor w, Tensor::FromVector(std::vector<double>{options_.weight}, {1}));
    feeds.emplace_back(weight_input_, w);
  }
  FF_ASSIGN_OR_RETURN(std::vector<Tensor> out, session_->Run(feeds));
  if (out[0].shape() != Shape{1, 3, n, n})
    return InvalidArgument(contract_.name + " returned " + ShapeToString(out[0].shape()) + ", expected [1,3," +
                           std::to_string(n) + "," + std::to_string(n) + "]");
  // clip [-1,1] then (y + 1) / 2, rounded to 8-bit levels (the contract), kept as float [0,1] for paste-back.
  FF_ASSIGN_OR_RETURN(cv::Mat unit, RgbNchwToUnitBgr(out[0], 0.5f, 0.5f));
  cv::Mat levels;
  unit.convertTo(levels, CV_8UC3, 255.0);
  levels.convertTo(unit, CV_32FC3, 1 / 255.0);
  return unit;
}

Status FaceEnhancer::Enhance(cv::Mat& frame, const std::vector<Point2>& keypoints) {
  if (frame.empty() || frame.type() != CV_8UC3) return InvalidArgument("the frame must be non-empty 8-bit BGR");
  const int n = contract_.size;
  FF_ASSIGN_OR_RETURN(cv::Mat matrix,
                      EstimateSimilarity(keypoints, ScaleTemplate(contract_.template_points, contract_.template_size, n)));
  cv::Mat crop;
  cv::warpAffine(frame, crop, matrix, cv::Size(n, n), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  FF_ASSIGN_OR_RETURN(cv::Mat enhanced, Run(crop));
  cv::Mat pasted = frame.clone();
  FF_RETURN_IF_ERROR(PasteBack(pasted, enhanced, mask_, matrix));
  const double b = options_.blend / 100.0;
  cv::addWeighted(frame, 1 - b, pasted, b, 0, frame);
  return Status::Ok();
}

}  // namespace facefuse::face
