// The built-in classical face swapper: needs no swap model, only the bundled
// Face Mesh; the faces come from the caller's detector. The source face's texture is cut along the 468-point
// mesh, warped triangle by triangle onto the target face's mesh, colour-matched
// and blended into the target image (docs/classical-swap.md).
//
// Thread safety: SwapFaceClassical is a pure function. A ClassicalSwapper may
// be shared between threads (its models serialise their own runs).
#pragma once

#include <opencv2/core.hpp>

#include <filesystem>
#include <memory>
#include <vector>

#include "face/landmark/landmarker.h"
#include "face/model.h"
#include "facefuse/face.h"
#include "facefuse/status.h"

namespace facefuse::face {

struct ClassicalSwapOptions {
  enum class Blend {
    kSeamless,  // Poisson blending (cv::seamlessClone, NORMAL_CLONE), then a feathered edge
    kFeather,   // alpha blending with a feathered mask
  };
  enum class Eyes {
    kAuto,    // the source's eyes, except where a source eye is far more closed than the target's
    kSource,  // always the source's eyes (warped onto the target's lids)
    kTarget,  // always keep the target's eyes (gaze, blinks)
  };
  Blend blend = Blend::kSeamless;
  // The Poisson blend of a face window longer than this many pixels is solved
  // on a copy scaled down to it (its smooth correction scaled back up): the
  // solve's cost grows with the face's area. 0 always solves at full size.
  int poisson_max_side = 192;
  bool color_transfer = true;  // match the warped face's Lab mean/std to the target face's
  // Erosion of the target mesh's hull before blending, as a fraction of the
  // face size (the square root of the hull area).
  float mask_erosion = 0.03f;
  // Width of the feathered mask edge, as a fraction of the face size.
  float feather = 0.05f;
  // How much of the forehead above the brows is swapped, 0..1. A fringe of
  // hair on the source forehead would be pasted as a smear, so by default
  // the mask stops a little above the brows.
  float forehead = 0.35f;
  // How far the source face's shape (feature positions, after a similarity fit
  // onto the target mesh) replaces the target's, 0..1. The silhouette always
  // stays the target's.
  float shape_transfer = 0.5f;
  // Keep the target's mouth interior (teeth, tongue) when its inner-lip
  // opening over mouth width exceeds mouth_open_ratio.
  bool keep_open_mouth = true;
  float mouth_open_ratio = 0.06f;
  Eyes eyes = Eyes::kAuto;
};

// Swaps the source face described by `source_mesh` onto the target face
// described by `target_mesh` and returns the new target image; the inputs are
// untouched and only pixels inside the target face's hull change. Both meshes
// are 468-point Face Mesh results in their image's pixels.
// Errors: InvalidArgument for empty or non-BGR images, meshes without 468
// finite points, out-of-range options, or a target mesh with no area inside
// the target image.
Result<cv::Mat> SwapFaceClassical(const cv::Mat& source_bgr, const FaceLandmarks& source_mesh,
                                  const cv::Mat& target_bgr, const FaceLandmarks& target_mesh,
                                  const ClassicalSwapOptions& options);

// The Face Mesh's model options (threads, memory budget) and the swap settings.
struct ClassicalSwapperOptions : ModelOptions {
  ClassicalSwapOptions swap;
  std::filesystem::path mesh_model;  // empty: the bundled Face Mesh
  float min_presence = 0.5f;         // faces whose mesh presence is lower are left alone
};

// A source face ready to be swapped into many targets (video frames).
struct SourceFace {
  cv::Mat image;        // the source image (shared, not copied)
  DetectedFace face;    // the face the caller chose (usually its detector's largest)
  FaceLandmarks mesh;   // its 468-point mesh
};

// Face Mesh + SwapFaceClassical on faces the caller detected.
class ClassicalSwapper {
 public:
  // Opens the Face Mesh. Errors: from opening the Face Mesh model.
  static Result<std::unique_ptr<ClassicalSwapper>> Open(const ClassicalSwapperOptions& options);

  // The mesh of `face`, found by the caller's detector in `source_bgr`.
  // Errors: InvalidArgument for an empty or non-BGR image or a bad box;
  // NotFound when the mesh presence is below min_presence.
  Result<SourceFace> PrepareSource(const cv::Mat& source_bgr, const DetectedFace& face);

  // Swaps `source` onto each of `target_faces` (found by the caller's
  // detector in `target_bgr`) in turn and returns the new image;
  // `target_bgr` is untouched. A face that carries 468 landmarks (a Face Mesh
  // the caller ran, perhaps smoothed over frames) is swapped along them;
  // otherwise the mesh runs on its box, and faces whose mesh presence is below
  // min_presence are skipped. Errors: InvalidArgument for an empty or
  // non-BGR image; NotFound when `target_faces` is empty; errors of
  // SwapFaceClassical.
  Result<cv::Mat> Swap(const SourceFace& source, const cv::Mat& target_bgr,
                       const std::vector<DetectedFace>& target_faces);

  FaceLandmarker& mesh() { return *mesh_; }

 private:
  ClassicalSwapper(std::unique_ptr<FaceLandmarker> m, ClassicalSwapperOptions o)
      : mesh_(std::move(m)), options_(std::move(o)) {}
  std::unique_ptr<FaceLandmarker> mesh_;
  ClassicalSwapperOptions options_;
};

}  // namespace facefuse::face
