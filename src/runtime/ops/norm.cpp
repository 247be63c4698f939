// BatchNormalization (inference), InstanceNormalization, LayerNormalization.
#include "runtime/ops/norm.h"

#include <cmath>

#include "runtime/ops/op_def.h"
#include "runtime/ops/op_util.h"

namespace facefuse::rt {

Result<std::vector<double>> ReadNormParam(const Node& node, const Tensor& t, int64_t count, const char* what) {
  if (t.size() != count)
    return NodeError(node, std::string(what) + " has shape " + ShapeToString(t.shape()) + ", expected " +
                               std::to_string(count) + " elements");
  std::vector<double> v(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i)
    v[static_cast<size_t>(i)] = t.dtype() == DataType::kFloat64 ? t.data<double>()[i] : t.data<float>()[i];
  return v;
}

Result<LayerNormExtents> ComputeLayerNormExtents(const Node& node, const Shape& x) {
  LayerNormExtents e;
  const auto rank = static_cast<int64_t>(x.size());
  if (rank == 0) return NodeError(node, "input must have rank >= 1");
  FF_ASSIGN_OR_RETURN(e.axis, NormalizeAxis(node, node.GetInt("axis", -1), rank));
  e.norm_shape.assign(x.begin() + e.axis, x.end());
  e.inner = NumElements(e.norm_shape);
  e.outer = NumElements(Shape(x.begin(), x.begin() + e.axis));
  return e;
}

Result<std::vector<double>> ExpandNormParam(const Node& node, const Tensor* p, const LayerNormExtents& e,
                                            double fill) {
  std::vector<double> v(static_cast<size_t>(e.inner), fill);
  if (p == nullptr) return v;
  auto b = BroadcastShapes(p->shape(), e.norm_shape);
  if (!b.ok() || *b != e.norm_shape)
    return NodeError(node, "Scale/B of shape " + ShapeToString(p->shape()) + " does not broadcast to " +
                               ShapeToString(e.norm_shape));
  const std::vector<int64_t> strides = BroadcastStrides(p->shape(), e.norm_shape);
  for (int64_t i = 0; i < e.inner; ++i) {
    int64_t rest = i, offset = 0;
    for (size_t d = e.norm_shape.size(); d-- > 0;) {
      offset += rest % e.norm_shape[d] * strides[d];
      rest /= e.norm_shape[d];
    }
    v[static_cast<size_t>(i)] = p->dtype() == DataType::kFloat64 ? p->data<double>()[offset] : p->data<float>()[offset];
  }
  return v;
}

namespace {

constexpr std::initializer_list<DataType> kFloatTypes = {DataType::kFloat32, DataType::kFloat64};

Status ValidateFloatInputs(const ValidateContext& ctx, size_t count) {
  for (size_t i = 0; i < count; ++i) FF_RETURN_IF_ERROR(ExpectInputType(ctx, i, kFloatTypes));
  return Status::Ok();
}

// Y has X's dtype and shape; X must be [N, C, ...].
Status InferChannelNorm(const Node& node, std::span<const Tensor* const> inputs, std::span<OutputSpec> outputs) {
  if (inputs[0]->rank() < 2) return NodeError(node, "X must be [N, C, ...], got " + ShapeToString(inputs[0]->shape()));
  for (size_t i = 1; i < inputs.size(); ++i)
    if (inputs[i] && inputs[i]->size() != inputs[0]->dim(1))
      return NodeError(node, "input " + std::to_string(i) + " must have C = " + std::to_string(inputs[0]->dim(1)) +
                                 " elements, got " + ShapeToString(inputs[i]->shape()));
  outputs[0] = {inputs[0]->dtype(), inputs[0]->shape()};
  return Status::Ok();
}

// y = x * a[c] + b[c] over [N, C, inner] data.
template <typename T>
void ChannelAffine(const T* x, T* y, const Shape& shape, const std::vector<double>& a, const std::vector<double>& b) {
  const int64_t channels = shape[1], inner = NumElements(Shape(shape.begin() + 2, shape.end()));
  for (int64_t p = 0; p < shape[0] * channels; ++p) {
    const auto c = static_cast<size_t>(p % channels);
    for (int64_t i = 0; i < inner; ++i) y[p * inner + i] = static_cast<T>(x[p * inner + i] * a[c] + b[c]);
  }
}

// ---- BatchNormalization ----

Status ValidateBatchNorm(const ValidateContext& ctx) {
  const Node& node = ctx.node;
  FF_RETURN_IF_ERROR(ExpectInputCount(ctx, 5, 5));
  FF_RETURN_IF_ERROR(ValidateFloatInputs(ctx, 5));
  if (node.GetInt("training_mode", 0) != 0) return NodeUnsupported(node, "training_mode=1");
  if (node.GetInt("spatial", 1) != 1) return NodeUnsupported(node, "spatial=0");
  for (size_t i = 1; i < node.outputs.size(); ++i)
    if (!node.outputs[i].empty()) return NodeUnsupported(node, "training outputs (running/saved mean and variance)");
  return Status::Ok();
}

Status ReferenceBatchNorm(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) {
  const Tensor& x = *inputs[0];
  const int64_t channels = x.dim(1);
  FF_ASSIGN_OR_RETURN(std::vector<double> scale, ReadNormParam(node, *inputs[1], channels, "scale"));
  FF_ASSIGN_OR_RETURN(std::vector<double> bias, ReadNormParam(node, *inputs[2], channels, "B"));
  FF_ASSIGN_OR_RETURN(std::vector<double> mean, ReadNormParam(node, *inputs[3], channels, "mean"));
  FF_ASSIGN_OR_RETURN(std::vector<double> var, ReadNormParam(node, *inputs[4], channels, "var"));
  const double epsilon = node.GetFloat("epsilon", 1e-5f);
  for (size_t c = 0; c < scale.size(); ++c) {
    scale[c] /= std::sqrt(var[c] + epsilon);
    bias[c] -= mean[c] * scale[c];
  }
  if (x.dtype() == DataType::kFloat64)
    ChannelAffine(x.data<double>(), outputs[0]->data<double>(), x.shape(), scale, bias);
  else
    ChannelAffine(x.data<float>(), outputs[0]->data<float>(), x.shape(), scale, bias);
  return Status::Ok();
}

// ---- InstanceNormalization ----

Status ValidateInstanceNorm(const ValidateContext& ctx) {
  FF_RETURN_IF_ERROR(ExpectInputCount(ctx, 3, 3));
  return ValidateFloatInputs(ctx, 3);
}

template <typename T>
void InstanceNormLoops(const T* x, T* y, const Shape& shape, const std::vector<double>& scale,
                       const std::vector<double>& bias, double epsilon) {
  const int64_t channels = shape[1], inner = NumElements(Shape(shape.begin() + 2, shape.end()));
  for (int64_t p = 0; p < shape[0] * channels; ++p) {
    const T* xp = x + p * inner;
    double mean = 0, var = 0;
    for (int64_t i = 0; i < inner; ++i) mean += xp[i];
    mean /= static_cast<double>(inner);
    for (int64_t i = 0; i < inner; ++i) var += (xp[i] - mean) * (xp[i] - mean);
    var /= static_cast<double>(inner);
    const auto c = static_cast<size_t>(p % channels);
    const double a = scale[c] / std::sqrt(var + epsilon);
    for (int64_t i = 0; i < inner; ++i) y[p * inner + i] = static_cast<T>((xp[i] - mean) * a + bias[c]);
  }
}

Status ReferenceInstanceNorm(const Node& node, std::span<const Tensor* const> inputs,
                             std::span<Tensor* const> outputs) {
  const Tensor& x = *inputs[0];
  FF_ASSIGN_OR_RETURN(std::vector<double> scale, ReadNormParam(node, *inputs[1], x.dim(1), "scale"));
  FF_ASSIGN_OR_RETURN(std::vector<double> bias, ReadNormParam(node, *inputs[2], x.dim(1), "B"));
  const double epsilon = node.GetFloat("epsilon", 1e-5f);
  if (x.dtype() == DataType::kFloat64)
    InstanceNormLoops(x.data<double>(), outputs[0]->data<double>(), x.shape(), scale, bias, epsilon);
  else
    InstanceNormLoops(x.data<float>(), outputs[0]->data<float>(), x.shape(), scale, bias, epsilon);
  return Status::Ok();
}

// ---- LayerNormalization ----

Status ValidateLayerNorm(const ValidateContext& ctx) {
  FF_RETURN_IF_ERROR(ExpectInputCount(ctx, 2, 3));
  FF_RETURN_IF_ERROR(ValidateFloatInputs(ctx, 3));
  if (ctx.node.GetInt("stash_type", 1) != 1) return NodeUnsupported(ctx.node, "stash_type other than 1 (float32)");
  return Status::Ok();
}

const Tensor* LayerNormBias(std::span<const Tensor* const> inputs) { return inputs.size() > 2 ? inputs[2] : nullptr; }

Status InferLayerNorm(const Node& node, std::span<const Tensor* const> inputs, std::span<OutputSpec> outputs) {
  const Tensor& x = *inputs[0];
  FF_ASSIGN_OR_RETURN(LayerNormExtents e, ComputeLayerNormExtents(node, x.shape()));
  FF_RETURN_IF_ERROR(ExpandNormParam(node, inputs[1], e, 1).status());
  FF_RETURN_IF_ERROR(ExpandNormParam(node, LayerNormBias(inputs), e, 0).status());
  outputs[0] = {x.dtype(), x.shape()};
  Shape stat_shape = x.shape();
  std::fill(stat_shape.begin() + e.axis, stat_shape.end(), int64_t{1});
  for (size_t i = 1; i < outputs.size(); ++i) outputs[i] = {DataType::kFloat32, stat_shape};
  return Status::Ok();
}

template <typename T>
void LayerNormLoops(const T* x, T* y, const LayerNormExtents& e, const std::vector<double>& scale,
                    const std::vector<double>& bias, double epsilon, float* mean_out, float* inv_std_out) {
  for (int64_t r = 0; r < e.outer; ++r) {
    const T* xr = x + r * e.inner;
    double mean = 0, var = 0;
    for (int64_t i = 0; i < e.inner; ++i) mean += xr[i];
    mean /= static_cast<double>(e.inner);
    for (int64_t i = 0; i < e.inner; ++i) var += (xr[i] - mean) * (xr[i] - mean);
    var /= static_cast<double>(e.inner);
    const double inv_std = 1.0 / std::sqrt(var + epsilon);
    for (int64_t i = 0; i < e.inner; ++i) {
      const auto j = static_cast<size_t>(i);
      y[r * e.inner + i] = static_cast<T>((xr[i] - mean) * inv_std * scale[j] + bias[j]);
    }
    if (mean_out) mean_out[r] = static_cast<float>(mean);
    if (inv_std_out) inv_std_out[r] = static_cast<float>(inv_std);
  }
}

Status ReferenceLayerNorm(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) {
  const Tensor& x = *inputs[0];
  FF_ASSIGN_OR_RETURN(LayerNormExtents e, ComputeLayerNormExtents(node, x.shape()));
  FF_ASSIGN_OR_RETURN(std::vector<double> scale, ExpandNormParam(node, inputs[1], e, 1));
  FF_ASSIGN_OR_RETURN(std::vector<double> bias, ExpandNormParam(node, LayerNormBias(inputs), e, 0));
  auto stat = [&](size_t i) { return i < outputs.size() && outputs[i] ? outputs[i]->data<float>() : nullptr; };
  const double epsilon = node.GetFloat("epsilon", 1e-5f);
  if (x.dtype() == DataType::kFloat64)
    LayerNormLoops(x.data<double>(), outputs[0]->data<double>(), e, scale, bias, epsilon, stat(1), stat(2));
  else
    LayerNormLoops(x.data<float>(), outputs[0]->data<float>(), e, scale, bias, epsilon, stat(1), stat(2));
  return Status::Ok();
}

}  // namespace

void RegisterNormOps(OpRegistry& r) {
  r.Add({"BatchNormalization", "", ValidateBatchNorm, InferChannelNorm, ReferenceBatchNorm, "float32, float64",
         "Inference only: training_mode=1, the training outputs and spatial=0 (opset < 9) are not supported."});
  r.Add({"InstanceNormalization", "", ValidateInstanceNorm, InferChannelNorm, ReferenceInstanceNorm,
         "float32, float64", "float16 is not supported."});
  r.Add({"LayerNormalization", "", ValidateLayerNorm, InferLayerNorm, ReferenceLayerNorm, "float32, float64",
         "stash_type other than 1 (float32) is not supported."});
}

}  // namespace facefuse::rt
