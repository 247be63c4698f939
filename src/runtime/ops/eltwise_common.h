// Helpers shared by the elementwise unary op families (activation.cpp,
// unary_math.cpp, cast.cpp): shape inference for ops whose output matches
// their first input, and attribute type checks.
#pragma once

#include <span>

#include "runtime/ops/op_def.h"

namespace facefuse::rt {

// outputs[0] gets inputs[0]'s dtype and shape (every other output is left to
// the caller). Error when inputs[0] is absent.
Status InferLikeInput(const Node& node, std::span<const Tensor* const> inputs, std::span<OutputSpec> outputs);

// The attribute, when present, holds a float.
Status ExpectFloatAttr(const Node& node, const char* name);

}  // namespace facefuse::rt
