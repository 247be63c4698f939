// Shape ops: Reshape, Squeeze, Unsqueeze and Flatten (views of their input:
// no data is copied), Shape, Size, Expand, ConstantOfShape, Constant, Range.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <string>

#include "runtime/ops/movement_plan.h"
#include "runtime/ops/op_util.h"

namespace facefuse::rt {
namespace {

// Reference of the view ops: the session aliases their output to the input;
// a caller that does not gets a copy.
Status ReferenceView(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) {
  if (outputs[0]->raw() != inputs[0]->raw()) std::memcpy(outputs[0]->raw(), inputs[0]->raw(), inputs[0]->bytes());
  return Status::Ok();
}

// Output 0 as a view of input 0 with `shape`, which must hold the same number of elements.
Status ViewOutput(const Node& node, const Tensor& in, Shape shape, std::span<OutputSpec> outputs) {
  FF_RETURN_IF_ERROR(CheckOutputShape(node, shape));
  if (NumElements(shape) != in.size())
    return NodeError(node, "cannot view " + ShapeToString(in.shape()) + " as " + ShapeToString(shape));
  outputs[0] = {in.dtype(), std::move(shape), 0};
  return Status::Ok();
}

// Axes from input 1 (opset >= 13) or the `axes` attribute (before).
Result<std::vector<int64_t>> AxesInputOrAttr(const Node& node, std::span<const Tensor* const> inputs) {
  if (node.HasInput(1)) return ReadInt64s(node, inputs[1], "axes");
  return node.GetInts("axes");
}

Status ValidateAxesOp(const ValidateContext& ctx) {
  FF_RETURN_IF_ERROR(ExpectInputs(ctx, 1, ctx.opset >= 13 ? 2 : 1));
  FF_RETURN_IF_ERROR(ExpectMovableType(ctx, 0));
  FF_RETURN_IF_ERROR(ExpectInputType(ctx, 1, {DataType::kInt64}));
  if (ctx.opset >= 13 && ctx.node.Has("axes")) return NodeError(ctx.node, "attribute axes became an input in opset 13");
  if (ctx.node.op_type == "Unsqueeze" && !ctx.node.HasInput(1) && !ctx.node.Has("axes"))
    return NodeError(ctx.node, "axes are required");
  return Status::Ok();
}

Status ValidateReshape(const ValidateContext& ctx) {
  FF_RETURN_IF_ERROR(ExpectInputs(ctx, 2, 2));
  FF_RETURN_IF_ERROR(ExpectMovableType(ctx, 0));
  return ExpectInputType(ctx, 1, {DataType::kInt64});
}

Status InferReshape(const Node& node, std::span<const Tensor* const> inputs, std::span<OutputSpec> outputs) {
  const Tensor& x = *inputs[0];
  FF_ASSIGN_OR_RETURN(std::vector<int64_t> shape, ReadInt64s(node, inputs[1], "shape"));
  const bool allow_zero = node.GetInt("allowzero", 0) != 0;
  Shape out;
  int64_t infer_at = -1, known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    int64_t d = shape[i];
    if (d == -1) {
      if (infer_at >= 0) return NodeError(node, "shape " + ShapeToString(shape) + " has more than one -1");
      infer_at = static_cast<int64_t>(i);
      d = 1;
    } else if (d == 0 && !allow_zero) {
      if (static_cast<int64_t>(i) >= x.rank())
        return NodeError(node, "shape " + ShapeToString(shape) + " copies dim " + std::to_string(i) + " of a rank-" +
                                   std::to_string(x.rank()) + " input");
      d = x.dim(static_cast<int64_t>(i));
    } else if (d < 0) {
      return NodeError(node, "shape " + ShapeToString(shape) + " has a negative dim");
    }
    if (__builtin_mul_overflow(known, d, &known))
      return NodeError(node, "shape " + ShapeToString(shape) + " overflows");
    out.push_back(d);
  }
  if (infer_at >= 0) {
    if (allow_zero && known == 0) return NodeError(node, "allowzero=1 forbids both 0 and -1 in the shape");
    if (known == 0 || x.size() % known != 0)
      return NodeError(node, "cannot infer the -1 dim of " + ShapeToString(shape) + " for " + ShapeToString(x.shape()));
    out[static_cast<size_t>(infer_at)] = x.size() / known;
  }
  return ViewOutput(node, x, std::move(out), outputs);
}

Status InferSqueeze(const Node& node, std::span<const Tensor* const> inputs, std::span<OutputSpec> outputs) {
  const Tensor& x = *inputs[0];
  FF_ASSIGN_OR_RETURN(std::vector<int64_t> axes, AxesInputOrAttr(node, inputs));
  std::vector<bool> drop(static_cast<size_t>(x.rank()), false);
  for (int64_t a : axes) {
    FF_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(node, a, x.rank()));
    if (x.dim(axis) != 1)
      return NodeError(node, "cannot squeeze axis " + std::to_string(axis) + " of " + ShapeToString(x.shape()));
    drop[static_cast<size_t>(axis)] = true;
  }
  Shape out;
  for (int64_t d = 0; d < x.rank(); ++d)
    if (!(axes.empty() ? x.dim(d) == 1 : drop[static_cast<size_t>(d)])) out.push_back(x.dim(d));
  return ViewOutput(node, x, std::move(out), outputs);
}

