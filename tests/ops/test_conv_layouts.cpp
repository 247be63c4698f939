// The CPU conv kernel picks a layout per shape by timing, so which layout
// runs depends on the machine and its load. This test runs every Conv,
// ConvTranspose and FusedConv case on every layout oneDNN implements and
// checks each against the reference kernel.
#include <gtest/gtest.h>

#include <cmath>

#include "runtime/ops/conv_common.h"
#include "runtime/providers/cpu/dnnl_conv_plan.h"
#include "tests/ops/op_cases.h"

namespace facefuse::rt::testing {
namespace {

const float* DataOrNull(const std::vector<Tensor>& inputs, size_t i) {
  return i < inputs.size() && !inputs[i].empty() ? inputs[i].data<float>() : nullptr;
}

TEST(ConvLayouts, EveryLayoutMatchesReference) {
  for (const OpCase& c : ConvCases()) {
    SCOPED_TRACE(c.name);
    const bool transpose = c.node.op_type == "ConvTranspose";
    const OpDef* def = OpRegistry::Global().Find(c.node.domain, c.node.op_type);
    ASSERT_NE(def, nullptr);
    const Tensor* bias = c.inputs[2].empty() ? nullptr : &c.inputs[2];
    auto geometry = ResolveConvGeometry(c.node, transpose, c.inputs[0].shape(), c.inputs[1].shape(), bias);
    ASSERT_TRUE(geometry.ok()) << geometry.status().ToString();
    const ConvGeometry& g = *geometry;

    std::vector<const Tensor*> inputs;
    for (const Tensor& t : c.inputs) inputs.push_back(t.empty() ? nullptr : &t);
    Tensor expected = Tensor::Allocate(DataType::kFloat32, g.y_shape).value();
    Tensor* expected_ptr = &expected;
    ASSERT_TRUE(def->reference(c.node, inputs, std::span<Tensor* const>(&expected_ptr, 1)).ok());

    cpu::ConvEpilogue epilogue;
    if (c.node.op_type == "FusedConv") {
      epilogue.sum = c.node.HasInput(3);
      epilogue.activation = ReadFusedActivation(c.node).value();
      epilogue.slope_size = c.node.HasInput(4) ? c.inputs[4].size() : 0;
    }
    const float* constant_w = c.constant[1] ? c.inputs[1].data<float>() : nullptr;
    for (auto layout : {cpu::ConvLayout::kPlain, cpu::ConvLayout::kBlocked, cpu::ConvLayout::kChannelsLast}) {
      SCOPED_TRACE(cpu::ConvLayoutName(layout));
      std::unique_ptr<cpu::DnnlConvPlan> plan;
      try {
        plan = std::make_unique<cpu::DnnlConvPlan>(g, layout, epilogue, bias != nullptr, constant_w);
      } catch (const dnnl::error&) {
        continue;  // not implemented by oneDNN for this layout; the kernel skips it the same way
      }
      Tensor y = Tensor::Allocate(DataType::kFloat32, g.y_shape).value();
      cpu::ConvArgs args{c.inputs[0].data<float>(), c.inputs[1].data<float>(), DataOrNull(c.inputs, 2),
                         DataOrNull(c.inputs, 3),   DataOrNull(c.inputs, 4),   y.data<float>()};
      ASSERT_NO_THROW(plan->Execute(args));
      int64_t bad = 0;
      for (int64_t i = 0; i < y.size(); ++i) {
        const double want = expected.data<float>()[i], got = y.data<float>()[i];
        if (!(std::fabs(want - got) <= c.atol + c.rtol * std::fabs(want)) && bad++ < 3)
          ADD_FAILURE() << "[" << i << "]: reference " << want << ", got " << got;
      }
      EXPECT_EQ(bad, 0);
    }
  }
}

}  // namespace
}  // namespace facefuse::rt::testing
