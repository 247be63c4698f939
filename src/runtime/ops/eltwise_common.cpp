#include "runtime/ops/eltwise_common.h"

#include <string>
#include <variant>

#include "runtime/ops/op_util.h"

namespace facefuse::rt {

Status InferLikeInput(const Node& node, std::span<const Tensor* const> inputs, std::span<OutputSpec> outputs) {
  if (inputs.empty() || inputs[0] == nullptr) return NodeError(node, "missing input 0");
  if (outputs.empty()) return NodeError(node, "expects at least one output");
  outputs[0].dtype = inputs[0]->dtype();
  outputs[0].shape = inputs[0]->shape();
  return Status::Ok();
}

Status ExpectFloatAttr(const Node& node, const char* name) {
  auto it = node.attrs.find(name);
  if (it != node.attrs.end() && !std::holds_alternative<float>(it->second.value))
    return NodeError(node, std::string("attribute ") + name + " must be a float");
  return Status::Ok();
}

}  // namespace facefuse::rt
