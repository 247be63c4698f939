#include <string>
#include <utility>

#include "tests/ops/op_cases.h"

namespace facefuse::rt::testing {
namespace {

// What a Resize-11+ case resizes to: exactly one of scales / sizes non-empty; roi for tf_crop_and_resize.
struct Target {
  std::vector<float> scales;
  std::vector<int64_t> sizes;
  std::vector<float> roi;
};

Target Scales(std::vector<float> scales) { return Target{std::move(scales), {}, {}}; }
Target Sizes(std::vector<int64_t> sizes, std::vector<float> roi = {}) { return Target{{}, std::move(sizes), std::move(roi)}; }

Tensor FloatVector(const std::vector<float>& v) { return Floats(v, {static_cast<int64_t>(v.size())}); }

// Resize (opset 13 form: X, roi, scales, sizes) with string attributes given as name=value pairs.
OpCase Resize(const std::string& name, const Tensor& x, const Target& target,
              const std::vector<std::pair<std::string, std::string>>& attrs) {
  OpCase c;
  c.name = "Resize/" + name;
  c.node = MakeNode("Resize", 4, 1);
  for (const auto& [k, v] : attrs) SetAttr(c.node, k, v);
  c.inputs = {x, target.roi.empty() ? Tensor() : FloatVector(target.roi),
              target.scales.empty() ? Tensor() : FloatVector(target.scales),
              target.sizes.empty() ? Tensor() : Int64s(target.sizes)};
  for (size_t i = 1; i < 4; ++i)
    if (c.inputs[i].empty()) c.node.inputs[i] = "";
  c.constant = {false, true, true, true};
  return c;
}

void AddNearestCases(std::vector<OpCase>& cases) {
  // The face-detector FPN case: 2x nearest, asymmetric + floor, sizes from a shape subgraph.
  cases.push_back(Resize("nearest_2x_fpn_c17", RandomFloat({1, 17, 9, 13}, 1), Sizes({1, 17, 18, 26}),
                         {{"mode", "nearest"}, {"coordinate_transformation_mode", "asymmetric"},
                          {"nearest_mode", "floor"}}));
  cases.push_back(Resize("nearest_2x_scales_n2", RandomFloat({2, 3, 20, 33}, 2), Scales({1, 1, 2, 2}),
                         {{"mode", "nearest"}, {"coordinate_transformation_mode", "asymmetric"},
                          {"nearest_mode", "floor"}}));
  cases.push_back(Resize("nearest_3x_default", RandomFloat({1, 2, 5, 7}, 3), Scales({1, 1, 3, 3}), {}));
  const char* coords[] = {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nn"};
  const char* roundings[] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};
  uint32_t seed = 10;
  for (const char* coord : coords) {
    for (const char* rounding : roundings) {
      std::string suffix = std::string(coord) + "_" + rounding;
      cases.push_back(Resize("nearest_up_" + suffix, RandomFloat({1, 3, 7, 5}, seed++), Sizes({1, 3, 17, 12}),
                             {{"mode", "nearest"}, {"coordinate_transformation_mode", coord},
                              {"nearest_mode", rounding}}));
      cases.push_back(Resize("nearest_down_" + suffix, RandomFloat({2, 1, 17, 11}, seed++),
                             Scales({1, 1, 0.6f, 0.45f}),
                             {{"mode", "nearest"}, {"coordinate_transformation_mode", coord},
                              {"nearest_mode", rounding}}));
    }
  }
  cases.push_back(Resize("nearest_rank1", RandomFloat({72}, 40), Scales({2.5f}),
                         {}));
  Tensor bytes = Tensor::Allocate(DataType::kUInt8, {2, 5, 9}).value();
  for (int64_t i = 0; i < bytes.size(); ++i) bytes.data<uint8_t>()[i] = static_cast<uint8_t>(i * 37);
  cases.push_back(Resize("nearest_uint8_rank3", bytes, Sizes({3, 10, 18}), {{"mode", "nearest"}}));
  cases.push_back(Resize("nearest_int64_all_axes", RandomInt64({3, 4, 5}, 41, -1000, 1000),
                         Scales({2, 0.5f, 1.5f}), {{"nearest_mode", "ceil"}}));
  cases.push_back(Resize("nearest_5d", RandomFloat({1, 2, 3, 4, 5}, 42), Scales({1, 1, 2, 2, 2}),
                         {{"coordinate_transformation_mode", "asymmetric"}, {"nearest_mode", "floor"}}));
  cases.push_back(Resize("nearest_empty_output", RandomFloat({1, 1, 3, 3}, 43), Sizes({1, 1, 0, 3}), {}));
  cases.push_back(Resize("nearest_tf_crop_and_resize", RandomFloat({1, 1, 6, 6}, 44),
                         Sizes({1, 1, 5, 7}, {0, 0, -0.2f, 0.3f, 1, 1, 0.9f, 1.4f}),
                         {{"mode", "nearest"}, {"coordinate_transformation_mode", "tf_crop_and_resize"}}));
}

void AddInterpolationCases(std::vector<OpCase>& cases) {
  const char* coords[] = {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric"};
  uint32_t seed = 100;
  for (const char* mode : {"linear", "cubic"}) {
    for (const char* coord : coords) {
      std::string suffix = std::string(mode) + "_" + coord;
      cases.push_back(Resize("up_" + suffix, RandomFloat({1, 5, 6, 9}, seed++), Scales({1, 1, 2, 1.5f}),
                             {{"mode", mode}, {"coordinate_transformation_mode", coord}}));
      cases.push_back(Resize("down_" + suffix, RandomFloat({1, 3, 17, 33}, seed++), Sizes({1, 3, 7, 1}),
                             {{"mode", mode}, {"coordinate_transformation_mode", coord}}));
    }
  }
  OpCase cubic = Resize("cubic_a_n0p5_exclude_outside", RandomFloat({1, 2, 9, 8}, 120), Scales({1, 1, 0.8f, 1.9f}),
                        {{"mode", "cubic"}});
  SetAttr(cubic.node, "cubic_coeff_a", -0.5f);
  SetAttr(cubic.node, "exclude_outside", int64_t{1});
  cases.push_back(cubic);
  OpCase crop = Resize("linear_tf_crop_and_resize", RandomFloat({1, 2, 10, 10}, 121),
                       Sizes({1, 2, 6, 9}, {0, 0, 0.3f, -0.1f, 1, 1, 0.8f, 1.2f}),
                       {{"mode", "linear"}, {"coordinate_transformation_mode", "tf_crop_and_resize"}});
  SetAttr(crop.node, "extrapolation_value", 10.f);
  cases.push_back(crop);
  // Resizing the channel axis too: the CPU kernel hands this to the reference kernel.
  cases.push_back(Resize("linear_all_axes", RandomFloat({2, 3, 4, 5}, 122), Scales({1, 2, 0.5f, 1.5f}),
                         {{"mode", "linear"}}));
  cases.push_back(Resize("linear_rank2", RandomFloat({33, 17}, 123), Sizes({65, 8}), {{"mode", "linear"}}));
}

void AddLegacyCases(std::vector<OpCase>& cases) {
  for (const char* mode : {"nearest", "linear"}) {
    OpCase r10;
    r10.name = std::string("Resize/opset10_") + mode;
    r10.node = MakeNode("Resize", 2, 1);
    SetAttr(r10.node, "mode", std::string(mode));
    r10.inputs = {RandomFloat({1, 3, 8, 7}, 200), FloatVector({1, 1, 2, 0.6f})};
    r10.constant = {false, true};
    r10.opset = 10;
    cases.push_back(r10);

    OpCase u9;
    u9.name = std::string("Upsample/opset9_") + mode;
    u9.node = MakeNode("Upsample", 2, 1);
    SetAttr(u9.node, "mode", std::string(mode));
    u9.inputs = {RandomFloat({1, 4, 5, 6}, 201), FloatVector({1, 1, 2, 3})};
    u9.constant = {false, true};
    u9.opset = 9;
    cases.push_back(u9);

    OpCase u7;
    u7.name = std::string("Upsample/opset7_") + mode;
    u7.node = MakeNode("Upsample", 1, 1);
    SetAttr(u7.node, "mode", std::string(mode));
    SetAttr(u7.node, "scales", std::vector<float>{1, 1, 2, 2});
    u7.inputs = {RandomFloat({2, 3, 7, 9}, 202)};
    u7.constant = {false};
    u7.opset = 7;
    cases.push_back(u7);
  }
}

}  // namespace

std::vector<OpCase> ResizeCases() {
  std::vector<OpCase> cases;
  AddNearestCases(cases);
  AddInterpolationCases(cases);
  AddLegacyCases(cases);
  return cases;
}

}  // namespace facefuse::rt::testing
