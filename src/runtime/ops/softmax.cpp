#include "runtime/ops/op_def.h"
#include "runtime/ops/op_util.h"

namespace facefuse::rt {

void RegisterSoftmaxOps(OpRegistry& r) { (void)r; }

}  // namespace facefuse::rt