Status InferUnsqueeze(const Node& node, std::span<const Tensor* const> inputs, std::span<OutputSpec> outputs) {
  const Tensor& x = *inputs[0];
  FF_ASSIGN_OR_RETURN(std::vector<int64_t> axes, AxesInputOrAttr(node, inputs));
  const int64_t rank = x.rank() + static_cast<int64_t>(axes.size());
  std::vector<bool> inserted(static_cast<size_t>(rank), false);
  for (int64_t a : axes) {
    FF_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(node, a, rank));
    if (inserted[static_cast<size_t>(axis)]) return NodeError(node, "axis " + std::to_string(a) + " is repeated");
    inserted[static_cast<size_t>(axis)] = true;
  }
  Shape out;
  auto next = x.shape().begin();
  for (bool one : inserted) out.push_back(one ? 1 : *next++);
  return ViewOutput(node, x, std::move(out), outputs);
}

Status ValidateFlatten(const ValidateContext& ctx) {
  FF_RETURN_IF_ERROR(ExpectInputs(ctx, 1, 1));
  return ExpectMovableType(ctx, 0);
}

Status InferFlatten(const Node& node, std::span<const Tensor* const> inputs, std::span<OutputSpec> outputs) {
  const Tensor& x = *inputs[0];
  int64_t axis = node.GetInt("axis", 1);
  if (axis < -x.rank() || axis > x.rank())
    return NodeError(node, "axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(x.rank()));
  if (axis < 0) axis += x.rank();
  const Shape& s = x.shape();
  return ViewOutput(node, x,
                    {NumElements(Shape(s.begin(), s.begin() + axis)), NumElements(Shape(s.begin() + axis, s.end()))},
                    outputs);
}

Status ValidateAnyInput(const ValidateContext& ctx) { return ExpectInputs(ctx, 1, 1); }

// Shape outputs dims [start, end) of its input; negative bounds count from the end; both are clamped to [0, rank].
std::pair<int64_t, int64_t> ShapeBounds(const Node& node, int64_t rank) {
  auto bound = [rank](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + rank : v, 0, rank); };
  return {bound(node.GetInt("start", 0)), bound(node.GetInt("end", rank))};
}

Status InferShape(const Node& node, std::span<const Tensor* const> inputs, std::span<OutputSpec> outputs) {
  auto [start, end] = ShapeBounds(node, inputs[0]->rank());
  outputs[0] = {DataType::kInt64, {std::max<int64_t>(end - start, 0)}};
  return Status::Ok();
}

Status ReferenceShape(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) {
  const int64_t start = ShapeBounds(node, inputs[0]->rank()).first;
  for (int64_t i = 0; i < outputs[0]->size(); ++i) outputs[0]->data<int64_t>()[i] = inputs[0]->dim(start + i);
  return Status::Ok();
}

Status InferSize(const Node& node, std::span<const Tensor* const> inputs, std::span<OutputSpec> outputs) {
  outputs[0] = {DataType::kInt64, {}};
  return Status::Ok();
}

Status ReferenceSize(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) {
  *outputs[0]->data<int64_t>() = inputs[0]->size();
  return Status::Ok();
}

Status ValidateExpand(const ValidateContext& ctx) {
  FF_RETURN_IF_ERROR(ExpectInputs(ctx, 2, 2));
  FF_RETURN_IF_ERROR(ExpectMovableType(ctx, 0));
  return ExpectInputType(ctx, 1, {DataType::kInt64});
}

