#include "face/swap/neural/swapper_contract.h"

#include "face/align.h"

namespace facefuse::face {
namespace {

std::vector<int> Multiples(int size, int up_to) {
  std::vector<int> out;
  for (int s = size; s <= up_to; s += size) out.push_back(s);
  return out;
}

SwapperContract Inswapper(const std::string& name, bool fp16) {
  SwapperContract c;
  c.name = name;
  c.fp16_graph = fp16;
  c.template_points = kArcFaceTemplate128;
  c.template_size = 128;
  c.size = 128;
  c.source = SourceEncoding::kInswapperLatent;
  c.boost_sizes = {128, 256, 384, 512, 768, 1024};
  return c;
}

SwapperContract Hyperswap(const std::string& name) {
  SwapperContract c;
  c.name = name;
  c.template_points = kArcFaceTemplate128;
  c.template_size = 128;
  c.size = 256;
  c.target_mean = {0.5f, 0.5f, 0.5f};
  c.target_std = {0.5f, 0.5f, 0.5f};
  c.output_scale = 0.5f;
  c.output_offset = 0.5f;
  c.boost_sizes = Multiples(256, 1024);
  c.fp16_graph = true;  // FaceFusion publishes hyperswap as float16 exports
  return c;
}

SwapperContract Simswap(const std::string& name, int size, bool imagenet) {
  SwapperContract c;
  c.name = name;
  c.template_points = kArcFaceV1Template112;
  c.template_size = 112;
  c.size = size;
  if (imagenet) {
    c.target_mean = {0.485f, 0.456f, 0.406f};
    c.target_std = {0.229f, 0.224f, 0.225f};
  }
  c.source = SourceEncoding::kConvertedUnitEmbedding;
  c.converter = "crossface_simswap";
  c.boost_sizes = Multiples(size, 1024);
  return c;
}

}  // namespace

const std::vector<SwapperContract>& SwapperContracts() {
  static const std::vector<SwapperContract> contracts = {
      Inswapper("inswapper_128", false), Inswapper("inswapper_128_fp16", true),
      Hyperswap("hyperswap_1a_256"),   Hyperswap("hyperswap_1b_256"),
      Hyperswap("hyperswap_1c_256"),   Simswap("simswap_256", 256, true),
      Simswap("simswap_unofficial_512", 512, false),
  };
  return contracts;
}

Result<const SwapperContract*> FindSwapperContract(const std::string& name) {
  std::string known;
  for (const SwapperContract& c : SwapperContracts()) {
    if (c.name == name) return &c;
    known += (known.empty() ? "" : ", ") + c.name;
  }
  return NotFound("no swapper contract named '" + name + "' (known: " + known + ", classical)");
}

}  // namespace facefuse::face
