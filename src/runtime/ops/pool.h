// Pooling geometry shared by the reference kernels (ops/pool.cpp) and the CPU
// provider (providers/cpu/dnnl_pool.cpp).
#pragma once

#include <cstdint>
#include <vector>

#include "facefuse/status.h"
#include "facefuse/tensor.h"
#include "runtime/ir/graph.h"

namespace facefuse::rt {

// A pooling window over an [N, C, spatial...] input. For output position o
// along a spatial dim, the window's taps are at o * stride - pad_begin +
// j * dilation, j in [0, kernel). Global pools have kernel = the input's
// spatial dims, stride 1 and no padding.
struct PoolGeometry {
  int64_t batch = 0, channels = 0;
  Shape in_spatial, out_spatial;
  std::vector<int64_t> kernel, strides, dilations, pads_begin, pads_end;
  Shape out;  // [N, C, out_spatial...]
};

// Resolves auto_pad and ceil_mode for the input shape (ONNX semantics: with
// ceil_mode, a last window that would start in the end padding is dropped).
// Error: a rank that does not match kernel_shape, or a kernel larger than the
// padded input.
Result<PoolGeometry> ComputePoolGeometry(const Node& node, const Shape& x);

// The number of positions of the window at output position `o` along one dim
// that lie inside the input padded by pads_begin/pads_end (the divisor of
// AveragePool with count_include_pad, per dim).
int64_t PaddedWindowSize(const PoolGeometry& g, size_t dim, int64_t o);

}  // namespace facefuse::rt
