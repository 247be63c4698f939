// facefuse: the face-swap API the front ends (the CLI, the HTTP service) are
// thin adapters over.
//
// A SwapRequest is plain data: what to swap and with which models and
// options, as a user states it (names such as "auto", catalog names or model
// files, option values). The engine resolves it once (the swapper choice, the
// model files, the recognizer's normalisation) and opens the models, then
// swaps images with them.
//
//   facefuse::SwapRequest request;
//   request.sources = {"me.jpg"};
//   request.target = "group.jpg";
//   auto swapper = facefuse::FaceSwapper::Open(request);   // warnings(): ignored options
//   auto out = (*swapper)->Swap({{me}, group, {}});         // cv::Mat in, cv::Mat out
#pragma once

#include <opencv2/core.hpp>

#include <memory>
#include <string>
#include <vector>

#include "facefuse/status.h"

namespace facefuse {

// One face swap as the user asks for it. Every field has the CLI's default;
// messages name options by their command-line names ("--mask-padding").
struct SwapRequest {
  // The images, by path or by a name for messages (the service names its uploads). The CLI reads these files;
  // FaceSwapper::Swap takes the decoded images and uses these only to name them.
  std::vector<std::string> sources;  // one or more images of one person (their identities are averaged)
  std::string target;
  std::string reference;  // the face to match for selector "reference"
  // "auto" (the first installed of hyperswap_1a_256, inswapper_128, else classical), "classical" (built in,
  // no download) or a neural swapper contract name (inswapper_128, hyperswap_1a_256, simswap_256, ...).
  std::string swapper = "auto";
  std::string swapper_model;    // a file; empty: the catalog file in the models dir
  std::string converter_model;  // identity converter (simswap); empty: the catalog file
  std::string models_dir;       // empty: $FACEFUSE_MODELS_DIR, $XDG_DATA_HOME/facefuse/models or ~/.local/share/...
  std::string detector = "yunet";
  std::string detector_model;   // empty: bundled for the family
  float detector_score = -1;    // < 0: the family's threshold
  std::string landmarker;       // empty: align on the detector's 5 points; 2dfan4, pfld_68 or face_mesh
  std::string landmarker_model;
  std::string recognizer_model;  // empty: arcface_w600k_r50 (neural swappers) or the bundled recognizer (classical)
  float recognizer_mean = -1;    // < 0: the recognizer's own (ArcFace 127.5, bundled 127)
  float recognizer_std = -1;     // <= 0: the recognizer's own (ArcFace 127.5, bundled 128)
  std::string selector = "many";        // many, one (largest) or reference
  std::string order = "large-small";    // face/selection.h's order names
  float reference_distance = 0.3f;      // match when (1 - cos) / 2 is below this
  float mask_blur = 0.3f;               // box mask blur, 0..1
  std::string mask_padding = "0,0,0,0";  // percent of the crop: "t,r,b,l" or one value
  std::string occlusion_model;           // XSeg: a catalog name or a file (neural swappers)
  std::string region_model;              // BiSeNet: a catalog name or a file (neural swappers)
  std::vector<std::string> regions;      // the regions the region mask keeps (empty: all)
  int pixel_boost = 1;                   // crop at N x the model size
  float swapper_weight = 0.5f;           // identity weight 0..1 (0.5: the source as is)
  std::string enhancer;                  // empty: none
  std::string enhancer_model;
  int enhancer_blend = 80;  // enhanced share of the result, 0..100
  int threads = 0;          // kernel threads, 0 = all cores
  std::string memory_limit;  // bytes ("2GiB") or "auto"; empty: unlimited
  std::string plan_cache_dir;  // keeps the kernels' timed plan choices between runs (SessionOptions); empty: none
  // The options the user set explicitly, by command-line name ("--pixel-boost"). Only these draw a warning
  // when the resolved swapper ignores them; defaults never do.
  std::vector<std::string> explicitly_set;
};

// The decoded images of one swap: 8-bit BGR (CV_8UC3).
struct SwapImages {
  std::vector<cv::Mat> sources;  // at least one, in the order of SwapRequest::sources
  cv::Mat target;
  cv::Mat reference;  // needed for selector "reference"; else ignored
};

struct SwapOutcome {
  cv::Mat image;  // the target with the selected faces swapped
  int faces_swapped = 0;
};

// A resolved request with its models open.
//
// Thread safety: one call at a time per object (the models keep scratch
// state); distinct objects may be used from distinct threads.
class FaceSwapper {
 public:
  // Resolves `request` and opens its models. Errors: InvalidArgument for an
  // option value or combination the engine refuses (naming the option);
  // NotFound for a model that is not installed (naming the file and the
  // command that installs it); FailedPrecondition when a model must come
  // from the models dir and none can be found (no --models-dir, no
  // $FACEFUSE_MODELS_DIR, no $HOME); the memory limit's errors; the model
  // loaders' errors (InvalidArgument, Unsupported, OutOfMemory).
  static Result<std::unique_ptr<FaceSwapper>> Open(const SwapRequest& request);
  ~FaceSwapper();

  // The swapper the request resolved to ("classical", "inswapper_128", ...).
  const std::string& swapper() const;

  // One line per option the request set that this swapper ignores
  // ("the classical swapper ignores --pixel-boost"); empty when none.
  const std::vector<std::string>& warnings() const;

  // Learns the identity of `images.sources` (and the reference) and swaps it
  // onto the selected faces of `images.target`. Errors: InvalidArgument for
  // no source or an image that is not 8-bit BGR; NotFound naming the image
  // (by its request name) that shows no face, or when no target face matches
  // the reference; runtime errors (OutOfMemory under a memory limit).
  Result<SwapOutcome> Swap(const SwapImages& images);

 private:
  struct State;
  explicit FaceSwapper(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace facefuse
