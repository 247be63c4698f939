// include/facefuse/ops.h over the op registry and the providers.
#include "facefuse/ops.h"

#include "runtime/ops/op_def.h"
#include "runtime/providers/provider.h"

namespace facefuse {
namespace {

OperatorInfo Describe(const rt::OpDef& def) {
  OperatorInfo info{std::string(def.domain), std::string(def.op_type), std::string(def.dtypes),
                    std::string(def.limits), {"reference"}};
  if (rt::CpuProviderHasKernel(def.domain, def.op_type)) info.kernels.push_back("cpu");
  return info;
}

}  // namespace

std::vector<OperatorInfo> ListOperators() {
  std::vector<OperatorInfo> ops;
  for (const rt::OpDef& def : rt::OpRegistry::Global().all()) ops.push_back(Describe(def));
  return ops;
}

std::optional<OperatorInfo> FindOperator(std::string_view domain, std::string_view op_type) {
  const rt::OpDef* def = rt::OpRegistry::Global().Find(domain, op_type);
  if (def == nullptr) return std::nullopt;
  return Describe(*def);
}

}  // namespace facefuse
