// Channels-last (NHWC) helpers shared by the channels-last ops
// (channels_last_ops.cpp), the layout pass and the CPU kernels.
//
// A channels-last value holds the same numbers as its NCHW twin with the
// channel axis moved last: logical shape [N, H, W, C], dense.
#pragma once

#include "facefuse/status.h"
#include "facefuse/tensor.h"

namespace facefuse::rt {

// [N, C, H, W] -> [N, H, W, C] and back; other ranks are returned unchanged.
Shape ToChannelsLast(const Shape& nchw);
Shape ToChannelsFirst(const Shape& nhwc);

// The NCHW axis `axis` (0..3) of a 4-D value, as an axis of its NHWC twin.
int64_t ChannelsLastAxis(int64_t axis);

// A dense copy of a 4-D float32 tensor in the other layout. Errors:
// InvalidArgument for another rank or dtype; OutOfMemory.
Result<Tensor> CopyToChannelsLast(const Tensor& nchw);
Result<Tensor> CopyToChannelsFirst(const Tensor& nhwc);

}  // namespace facefuse::rt
