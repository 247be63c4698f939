// Max and average pooling over 2-D windows of a float32 N×C×H×W (or N×H×W×C) tensor,
// the CPU provider's own kernel: oneDNN 2.6 pools plain layouts with a scalar
// implementation ("simple_nchw", 10-40x slower than this) for most shapes.
#pragma once

#include "runtime/ops/pool.h"

namespace facefuse::rt::cpu {

enum class Pool2dKind {
  kMax,                // padding never wins; NaN never wins (as in the reference kernel)
  kAverage,            // the mean of the window's input positions (count_include_pad = 0)
  kAverageCountPads,   // the sum over the window's input positions divided by its size
                       // within the explicitly padded input (count_include_pad = 1)
};

// True when Pool2d computes `g`: two spatial dims, no dilation, and every
// window holds at least one input position.
bool Pool2dApplies(const PoolGeometry& g);

// y[n,c,oy,ox] from x over each window: the window's rows are combined element
// by element into one row, then each output takes its columns of that row.
// Planes and output rows run on OpenMP.
void Pool2d(Pool2dKind kind, const PoolGeometry& g, const float* x, float* y);

// The same pooling on N×H×W×C tensors (`g` describes the NCHW shapes): each
// output pixel combines its window's pixels channel vector by channel vector.
// Images and output rows run on OpenMP.
void Pool2dChannelsLast(Pool2dKind kind, const PoolGeometry& g, const float* x, float* y);

}  // namespace facefuse::rt::cpu
