// Cast, Identity and Dropout (inference only). Identity and Dropout return a
// view of their input; Cast converts between the dtypes in kCastTypes.
#include <cmath>
#include <limits>
#include <type_traits>

#include "common/float16.h"
#include "runtime/ops/eltwise_common.h"
#include "runtime/ops/op_def.h"
#include "runtime/ops/op_util.h"

namespace facefuse::rt {
namespace {

// An IEEE 754 binary16 value (its bits), converted by common/float16.h.
struct Half {
  uint16_t bits;
};

// Converts one value. Float to integer saturates (NaN gives 0); integer to
// integer wraps (two's complement); anything to bool is `!= 0`.
template <typename Dst, typename Src>
Dst Convert(Src v) {
  if constexpr (std::is_same_v<Src, Half>) {
    return Convert<Dst>(HalfToFloat(v.bits));
  } else if constexpr (std::is_same_v<Dst, Half>) {
    return Half{FloatToHalf(Convert<float>(v))};
  } else if constexpr (std::is_same_v<Dst, bool>) {
    return v != Src(0);
  } else if constexpr (std::is_floating_point_v<Src> && std::is_integral_v<Dst>) {
    if (std::isnan(v)) return 0;
    if (v <= static_cast<Src>(std::numeric_limits<Dst>::lowest())) return std::numeric_limits<Dst>::lowest();
    if (v >= static_cast<Src>(std::numeric_limits<Dst>::max())) return std::numeric_limits<Dst>::max();
    return static_cast<Dst>(v);
  } else {
    return static_cast<Dst>(v);
  }
}

// Calls f(T{}) with T the C++ type of a Cast dtype; Unsupported for others.
template <typename F>
Status DispatchCastType(const Node& node, DataType dt, F&& f) {
  switch (dt) {
    case DataType::kFloat16: return f(Half{});
    case DataType::kInt16: return f(int16_t{});
    default: return DispatchNumeric(node, dt, std::forward<F>(f));
  }
}

bool IsCastType(DataType t) {
  switch (t) {
    case DataType::kFloat32: case DataType::kFloat64: case DataType::kFloat16: case DataType::kInt64:
    case DataType::kInt32: case DataType::kInt16: case DataType::kInt8: case DataType::kUInt8: case DataType::kBool:
      return true;
    default: return false;
  }
}

DataType CastTarget(const Node& node) { return static_cast<DataType>(node.GetInt("to", 0)); }

Status ValidateCast(const ValidateContext& ctx) {
  FF_RETURN_IF_ERROR(ExpectInputCount(ctx, 1, 1));
  auto it = ctx.node.attrs.find("to");
  if (it == ctx.node.attrs.end() || !std::holds_alternative<int64_t>(it->second.value))
    return NodeError(ctx.node, "attribute 'to' (an int dtype code) is required");
  DataType to = CastTarget(ctx.node);
  if (!IsCastType(to)) return NodeUnsupported(ctx.node, "cast to " + DataTypeName(to) + " is not supported");
  if (ctx.type(0) != DataType::kUndefined && !IsCastType(ctx.type(0)))
    return NodeUnsupported(ctx.node, "cast from " + DataTypeName(ctx.type(0)) + " is not supported");
  return Status::Ok();
}

Status InferCast(const Node& node, std::span<const Tensor* const> inputs, std::span<OutputSpec> outputs) {
  FF_RETURN_IF_ERROR(InferLikeInput(node, inputs, outputs));
  outputs[0].dtype = CastTarget(node);
  return Status::Ok();
}

Status CastReference(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) {
  const Tensor& x = *inputs[0];
  Tensor& y = *outputs[0];
  return DispatchCastType(node, x.dtype(), [&](auto src_zero) -> Status {
    using Src = decltype(src_zero);
    return DispatchCastType(node, y.dtype(), [&](auto dst_zero) -> Status {
      using Dst = decltype(dst_zero);
      const Src* in = x.data<Src>();
      Dst* out = y.data<Dst>();
      for (int64_t i = 0, n = x.size(); i < n; ++i) out[i] = Convert<Dst>(in[i]);
      return Status::Ok();
    });
  });
}

Status ValidateIdentity(const ValidateContext& ctx) {
  FF_RETURN_IF_ERROR(ExpectInputCount(ctx, 1, 1));
  if (ctx.type(0) != DataType::kUndefined && DataTypeSize(ctx.type(0)) == 0)
    return NodeUnsupported(ctx.node, "dtype " + DataTypeName(ctx.type(0)));
  return Status::Ok();
}

// Identity and Dropout: output 0 is a view of input 0.
Status InferAlias(const Node& node, std::span<const Tensor* const> inputs, std::span<OutputSpec> outputs) {
  FF_RETURN_IF_ERROR(InferLikeInput(node, inputs, outputs));
  outputs[0].alias_of = 0;
  return Status::Ok();
}

// Nothing to compute: the session hands out the input as output 0.
Status IdentityReference(const Node&, std::span<const Tensor* const>, std::span<Tensor* const>) {
  return Status::Ok();
}

// Dropout's training_mode input (opset 12): true when present and true.
Result<bool> TrainingMode(const Node& node, const Tensor* t) {
  if (t == nullptr) return false;
  if (t->dtype() != DataType::kBool || t->size() != 1) return NodeError(node, "training_mode must be one bool");
  return t->data<bool>()[0];
}

Status ValidateDropout(const ValidateContext& ctx) {
  FF_RETURN_IF_ERROR(ExpectInputCount(ctx, 1, ctx.opset < 12 ? 1 : 3));
  FF_RETURN_IF_ERROR(ExpectInputType(ctx, 0, {DataType::kFloat32, DataType::kFloat64, DataType::kFloat16}));
  FF_RETURN_IF_ERROR(ExpectFloatAttr(ctx.node, "ratio"));
  if (ctx.opset < 10 && ctx.node.outputs.size() > 1 && !ctx.node.outputs[1].empty())
    return NodeUnsupported(ctx.node, "the mask output before opset 10 (typed like the data) is not supported");
  FF_RETURN_IF_ERROR(ExpectInputType(ctx, 1, {DataType::kFloat32, DataType::kFloat64, DataType::kFloat16}));
  FF_RETURN_IF_ERROR(ExpectInputType(ctx, 2, {DataType::kBool}));
  if (ctx.constant(2) != nullptr) {
    FF_ASSIGN_OR_RETURN(bool training, TrainingMode(ctx.node, ctx.constant(2)));
    if (training) return NodeUnsupported(ctx.node, "training_mode=true is not supported (inference only)");
  }
  return Status::Ok();
}

Status InferDropout(const Node& node, std::span<const Tensor* const> inputs, std::span<OutputSpec> outputs) {
  FF_RETURN_IF_ERROR(InferAlias(node, inputs, outputs));
  FF_ASSIGN_OR_RETURN(bool training, TrainingMode(node, inputs.size() > 2 ? inputs[2] : nullptr));
  if (training) return NodeUnsupported(node, "training_mode=true is not supported (inference only)");
  if (outputs.size() > 1) outputs[1] = OutputSpec{DataType::kBool, inputs[0]->shape(), -1};
  return Status::Ok();
}

// Inference: the mask (when requested) keeps every element.
Status DropoutReference(const Node&, std::span<const Tensor* const>, std::span<Tensor* const> outputs) {
  if (outputs.size() > 1 && outputs[1] != nullptr) {
    bool* mask = outputs[1]->data<bool>();
    for (int64_t i = 0, n = outputs[1]->size(); i < n; ++i) mask[i] = true;
  }
  return Status::Ok();
}

}  // namespace

void RegisterCastOps(OpRegistry& r) {
  r.Add(OpDef{"Cast", "", ValidateCast, InferCast, CastReference,
              "float32, float64, float16, int64, int32, int16, int8, uint8, bool (from and to)",
              "string, bfloat16 and unsigned types other than uint8 are not supported. Float to integer saturates "
              "(NaN gives 0); integer to integer wraps."});
  r.Add(OpDef{"Identity", "", ValidateIdentity, InferAlias, IdentityReference, "every fixed-size dtype",
              "Sequence and optional inputs are not supported."});
  r.Add(OpDef{"Dropout", "", ValidateDropout, InferDropout, DropoutReference, "float32, float64, float16",
              "Inference only: training_mode=true is not supported; the opset 7-9 mask output is not supported."});
}

}  // namespace facefuse::rt
