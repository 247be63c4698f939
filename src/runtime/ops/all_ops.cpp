#include "runtime/ops/op_def.h"

namespace facefuse::rt {

const OpRegistry& OpRegistry::Global() {
  static const OpRegistry registry = [] {
    OpRegistry r;
    RegisterActivationOps(r);
    RegisterUnaryMathOps(r);
    RegisterBinaryOps(r);
    RegisterReduceOps(r);
    RegisterConvOps(r);
    RegisterNormOps(r);
    RegisterMatMulOps(r);
    RegisterPoolOps(r);
    RegisterShapeOps(r);
    RegisterMovementOps(r);
    RegisterResizeOps(r);
    RegisterSoftmaxOps(r);
    RegisterSelectOps(r);
    RegisterCastOps(r);
    RegisterFusedOps(r);
    RegisterChannelsLastOps(r);
    return r;
  }();
  return registry;
}

const OpDef* OpRegistry::Find(std::string_view domain, std::string_view op_type) const {
  if (domain == "ai.onnx") domain = "";
  for (const auto& d : defs_)
    if (d.op_type == op_type && d.domain == domain) return &d;
  return nullptr;
}

}  // namespace facefuse::rt
