// NhwcConv, NhwcMaxPool and NhwcAveragePool cases: every 2-D Conv, FusedConv,
// MaxPool and AveragePool case (odd channel counts, pads, strides, groups,
// every activation, Sum, PRelu) with X and Sum relaid to NHWC. The reference
// kernel is the NCHW op's, so these also check that a provider's channels-last
// kernel computes what its NCHW twin does.
#include <optional>

#include "runtime/ops/channels_last.h"
#include "tests/ops/op_cases.h"

namespace facefuse::rt::testing {
namespace {

// The case on NHWC activations; nullopt when it is not a 2-D float32 one.
std::optional<OpCase> AsChannelsLast(OpCase c, const std::string& nhwc_op, std::initializer_list<size_t> activations) {
  for (size_t i : activations) {
    if (i >= c.inputs.size() || c.inputs[i].empty()) continue;
    if (c.inputs[i].rank() != 4 || c.inputs[i].dtype() != DataType::kFloat32) return std::nullopt;
    c.inputs[i] = CopyToChannelsLast(c.inputs[i]).value();
  }
  if (c.node.outputs.size() != 1) return std::nullopt;
  c.name = nhwc_op + c.name.substr(c.name.find('/'));
  c.node.op_type = nhwc_op;
  c.node.domain = "facefuse";
  return c;
}

}  // namespace

std::vector<OpCase> ChannelsLastCases() {
  std::vector<OpCase> cases;
  for (OpCase& c : ConvCases()) {
    if (c.node.op_type != "Conv" && c.node.op_type != "FusedConv") continue;
    if (auto nhwc = AsChannelsLast(std::move(c), "NhwcConv", {0, 3})) cases.push_back(std::move(*nhwc));
  }
  for (OpCase& c : PoolCases()) {
    if (c.node.op_type != "MaxPool" && c.node.op_type != "AveragePool") continue;
    const std::string op = "Nhwc" + c.node.op_type;
    if (auto nhwc = AsChannelsLast(std::move(c), op, {0})) cases.push_back(std::move(*nhwc));
  }
  return cases;
}

}  // namespace facefuse::rt::testing
