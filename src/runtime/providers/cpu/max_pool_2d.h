// Max pooling over 2-D windows of a plain float32 N×C×H×W tensor, the CPU
// provider's own kernel: oneDNN 2.6 pools plain layouts with a scalar
// implementation ("simple_nchw", 10-40x slower than this) for most shapes.
#pragma once

#include "runtime/ops/pool.h"

namespace facefuse::rt::cpu {

// True when the kernel below computes `g`: two spatial dims, no dilation, and
// every window holds at least one input position.
bool MaxPool2dApplies(const PoolGeometry& g);

// y[n,c,oy,ox] = max of x over the window (padding never wins; NaN never
// wins either, as in the reference kernel). Planes and rows run on OpenMP.
void MaxPool2d(const PoolGeometry& g, const float* x, float* y);

}  // namespace facefuse::rt::cpu
