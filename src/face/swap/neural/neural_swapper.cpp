#include "face/swap/neural/neural_swapper.h"

#include <opencv2/imgproc.hpp>

#include <cmath>

#include "common/float16.h"
#include "face/image_tensor.h"
#include "facefuse/tensor_file.h"

namespace facefuse::face {
namespace {

constexpr int kIdentitySize = 512;

// Two inputs (target image, source identity) and an image output.
InputContract SwapperIo(const SwapperContract& c, const std::string& model) {
  InputContract io;
  io.min_inputs = io.max_inputs = 2;
  io.min_outputs = 1;
  io.refusal = [prefix = model + " is not a " + c.name + " swapper"](size_t inputs, size_t outputs) {
    return prefix + ": it needs 2 inputs (target image, source identity) and an image output, it has " +
           std::to_string(inputs) + " inputs and " + std::to_string(outputs) + " outputs";
  };
  return io;
}

Status Normalise(std::vector<float>& v) {
  double norm = 0;
  for (float x : v) norm += double{x} * x;
  if (!(norm > 0) || !std::isfinite(norm)) return InvalidArgument("the identity vector is zero or not finite");
  const float inv = static_cast<float>(1 / std::sqrt(norm));
  for (float& x : v) x *= inv;
  return Status::Ok();
}

// A float32 tensor in the dtype a model input declares: float16 stays float16
// for models whose graph I/O is float16, anything else is fed as float32.
Result<Tensor> AsInputType(const Tensor& t, DataType want) {
  if (want == DataType::kFloat16) return Float32ToFloat16(t);
  return t;
}

// A model output as float32 (float16 outputs are widened exactly).
Result<Tensor> AsFloat32(const Tensor& t) {
  if (t.dtype() == DataType::kFloat16) return Float16ToFloat32(t);
  return t;
}

}  // namespace

Result<std::unique_ptr<NeuralSwapper>> NeuralSwapper::Open(const SwapperContract& contract,
                                                           const std::filesystem::path& model,
                                                           const std::filesystem::path& converter,
                                                           const ModelOptions& options) {
  std::unique_ptr<NeuralSwapper> s(new NeuralSwapper(contract));
  FF_ASSIGN_OR_RETURN(s->session_, OpenFaceModel(model, options, SwapperIo(contract, model.string())));
  const auto& inputs = s->session_->inputs();
  s->target_name_ = inputs[0].name;
  s->source_name_ = inputs[1].name;
  for (const TensorInfo& in : inputs) {
    if (in.name == "target") s->target_name_ = in.name;
    if (in.name == "source") s->source_name_ = in.name;
  }
  for (const TensorInfo& in : inputs) {
    if (in.name == s->target_name_) s->target_dtype_ = in.dtype;
    if (in.name == s->source_name_) s->source_dtype_ = in.dtype;
  }
  if (contract.source == SourceEncoding::kInswapperLatent) {
    std::string name;
    FF_ASSIGN_OR_RETURN(Tensor emap, ReadLastInitializer(model, &name));
    if (emap.dtype() == DataType::kFloat16) {
      FF_ASSIGN_OR_RETURN(emap, Float16ToFloat32(emap));
    }
    if (emap.dtype() != DataType::kFloat32 || emap.shape() != Shape{kIdentitySize, kIdentitySize})
      return InvalidArgument(model.string() + ": the last initializer '" + name + "' should be the 512x512 float32 "
                             "emap of " + contract.name + ", it is " + DataTypeName(emap.dtype()) + " " +
                             ShapeToString(emap.shape()));
    s->emap_.assign(emap.data<float>(), emap.data<float>() + emap.size());
  }
  if (contract.source == SourceEncoding::kConvertedUnitEmbedding) {
    if (converter.empty())
      return NotFound(contract.name + " needs the identity converter '" + contract.converter +
                      "' (facefuse models download " + contract.converter + ")");
    FF_ASSIGN_OR_RETURN(s->converter_, OpenFaceModel(converter, options, InputContract{}));
  }
  return s;
}

Result<std::vector<float>> NeuralSwapper::EncodeSource(const std::vector<float>& embedding) {
  if (embedding.size() != kIdentitySize)
    return InvalidArgument("the identity must have 512 values, got " + std::to_string(embedding.size()));
  std::vector<float> unit = embedding;
  FF_RETURN_IF_ERROR(Normalise(unit));
  switch (contract_.source) {
    case SourceEncoding::kUnitEmbedding: return unit;
    case SourceEncoding::kInswapperLatent: {
      // latent_j = sum_i e_i * emap[i][j] with e the unit embedding (FaceFusion: e_raw . emap / |e_raw|).
      std::vector<float> latent(kIdentitySize, 0.f);
      for (int i = 0; i < kIdentitySize; ++i) {
        const float e = unit[static_cast<size_t>(i)];
        const float* row = &emap_[static_cast<size_t>(i) * kIdentitySize];
        for (int j = 0; j < kIdentitySize; ++j) latent[static_cast<size_t>(j)] += e * row[j];
      }
      return latent;
    }
    case SourceEncoding::kConvertedUnitEmbedding: {
      FF_ASSIGN_OR_RETURN(Tensor in32, Tensor::FromVector(embedding, {1, kIdentitySize}));
      FF_ASSIGN_OR_RETURN(Tensor in, AsInputType(in32, converter_->inputs().at(0).dtype));
      FF_ASSIGN_OR_RETURN(std::vector<Tensor> out, converter_->Run({in}));
      if (out.empty()) return InvalidArgument("the identity converter returned nothing");
      FF_ASSIGN_OR_RETURN(Tensor identity, AsFloat32(out[0]));
      if (identity.dtype() != DataType::kFloat32 || identity.size() != kIdentitySize)
        return InvalidArgument("the identity converter must return 512 float32 or float16 values");
      std::vector<float> v(identity.data<float>(), identity.data<float>() + kIdentitySize);
      FF_RETURN_IF_ERROR(Normalise(v));
      return v;
    }
  }
  return Internal("unknown source encoding");
}

Result<cv::Mat> NeuralSwapper::RunTile(const cv::Mat& tile, const Tensor& source) {
  const int n = contract_.size;
  std::array<float, 3> mean, std;  // the contract's normalisation of x / 255, in 0..255 units
  for (size_t c = 0; c < 3; ++c) mean[c] = contract_.target_mean[c] * 255.f, std[c] = contract_.target_std[c] * 255.f;
  FF_ASSIGN_OR_RETURN(Tensor target32, ImageToNchw(tile, ChannelOrder::kRgb, mean, std));
  FF_ASSIGN_OR_RETURN(Tensor target, AsInputType(target32, target_dtype_));
  FF_ASSIGN_OR_RETURN(Tensor source_fed, AsInputType(source, source_dtype_));
  std::vector<std::pair<std::string, Tensor>> feeds = {{target_name_, target}, {source_name_, source_fed}};
  FF_ASSIGN_OR_RETURN(std::vector<Tensor> out, session_->Run(feeds));
  if (out[0].shape() != Shape{1, 3, n, n})
    return InvalidArgument(contract_.name + " returned " + ShapeToString(out[0].shape()) + ", expected [1,3," +
                           std::to_string(n) + "," + std::to_string(n) + "]");
  FF_ASSIGN_OR_RETURN(Tensor y, AsFloat32(out[0]));
  return RgbNchwToUnitBgr(y, contract_.output_scale, contract_.output_offset);
}

Result<cv::Mat> NeuralSwapper::SwapCrop(const cv::Mat& crop, const std::vector<float>& source) {
  const int n = contract_.size;
  if (crop.type() != CV_8UC3 || crop.rows != crop.cols || crop.rows < n || crop.rows % n != 0)
    return InvalidArgument("the crop must be square 8-bit BGR with a side that is a multiple of " + std::to_string(n));
  if (source.size() != kIdentitySize) return InvalidArgument("the source input must have 512 values");
  FF_ASSIGN_OR_RETURN(Tensor source_tensor, Tensor::FromVector(source, {1, kIdentitySize}));
  const int k = crop.rows / n;
  if (k == 1) return RunTile(crop, source_tensor);
  // Pixel boost: tile (a, b) holds crop[i*k + a][j*k + b]; run each and interleave back.
  cv::Mat result(crop.size(), CV_32FC3), tile(n, n, CV_8UC3);
  for (int a = 0; a < k; ++a) {
    for (int b = 0; b < k; ++b) {
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) tile.at<cv::Vec3b>(i, j) = crop.at<cv::Vec3b>(i * k + a, j * k + b);
      FF_ASSIGN_OR_RETURN(cv::Mat swapped, RunTile(tile, source_tensor));
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) result.at<cv::Vec3f>(i * k + a, j * k + b) = swapped.at<cv::Vec3f>(i, j);
    }
  }
  return result;
}

}  // namespace facefuse::face
