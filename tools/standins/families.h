// The graph bodies of each stand-in kind, between the contract's inputs and
// its output. Internal to tools/standins; standins.cpp declares the inputs
// and outputs, the float16 boundary casts, the emap and the metadata.
#pragma once

#include <string>

#include "facefuse/status.h"
#include "tools/standins/model_builder.h"
#include "tools/standins/standins.h"

namespace facefuse::standins {

// Values a body reads: the image as the model receives it (normalised), the
// source vector [1,512] (empty when the model has none) and the codeformer
// weight already cast to float32 [1] (empty when none).
struct BodyInputs {
  std::string image;
  std::string source;
  std::string weight;
};

// Each returns the name of the float32 value that becomes the model's output
// (ModelContract::output_dims; images in the model's output space, before the
// consumer's clip).
Result<std::string> BuildIdentityBody(const ModelContract& c, const BodyInputs& in, ModelBuilder& b);
Result<std::string> BuildSourceCopyBody(const ModelContract& c, const BodyInputs& in, ModelBuilder& b);
Result<std::string> BuildSwapperReplicaBody(const ModelContract& c, const StandInSpec& spec, const BodyInputs& in,
                                            ModelBuilder& b);
Result<std::string> BuildEnhancerReplicaBody(const ModelContract& c, const StandInSpec& spec, const BodyInputs& in,
                                             ModelBuilder& b);
// Converters: [1,512] -> [1,512] (Gemm, LeakyRelu, Gemm).
Result<std::string> BuildConverterReplicaBody(const ModelContract& c, const StandInSpec& spec, const BodyInputs& in,
                                              ModelBuilder& b);
// The tint kind of swappers, enhancers and converters (standins.h, StandInKind::kTint).
Result<std::string> BuildTintBody(const ModelContract& c, const BodyInputs& in, ModelBuilder& b);
// The red-flag content classifier: returns the [1,2] (safe, not safe) output (simple_kinds.cpp).
Result<std::string> BuildRedFlagBody(const ModelContract& c, const BodyInputs& in, ModelBuilder& b);
// The blue-blob detector: returns the [1,20,8400] output (blue_blob.cpp).
Result<std::string> BuildBlueBlobBody(const ModelContract& c, const BodyInputs& in, ModelBuilder& b);

}  // namespace facefuse::standins