Status ValidateConstantOfShape(const ValidateContext& ctx) {
  FF_RETURN_IF_ERROR(ExpectInputs(ctx, 1, 1));
  FF_RETURN_IF_ERROR(ExpectInputType(ctx, 0, {DataType::kInt64}));
  const Tensor* value = ctx.node.GetTensor("value");
  if (ctx.node.Has("value") && value == nullptr) return NodeError(ctx.node, "attribute value must be a tensor");
  if (value != nullptr && value->size() != 1) return NodeError(ctx.node, "attribute value must hold one element");
  if (value != nullptr && (DataTypeSize(value->dtype()) == 0 || DataTypeSize(value->dtype()) > 8))
    return NodeUnsupported(ctx.node, "value of dtype " + DataTypeName(value->dtype()));
  return Status::Ok();
}

Status InferConstantOfShape(const Node& node, std::span<const Tensor* const> inputs, std::span<OutputSpec> outputs) {
  FF_ASSIGN_OR_RETURN(Shape shape, ReadInt64s(node, inputs[0], "shape"));
  FF_RETURN_IF_ERROR(CheckOutputShape(node, shape));
  const Tensor* value = node.GetTensor("value");
  outputs[0] = {value ? value->dtype() : DataType::kFloat32, std::move(shape)};
  return Status::Ok();
}

Status ReferenceConstantOfShape(const Node& node, std::span<const Tensor* const> inputs,
                                std::span<Tensor* const> outputs) {
  const Tensor* value = node.GetTensor("value");
  const float zero = 0.f;
  const void* element = value ? value->raw() : &zero;
  const size_t es = DataTypeSize(outputs[0]->dtype());
  auto* out = static_cast<unsigned char*>(outputs[0]->raw());
  for (int64_t i = 0; i < outputs[0]->size(); ++i) std::memcpy(out + static_cast<size_t>(i) * es, element, es);
  return Status::Ok();
}

// Constant: the value of whichever of its value attributes is set.
Result<Tensor> ConstantValue(const Node& node) {
  if (const Tensor* t = node.GetTensor("value")) return *t;
  if (node.Has("value_float")) return Tensor::FromVector(std::vector<float>{node.GetFloat("value_float", 0.f)}, {});
  if (node.Has("value_int")) return Tensor::FromVector(std::vector<int64_t>{node.GetInt("value_int", 0)}, {});
  if (node.Has("value_floats")) {
    std::vector<float> v = node.GetFloats("value_floats");
    return Tensor::FromVector(v, {static_cast<int64_t>(v.size())});
  }
  if (node.Has("value_ints")) {
    std::vector<int64_t> v = node.GetInts("value_ints");
    return Tensor::FromVector(v, {static_cast<int64_t>(v.size())});
  }
  for (const char* name : {"sparse_value", "value_string", "value_strings"})
    if (node.Has(name)) return NodeUnsupported(node, std::string("attribute ") + name);
  return NodeError(node, "has no value attribute");
}

Status ValidateConstant(const ValidateContext& ctx) {
  FF_RETURN_IF_ERROR(ExpectInputCount(ctx, 0, 0));
  if (ctx.node.attrs.size() != 1) return NodeError(ctx.node, "needs exactly one value attribute");
  FF_ASSIGN_OR_RETURN(Tensor value, ConstantValue(ctx.node));
  size_t es = DataTypeSize(value.dtype());
  if (es == 0 || es > 8) return NodeUnsupported(ctx.node, "value of dtype " + DataTypeName(value.dtype()));
  return Status::Ok();
}

Status InferConstant(const Node& node, std::span<const Tensor* const> inputs, std::span<OutputSpec> outputs) {
  FF_ASSIGN_OR_RETURN(Tensor value, ConstantValue(node));
  outputs[0] = {value.dtype(), value.shape()};
  return Status::Ok();
}

Status ReferenceConstant(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) {
  FF_ASSIGN_OR_RETURN(Tensor value, ConstantValue(node));
  std::memcpy(outputs[0]->raw(), value.raw(), value.bytes());
  return Status::Ok();
}

Status ValidateRange(const ValidateContext& ctx) {
  FF_RETURN_IF_ERROR(ExpectInputs(ctx, 3, 3));
  for (size_t i = 0; i < 3; ++i)
    FF_RETURN_IF_ERROR(ExpectInputType(
        ctx, i, {DataType::kFloat32, DataType::kFloat64, DataType::kInt64, DataType::kInt32, DataType::kInt16}));
  return Status::Ok();
}

// Calls f(T{}) for Range's dtypes.
template <typename F>
Status DispatchRange(const Node& node, DataType dt, F&& f) {
  if (dt == DataType::kInt16) return f(int16_t{});
  if (dt == DataType::kBool || dt == DataType::kInt8 || dt == DataType::kUInt8)
    return NodeUnsupported(node, "dtype " + DataTypeName(dt));
  return DispatchNumeric(node, dt, f);
}

