// The I/O contracts of the neural face swappers FaceFusion users have
// (inswapper, hyperswap, simswap): crop template and size, how the target crop
// and the source identity are fed, and how the output maps back to pixels.
// Facts from the model-contract reference, section 6.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "facefuse/face.h"
#include "facefuse/status.h"

namespace facefuse::face {

// How the `source` input is made from the source face's identity.
enum class SourceEncoding {
  kInswapperLatent,       // unit ArcFace embedding x emap (the model's last initializer), [1,512]
  kUnitEmbedding,         // the L2-normalised ArcFace embedding, [1,512]
  kConvertedUnitEmbedding // a converter model (crossface_simswap) on the embedding, then L2-normalised
};

struct SwapperContract {
  std::string name;                      // catalog name, e.g. "inswapper_128"
  std::array<Point2, 5> template_points; // alignment template in pixels of `template_size`
  float template_size = 0;
  int size = 0;                          // model input/output side in pixels
  // Target crop normalisation on RGB in [0,1]: (x - mean) / std per channel.
  std::array<float, 3> target_mean{0, 0, 0};
  std::array<float, 3> target_std{1, 1, 1};
  // Output to [0,1]: y * output_scale + output_offset, then clipped.
  float output_scale = 1;
  float output_offset = 0;
  SourceEncoding source = SourceEncoding::kUnitEmbedding;
  std::string converter;                 // catalog name of the converter for kConvertedUnitEmbedding
  std::vector<int> boost_sizes;          // allowed pixel-boost crop sides (multiples of size)
  // The published model computes in float16 behind float32 I/O (inswapper_128_fp16, hyperswap). The engine
  // feeds whatever dtype the model declares either way; stand-ins (tools/standins) reproduce the float16 body.
  bool fp16_graph = false;
};

// The contract for a catalog name (inswapper_128, inswapper_128_fp16,
// hyperswap_1a_256, hyperswap_1b_256, hyperswap_1c_256, simswap_256,
// simswap_unofficial_512). Errors: NotFound listing the known names.
Result<const SwapperContract*> FindSwapperContract(const std::string& name);

// Every known contract, in catalog order.
const std::vector<SwapperContract>& SwapperContracts();

}  // namespace facefuse::face
