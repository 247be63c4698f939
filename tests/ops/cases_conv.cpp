// Conv, ConvTranspose and FusedConv cases: odd channel counts (3, 17, 33) for
// SIMD tails, groups and depthwise, strides, dilations, asymmetric pads, every
// auto_pad, 1-D and 3-D, weights both constant (prepacked) and fed at run
// time, and for FusedConv every activation, Sum and PRelu slopes.
#include "tests/ops/op_cases.h"

namespace facefuse::rt::testing {
namespace {

using IntAttrs = std::vector<std::pair<std::string, std::vector<int64_t>>>;

struct ConvSpec {
  std::string name;
  Shape x, w;
  IntAttrs ints;  // list attributes
  int64_t group = 1;
  std::string auto_pad;  // "" leaves the attribute absent
  bool bias = true;
  bool constant_w = true;
};

ConvSpec Spec(std::string name, Shape x, Shape w, IntAttrs ints, int64_t group = 1, std::string auto_pad = "",
              bool bias = true, bool constant_w = true) {
  return ConvSpec{std::move(name), std::move(x),        std::move(w), std::move(ints),
                  group,           std::move(auto_pad), bias,         constant_w};
}

// A case for `op` with X, W and (optionally) B; B has `out_channels` values.
OpCase MakeConvCase(const std::string& op, const std::string& domain, const ConvSpec& s, int64_t out_channels,
                    size_t extra_inputs = 0) {
  const size_t n_in = 3 + extra_inputs;
  OpCase c{op + "/" + s.name, MakeNode(op, n_in, 1, domain), {}, {}, 17, 1e-4, 1e-4};
  if (s.group != 1) SetAttr(c.node, "group", s.group);
  if (!s.auto_pad.empty()) SetAttr(c.node, "auto_pad", s.auto_pad);
  for (const auto& [attr, v] : s.ints) SetAttr(c.node, attr, v);
  const uint32_t seed = static_cast<uint32_t>(std::hash<std::string>{}(c.name));
  c.inputs = {RandomFloat(s.x, seed), RandomFloat(s.w, seed + 1),
              s.bias ? RandomFloat({out_channels}, seed + 2) : Tensor()};
  if (!s.bias) c.node.inputs[2].clear();
  c.constant = {false, s.constant_w, true};
  return c;
}

std::vector<ConvSpec> ConvSpecs() {
  return {
      Spec("3x3_pad1_c17_to_33", {1, 17, 19, 21}, {33, 17, 3, 3}, {{"pads", {1, 1, 1, 1}}}),
      Spec("3x3_c3_to_16_first_layer", {1, 3, 40, 37}, {16, 3, 3, 3}, {{"pads", {1, 1, 1, 1}}, {"strides", {2, 2}}}),
      Spec("1x1_c33_to_17_nobias", {2, 33, 13, 11}, {17, 33, 1, 1}, {}, 1, "", false),
      // 118 MFLOPs per image: the cpu kernel runs the batch image by image (PerImageConvPlan).
      Spec("3x3_c64_batch2_per_image", {2, 64, 40, 40}, {64, 64, 3, 3}, {{"pads", {1, 1, 1, 1}}}),
      Spec("3x3_stride2_asym_pads", {1, 16, 17, 18}, {24, 16, 3, 3}, {{"pads", {0, 1, 2, 0}}, {"strides", {2, 2}}}),
      Spec("3x3_dilation2", {1, 8, 20, 20}, {8, 8, 3, 3}, {{"pads", {2, 2, 2, 2}}, {"dilations", {2, 2}}}),
      Spec("5x3_stride_2x1_dilation_1x3", {1, 5, 23, 29}, {7, 5, 5, 3},
           {{"strides", {2, 1}}, {"dilations", {1, 3}}, {"kernel_shape", {5, 3}}}),
      Spec("depthwise_c33", {1, 33, 15, 16}, {33, 1, 3, 3}, {{"pads", {1, 1, 1, 1}}}, 33),
      Spec("depthwise_c32_stride2", {1, 32, 32, 32}, {32, 1, 3, 3}, {{"pads", {1, 1, 1, 1}}, {"strides", {2, 2}}}, 32),
      // Depthwise shapes for the CPU provider's own depthwise plan: vector tails (widths 37, 5), stride 2 with
      // asymmetric pads, stride 3, a 5x5 kernel, a kernel wider than the input, batch 2, no bias.
      Spec("depthwise_c19_w37_asym_stride2", {2, 19, 21, 37}, {19, 1, 3, 3}, {{"pads", {0, 1, 1, 0}}, {"strides", {2, 2}}},
           19),
      Spec("depthwise_k5_pad2_nobias", {1, 24, 17, 29}, {24, 1, 5, 5}, {{"pads", {2, 2, 2, 2}}}, 24, "", false),
      Spec("depthwise_stride3_k3x2", {1, 7, 14, 13}, {7, 1, 3, 2}, {{"strides", {3, 3}}, {"pads", {1, 1, 0, 1}}}, 7),
      Spec("depthwise_kernel_wider_than_input", {1, 5, 4, 5}, {5, 1, 3, 7}, {{"pads", {1, 3, 1, 3}}}, 5),
      Spec("group3_c6_to_9", {1, 6, 10, 9}, {9, 2, 3, 3}, {{"pads", {1, 0, 1, 0}}}, 3),
      // 128 output channels or more (the CPU provider's row bands from 0.5 MFLOPs at 2+ threads), and pads so deep
      // that a third of the output rows read none of the input's.
      Spec("1x1_c16_to_128", {1, 16, 7, 5}, {128, 16, 1, 1}, {}),
      Spec("depthwise_c128_odd_rows", {1, 128, 7, 6}, {128, 1, 3, 3}, {{"pads", {1, 1, 1, 1}}}, 128),
      Spec("1x1_pads_past_rows", {1, 3, 2, 5}, {4, 3, 1, 1}, {{"pads", {2, 0, 2, 0}}}),
      Spec("same_upper_stride2", {1, 4, 11, 10}, {5, 4, 3, 3}, {{"strides", {2, 2}}}, 1, "SAME_UPPER"),
      Spec("same_lower_stride2", {1, 4, 11, 10}, {5, 4, 4, 4}, {{"strides", {2, 2}}}, 1, "SAME_LOWER"),
      Spec("valid_stride3", {1, 4, 14, 13}, {6, 4, 3, 2}, {{"strides", {3, 3}}}, 1, "VALID"),
      Spec("weights_at_runtime", {1, 17, 9, 9}, {17, 17, 3, 3}, {{"pads", {1, 1, 1, 1}}}, 1, "", true, false),
      Spec("1d_k5_stride2", {2, 7, 31}, {9, 7, 5}, {{"pads", {2, 1}}, {"strides", {2}}}),
      Spec("3d_k3", {1, 3, 6, 7, 8}, {5, 3, 3, 3, 3}, {{"pads", {1, 1, 1, 1, 1, 1}}}),
      Spec("64_to_64_3x3_64x64", {1, 64, 64, 64}, {64, 64, 3, 3}, {{"pads", {1, 1, 1, 1}}}),
      // Shapes for the CPU provider's Winograd plan (3x3 stride 1, channels multiples of 8): output sizes odd and
      // even (tiles cut at the edge), no pads and asymmetric pads, 24 output channels (a half-used block of 16),
      // a 1x1 image, batch 2 and no bias.
      Spec("winograd_c8_to_24_odd", {1, 8, 7, 9}, {24, 8, 3, 3}, {{"pads", {1, 1, 1, 1}}}),
      Spec("winograd_c16_to_8_valid", {2, 16, 6, 5}, {8, 16, 3, 3}, {}, 1, "", false),
      Spec("winograd_c24_to_40_asym_pads", {1, 24, 11, 10}, {40, 24, 3, 3}, {{"pads", {2, 0, 1, 1}}}),
      Spec("winograd_c32_to_16_1x1_image", {1, 32, 1, 1}, {16, 32, 3, 3}, {{"pads", {1, 1, 1, 1}}}),
      // Tile counts 2, 3, 5, 7, 9, 10, 11 and 13 (with the cases above, every count of tiles left after the
      // product kernel's full blocks of 6 or 12, and a block plus one).
      Spec("winograd_2_tiles", {1, 8, 2, 4}, {8, 8, 3, 3}, {{"pads", {1, 1, 1, 1}}}),
      Spec("winograd_3_tiles", {1, 8, 2, 6}, {8, 8, 3, 3}, {{"pads", {1, 1, 1, 1}}}),
      Spec("winograd_5_tiles", {1, 8, 2, 10}, {8, 8, 3, 3}, {{"pads", {1, 1, 1, 1}}}),
      Spec("winograd_7_tiles", {1, 8, 2, 14}, {8, 8, 3, 3}, {{"pads", {1, 1, 1, 1}}}),
      Spec("winograd_9_tiles", {1, 8, 6, 6}, {8, 8, 3, 3}, {{"pads", {1, 1, 1, 1}}}),
      Spec("winograd_10_tiles", {1, 8, 4, 10}, {8, 8, 3, 3}, {{"pads", {1, 1, 1, 1}}}),
      Spec("winograd_11_tiles", {1, 8, 2, 22}, {8, 8, 3, 3}, {{"pads", {1, 1, 1, 1}}}),
      Spec("winograd_13_tiles", {1, 8, 2, 26}, {8, 8, 3, 3}, {{"pads", {1, 1, 1, 1}}}),
      // Shapes for the CPU provider's plan for 1-4 output channels (C_in multiples of 8): a swapper's 7x7 last
      // layer, 1x1 to one channel at batch 2, strides with asymmetric pads, windows crossing every edge, rows of
      // many 4-pixel blocks and a tail.
      Spec("narrow_c128_to_3_k7", {1, 128, 14, 13}, {3, 128, 7, 7}, {}),
      Spec("narrow_c16_to_1_1x1_batch2", {2, 16, 9, 11}, {1, 16, 1, 1}, {}, 1, "", false),
      Spec("narrow_c24_to_4_stride2_asym_pads", {1, 24, 12, 13}, {4, 24, 3, 3}, {{"pads", {1, 0, 2, 1}}, {"strides", {2, 2}}}),
      Spec("narrow_c8_to_2_k5_pad2", {1, 8, 6, 7}, {2, 8, 5, 5}, {{"pads", {2, 2, 2, 2}}}),
      Spec("narrow_c32_to_3_wide_rows", {1, 32, 5, 43}, {3, 32, 3, 3}, {{"pads", {1, 1, 1, 1}}}),
  };
}

std::vector<ConvSpec> ConvTransposeSpecs() {
  return {
      Spec("stride2_k4_pad1_c17_to_33", {1, 17, 9, 10}, {17, 33, 4, 4}, {{"pads", {1, 1, 1, 1}}, {"strides", {2, 2}}}),
      Spec("stride2_k3_output_padding", {1, 8, 7, 6}, {8, 3, 3, 3},
           {{"pads", {1, 1, 1, 1}}, {"strides", {2, 2}}, {"output_padding", {1, 1}}}),
      Spec("output_padding_beyond_pads", {1, 4, 5, 5}, {4, 2, 3, 3}, {{"strides", {3, 2}}, {"output_padding", {2, 1}}},
           1, "", false),
      Spec("output_shape", {1, 3, 5, 4}, {3, 2, 3, 3}, {{"strides", {2, 3}}, {"output_shape", {10, 12}}}),
      Spec("group3", {1, 6, 7, 7}, {6, 3, 3, 3}, {{"strides", {2, 2}}}, 3),
      Spec("depthwise_c16", {1, 16, 8, 8}, {16, 1, 2, 2}, {{"strides", {2, 2}}}, 16),
      Spec("dilation2", {1, 5, 6, 6}, {5, 4, 3, 3}, {{"dilations", {2, 2}}, {"pads", {1, 2, 0, 1}}}),
      Spec("same_upper", {1, 3, 5, 5}, {3, 2, 3, 3}, {{"strides", {2, 2}}}, 1, "SAME_UPPER"),
      Spec("same_lower", {1, 3, 5, 5}, {3, 2, 3, 3}, {{"strides", {2, 2}}}, 1, "SAME_LOWER"),
      Spec("weights_at_runtime", {1, 9, 6, 6}, {9, 4, 2, 2}, {{"strides", {2, 2}}}, 1, "", true, false),
      Spec("1d", {1, 3, 11}, {3, 5, 4}, {{"strides", {3}}, {"pads", {1, 0}}}),
      Spec("3d", {1, 2, 3, 4, 3}, {2, 3, 2, 2, 2}, {{"strides", {2, 2, 2}}}),
  };
}

// A FusedConv case over a 3x3 pad-1 conv, X [batch, c_in, 13, 14] -> [batch, c_out, 13, 14].
OpCase MakeFusedCase(const std::string& name, int64_t c_in, int64_t c_out, int64_t group, const std::string& act,
                     const std::vector<float>& params, bool with_sum, int64_t slope_values, int64_t batch = 1) {
  ConvSpec s = Spec(name, {batch, c_in, 13, 14}, {c_out, c_in / group, 3, 3}, {{"pads", {1, 1, 1, 1}}}, group);
  OpCase c = MakeConvCase("FusedConv", "facefuse", s, c_out, 2);
  if (!act.empty()) SetAttr(c.node, "activation", act);
  if (!params.empty()) SetAttr(c.node, "activation_params", params);
  c.inputs.push_back(with_sum ? RandomFloat({batch, c_out, 13, 14}, 7) : Tensor());
  if (!with_sum) c.node.inputs[3].clear();
  // PRelu slopes in [0, 1], shaped as a PRelu initializer broadcast over [C, 1, 1].
  c.inputs.push_back(
      slope_values > 0 ? RandomFloat(slope_values == 1 ? Shape{1} : Shape{slope_values, 1, 1}, 8, 0.f, 1.f) : Tensor());
  if (slope_values == 0) c.node.inputs[4].clear();
  c.constant = {false, true, true, false, true};
  return c;
}

}  // namespace

std::vector<OpCase> ConvCases() {
  std::vector<OpCase> cases;
  for (const ConvSpec& s : ConvSpecs()) cases.push_back(MakeConvCase("Conv", "", s, s.w[0]));
  for (const ConvSpec& s : ConvTransposeSpecs())
    cases.push_back(MakeConvCase("ConvTranspose", "", s, s.w[1] * s.group));

  cases.push_back(MakeFusedCase("none", 17, 33, 1, "", {}, false, 0));
  cases.push_back(MakeFusedCase("Relu", 17, 33, 1, "Relu", {}, false, 0));
  cases.push_back(MakeFusedCase("LeakyRelu_default", 3, 16, 1, "LeakyRelu", {}, false, 0));
  cases.push_back(MakeFusedCase("LeakyRelu_0.1", 16, 17, 1, "LeakyRelu", {0.1f}, false, 0));
  cases.push_back(MakeFusedCase("Sigmoid", 16, 3, 1, "Sigmoid", {}, false, 0));
  cases.push_back(MakeFusedCase("HardSigmoid", 16, 16, 1, "HardSigmoid", {0.3f, 0.4f}, false, 0));
  cases.push_back(MakeFusedCase("Tanh", 8, 33, 1, "Tanh", {}, false, 0));
  cases.push_back(MakeFusedCase("Clip_0_6", 16, 24, 1, "Clip", {0.f, 6.f}, false, 0));
  cases.push_back(MakeFusedCase("Clip_default", 16, 24, 1, "Clip", {}, false, 0));
  cases.push_back(MakeFusedCase("Elu_0.7", 16, 17, 1, "Elu", {0.7f}, false, 0));
  cases.push_back(MakeFusedCase("PRelu_per_channel", 17, 33, 1, "PRelu", {}, false, 33));
  cases.push_back(MakeFusedCase("PRelu_one_slope", 16, 16, 1, "PRelu", {}, false, 1));
  cases.push_back(MakeFusedCase("Sum", 16, 33, 1, "", {}, true, 0));
  cases.push_back(MakeFusedCase("Sum_Relu", 32, 32, 1, "Relu", {}, true, 0));
  cases.push_back(MakeFusedCase("Sum_LeakyRelu_0.1", 16, 24, 1, "LeakyRelu", {0.1f}, true, 0));
  cases.push_back(MakeFusedCase("Sum_Tanh_to_4_batch2", 16, 4, 1, "Tanh", {}, true, 0, 2));
  cases.push_back(MakeFusedCase("Clip_0_6_c8", 8, 16, 1, "Clip", {0.f, 6.f}, false, 0, 2));
  cases.push_back(MakeFusedCase("Sum_PRelu", 16, 17, 1, "PRelu", {}, true, 17));
  cases.push_back(MakeFusedCase("Sum_PRelu_batch3", 16, 17, 1, "PRelu", {}, true, 17, 3));
  cases.push_back(MakeFusedCase("depthwise_Relu", 33, 33, 33, "Relu", {}, false, 0));
  cases.push_back(MakeFusedCase("depthwise_PRelu", 32, 32, 32, "PRelu", {}, false, 32));
  cases.push_back(MakeFusedCase("depthwise_Sum_Clip", 17, 17, 17, "Clip", {0.f, 6.f}, true, 0));
  cases.push_back(MakeFusedCase("depthwise_Sum_PRelu_one_slope", 16, 16, 16, "PRelu", {}, true, 1));
  cases.push_back(MakeFusedCase("depthwise_HardSigmoid", 8, 8, 8, "HardSigmoid", {0.3f, 0.4f}, false, 0));
  return cases;
}

}  // namespace facefuse::rt::testing
