#include "runtime/passes/passes.h"

namespace facefuse::rt {

Status RunDefaultPasses(Graph& g, const PassContext& ctx) {
  FF_RETURN_IF_ERROR(FoldConstants(g, ctx));
  FF_RETURN_IF_ERROR(FoldBatchNormIntoConv(g, ctx));
  FF_RETURN_IF_ERROR(InferStaticShapes(g, ctx));
  FF_RETURN_IF_ERROR(FuseConvActivation(g, ctx));
  FF_RETURN_IF_ERROR(MergeSiblingConvs(g, ctx));
  if (ctx.channels_last) FF_RETURN_IF_ERROR(ConvertToChannelsLast(g, ctx));
  FF_RETURN_IF_ERROR(RemoveDeadNodes(g, ctx));
  return g.TopologicalSort();
}

}  // namespace facefuse::rt
