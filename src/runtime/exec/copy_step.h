// Copy steps: a compiled session moves a value between devices with a step of
// its own, placed before the first step on another device that reads it (and
// after the last step for a graph output off the host).
#pragma once

#include <memory>

#include "facefuse/device.h"
#include "runtime/ops/op_def.h"
#include "runtime/providers/provider.h"

namespace facefuse::rt {

// The op of every copy step: one input, one output of the same dtype and
// shape. Not in OpRegistry (no model names it; docs/ops.md does not list it).
const OpDef& CopyOpDef();

// A kernel that copies its input, on any device, into its output on
// `destination`'s device (allocated there by the session). Errors: the
// allocators' copy errors; Internal for a non-host input no allocator made.
std::unique_ptr<Kernel> MakeCopyKernel(std::shared_ptr<Allocator> destination);

}  // namespace facefuse::rt
