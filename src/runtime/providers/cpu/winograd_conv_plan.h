// A 3x3 stride-1 channels-last convolution by Winograd's F(2x2, 3x3): each 2x2
// block of outputs (a tile) is computed from its 4x4 input patch with 16
// multiplications per input and output channel instead of 36. Per block of
// tiles: the patches are transformed (B^T d B, 16 values per channel), 16
// matrix products [tiles x C_in] x [C_in x C_out] run in a kernel that keeps
// 12 tiles x 16 output channels in registers on AVX-512 (6 tiles on AVX2:
// SCRFD 2.5G 40 -> 31 ms, RetinaFace 13.4 -> 10.3 ms at one thread on an
// AVX-512 machine when the 12-tile kernel came), and the products are
// transformed back (A^T m A) with bias, Sum and the activation applied on the
// way out. The weights are transformed once (G g G^T).
//
// Two modes. Streaming (transformed weights up to 12 MB): each thread takes a
// block of tiles (12 on AVX-512, 6 on AVX2) through all three steps while the weights stream through
// L2/L3. Grouped (wider layers: a swapper's 512x512 layer has 17 MB of
// transformed weights, its 1024x1024 ones 67 MB, past a 32 MB L3): the threads
// transform a group of tiles (up to 8 MB of patches and products) together,
// then split the 16 x C_out/16 products between them, each reading its 16
// output channels' weights once for the whole group, then transform back; the
// weights are read once per group instead of once per block. On [18,18,1024]
// x [1024,1024,3,3] that is 2x faster (56 -> 33 ms on one thread). On this project's AVX2
// machine it ran 1.3-2.4x faster than oneDNN 2.6's direct channels-last kernel
// on the fixture models' 3x3 layer shapes. Results differ from direct
// convolution by rounding, and the rounding error scales with the largest
// input of a tile's 4x4 patch, not with the output: about 1e-7 of it (on the
// fixture models, about 1e-6 of the outputs' magnitude), so one input far larger
// than its neighbours can swallow their terms in the outputs beside it (a 3e7
// next to a 1 weighted 0 and 1 gives 0 where direct convolution gives 1). An
// input of +-Inf gives NaN (Inf - Inf in the transforms) at the outputs whose
// windows hold it, and inputs near FLT_MAX may overflow where direct
// convolution stays finite.
#pragma once

#include <memory>
#include <vector>

#include "runtime/providers/cpu/conv_plan.h"

namespace facefuse::rt::cpu {

// When the plan works in groups, and how large they are (defaults as measured on this project's AVX2 machine;
// tests make them small to reach every path on small shapes).
struct WinogradTuning {
  double streaming_weight_bytes = 12e6;      // transformed weights above this: grouped mode
  double group_scratch_bytes = 8.0 * (1 << 20);  // a group's transformed patches and products at most (>= 1 block)
};

class WinogradConvPlan final : public ConvPlan {
 public:
  static constexpr const char* kName = "winograd";

  // True for what this plan computes: a build with AVX2 and FMA; 2-D, not
  // transposed, group 1, a 3x3 kernel, stride and dilation 1; C_in and C_out
  // multiples of 8; constant weights; no activation, or Relu, LeakyRelu or Clip.
  static bool Applies(const ConvGeometry& g, const ConvEpilogue& epilogue, bool constant_weights);
  // True when this build has the plan's kernels (AVX2 and FMA at compile time).
  static bool Available();

  // Transforms the constant weights `w` ([C_out, C_in, 3, 3]). Preconditions: Applies(g, epilogue, true).
  WinogradConvPlan(const ConvGeometry& g, const ConvEpilogue& epilogue, const float* w,
                   const WinogradTuning& tuning = WinogradTuning());

  // X, Sum and Y are NHWC; Sum may be Y itself (each Y element is written after its own Sum element is read, and
  // no other). Uses the calling thread's OpenMP threads. May throw
  // std::bad_alloc (its scratch; before any thread starts). Not reentrant.
  void Execute(const ConvArgs& args) override;
  const char* name() const override { return kName; }

 private:
  ConvGeometry g_;
  ConvEpilogue epilogue_;
  int64_t out_blocks_ = 0;     // C_out in blocks of 16 (the last may be half used)
  std::unique_ptr<float[]> u_;  // transformed weights [16][out_blocks_][C_in][16], from new[] (not zeroed)
  int64_t group_tiles_ = 0;    // > 0: grouped mode, this many tiles per group; 0: streaming mode
  std::vector<float> scratch_; // streaming: per thread, one block of tiles; grouped: one group, shared
};

}  // namespace facefuse::rt::cpu
