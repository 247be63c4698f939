// Axis resolution for ReduceMean/ReduceSum/ReduceMax, shared by the reference
// kernels (ops/reduce.cpp) and the CPU kernels (providers/cpu/reduce.cpp).
#pragma once

#include <span>
#include <vector>

#include "facefuse/status.h"
#include "facefuse/tensor.h"
#include "runtime/ir/graph.h"

namespace facefuse::rt {

// What a Reduce* node does to one input shape.
struct ReduceGeometry {
  std::vector<bool> reduced;  // per input dim: reduced or kept
  Shape keep_shape;           // the input shape with reduced dims set to 1
  Shape out_shape;            // keep_shape, or without the reduced dims when keepdims=0
  bool noop = false;          // empty axes with noop_with_empty_axes=1: the output is the input
};

// Reads the axes from input 1 when the node has it (ReduceSum from opset 13,
// the others from 18), else from the `axes` attribute; no axes reduce every
// dim unless noop_with_empty_axes=1. Errors: axes out of range or repeated,
// a missing or non-integer axes tensor.
Result<ReduceGeometry> ResolveReduce(const Node& node, std::span<const Tensor* const> inputs);

}  // namespace facefuse::rt
