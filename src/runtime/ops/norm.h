// Normalization helpers shared by the reference kernels (ops/norm.cpp) and the
// CPU provider (providers/cpu/norm.cpp).
#pragma once

#include <cstdint>
#include <vector>

#include "facefuse/status.h"
#include "facefuse/tensor.h"
#include "runtime/ir/graph.h"

namespace facefuse::rt {

// A float32 or float64 parameter of exactly `count` elements (a per-channel
// scale, bias, mean or variance) as doubles. Error: wrong size or dtype.
Result<std::vector<double>> ReadNormParam(const Node& node, const Tensor& t, int64_t count, const char* what);

// LayerNormalization views X as [outer, inner] with inner = prod(X.shape[axis:]).
struct LayerNormExtents {
  int64_t axis = 0;
  int64_t outer = 1, inner = 1;
  Shape norm_shape;  // X.shape[axis:]
};
Result<LayerNormExtents> ComputeLayerNormExtents(const Node& node, const Shape& x);

// LayerNormalization's Scale or B broadcast (numpy rules) to the normalised
// shape and flattened to `inner` doubles; `fill` repeated when `p` is null.
// Error: a parameter that does not broadcast to the normalised shape.
Result<std::vector<double>> ExpandNormParam(const Node& node, const Tensor* p, const LayerNormExtents& e,
                                            double fill);

}  // namespace facefuse::rt
