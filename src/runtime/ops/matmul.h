// MatMul / Gemm geometry shared by the reference kernels (ops/matmul.cpp) and
// the CPU provider (providers/cpu/dnnl_matmul.cpp).
#pragma once

#include <cstdint>

#include "facefuse/status.h"
#include "facefuse/tensor.h"
#include "runtime/ir/graph.h"

namespace facefuse::rt {

// numpy.matmul of A and B as a batch of [m, k] x [k, n] products. A 1-D A is
// [1, k] and a 1-D B is [k, 1]; those unit dims are dropped from `out`.
// a_batch, b_batch and batch have the same rank: A's and B's batch dims padded
// with leading 1s, and their broadcast.
struct MatMulDims {
  Shape a_batch, b_batch, batch;
  int64_t m = 0, k = 0, n = 0;
  Shape out;
};
// Error: a rank-0 operand, mismatched k, or batch dims that do not broadcast.
Result<MatMulDims> ComputeMatMulDims(const Node& node, const Shape& a, const Shape& b);

// Gemm: Y[m, n] = alpha * A'[m, k] * B'[k, n] + beta * C, with A' = A^T when
// transA, B' = B^T when transB, and C (optional) broadcast to [m, n].
struct GemmDims {
  int64_t m = 0, k = 0, n = 0;
  bool trans_a = false, trans_b = false;
};
// Error: A or B not 2-D, mismatched k, or a C that does not broadcast to [m, n].
Result<GemmDims> ComputeGemmDims(const Node& node, const Shape& a, const Shape& b, const Tensor* c);

}  // namespace facefuse::rt
