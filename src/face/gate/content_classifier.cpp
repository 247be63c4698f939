#include "face/gate/content_classifier.h"

#include <opencv2/imgproc.hpp>

namespace facefuse::face {

const ContentClassifierContract& OpenNsfwContract() {
  static const ContentClassifierContract kContract{"open_nsfw", 224, {104.f, 117.f, 123.f}, 1};
  return kContract;
}

Result<std::unique_ptr<ContentClassifier>> ContentClassifier::Open(const std::filesystem::path& model,
                                                                   const ModelOptions& options) {
  const ContentClassifierContract& c = OpenNsfwContract();
  InputContract contract;
  contract.min_inputs = 1;
  contract.max_inputs = 1;
  contract.min_outputs = 1;
  contract.refusal = [model](size_t inputs, size_t outputs) {
    return model.filename().string() + " is not an open_nsfw content classifier (expects one [1,224,224,3] input "
           "and a [1,2] output; it has " + std::to_string(inputs) + " input(s) and " + std::to_string(outputs) +
           " output(s))";
  };
  FF_ASSIGN_OR_RETURN(std::unique_ptr<Session> session, OpenFaceModel(model, options, contract));
  const std::vector<int64_t>& dims = session->inputs()[0].dims;
  const bool nhwc = dims.size() == 4 && (dims[1] <= 0 || dims[1] == c.size) && (dims[2] <= 0 || dims[2] == c.size) &&
                    (dims[3] <= 0 || dims[3] == 3);
  if (!nhwc) return InvalidArgument(contract.refusal(session->inputs().size(), session->outputs().size()));
  return std::unique_ptr<ContentClassifier>(new ContentClassifier(std::move(session)));
}

Result<float> ContentClassifier::Score(const cv::Mat& bgr) {
  if (bgr.empty() || bgr.type() != CV_8UC3) return InvalidArgument("the content gate needs an 8-bit BGR image");
  const ContentClassifierContract& c = OpenNsfwContract();
  cv::Mat resized;
  cv::resize(bgr, resized, cv::Size(c.size, c.size), 0, 0, cv::INTER_AREA);
  FF_ASSIGN_OR_RETURN(Tensor input, Tensor::Allocate(DataType::kFloat32, Shape{1, c.size, c.size, 3}));
  float* out = input.data<float>();
  for (int y = 0; y < c.size; ++y) {
    const uint8_t* row = resized.ptr<uint8_t>(y);
    for (int x = 0; x < c.size * 3; ++x) *out++ = static_cast<float>(row[x]) - c.bgr_means[x % 3];
  }
  FF_ASSIGN_OR_RETURN(std::vector<Tensor> outputs, session_->Run(std::vector<Tensor>{input}));
  if (outputs.empty() || outputs[0].dtype() != DataType::kFloat32 || outputs[0].size() != 2) {
    return InvalidArgument("the content classifier did not answer two probabilities");
  }
  const float unsafe = outputs[0].data<float>()[c.unsafe_index];
  if (!(unsafe >= 0.f && unsafe <= 1.f)) return InvalidArgument("the content classifier's score is not a probability");
  return unsafe;
}

}  // namespace facefuse::face
