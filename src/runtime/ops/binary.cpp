// Binary and broadcast ops: Add, Sub, Mul, Div, Pow, Min, Max, Equal, Greater,
// Less, And, PRelu and Where. Every op broadcasts its inputs numpy-style
// (PRelu only broadcasts the slope to X). Element semantics live in
// binary_functors.h, shared with the CPU kernels.
#include <string>
#include <vector>

#include "runtime/ops/binary_functors.h"
#include "runtime/ops/op_def.h"
#include "runtime/ops/op_util.h"

namespace facefuse::rt {
namespace {

constexpr bool IsPredicate(BinaryOp op) {
  return op == BinaryOp::kEqual || op == BinaryOp::kGreater || op == BinaryOp::kLess || op == BinaryOp::kAnd;
}

bool IsArithmetic(DataType t) {
  return t == DataType::kFloat32 || t == DataType::kFloat64 || t == DataType::kInt32 || t == DataType::kInt64;
}

// Checks the input dtypes of op (kUndefined = not known yet, accepted).
Status CheckTypes(const Node& node, BinaryOp op, std::span<const DataType> types) {
  for (size_t i = 0; i < types.size(); ++i) {
    DataType t = types[i];
    if (t == DataType::kUndefined) continue;
    bool ok = op == BinaryOp::kAnd     ? t == DataType::kBool
              : op == BinaryOp::kEqual ? IsArithmetic(t) || t == DataType::kBool
                                       : IsArithmetic(t);
    if (!ok) return NodeUnsupported(node, "input " + std::to_string(i) + " has unsupported dtype " + DataTypeName(t));
    // Pow's exponent may have another dtype than its base; every other op needs equal dtypes.
    if (op != BinaryOp::kPow && types[0] != DataType::kUndefined && t != types[0])
      return NodeError(node, "input dtypes differ: " + DataTypeName(types[0]) + " and " + DataTypeName(t));
  }
  return Status::Ok();
}

template <BinaryOp op>
Status BinaryValidate(const ValidateContext& ctx) {
  const Node& node = ctx.node;
  if (IsVariadic(op)) {
    if (node.NumInputs() < 1) return NodeError(node, "expects at least 1 input");
  } else {
    FF_RETURN_IF_ERROR(ExpectInputCount(ctx, 2, 2));
  }
  if (node.outputs.size() != 1) return NodeError(node, "expects 1 output");
  if (node.Has("axis") && node.GetInt("broadcast", 0) == 0)
    return NodeError(node, "the legacy axis attribute needs broadcast=1");
  return CheckTypes(node, op, ctx.input_types);
}

// Every input present; their dtypes as a vector.
Result<std::vector<DataType>> PresentTypes(const Node& node, std::span<const Tensor* const> inputs) {
  std::vector<DataType> types;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i] == nullptr) return NodeError(node, "input " + std::to_string(i) + " is missing");
    types.push_back(inputs[i]->dtype());
  }
  if (types.empty()) return NodeError(node, "expects at least 1 input");
  return types;
}

// Numpy broadcast of every input shape.
Result<Shape> BroadcastAll(const Node& node, std::span<const Tensor* const> inputs) {
  Shape shape = inputs[0]->shape();
  for (size_t i = 1; i < inputs.size(); ++i) {
    auto s = BroadcastShapes(shape, inputs[i]->shape());
    if (!s.ok()) return s.status().WithContext(node.Describe());
    shape = std::move(s).value();
  }
  return shape;
}

template <BinaryOp op>
Status BinaryInfer(const Node& node, std::span<const Tensor* const> inputs, std::span<OutputSpec> outputs) {
  FF_ASSIGN_OR_RETURN(std::vector<DataType> types, PresentTypes(node, inputs));
  FF_RETURN_IF_ERROR(CheckTypes(node, op, types));
  if (!IsVariadic(op) && inputs.size() != 2) return NodeError(node, "expects 2 inputs");
  std::vector<const Tensor*> views(inputs.begin(), inputs.end());
  Tensor second;
  if (inputs.size() == 2) {
    FF_ASSIGN_OR_RETURN(second, SecondOperandView(node, op, *inputs[0], *inputs[1]));
    views[1] = &second;
  }
  FF_ASSIGN_OR_RETURN(Shape shape, BroadcastAll(node, views));
  const bool unidirectional = op == BinaryOp::kPRelu || node.GetInt("broadcast", 0) != 0;
  if (unidirectional && shape != inputs[0]->shape())
    return NodeError(node, "input 1 " + ShapeToString(inputs[1]->shape()) + " does not broadcast to input 0 " +
                               ShapeToString(inputs[0]->shape()));
  outputs[0] = OutputSpec{IsPredicate(op) ? DataType::kBool : types[0], std::move(shape)};
  return Status::Ok();
}

