// Unary math ops: Sqrt, Exp, Log, Abs, Neg, Reciprocal, Erf, Not. One table
// gives each op its dtypes; one templated loop holds the math.
#include <cmath>
#include <type_traits>

#include "runtime/ops/eltwise_common.h"
#include "runtime/ops/op_def.h"
#include "runtime/ops/op_util.h"

namespace facefuse::rt {
namespace {

enum class Um { kSqrt, kExp, kLog, kAbs, kNeg, kReciprocal, kErf, kNot };

// The dtype families an op accepts.
enum class Types { kFloat, kSigned, kNumeric, kBool };

struct UmInfo {
  std::string_view op;
  Um kind;
  Types types;
  std::string_view dtypes;
  std::string_view limits;
};

constexpr std::string_view kFloatOnly = "float16/bfloat16 and integer inputs are not supported.";

const UmInfo kOps[] = {
    {"Sqrt", Um::kSqrt, Types::kFloat, "float32, float64", kFloatOnly},
    {"Exp", Um::kExp, Types::kFloat, "float32, float64", kFloatOnly},
    {"Log", Um::kLog, Types::kFloat, "float32, float64", kFloatOnly},
    {"Abs", Um::kAbs, Types::kNumeric, "float32, float64, int64, int32, int8, uint8",
     "float16/bfloat16, int16 and unsigned types other than uint8 are not supported."},
    {"Neg", Um::kNeg, Types::kSigned, "float32, float64, int64, int32, int8",
     "float16/bfloat16 and int16 are not supported; the most negative integer wraps to itself."},
    {"Reciprocal", Um::kReciprocal, Types::kFloat, "float32, float64", kFloatOnly},
    {"Erf", Um::kErf, Types::kFloat, "float32, float64", kFloatOnly},
    {"Not", Um::kNot, Types::kBool, "bool", ""},
};

const UmInfo* FindOp(std::string_view op) {
  for (const UmInfo& info : kOps)
    if (info.op == op) return &info;
  return nullptr;
}

Status ValidateUnaryMath(const ValidateContext& ctx) {
  const UmInfo* info = FindOp(ctx.node.op_type);
  if (info == nullptr) return NodeError(ctx.node, "not a unary math op");
  FF_RETURN_IF_ERROR(ExpectInputCount(ctx, 1, 1));
  using DT = DataType;
  switch (info->types) {
    case Types::kFloat: return ExpectInputType(ctx, 0, {DT::kFloat32, DT::kFloat64});
    case Types::kSigned:
      return ExpectInputType(ctx, 0, {DT::kFloat32, DT::kFloat64, DT::kInt64, DT::kInt32, DT::kInt8});
    case Types::kNumeric:
      return ExpectInputType(ctx, 0, {DT::kFloat32, DT::kFloat64, DT::kInt64, DT::kInt32, DT::kInt8, DT::kUInt8});
    case Types::kBool: return ExpectInputType(ctx, 0, {DT::kBool});
  }
  return Status::Ok();
}

template <typename T, typename F>
void Map(const T* x, T* y, int64_t n, F f) {
  for (int64_t i = 0; i < n; ++i) y[i] = f(x[i]);
}

// -v without signed overflow (the most negative integer maps to itself).
template <typename T>
T Negate(T v) {
  if constexpr (std::is_integral_v<T>) {
    return static_cast<T>(static_cast<std::make_unsigned_t<T>>(0) - static_cast<std::make_unsigned_t<T>>(v));
  } else {
    return -v;
  }
}

// Returns false when the op does not apply to T (validate keeps that out).
template <typename T>
bool ApplyUnaryMath(Um kind, const T* x, T* y, int64_t n) {
  if constexpr (std::is_same_v<T, bool>) {
    if (kind != Um::kNot) return false;
    Map(x, y, n, [](bool v) { return !v; });
    return true;
  } else if constexpr (std::is_floating_point_v<T>) {
    switch (kind) {
      case Um::kSqrt: Map(x, y, n, [](T v) { return std::sqrt(v); }); return true;
      case Um::kExp: Map(x, y, n, [](T v) { return std::exp(v); }); return true;
      case Um::kLog: Map(x, y, n, [](T v) { return std::log(v); }); return true;
      case Um::kAbs: Map(x, y, n, [](T v) { return std::fabs(v); }); return true;
      case Um::kNeg: Map(x, y, n, [](T v) { return -v; }); return true;
      case Um::kReciprocal: Map(x, y, n, [](T v) { return T(1) / v; }); return true;
      case Um::kErf: Map(x, y, n, [](T v) { return std::erf(v); }); return true;
      case Um::kNot: return false;
    }
    return false;
  } else {
    switch (kind) {
      case Um::kAbs: Map(x, y, n, [](T v) { return v < 0 ? Negate(v) : v; }); return true;
      case Um::kNeg: Map(x, y, n, [](T v) { return Negate(v); }); return true;
      default: return false;
    }
  }
}

Status UnaryMathReference(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) {
  const UmInfo* info = FindOp(node.op_type);
  if (info == nullptr) return NodeError(node, "not a unary math op");
  const Tensor& x = *inputs[0];
  Tensor& y = *outputs[0];
  return DispatchNumeric(node, x.dtype(), [&](auto zero) -> Status {
    using T = decltype(zero);
    if (!ApplyUnaryMath<T>(info->kind, x.data<T>(), y.data<T>(), x.size()))
      return NodeUnsupported(node, "dtype " + DataTypeName(x.dtype()));
    return Status::Ok();
  });
}

}  // namespace

void RegisterUnaryMathOps(OpRegistry& r) {
  for (const UmInfo& info : kOps) {
    OpDef def;
    def.op_type = info.op;
    def.domain = "";
    def.validate = ValidateUnaryMath;
    def.infer = InferLikeInput;
    def.reference = UnaryMathReference;
    def.dtypes = info.dtypes;
    def.limits = info.limits;
    r.Add(def);
  }
}

}  // namespace facefuse::rt
