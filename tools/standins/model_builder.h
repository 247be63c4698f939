// ModelBuilder: appends nodes and initializers to an onnx::ModelProto (opset
// 17) with generated value names, plus the layer helpers the stand-in
// families share. Internal to tools/standins.
//
// Random weights are uniform with a given standard deviation and depend only
// on (seed, initializer name), never on the order of construction.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <vector>

namespace facefuse::standins {

constexpr int64_t kOpset = 17;

onnx::AttributeProto AttrInt(const std::string& name, int64_t v);
onnx::AttributeProto AttrInts(const std::string& name, const std::vector<int64_t>& v);
onnx::AttributeProto AttrFloat(const std::string& name, float v);
onnx::AttributeProto AttrString(const std::string& name, const std::string& v);

// Clears `model` and gives it the header every built model shares: IR version
// 8 and the default-domain opset kOpset.
void StartModel(onnx::ModelProto* model);

class ModelBuilder {
 public:
  // shapes_only: initializers get dims but no data.
  ModelBuilder(onnx::ModelProto* model, uint64_t seed, bool shapes_only);

  void Input(const std::string& name, const std::vector<int64_t>& dims, int32_t elem_type = onnx::TensorProto::FLOAT);
  void Output(const std::string& name, const std::vector<int64_t>& dims,
              int32_t elem_type = onnx::TensorProto::FLOAT);

  // One node with one output; returns the output name (`out`, or a fresh name).
  std::string Op(const std::string& op_type, const std::vector<std::string>& inputs,
                 const std::vector<onnx::AttributeProto>& attrs = {}, const std::string& out = "");

  // Initializers; each returns its (unique) name.
  std::string Floats(const std::string& hint, const std::vector<int64_t>& dims, const std::vector<float>& values);
  std::string Scalar(float v);  // a float32 scalar (rank 0), broadcastable anywhere
  std::string Int64s(const std::string& hint, const std::vector<int64_t>& values);
  std::string Random(const std::string& hint, const std::vector<int64_t>& dims, float stddev);

  // Layers (NCHW float32). Conv weights have stddev gain/sqrt(fan_in).
  std::string Conv(const std::string& x, int64_t cin, int64_t cout, int64_t k, int64_t stride, int64_t pad,
                   float gain = 1.0f);
  std::string ReflectPad(const std::string& x, int64_t p);
  std::string LeakyRelu(const std::string& x, float alpha = 0.2f);
  std::string Upsample2x(const std::string& x, bool linear);
  std::string Downsample2x(const std::string& x);  // bilinear Resize by 0.5
  // Instance norm spelled out as the exported swappers do it:
  // (x - mean) / sqrt(var + eps) with ReduceMean, Sub, Mul, Add, Sqrt, Div.
  std::string InstanceNormExpanded(const std::string& x);
  // Gemm [1,in] x W[in,out] + b, reshaped to [1,out,1,1] when as_channels.
  std::string Linear(const std::string& v, int64_t in, int64_t out, float gain, bool as_channels);
  // The image-space tensor `x` plus zero times the sum of `unused` (a [1,N]
  // or [1] input): the value is unchanged for finite inputs, but the input is
  // read so that binding it is exercised and no pass can drop it.
  std::string ConsumeAsZero(const std::string& x, const std::string& unused);

  onnx::ModelProto& model() { return *model_; }

 private:
  std::string Fresh(const std::string& hint);

  onnx::ModelProto* model_;
  onnx::GraphProto* graph_;
  uint64_t seed_;
  bool shapes_only_;
  int64_t counter_ = 0;
};

}  // namespace facefuse::standins