// Visits every element of an output of shape `out` in row-major order, with the
// offsets (in elements) of the elements each input contributes to it.
// Precondition: every input broadcasts to `out`.
template <typename Visit>
void ForEachBroadcast(const Shape& out, std::span<const Tensor* const> inputs, Visit&& visit) {
  const size_t rank = out.size();
  std::vector<std::vector<int64_t>> strides;
  for (const Tensor* t : inputs) strides.push_back(BroadcastStrides(t->shape(), out));
  std::vector<int64_t> index(rank, 0), offsets(inputs.size(), 0);
  const int64_t total = NumElements(out);
  for (int64_t i = 0; i < total; ++i) {
    for (size_t k = 0; k < inputs.size(); ++k) {
      offsets[k] = 0;
      for (size_t d = 0; d < rank; ++d) offsets[k] += index[d] * strides[k][d];
    }
    visit(i, offsets.data());
    for (size_t d = rank; d-- > 0;) {
      if (++index[d] < out[d]) break;
      index[d] = 0;
    }
  }
}

template <BinaryOp op>
Status BinaryReference(const Node& node, std::span<const Tensor* const> given, std::span<Tensor* const> outputs) {
  Tensor& out = *outputs[0];
  std::vector<const Tensor*> inputs(given.begin(), given.end());
  Tensor second;
  if (inputs.size() == 2) {
    FF_ASSIGN_OR_RETURN(second, SecondOperandView(node, op, *inputs[0], *inputs[1]));
    inputs[1] = &second;
  }
  const DataType second_type = inputs.size() > 1 ? inputs[1]->dtype() : inputs[0]->dtype();
  return DispatchOperand<op>(node, inputs[0]->dtype(), [&](auto a_tag) {
    using A = decltype(a_tag);
    return DispatchSecondOperand<op, A>(node, second_type, [&](auto b_tag) {
      using B = decltype(b_tag);
      using Out = decltype(BinaryFn<op>{}(A{}, B{}));
      const BinaryFn<op> fn;
      Out* o = out.data<Out>();
      const A* x0 = inputs[0]->data<A>();
      ForEachBroadcast(out.shape(), inputs, [&](int64_t i, const int64_t* off) {
        if constexpr (IsVariadic(op)) {
          A acc = x0[off[0]];
          for (size_t k = 1; k < inputs.size(); ++k) acc = fn(acc, inputs[k]->data<A>()[off[k]]);
          o[i] = acc;
        } else {
          o[i] = fn(x0[off[0]], inputs[1]->data<B>()[off[1]]);
        }
      });
      return Status::Ok();
    });
  });
}

Status WhereValidate(const ValidateContext& ctx) {
  FF_RETURN_IF_ERROR(ExpectInputCount(ctx, 3, 3));
  if (ctx.node.outputs.size() != 1) return NodeError(ctx.node, "expects 1 output");
  FF_RETURN_IF_ERROR(ExpectInputType(ctx, 0, {DataType::kBool}));
  DataType x = ctx.type(1), y = ctx.type(2);
  if (x == DataType::kString || y == DataType::kString) return NodeUnsupported(ctx.node, "string inputs");
  if (x != DataType::kUndefined && y != DataType::kUndefined && x != y)
    return NodeError(ctx.node, "X and Y dtypes differ: " + DataTypeName(x) + " and " + DataTypeName(y));
  return Status::Ok();
}

