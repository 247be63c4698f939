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
  void Log(std::string_view line) const { if (log) log(line); }
};

// Evaluates nodes whose inputs are all initializers (shape subgraphs:
// Shape/Gather/Concat/Unsqueeze/Cast..., Constant nodes) with the reference
// kernels and replaces them by initializers. Graph inputs with static shapes
// let Shape nodes fold too. Never folds nodes whose outputs would be huge.
Status FoldConstants(Graph& g, const PassContext& ctx);

// Conv (constant W, optional B) followed by BatchNormalization (constant
// scale/bias/mean/var) becomes one Conv with rescaled weights and bias.
Status FoldBatchNormIntoConv(Graph& g, const PassContext& ctx);

// Conv [+ Add residual] [+ activation] becomes facefuse:FusedConv with the
// activation (and the residual "Sum" input) applied in the kernel.
Status FuseConvActivation(Graph& g, const PassContext& ctx);

// Removes nodes whose outputs reach no graph output, and unused initializers.
Status RemoveDeadNodes(Graph& g, const PassContext& ctx);

// All of the above in a sensible order.
Status RunDefaultPasses(Graph& g, const PassContext& ctx);

}  // namespace facefuse::rt
