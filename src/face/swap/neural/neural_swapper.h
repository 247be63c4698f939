// A neural face swapper run by its contract (face/swapper_contract.h): feeds
// an aligned target crop and the source identity, returns the swapped crop.
#pragma once

#include <opencv2/core.hpp>

#include <filesystem>
#include <memory>
#include <vector>

#include "face/model.h"
#include "face/swap/neural/swapper_contract.h"
#include "facefuse/runtime.h"
#include "facefuse/status.h"

namespace facefuse::face {

class NeuralSwapper {
 public:
  // Opens `model` under `contract`. The model must take a [1,3,S,S] image and a
  // [1,512] identity (bound by the names `target` and `source` when the model
  // has them, else by position) and give [1,3,S,S] first. Inputs and outputs
  // may be float32 or float16 (a float16 export that keeps float16 I/O is fed
  // and read through common/float16.h). inswapper models must end with their
  // 512x512 emap initializer (float32 or float16); converter-fed contracts
  // need `converter` (else NotFound naming the converter); both open with
  // `options`. Errors: as Session::Open; InvalidArgument for a model whose I/O breaks the contract.
  static Result<std::unique_ptr<NeuralSwapper>> Open(const SwapperContract& contract,
                                                     const std::filesystem::path& model,
                                                     const std::filesystem::path& converter,
                                                     const ModelOptions& options);

  // The `source` input for an identity given as a (mean of) unit ArcFace
  // embedding(s), 512 values. Errors: InvalidArgument for another size or a
  // zero vector; converter errors.
  Result<std::vector<float>> EncodeSource(const std::vector<float>& embedding);

  // Swaps an aligned crop of side k * contract().size (k >= 1, pixel boost:
  // k x k interleaved tiles, each run with the same source). `crop` is
  // CV_8UC3 BGR; returns CV_32FC3 BGR in [0,1] of the same size. Errors:
  // InvalidArgument for another side or type; runtime errors.
  Result<cv::Mat> SwapCrop(const cv::Mat& crop, const std::vector<float>& source);

  const SwapperContract& contract() const { return contract_; }

 private:
  NeuralSwapper(const SwapperContract& contract) : contract_(contract) {}
  Result<cv::Mat> RunTile(const cv::Mat& tile, const Tensor& source);

  SwapperContract contract_;
  std::unique_ptr<Session> session_;
  std::unique_ptr<Session> converter_;
  std::vector<float> emap_;  // 512 x 512 row-major, inswapper only
  std::string target_name_, source_name_;
  DataType target_dtype_ = DataType::kFloat32, source_dtype_ = DataType::kFloat32;
};

}  // namespace facefuse::face
