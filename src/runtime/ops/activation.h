// Float activations shared by the activation ops' reference kernels, the
// FusedConv reference kernel and the CPU provider's eltwise kernels, so every
// caller applies the same math.
//
// Thread safety: pure functions; safe to call concurrently on distinct data.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "facefuse/status.h"
#include "facefuse/tensor.h"
#include "runtime/ir/graph.h"

namespace facefuse::rt {

// Applies activation `kind` to data[0..n) in place. Kinds and params:
//   Relu [], LeakyRelu [alpha], Sigmoid [], HardSigmoid [alpha, beta], Tanh [],
//   Clip [min, max], Elu [alpha], Softplus [].
// `params` is either empty (the ONNX defaults: LeakyRelu alpha 0.01, Elu alpha 1,
// HardSigmoid alpha 0.2 beta 0.5, Clip unbounded) or holds exactly the listed
// values. Errors: InvalidArgument for an unknown kind, a wrong parameter count
// or n < 0.
Status ApplyActivation(const std::string& kind, std::span<const float> params, float* data, int64_t n);

// The float parameters of an activation node in ApplyActivation's order, read
// from its attributes (defaults when absent) and, for Clip from opset 11, from
// its optional min/max inputs. `inputs` as a kernel receives them (nullptr for
// an absent input). Errors: InvalidArgument for a min/max input that is not a
// single value.
Result<std::vector<float>> ActivationParams(const Node& node, std::span<const Tensor* const> inputs);

}  // namespace facefuse::rt
