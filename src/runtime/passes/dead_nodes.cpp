#include "runtime/passes/passes.h"

namespace facefuse::rt {

Status RemoveDeadNodes(Graph& g, const PassContext& ctx) {
  (void)g;
  (void)ctx;
  return Status::Ok();
}

}  // namespace facefuse::rt
