// Stand-in models: ONNX files with the exact input/output contract of each
// face swapper and enhancer facefuse runs (docs/standins.md), for tests and
// benchmarks where the real, trained model cannot be shipped. A stand-in is
// never a trained model and is marked as such in its metadata
// (metadata_props "facefuse.standin" = kind, and the model doc_string).
//
//   facefuse::standins::StandInSpec spec{.model = "inswapper_128", .kind = StandInKind::kIdentity};
//   facefuse::Status s = facefuse::standins::WriteStandIn(spec, "out/inswapper_128.identity.onnx");
//
// Every function is deterministic: the same spec gives the same bytes.
// Nothing throws; errors come back as Status.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "facefuse/status.h"

namespace onnx {
class ModelProto;
}

namespace facefuse::standins {

enum class StandInKind {
  // Output equals the target (swappers) or input (enhancers) image after the
  // model's own de-normalisation, so the pipeline's output is its input crop.
  // Every other input is still read by the graph (multiplied by zero).
  kIdentity,
  // Swappers only: a constant-colour image whose RGB (in [0,1] output space)
  // is sigmoid(16 * source[0..2]); the target is read but multiplied by zero.
  kSourceCopy,
  // Random weights (fixed seed) in the real architecture's op mix and roughly
  // its cost in FLOPs; output is finite but meaningless.
  kReplica,
};

// "identity", "source-copy", "replica".
std::string_view KindName(StandInKind kind);
Result<StandInKind> ParseKind(std::string_view name);

enum class ModelFamily { kSwapper, kEnhancer };

// How a model's image input is normalised from RGB x in [0,255] and how its
// output goes back to [0,1] (docs: model-contracts sections 6 and 7).
enum class PixelSpace {
  kUnit,          // input x/255; output clipped to [0,1]
  kSigned,        // input (x/255-0.5)/0.5; output y*0.5+0.5 (enhancers: clip [-1,1] first)
  kImageNetUnit,  // input ImageNet mean/std normalised; output clipped to [0,1]
};

struct ModelContract {
  std::string name;          // "inswapper_128"
  ModelFamily family;
  int size;                  // S: image input and output are [1,3,S,S] float32
  PixelSpace space;
  std::string image_input;   // "target" (swappers) or "input" (enhancers)
  std::string output;        // output name
  bool has_source = false;   // "source" [1,512] float32
  bool has_weight = false;   // "weight" [1] float64 (codeformer)
  bool fp16_graph = false;   // computes in float16 (float16 weights) behind float32 I/O, as the real model
  bool has_emap = false;     // last initializer is the 512x512 float32 "emap"
};

// Every model a stand-in can be written for, in a fixed order.
const std::vector<ModelContract>& AllModelContracts();
// Errors: NotFound naming the model and listing the known ones.
Result<ModelContract> FindModelContract(std::string_view name);

struct StandInSpec {
  std::string model;  // a name from AllModelContracts()
  StandInKind kind = StandInKind::kIdentity;
  uint64_t seed = 1;  // replica weights and the generated emap
  // Replica only: internal channel widths are divided by this (>= 1), so a
  // test can run the same architecture at 1/width_divisor^2 of the cost. The
  // input/output contract is unchanged.
  int width_divisor = 1;
  // inswapper only: a raw little-endian float32 512x512 file used as the emap
  // instead of the generated orthonormal one. Empty: generate.
  std::filesystem::path emap_path;
  // Build initializers with their dims but no data (for counting FLOPs of a
  // large replica cheaply). Such a model cannot be run or written.
  bool shapes_only = false;
};

// Builds the model in memory. Errors: NotFound (model, emap file),
// InvalidArgument (bad width_divisor, emap of the wrong size), Unsupported
// (source-copy for an enhancer, which has no source).
Status BuildStandIn(const StandInSpec& spec, onnx::ModelProto* model);

// Builds and writes the model to `out` (parent folders are created).
// Errors: those of BuildStandIn, InvalidArgument for shapes_only, IoError.
Status WriteStandIn(const StandInSpec& spec, const std::filesystem::path& out);

// "<model>.<kind>.onnx", the file name WriteStandIn's callers use by default.
std::string StandInFileName(const StandInSpec& spec);

// Floating-point operations of one run: 2 x the multiply-accumulates of every
// Conv, ConvTranspose, Gemm and MatMul, from ONNX shape inference over the
// declared input shapes. Errors: InvalidArgument when a shape cannot be inferred.
Result<uint64_t> CountFlops(const onnx::ModelProto& model);

// The stand-in's emap: a deterministic orthonormal 512x512 float32 matrix
// (modified Gram-Schmidt on seeded Gaussian rows), row-major.
std::vector<float> GenerateEmap(uint64_t seed);

}  // namespace facefuse::standins
