// One oneDNN convolution or deconvolution for one input shape and one
// activation layout: the primitive with bias and post-ops (sum, eltwise,
// PReLU), the reorders between facefuse's plain NC[D]HW tensors and the
// layout the primitive computes in, and the weights reordered to the
// primitive's preferred format (once, when they are constant).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include <oneapi/dnnl/dnnl.hpp>

#include "facefuse/status.h"
#include "runtime/ops/conv_common.h"
#include "runtime/providers/cpu/conv_plan.h"

namespace facefuse::rt::cpu {

// How activations enter and leave the primitive: the layout it computes in.
// When that differs from the kernel's own activation layout (plain NC[D]HW,
// or NHWC for NhwcConv) the plan reorders around the primitive.
enum class ConvLayout { kPlain, kBlocked, kChannelsLast };
const char* ConvLayoutName(ConvLayout layout);

// The plan cache key of a convolution: its geometry, epilogue, activation
// layout and thread count, with oneDNN's version and the CPU ISA it runs.
std::string ConvPlanKey(const ConvGeometry& g, const ConvEpilogue& epilogue, bool has_bias, bool channels_last_io,
                        int threads);

class DnnlConvPlan final : public ConvPlan {
 public:
  // Builds the primitive (may throw dnnl::error: call inside DnnlCall).
  // `constant_w`, when not null, is reordered now and ignored later.
  // `channels_last_io`: X, Sum and Y are 2-D NHWC (NhwcConv), else plain.
  DnnlConvPlan(const ConvGeometry& g, ConvLayout layout, const ConvEpilogue& epilogue, bool has_bias,
               const float* constant_w, bool channels_last_io = false);

  // Runs the reorders and the primitive and waits for them (may throw dnnl::error). Not reentrant: the
  // plan's memory objects point at one run's tensors at a time.
  void Execute(const ConvArgs& args) override;

  const char* name() const override { return ConvLayoutName(layout_); }

  // oneDNN's name for the primitive's implementation, e.g. "jit:avx2", "brgconv:avx512_core", "gemm:jit",
  // "ref:any".
  const std::string& implementation() const { return implementation_; }

  // True when the implementation is one of oneDNN's kernels generated for this CPU's ISA: "jit:..." (AVX2 and
  // older) or the brgemm-based ones oneDNN prefers on AVX-512 ("brgconv:...", "brgconv_1x1:...",
  // "brdgmm_dw:..."); false for its im2col gemm ("gemm:...") and reference ("ref:...") kernels.
  bool isa_kernel() const {
    return implementation_.starts_with("jit") || implementation_.starts_with("brg") ||
           implementation_.starts_with("brdgmm");
  }

 private:
  ConvLayout layout_;
  std::string implementation_;
  dnnl::memory::desc x_user_, y_user_, w_user_, slope_desc_;
  dnnl::primitive primitive_;
  std::optional<dnnl::reorder> src_reorder_, dst_reorder_, sum_reorder_, w_reorder_;
  dnnl::memory src_internal_, dst_internal_, w_internal_;
  dnnl::memory scratchpad_;  // empty when the primitive needs none
  bool has_bias_ = false, weights_packed_ = false, sum_ = false;
  int slope_arg_ = 0;  // DNNL_ARG_ATTR_MULTIPLE_POST_OP(i) | DNNL_ARG_WEIGHTS; 0 when no PRelu
  size_t y_bytes_ = 0;
  int64_t out_channels_ = 0;
  // Made once by BindArguments (creating oneDNN memory objects and an argument map costs about 1 µs a run);
  // Execute sets their data handles.
  void BindArguments();
  dnnl::memory x_mem_, y_mem_, sum_mem_, w_mem_, bias_mem_, slope_mem_;
  std::unordered_map<int, dnnl::memory> args_;
};

}  // namespace facefuse::rt::cpu
