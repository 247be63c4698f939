// Activation ops: Relu, LeakyRelu, Sigmoid, HardSigmoid, Tanh, Clip, Elu,
// Softplus. One table drives validation, parameter reading, the reference
// kernels and ApplyActivation (used by FusedConv).
#include "runtime/ops/activation.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "runtime/ops/eltwise_common.h"
#include "runtime/ops/op_util.h"

namespace facefuse::rt {
namespace {

enum class Act { kRelu, kLeakyRelu, kSigmoid, kHardSigmoid, kTanh, kClip, kElu, kSoftplus };

// One activation: its ONNX name, its float parameters (attribute names and
// defaults, in ApplyActivation's order) and its docs text.
struct ActInfo {
  std::string_view op;
  Act act;
  size_t num_params;
  const char* attrs[2];
  float defaults[2];
  std::string_view dtypes;
  std::string_view limits;
};

constexpr std::string_view kFloatTypes = "float32, float64";
constexpr std::string_view kNoFloat16 = "float16/bfloat16 inputs are not supported.";

const ActInfo kActs[] = {
    {"Relu", Act::kRelu, 0, {}, {}, kFloatTypes, "Integer inputs (opset 14) and float16/bfloat16 are not supported."},
    {"LeakyRelu", Act::kLeakyRelu, 1, {"alpha"}, {0.01f}, kFloatTypes, kNoFloat16},
    {"Sigmoid", Act::kSigmoid, 0, {}, {}, kFloatTypes, kNoFloat16},
    {"HardSigmoid", Act::kHardSigmoid, 2, {"alpha", "beta"}, {0.2f, 0.5f}, kFloatTypes, kNoFloat16},
    {"Tanh", Act::kTanh, 0, {}, {}, kFloatTypes, kNoFloat16},
    {"Clip", Act::kClip, 2, {"min", "max"},
     {std::numeric_limits<float>::lowest(), std::numeric_limits<float>::max()},
     "float32, float64; int64, int32, int8, uint8 from opset 12",
     "float16/bfloat16, int16 and unsigned types other than uint8 are not supported. min/max inputs must hold "
     "one value."},
    {"Elu", Act::kElu, 1, {"alpha"}, {1.f}, kFloatTypes, kNoFloat16},
    {"Softplus", Act::kSoftplus, 0, {}, {}, kFloatTypes, kNoFloat16},
};

const ActInfo* FindAct(std::string_view op) {
  for (const ActInfo& info : kActs)
    if (info.op == op) return &info;
  return nullptr;
}

template <typename T, typename F>
void Map(const T* x, T* y, int64_t n, F f) {
  for (int64_t i = 0; i < n; ++i) y[i] = f(x[i]);
}

// y = clamp(x, lo, hi); NaN stays NaN. x and y may be the same array.
template <typename T>
void ClipValues(const T* x, T* y, int64_t n, T lo, T hi) {
  Map(x, y, n, [lo, hi](T v) { return std::min(std::max(v, lo), hi); });
}

// The math of every activation for a floating type T; p0/p1 as in kActs.
// x and y may be the same array.
template <typename T>
void ApplyTyped(Act act, T p0, T p1, const T* x, T* y, int64_t n) {
  const T zero = 0, one = 1;
  switch (act) {
    case Act::kRelu: return Map(x, y, n, [=](T v) { return v < zero ? zero : v; });
    case Act::kLeakyRelu: return Map(x, y, n, [=](T v) { return v < zero ? p0 * v : v; });
    case Act::kSigmoid:
      return Map(x, y, n, [=](T v) {
        if (v >= zero) return one / (one + std::exp(-v));
        T e = std::exp(v);  // no overflow for large negative v
        return e / (one + e);
      });
    // Argument order matters: std::min(a, b) returns a unless b < a, so the value goes first and NaN stays NaN.
    case Act::kHardSigmoid: return Map(x, y, n, [=](T v) { return std::max(std::min(p0 * v + p1, one), zero); });
    case Act::kTanh: return Map(x, y, n, [](T v) { return std::tanh(v); });
    case Act::kClip: return ClipValues(x, y, n, p0, p1);
    case Act::kElu: return Map(x, y, n, [=](T v) { return v < zero ? p0 * std::expm1(v) : v; });
    case Act::kSoftplus:
      return Map(x, y, n, [=](T v) { return v > zero ? v + std::log1p(std::exp(-v)) : std::log1p(std::exp(v)); });
  }
}

Status ValidateActivation(const ValidateContext& ctx) {
  const Node& node = ctx.node;
  const ActInfo* info = FindAct(node.op_type);
  if (info == nullptr) return NodeError(node, "not an activation");
  if (info->act != Act::kClip || ctx.opset < 11) {
    FF_RETURN_IF_ERROR(ExpectInputCount(ctx, 1, 1));
    for (size_t i = 0; i < info->num_params; ++i) FF_RETURN_IF_ERROR(ExpectFloatAttr(node, info->attrs[i]));
    return ExpectInputType(ctx, 0, {DataType::kFloat32, DataType::kFloat64});
  }
  // Clip from opset 11: min and max are optional inputs of the input's dtype.
  FF_RETURN_IF_ERROR(ExpectInputCount(ctx, 1, 3));
  if (node.Has("min") || node.Has("max"))
    return NodeError(node, "min/max are inputs, not attributes, from opset 11");
  if (ctx.opset < 12) {
    FF_RETURN_IF_ERROR(ExpectInputType(ctx, 0, {DataType::kFloat32, DataType::kFloat64}));
  } else {
    FF_RETURN_IF_ERROR(ExpectInputType(ctx, 0, {DataType::kFloat32, DataType::kFloat64, DataType::kInt64,
                                                DataType::kInt32, DataType::kInt8, DataType::kUInt8}));
  }
  for (size_t i = 1; i < 3; ++i) {
    if (!node.HasInput(i)) continue;
    if (ctx.type(i) != DataType::kUndefined && ctx.type(0) != DataType::kUndefined && ctx.type(i) != ctx.type(0))
      return NodeError(node, "input " + std::to_string(i) + " has dtype " + DataTypeName(ctx.type(i)) +
                                 ", expected " + DataTypeName(ctx.type(0)));
    if (ctx.constant(i) != nullptr && ctx.constant(i)->size() != 1)
      return NodeError(node, "input " + std::to_string(i) + " must hold one value");
  }
  return Status::Ok();
}

// A Clip bound of type T: input `i` when present, else `def`.
template <typename T>
Result<T> ClipBound(const Node& node, std::span<const Tensor* const> inputs, size_t i, T def) {
  const Tensor* t = i < inputs.size() ? inputs[i] : nullptr;
  if (t == nullptr) return def;
  if (t->dtype() != DataTypeOf<T>() || t->size() != 1)
    return NodeError(node, "input " + std::to_string(i) + " must be one " + DataTypeName(DataTypeOf<T>()) + " value");
  return t->data<T>()[0];
}

Status ClipReference(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) {
  const Tensor& x = *inputs[0];
  Tensor& y = *outputs[0];
  return DispatchNumeric(node, x.dtype(), [&](auto zero) -> Status {
    using T = decltype(zero);
    if constexpr (std::is_same_v<T, bool>) {
      return NodeUnsupported(node, "dtype bool");
    } else {
      T lo = std::numeric_limits<T>::lowest(), hi = std::numeric_limits<T>::max();
      if constexpr (std::is_floating_point_v<T>) {  // attributes before opset 11
        lo = static_cast<T>(node.GetFloat("min", static_cast<float>(lo)));
        hi = static_cast<T>(node.GetFloat("max", static_cast<float>(hi)));
      }
      FF_ASSIGN_OR_RETURN(lo, ClipBound<T>(node, inputs, 1, lo));
      FF_ASSIGN_OR_RETURN(hi, ClipBound<T>(node, inputs, 2, hi));
      ClipValues(x.data<T>(), y.data<T>(), x.size(), lo, hi);
      return Status::Ok();
    }
  });
}

Status ActivationReference(const Node& node, std::span<const Tensor* const> inputs,
                           std::span<Tensor* const> outputs) {
  const ActInfo* info = FindAct(node.op_type);
  if (info == nullptr) return NodeError(node, "not an activation");
  FF_ASSIGN_OR_RETURN(std::vector<float> p, ActivationParams(node, inputs));
  const Tensor& x = *inputs[0];
  Tensor& y = *outputs[0];
  switch (x.dtype()) {
    case DataType::kFloat32:
      ApplyTyped<float>(info->act, p[0], p[1], x.data<float>(), y.data<float>(), x.size());
      return Status::Ok();
    case DataType::kFloat64:
      ApplyTyped<double>(info->act, p[0], p[1], x.data<double>(), y.data<double>(), x.size());
      return Status::Ok();
    default: return NodeUnsupported(node, "dtype " + DataTypeName(x.dtype()));
  }
}

}  // namespace

Result<std::vector<float>> ActivationParams(const Node& node, std::span<const Tensor* const> inputs) {
  const ActInfo* info = FindAct(node.op_type);
  if (info == nullptr) return NodeError(node, "not an activation");
  std::vector<float> p(info->defaults, info->defaults + 2);
  for (size_t i = 0; i < info->num_params; ++i) {
    p[i] = node.GetFloat(info->attrs[i], p[i]);
    if (info->act == Act::kClip && i + 1 < inputs.size() && inputs[i + 1] != nullptr) {
      FF_ASSIGN_OR_RETURN(std::vector<float> bound, ReadFloats(node, inputs[i + 1], info->attrs[i]));
      if (bound.size() != 1) return NodeError(node, std::string(info->attrs[i]) + " must hold one value");
      p[i] = bound[0];
    }
  }
  p.resize(info->num_params);
  return p;
}

Status ApplyActivation(const std::string& kind, std::span<const float> params, float* data, int64_t n) {
  const ActInfo* info = FindAct(kind);
  if (info == nullptr) return InvalidArgument("ApplyActivation: unknown activation '" + kind + "'");
  if (!params.empty() && params.size() != info->num_params)
    return InvalidArgument("ApplyActivation: " + kind + " takes " + std::to_string(info->num_params) +
                           " parameters, got " + std::to_string(params.size()));
  if (n < 0) return InvalidArgument("ApplyActivation: negative element count");
  float p[2] = {info->defaults[0], info->defaults[1]};
  std::copy(params.begin(), params.end(), p);
  ApplyTyped<float>(info->act, p[0], p[1], data, data, n);
  return Status::Ok();
}

void RegisterActivationOps(OpRegistry& r) {
  for (const ActInfo& info : kActs) {
    OpDef def;
    def.op_type = info.op;
    def.domain = "";
    def.validate = ValidateActivation;
    def.infer = InferLikeInput;
    def.reference = info.act == Act::kClip ? ClipReference : ActivationReference;
    def.dtypes = info.dtypes;
    def.limits = info.limits;
    r.Add(def);
  }
}

}  // namespace facefuse::rt