Status WhereInfer(const Node& node, std::span<const Tensor* const> inputs, std::span<OutputSpec> outputs) {
  FF_ASSIGN_OR_RETURN(std::vector<DataType> types, PresentTypes(node, inputs));
  if (types.size() != 3) return NodeError(node, "expects 3 inputs");
  if (types[0] != DataType::kBool) return NodeError(node, "condition must be bool, got " + DataTypeName(types[0]));
  if (types[1] != types[2])
    return NodeError(node, "X and Y dtypes differ: " + DataTypeName(types[1]) + " and " + DataTypeName(types[2]));
  FF_ASSIGN_OR_RETURN(Shape shape, BroadcastAll(node, inputs));
  FF_RETURN_IF_ERROR(DispatchBySize(node, types[1], [](auto) { return Status::Ok(); }));
  outputs[0] = OutputSpec{types[1], std::move(shape)};
  return Status::Ok();
}

Status WhereReference(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) {
  Tensor& out = *outputs[0];
  return DispatchBySize(node, out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const bool* c = inputs[0]->data<bool>();
    const T* x = inputs[1]->data<T>();
    const T* y = inputs[2]->data<T>();
    T* o = out.data<T>();
    ForEachBroadcast(out.shape(), inputs,
                     [&](int64_t i, const int64_t* off) { o[i] = c[off[0]] ? x[off[1]] : y[off[2]]; });
    return Status::Ok();
  });
}

constexpr std::string_view kArithmeticTypes = "float32, float64, int32, int64";
constexpr std::string_view kArithmeticLimits = "int8/int16/uint*/float16/bfloat16 not supported";

template <BinaryOp op>
OpDef BinaryDef(std::string_view name, std::string_view dtypes, std::string_view limits) {
  return OpDef{name, "", BinaryValidate<op>, BinaryInfer<op>, BinaryReference<op>, dtypes, limits};
}

}  // namespace

void RegisterBinaryOps(OpRegistry& r) {
  r.Add(BinaryDef<BinaryOp::kAdd>("Add", kArithmeticTypes, kArithmeticLimits));
  r.Add(BinaryDef<BinaryOp::kSub>("Sub", kArithmeticTypes, kArithmeticLimits));
  r.Add(BinaryDef<BinaryOp::kMul>("Mul", kArithmeticTypes, kArithmeticLimits));
  r.Add(BinaryDef<BinaryOp::kDiv>("Div", kArithmeticTypes,
                                  "integer division truncates toward zero and gives 0 for a zero divisor; "
                                  "int8/int16/uint*/float16/bfloat16 not supported"));
  r.Add(BinaryDef<BinaryOp::kPow>("Pow", "base and exponent: float32, float64, int32, int64 (mixed allowed)",
                                  "uint*/int8/int16/float16/bfloat16 base or exponent not supported; integer "
                                  "results saturate"));
  r.Add(BinaryDef<BinaryOp::kMin>("Min", kArithmeticTypes, "int8/int16/uint*/float16/bfloat16 not supported"));
  r.Add(BinaryDef<BinaryOp::kMax>("Max", kArithmeticTypes, "int8/int16/uint*/float16/bfloat16 not supported"));
  r.Add(BinaryDef<BinaryOp::kEqual>("Equal", "bool, float32, float64, int32, int64 -> bool",
                                    "int8/int16/uint*/float16/bfloat16/string not supported"));
  r.Add(BinaryDef<BinaryOp::kGreater>("Greater", "float32, float64, int32, int64 -> bool",
                                      "int8/int16/uint*/float16/bfloat16 not supported"));
  r.Add(BinaryDef<BinaryOp::kLess>("Less", "float32, float64, int32, int64 -> bool",
                                   "int8/int16/uint*/float16/bfloat16 not supported"));
  r.Add(BinaryDef<BinaryOp::kAnd>("And", "bool", ""));
  r.Add(BinaryDef<BinaryOp::kPRelu>(
      "PRelu", kArithmeticTypes,
      "slope must broadcast (numpy, unidirectional) to X, or be the opset < 7 per-channel [C] form; "
      "int8/int16/uint*/float16/bfloat16 not supported"));
  r.Add(OpDef{"Where", "", WhereValidate, WhereInfer, WhereReference, "condition: bool; X, Y: any non-string dtype",
              "string X/Y not supported"});
}

}  // namespace facefuse::rt
