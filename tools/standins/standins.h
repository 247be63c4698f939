// Stand-in models: ONNX files with the exact input/output contract of each
// face swapper, enhancer, identity converter and the yoloface detector
// facefuse runs (docs/standins.md), for tests and
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

#include <opencv2/core.hpp>

#include <array>
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
  // A visible, known colour shift (docs/standins.md, "tint"), in [0,1] RGB
  // output space after the consumer's de-normalisation (kTintLevels / 255):
  //   swappers:   the target crop with R + k*source[0]^2 and G + k*|source|^2;
  //   enhancers:  the input crop with B - k (codeformer: B - 2*k*weight);
  //   converters: the fixed unit vector e0 = (1, 0, ..., 0); the input is read
  //               as 0 * sum(input).
  // A contract-correct swapper source is a unit vector, so G rises by k; the
  // converter's e0 makes R rise by k too, which only a converted source does.
  kTint,
  // Detectors only (yoloface_8n): one face where the input is saturated blue,
  // found from the BGR x/255 input the contract feeds (docs/standins.md).
  kBlueBlob,
  // Content classifiers only (open_nsfw): the "not safe" probability is
  // sigmoid(kRedFlagSlope * (mean R - mean G - kRedFlagOffset)) over the
  // picture's 8-bit levels, so a saturated red picture scores ~1 and a
  // photograph ~0 (docs/standins.md).
  kRedFlag,
};

// The red-flag classifier's slope and offset, in 8-bit levels.
constexpr float kRedFlagSlope = 0.05f;
constexpr float kRedFlagOffset = 100.0f;

// The tint's shift in 8-bit levels.
constexpr float kTintLevels = 40.0f;

// "identity", "source-copy", "replica", "tint", "blue-blob", "red-flag".
std::string_view KindName(StandInKind kind);
Result<StandInKind> ParseKind(std::string_view name);

enum class ModelFamily { kSwapper, kEnhancer, kConverter, kDetector, kClassifier };

// How a model's image input is normalised from RGB x in [0,255] and how its
// output goes back to [0,1] (docs: model-contracts sections 6 and 7).
enum class PixelSpace {
  kUnit,          // input x/255; output clipped to [0,1]
  kSigned,        // input (x/255-0.5)/0.5; output y*0.5+0.5 (enhancers: clip [-1,1] first)
  kImageNetUnit,  // input ImageNet mean/std normalised; output clipped to [0,1]
};

// A stand-in's I/O. Swapper and enhancer contracts are derived from the
// engine's own tables (face::SwapperContracts(), face::EnhancerContracts()),
// converters from the converters those swapper contracts name, so the
// stand-ins and the engine cannot disagree on a model's I/O.
struct ModelContract {
  std::string name;          // "inswapper_128"
  ModelFamily family;
  // Swappers and enhancers: S, the image input and output are [1,3,S,S] float32.
  // Converters: the identity length (512); detectors: the square input side (640).
  int size;
  PixelSpace space;
  std::string image_input;   // "target" (swappers), "input" (enhancers, converters, detectors)
  std::string output;        // output name
  std::vector<int64_t> input_dims;   // of image_input
  std::vector<int64_t> output_dims;  // of output
  bool has_source = false;   // "source" [1,512] float32
  bool has_weight = false;   // "weight" [1] float64 (codeformer)
  bool fp16_graph = false;   // computes in float16 (float16 weights) behind float32 I/O, as the real model
  bool has_emap = false;     // last initializer is the 512x512 float32 "emap"
};

// Every model a stand-in can be written for, in a fixed order: the engine's
// swappers, their converters, the engine's enhancers, yoloface_8n, the content
// gate's open_nsfw.
const std::vector<ModelContract>& AllModelContracts();

// Whether `kind` can be built for `c` (source-copy: swappers; replica:
// swappers, enhancers and converters; tint: all but detectors and
// classifiers; blue-blob: detectors only; red-flag: classifiers only;
// identity: all but detectors and classifiers).
bool KindApplies(const ModelContract& c, StandInKind kind);

// Every kind, in a fixed order.
const std::vector<StandInKind>& AllKinds();
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
// (a kind that does not apply to the model's family, see KindApplies).
Status BuildStandIn(const StandInSpec& spec, onnx::ModelProto* model);

// Builds and writes the model to `out` (parent folders are created).
// Errors: those of BuildStandIn, InvalidArgument for shapes_only, IoError.
Status WriteStandIn(const StandInSpec& spec, const std::filesystem::path& out);

// "<model>.<kind>.onnx", the file name WriteStandIn's callers use by default.
std::string StandInFileName(const StandInSpec& spec);

// The image the blue-blob stand-in detector finds one face in: `base` (8-bit
// BGR; empty: a 960x720 grey gradient, levels 70..190) with its saturated
// blue pixels toned down, then a saturated blue (BGR 255, 0, 0) square.
// Errors: InvalidArgument when `base` is not 8-bit BGR or the square does not
// fit inside it.
struct BlueSquare {
  int x = 380, y = 220, side = 200;  // top-left corner and side, in pixels
};
Result<cv::Mat> BlueBlobImage(const cv::Mat& base, const BlueSquare& square);

// Where the blue-blob detector puts the 5 keypoints of a square face box
// (x1, y1, side): x1 + side * u, y1 + side * v for each (u, v) here, the
// ArcFace 112 template divided by 112 (image order: the subject's right eye first).
const std::array<std::array<float, 2>, 5>& BlueBlobKeypointFractions();

// Floating-point operations of one run: 2 x the multiply-accumulates of every
// Conv, ConvTranspose, Gemm and MatMul, from ONNX shape inference over the
// declared input shapes. Errors: InvalidArgument when a shape cannot be inferred.
Result<uint64_t> CountFlops(const onnx::ModelProto& model);

// The stand-in's emap: a deterministic orthonormal 512x512 float32 matrix
// (modified Gram-Schmidt on seeded Gaussian rows), row-major.
std::vector<float> GenerateEmap(uint64_t seed);

}  // namespace facefuse::standins
