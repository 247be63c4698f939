// Softmax / LogSoftmax geometry and the row kernel shared by the reference
// kernel (ops/softmax.cpp) and the CPU provider (providers/cpu/softmax.cpp).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "facefuse/status.h"
#include "facefuse/tensor.h"
#include "runtime/ir/graph.h"

namespace facefuse::rt {

// The input viewed as [outer, n, inner], normalised along n.
struct SoftmaxExtents {
  int64_t outer = 1;
  int64_t n = 1;
  int64_t inner = 1;
};

// Opset < 13: the input is coerced to 2-D [prod(dims[:axis]), prod(dims[axis:])]
// (default axis 1) and each row is normalised. Opset >= 13: normalised along
// the one dimension `axis` (default -1). Error: axis out of range.
Result<SoftmaxExtents> ComputeSoftmaxExtents(const Node& node, int64_t opset, const Shape& shape);

// out = softmax (or log-softmax when `log`) of in along n, for every
// (outer, inner) line. Numerically stable (the line's max is subtracted).
// `in` and `out` hold outer * n * inner elements and may not alias.
template <typename T>
void SoftmaxLines(const T* in, T* out, const SoftmaxExtents& e, bool log) {
  for (int64_t o = 0; o < e.outer; ++o) {
    for (int64_t i = 0; i < e.inner; ++i) {
      const T* x = in + o * e.n * e.inner + i;
      T* y = out + o * e.n * e.inner + i;
      T max = x[0];
      for (int64_t k = 1; k < e.n; ++k) max = std::max(max, x[k * e.inner]);
      T sum = 0;
      for (int64_t k = 0; k < e.n; ++k) sum += std::exp(x[k * e.inner] - max);
      T log_sum = std::log(sum);
      for (int64_t k = 0; k < e.n; ++k)
        y[k * e.inner] = log ? x[k * e.inner] - max - log_sum : std::exp(x[k * e.inner] - max) / sum;
    }
  }
}

}  // namespace facefuse::rt