// The three scalars start, limit, delta of Range as T, checked to be one element each of one dtype.
template <typename T>
Result<std::array<T, 3>> RangeScalars(const Node& node, std::span<const Tensor* const> inputs) {
  std::array<T, 3> v{};
  for (size_t i = 0; i < 3; ++i) {
    if (inputs[i]->dtype() != inputs[0]->dtype() || inputs[i]->size() != 1)
      return NodeError(node, "start, limit and delta must be scalars of one dtype");
    v[i] = *inputs[i]->data<T>();
  }
  return v;
}

// max(ceil((limit - start) / delta), 0), or an error for delta 0 or a count above kMaxOutputElements.
template <typename T>
Result<int64_t> RangeCount(const Node& node, const std::array<T, 3>& v) {
  if (v[2] == 0) return NodeError(node, "delta is 0");
  double count = 0;
  if constexpr (std::is_floating_point_v<T>) {
    count = std::ceil((static_cast<double>(v[1]) - static_cast<double>(v[0])) / static_cast<double>(v[2]));
  } else {
    auto span = static_cast<__int128>(v[1]) - v[0];
    auto q = span / v[2];
    if (q * v[2] != span && (span > 0) == (v[2] > 0)) ++q;  // round the quotient up
    count = static_cast<double>(q);
  }
  if (std::isnan(count)) return NodeError(node, "start, limit or delta is NaN");
  if (count > static_cast<double>(kMaxOutputElements)) return NodeError(node, "more than 2^32 elements");
  return static_cast<int64_t>(std::max(count, 0.0));
}

Status InferRange(const Node& node, std::span<const Tensor* const> inputs, std::span<OutputSpec> outputs) {
  return DispatchRange(node, inputs[0]->dtype(), [&](auto zero) -> Status {
    using T = decltype(zero);
    FF_ASSIGN_OR_RETURN(auto v, RangeScalars<T>(node, inputs));
    FF_ASSIGN_OR_RETURN(int64_t count, RangeCount<T>(node, v));
    outputs[0] = {inputs[0]->dtype(), {count}};
    return Status::Ok();
  });
}

Status ReferenceRange(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) {
  return DispatchRange(node, inputs[0]->dtype(), [&](auto zero) -> Status {
    using T = decltype(zero);
    FF_ASSIGN_OR_RETURN(auto v, RangeScalars<T>(node, inputs));
    T* out = outputs[0]->data<T>();
    for (int64_t i = 0; i < outputs[0]->size(); ++i) out[i] = static_cast<T>(v[0] + static_cast<T>(i) * v[2]);
    return Status::Ok();
  });
}

}  // namespace

void RegisterShapeOps(OpRegistry& r) {
  r.Add({"Reshape", "", ValidateReshape, InferReshape, ReferenceView, kMovableDtypes, "a view of the input: no copy"});
  r.Add({"Squeeze", "", ValidateAxesOp, InferSqueeze, ReferenceView, kMovableDtypes, "a view of the input: no copy"});
  r.Add(
      {"Unsqueeze", "", ValidateAxesOp, InferUnsqueeze, ReferenceView, kMovableDtypes, "a view of the input: no copy"});
  r.Add({"Flatten", "", ValidateFlatten, InferFlatten, ReferenceView, kMovableDtypes, "a view of the input: no copy"});
  r.Add({"Shape", "", ValidateAnyInput, InferShape, ReferenceShape, "any", ""});
  r.Add({"Size", "", ValidateAnyInput, InferSize, ReferenceSize, "any", ""});
  r.Add({"Expand", "", ValidateExpand, InferGather<PlanExpand>, ReferenceGather<PlanExpand>, kMovableDtypes,
         "outputs above 2^32 elements are rejected"});
  r.Add({"ConstantOfShape", "", ValidateConstantOfShape, InferConstantOfShape, ReferenceConstantOfShape, kMovableDtypes,
         "outputs above 2^32 elements are rejected"});
  r.Add({"Constant", "", ValidateConstant, InferConstant, ReferenceConstant, kMovableDtypes,
         "sparse_value, value_string and value_strings are unsupported"});
  r.Add({"Range", "", ValidateRange, InferRange, ReferenceRange, "float32, float64, int64, int32, int16",
         "outputs above 2^32 elements are rejected"});
}

}  // namespace facefuse::rt
