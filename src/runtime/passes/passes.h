// Graph optimisation passes. Each rewrites the graph in place, keeps it
// topologically sorted, and reports every change it makes through ctx.log
// (shown by `facefuse check-model --dump-passes` / SessionOptions::debug_log).
#pragma once

#include <functional>
#include <string_view>

#include "facefuse/status.h"
#include "runtime/ir/graph.h"
#include "runtime/ops/op_def.h"

namespace facefuse::rt {

struct PassContext {
  const OpRegistry& ops;
  std::function<void(std::string_view)> log;  // may be empty
  bool channels_last = false;                 // RunDefaultPasses runs ConvertToChannelsLast
  void Log(std::string_view line) const { if (log) log(line); }
};

// Makes a graph that computes in float16 compute in float32: float16
// initializers and tensor attributes (Constant, ConstantOfShape) are widened
// exactly, float16 value types and dtype attributes (Cast `to`, `dtype`)
// become float32, and a Cast between float types becomes Identity. The model's
// interface is kept: a float16 graph input is read through an added Cast to
// float32, a float16 graph output is its float32 value cast back. A graph with
// no float16 value is left untouched. The session runs this before validation,
// always (there is no option: most kernels are float32 only).
// Errors: InvalidArgument naming a float16 initializer or attribute without data.
Status LowerFloat16(Graph& g, const PassContext& ctx);

// Evaluates nodes whose inputs are all initializers (shape subgraphs:
// Shape/Gather/Concat/Unsqueeze/Cast..., Constant nodes) with the reference
// kernels and replaces them by initializers. Graph inputs with static shapes
// let Shape nodes fold too. Never folds nodes whose outputs would be huge.
Status FoldConstants(Graph& g, const PassContext& ctx);

// Records each value's shape as its OpDef's infer gives it from the graph
// inputs' declared dims (value_infos; dims the model gives stay). Open dims
// are followed by sampling (static_shapes.cpp): a dim is a number, an input's
// symbol or a derived symbol. Nodes whose shapes depend on computed values (a
// Reshape to a computed shape, NonZero) and everything after them stay unknown.
// When no input dim is open, a Shape node whose input's shape is known becomes
// an initializer (the node is removed).
Status InferStaticShapes(Graph& g, const PassContext& ctx);

// Conv (constant W, optional B) followed by BatchNormalization (constant
// scale/bias/mean/var) becomes one Conv with rescaled weights and bias.
Status FoldBatchNormIntoConv(Graph& g, const PassContext& ctx);

// Conv [+ Add residual] [+ activation] becomes facefuse:FusedConv with the
// activation (and the residual "Sum" input) applied in the kernel.
Status FuseConvActivation(Graph& g, const PassContext& ctx);

// Output channels of a convolution whose weights are all zero (a BatchNormalization scale of 0, folded) are
// constant: they are dropped where every reader can do without them, a reader of group 1 without padding taking
// their share into its bias, a depthwise reader with zero weights there passing them on (constant_channels.cpp).
Status PruneConstantChannels(Graph& g, const PassContext& ctx);

// Narrow convolutions (at most 32 output channels, group 1, constant W and B)
// that read the same X with the same attributes become one convolution and a
// Split along the channel axis; such a Split then moves below depthwise
// convolutions that each of its parts alone feeds (merge_sibling_convs.cpp).
// Detector heads are the case: YuNet's 24 head convolutions become 6.
Status MergeSiblingConvs(Graph& g, const PassContext& ctx);

// 2-D Conv/FusedConv with constant weights become facefuse:NhwcConv on
// channels-last activations; the layout-agnostic ops between them (activations,
// elementwise ops, Concat, Split, 2-D pools, Resize) follow, and Transposes change
// the layout only where an NCHW reader or a graph output needs it. Values keep
// their names and NCHW meaning; NHWC twins are "<name>_nhwc". For providers
// with channels-last kernels (cpu): the ops are reference-only elsewhere.
Status ConvertToChannelsLast(Graph& g, const PassContext& ctx);

// Removes nodes whose outputs reach no graph output, and unused initializers.
Status RemoveDeadNodes(Graph& g, const PassContext& ctx);

// All of the above in a sensible order.
Status RunDefaultPasses(Graph& g, const PassContext& ctx);

}  // namespace facefuse::rt
