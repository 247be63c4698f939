#include "runtime/passes/passes.h"

namespace facefuse::rt {

Status RunDefaultPasses(Graph& g, const PassContext& ctx) {
  FF_RETURN_IF_ERROR(FoldConstants(g, ctx));
  FF_RETURN_IF_ERROR(FoldBatchNormIntoConv(g, ctx));
  // While that folds Shape nodes (a graph with static inputs), the arithmetic on their values folds in turn, and
  // the nodes that read it (a Reshape, a Resize to a computed size) get their shapes, which may fold more; at most
  // kMaxShapeFoldRounds rounds (RetinaFace takes 4), so that a chain of Shape -> Reshape -> Shape ... thousands
  // deep costs linear time to load (what is left unfolded runs as nodes).
  constexpr int kMaxShapeFoldRounds = 16;
  for (int round = 0; round < kMaxShapeFoldRounds; ++round) {
    const size_t nodes = g.nodes.size();
    FF_RETURN_IF_ERROR(InferStaticShapes(g, ctx));
    if (g.nodes.size() == nodes) break;  // no Shape folded
    FF_RETURN_IF_ERROR(FoldConstants(g, ctx));
  }
  FF_RETURN_IF_ERROR(FuseConvActivation(g, ctx));
  FF_RETURN_IF_ERROR(PruneConstantChannels(g, ctx));
  FF_RETURN_IF_ERROR(MergeSiblingConvs(g, ctx));
  if (ctx.channels_last) FF_RETURN_IF_ERROR(ConvertToChannelsLast(g, ctx));
  FF_RETURN_IF_ERROR(RemoveDeadNodes(g, ctx));
  return g.TopologicalSort();
}

}  // namespace facefuse::rt
