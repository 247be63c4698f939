// Helpers shared by op definitions and kernels: argument checks with messages
// that name the node, broadcasting, axis handling and dtype dispatch.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

#include "runtime/ops/op_def.h"

namespace facefuse::rt {

// InvalidArgument / Unsupported with "<Op 'name'>: " prefixed.
Status NodeError(const Node& node, const std::string& what);
Status NodeUnsupported(const Node& node, const std::string& what);

// Input count within [min, max] (counting up to the last present input).
Status ExpectInputCount(const ValidateContext& ctx, size_t min, size_t max);
// Input i's dtype, when known, is one of `allowed`.
Status ExpectInputType(const ValidateContext& ctx, size_t i, std::initializer_list<DataType> allowed);
// The string attribute, when present, is one of `allowed`.
Status ExpectStringAttr(const Node& node, const std::string& attr, std::initializer_list<const char*> allowed);

// Numpy-style broadcast of two shapes; error when incompatible.
Result<Shape> BroadcastShapes(const Shape& a, const Shape& b);
// Axis in [-rank, rank) mapped to [0, rank).
Result<int64_t> NormalizeAxis(const Node& node, int64_t axis, int64_t rank);

// Reads an int64 or int32 scalar or 1-D tensor (a shape, axes, pads...) into a vector. A tensor of rank 2 or
// more is an error (ONNX wants these 1-D; the static-shapes pass stands zeros in for rank-2+ values, assuming no
// infer reads them) unless `any_rank` (Gather's indices, whose values never decide a shape).
Result<std::vector<int64_t>> ReadInt64s(const Node& node, const Tensor* t, const char* what, bool any_rank = false);
// Reads a float/double/float16-free numeric scalar or 1-D tensor as floats; rank 2 or more is an error.
Result<std::vector<float>> ReadFloats(const Node& node, const Tensor* t, const char* what);

// An inferred output of at most `limit_bytes` (a dim product that overflows is
// over any limit). Errors: OutOfMemory naming the node, output and size; a
// mutated or hostile model asks for terabytes, and no kernel or plan should
// see such a shape.
Status CheckOutputSize(const Node& node, size_t index, const OutputSpec& spec, uint64_t limit_bytes);

// Row-major strides of a shape (in elements).
std::vector<int64_t> Strides(const Shape& shape);
// Strides of `in` broadcast to `out` (0 along broadcast dims). Precondition:
// `in` broadcasts to `out`.
std::vector<int64_t> BroadcastStrides(const Shape& in, const Shape& out);

// 1 if every element of the dtype is a 32-bit float, and so on.
bool IsFloatType(DataType t);  // float32, float64, float16
bool IsIntType(DataType t);    // signed or unsigned integers

// Calls f(T{}) with T the C++ type of dtype for float32, float64, int64,
// int32, int8, uint8, bool; returns Unsupported for others.
template <typename F>
Status DispatchNumeric(const Node& node, DataType dt, F&& f) {
  switch (dt) {
    case DataType::kFloat32: return f(float{});
    case DataType::kFloat64: return f(double{});
    case DataType::kInt64: return f(int64_t{});
    case DataType::kInt32: return f(int32_t{});
    case DataType::kInt8: return f(int8_t{});
    case DataType::kUInt8: return f(uint8_t{});
    case DataType::kBool: return f(bool{});
    default: return NodeUnsupported(node, "dtype " + DataTypeName(dt));
  }
}

}  // namespace facefuse::rt
