// Element semantics of the binary/broadcast ops, shared by the reference
// kernels (ops/binary.cpp) and the CPU kernels (providers/cpu/binary.cpp) so
// both compute exactly the same value for every element.
//
// Contract: every functor is total. Integer overflow wraps (two's complement),
// integer division by zero gives 0 and never traps, float-to-int conversions
// saturate (NaN gives 0).
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>

#include "runtime/ops/op_util.h"

namespace facefuse::rt {

enum class BinaryOp { kAdd, kSub, kMul, kDiv, kPow, kMin, kMax, kEqual, kGreater, kLess, kAnd, kPRelu };

// Min and Max take 1..N inputs and fold them left to right; the others take exactly 2.
constexpr bool IsVariadic(BinaryOp op) { return op == BinaryOp::kMin || op == BinaryOp::kMax; }

// Calls f(T{}) with T the C++ type of dt for the arithmetic dtypes (float32,
// float64, int32, int64); Unsupported naming the node otherwise.
template <typename F>
Status DispatchArithmetic(const Node& node, DataType dt, F&& f) {
  switch (dt) {
    case DataType::kFloat32:
      return f(float{});
    case DataType::kFloat64:
      return f(double{});
    case DataType::kInt32:
      return f(int32_t{});
    case DataType::kInt64:
      return f(int64_t{});
    default:
      return NodeUnsupported(node, "dtype " + DataTypeName(dt));
  }
}

// The operand types of BinaryOp op: bool for And (and also for Equal), else the arithmetic dtypes.
template <BinaryOp op, typename F>
Status DispatchOperand(const Node& node, DataType dt, F&& f) {
  if constexpr (op == BinaryOp::kAnd || op == BinaryOp::kEqual) {
    if (dt == DataType::kBool) return f(bool{});
  }
  if constexpr (op == BinaryOp::kAnd) {
    return NodeUnsupported(node, "dtype " + DataTypeName(dt));
  } else {
    return DispatchArithmetic(node, dt, std::forward<F>(f));
  }
}

// The type of input 1 given A, the type of input 0: Pow's exponent has its own
// arithmetic dtype, every other op reads input 1 as A.
template <BinaryOp op, typename A, typename F>
Status DispatchSecondOperand(const Node& node, DataType dt, F&& f) {
  if constexpr (op == BinaryOp::kPow) {
    return DispatchArithmetic(node, dt, std::forward<F>(f));
  } else {
    return f(A{});
  }
}

// Calls f(U{}) with U the unsigned integer type as wide as dt's elements, for
// ops that only move elements (Where); Unsupported for strings and unknown dtypes.
template <typename F>
Status DispatchBySize(const Node& node, DataType dt, F&& f) {
  if (dt == DataType::kString) return NodeUnsupported(node, "dtype string");
  switch (DataTypeSize(dt)) {
    case 1:
      return f(uint8_t{});
    case 2:
      return f(uint16_t{});
    case 4:
      return f(uint32_t{});
    case 8:
      return f(uint64_t{});
    default:
      return NodeUnsupported(node, "dtype " + DataTypeName(dt));
  }
}

// Input 1 viewed in the shape in which numpy rules broadcast it as the op
// means: its own shape, except for two pre-opset-7 forms that no valid newer
// model can have (so they need no opset check):
//  - PRelu's per-channel slope, 1-D of X's channel count (dim 1), which numpy
//    rules would not broadcast: viewed as [C,1,...,1];
//  - the legacy `broadcast`=1 with `axis` of Add/Sub/Mul/Div: B's dims line up
//    with A's from `axis`, viewed as B's shape followed by 1s.
inline Result<Tensor> SecondOperandView(const Node& node, BinaryOp op, const Tensor& a, const Tensor& b) {
  const Shape& as = a.shape();
  if (op == BinaryOp::kPRelu && b.rank() == 1 && as.size() >= 3 && b.dim(0) == as[1] && b.dim(0) != as.back() &&
      b.dim(0) != 1) {
    Shape channel(as.size() - 1, 1);
    channel[0] = b.dim(0);
    return b.Reshaped(std::move(channel));
  }
  if (node.Has("axis") && node.GetInt("broadcast", 0) != 0) {
    const int64_t axis = node.GetInt("axis", 0);
    if (axis < 0 || axis + b.rank() > a.rank())
      return NodeError(node, "legacy axis " + std::to_string(axis) + " does not fit B " + ShapeToString(b.shape()) +
                                 " into A " + ShapeToString(as));
    Shape aligned = b.shape();
    aligned.resize(static_cast<size_t>(a.rank() - axis), 1);
    return b.Reshaped(std::move(aligned));
  }
  return b;
}

namespace binary_detail {

template <typename T>
using Unsigned = std::make_unsigned_t<T>;

// Saturating double -> integer conversion (NaN -> 0); identity cast for floats.
template <typename T>
T FromDouble(double v) {
  if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(v);
  } else {
    if (std::isnan(v)) return 0;
    if (v <= static_cast<double>(std::numeric_limits<T>::min())) return std::numeric_limits<T>::min();
    if (v >= static_cast<double>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
    return static_cast<T>(v);
  }
}

// Integer power with wrap-around; negative exponents truncate 1/base^-e toward zero.
template <typename T>
T IntPow(T base, int64_t e) {
  if (e < 0) {
    if (base == 1) return 1;
    if (base == -1) return (e % 2 == 0) ? 1 : -1;
    return 0;  // |1 / base^-e| < 1, or division by zero
  }
  Unsigned<T> result = 1, b = static_cast<Unsigned<T>>(base);
  for (; e > 0; e >>= 1, b *= b)
    if (e & 1) result *= b;
  return static_cast<T>(result);
}

}  // namespace binary_detail

// out = f(a, b) for BinaryOp op. A and B are the input element types (they
// differ only for Pow); the result type is bool for comparisons and And, else A.
template <BinaryOp op>
struct BinaryFn {
  template <typename A, typename B>
  auto operator()(A a, B b) const {
    using namespace binary_detail;
    if constexpr (op == BinaryOp::kEqual) {
      return a == b;
    } else if constexpr (op == BinaryOp::kGreater) {
      return a > b;
    } else if constexpr (op == BinaryOp::kLess) {
      return a < b;
    } else if constexpr (op == BinaryOp::kAnd) {
      return a && b;
    } else if constexpr (op == BinaryOp::kMin) {
      return b < a ? b : a;
    } else if constexpr (op == BinaryOp::kMax) {
      return b > a ? b : a;
    } else if constexpr (op == BinaryOp::kPow) {
      if constexpr (std::is_floating_point_v<A>) {
        return static_cast<A>(std::pow(a, static_cast<A>(b)));
      } else if constexpr (std::is_integral_v<B>) {
        return IntPow<A>(a, static_cast<int64_t>(b));
      } else {
        return FromDouble<A>(std::pow(static_cast<double>(a), static_cast<double>(b)));
      }
    } else if constexpr (std::is_floating_point_v<A>) {
      if constexpr (op == BinaryOp::kAdd) return a + b;
      if constexpr (op == BinaryOp::kSub) return a - b;
      if constexpr (op == BinaryOp::kMul) return a * b;
      if constexpr (op == BinaryOp::kDiv) return a / b;
      // a * 1 is a exactly (NaN, inf and -0 included); choosing the factor,
      // not the result, leaves no branch in the loop, so it vectorizes.
      if constexpr (op == BinaryOp::kPRelu) return a * (a < 0 ? b : B{1});
    } else {
      using U = Unsigned<A>;
      if constexpr (op == BinaryOp::kAdd) return static_cast<A>(static_cast<U>(a) + static_cast<U>(b));
      if constexpr (op == BinaryOp::kSub) return static_cast<A>(static_cast<U>(a) - static_cast<U>(b));
      if constexpr (op == BinaryOp::kMul) return static_cast<A>(static_cast<U>(a) * static_cast<U>(b));
      if constexpr (op == BinaryOp::kPRelu) return a < 0 ? static_cast<A>(static_cast<U>(a) * static_cast<U>(b)) : a;
      if constexpr (op == BinaryOp::kDiv) {
        if (b == 0) return A{0};
        if (b == -1) return static_cast<A>(U{0} - static_cast<U>(a));  // INT_MIN / -1 wraps instead of trapping
        return static_cast<A>(a / b);                                  // C division truncates toward zero
      }
    }
  }
};

}  // namespace facefuse::rt
