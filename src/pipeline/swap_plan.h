// SwapRequest -> the engine's configuration: every decision a front end would
// otherwise make itself (which swapper "auto" means, which model files, the
// recognizer's normalisation, which given options go unused) made once, here.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "facefuse/face_swap.h"
#include "facefuse/status.h"
#include "models/models_dir.h"
#include "pipeline/face_swap_engine.h"

namespace facefuse::pipeline {

// A resolved request: the engine configuration to open (model paths found,
// the memory budget created).
struct SwapPlan {
  FaceSwapConfig config;
};

// Resolves `request`. `warnings` (may be null) receives one line per option
// the request set that the resolved swapper ignores ("the classical swapper
// ignores --pixel-boost"); they are collected before anything can fail, so a
// failed resolution still reports them.
// Errors: InvalidArgument for a bad value or combination, each naming the
// option ("--mask-padding: ...", "--selector reference needs --reference
// IMAGE", an unknown --detector, --landmarker, --enhancer, --selector or
// --order, an empty --swapper, a --models-dir that is a file); NotFound for an
// unknown neural --swapper, a model that is not installed or a given
// --swapper-model that does not exist; FailedPrecondition when a model must
// come from the models dir and none can be found; from the memory limit
// (MakeMemoryBudget).
Result<SwapPlan> ResolveSwapPlan(const SwapRequest& request, std::vector<std::string>* warnings);

// The request a video target runs: `request` with Face Mesh landmarks (bundled)
// for alignment when it names no landmarker, since their five points are
// steadier from frame to frame than a detector's (face/track/face_tracker.h).
SwapRequest ForVideoTarget(SwapRequest request);

// The swapper `request` runs: its own choice, or for "auto" the first
// installed of the preferred neural swappers (hyperswap_1a_256,
// inswapper_128) in `dir`, else "classical". A preferred swapper whose file is
// there but broken (0 bytes, truncated) is chosen, so that its resolution
// names the file and the command that replaces it instead of silently falling
// back. An explicit --swapper-model means inswapper_128.
std::string ChooseSwapper(const SwapRequest& request, const Result<models::ModelsDir>& dir);

// One line per option `request` set that a run with `swapper` ignores.
std::vector<std::string> IgnoredOptionWarnings(const SwapRequest& request, std::string_view swapper);

// --mask-padding text: "t,r,b,l" or one value for all four, each a percent
// in 0..100. Errors: InvalidArgument saying what is wrong with the text.
Result<std::array<float, 4>> ParseMaskPadding(const std::string& text);

}  // namespace facefuse::pipeline
