// The image face-swap pipeline: detect -> select -> align -> swap -> paste
// back, with the models opened once and reused for every image (a batch of
// photos, later the frames of a video).
#pragma once

#include <opencv2/core.hpp>

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "face/swap/classical/classical_swapper.h"
#include "face/detect/detector.h"
#include "face/enhance/enhancer.h"
#include "face/mask/face_masks.h"
#include "face/landmark/landmarker.h"
#include "face/swap/neural/neural_swapper.h"
#include "face/paste_back.h"
#include "face/recognizer.h"
#include "face/selection.h"
#include "facefuse/status.h"

namespace facefuse::pipeline {

struct FaceSwapConfig {
  // "classical" (the built-in mesh warp, no swap model), or a neural swapper:
  // a contract name (face/swapper_contract.h) with its model file, and the
  // converter for converter-fed contracts (simswap).
  std::string swapper = "classical";
  std::filesystem::path swapper_model;
  std::filesystem::path converter_model;
  // Detector family and model (empty: the bundled default for the family).
  std::string detector = "yunet";
  std::filesystem::path detector_model;
  face::DetectorOptions detector_options;
  // Recognizer model and its input normalisation (ArcFace w600k_r50 for
  // inswapper, hyperswap and simswap: mean 127.5, std 127.5).
  std::filesystem::path recognizer_model;
  face::RecognizerOptions recognizer_options;
  // Optional landmarker whose points replace the detector's 5 for alignment
  // (FaceFusion's "5/68"): "2dfan4" or "pfld_68" (68 points), "face_mesh" (468,
  // bundled); used when its score is above `landmarker_score`.
  std::string landmarker;
  std::filesystem::path landmarker_model;
  float landmarker_score = 0.5f;
  // Which target faces to swap, in which order (face/selection.h); the
  // reference identity is set with SetReference.
  face::SelectionMode selector = face::SelectionMode::kMany;
  face::FaceOrder order = face::FaceOrder::kLargeSmall;
  float reference_distance = 0.3f;
  face::ClassicalSwapOptions classical;
  // Optional enhancer run on each swapped face (empty name: none).
  std::string enhancer;
  std::filesystem::path enhancer_model;
  face::EnhancerOptions enhancer_options;
  face::BoxMaskOptions mask;
  // Optional model masks, combined with the box mask by per-pixel minimum:
  // occlusion (XSeg) on the input crop, region (BiSeNet) on the swapped crop.
  std::filesystem::path occlusion_model;
  std::filesystem::path region_model;
  std::vector<std::string> regions;  // region names to keep (empty: all)
  int pixel_boost = 1;  // crop side = pixel_boost * model size
  // FaceFusion's swapper weight in [0,1]: with w' = 0.35 - 0.7 * weight the
  // source input becomes source * (1 - w') + target_identity * w'; 0.5 (the
  // default) leaves it unchanged, higher values lean towards the source.
  float swapper_weight = 0.5f;
  int threads = 0;
  // One budget every model of the engine admits its memory against (none:
  // unlimited); its peak is the job's peak model memory.
  std::shared_ptr<MemoryBudget> memory_budget;
  // Timed plan choices kept between processes (SessionOptions::plan_cache_dir); empty: none.
  std::filesystem::path plan_cache_dir;
};

// Milliseconds spent per stage (sums over all calls since the last reset).
struct StageTimes {
  double detect_ms = 0, embed_ms = 0, swap_ms = 0, paste_ms = 0, enhance_ms = 0;
};

// One identity to swap in: the mean of unit embeddings of the largest face in
// each source image, and (classical swapper) the first source face's mesh.
struct Identity {
  std::vector<float> embedding;
  int images = 0;
  face::SourceFace mesh_face;
};

// Thread safety: one analysis (Analyse, DetectFaces, FollowFaces) and one
// SwapFaces may run at the same time on two threads, as a video's analyse and
// swap stages do: they use different models, the models they share (the
// recognizer) serialise their runs, and the stage times are guarded. Two
// analyses, two swaps, or anything with LearnIdentity or SetReference at once
// are not supported.
class FaceSwapEngine {
 public:
  // Opens the detector, recognizer and swapper. Errors: from the model files
  // (NotFound, InvalidArgument, Unsupported); InvalidArgument for a pixel
  // boost outside the contract's sizes.
  static Result<std::unique_ptr<FaceSwapEngine>> Open(const FaceSwapConfig& config);

  // The identity of the largest face in each image; `names` (the files) and
  // `role` ("source", "reference") name them in messages. For the "source"
  // the classical swapper also takes the first image's face mesh (a reference
  // is matched by identity only). Errors: InvalidArgument for no images;
  // NotFound naming the role and the image that shows no face, or (a source,
  // classical swapper) whose face mesh is unreliable.
  Result<Identity> LearnIdentity(const std::vector<cv::Mat>& images, const std::vector<std::string>& names,
                                 std::string_view role = "source");

  // Sets the reference identity for SelectorMode::kReference.
  void SetReference(const Identity& reference) { reference_ = reference.embedding; }
  const std::vector<float>& reference() const { return reference_; }

  // The faces of one target image and those the selector picks, in the
  // selector's order (indices into `faces`). An image without faces, or
  // without one that matches the reference, gives empty lists, not an error
  // (a video has frames without faces). Errors: InvalidArgument for an empty
  // or non-BGR image; runtime errors.
  struct Analysis {
    std::vector<DetectedFace> faces;
    std::vector<size_t> chosen;
  };
  Result<Analysis> Analyse(const cv::Mat& target);

  // The faces of `image` (no selection); with a landmarker, their keypoints
  // are the landmarks' 5 points. Errors: the detector's and landmarker's.
  Result<std::vector<DetectedFace>> DetectFaces(const cv::Mat& image);

  // Follows faces found in an earlier frame into `image` without the
  // detector: the landmarker runs on each face's box, the keypoints become its
  // 5 points and the box moves and scales with them. A face the landmarker no
  // longer sees (score at or below landmarker_score) comes back as nullopt:
  // the caller detects again. One entry per face of `previous`, in order.
  // A face whose box has left the image is lost too. Errors:
  // FailedPrecondition when can_follow() is false; InvalidArgument for an
  // empty or non-BGR image; the landmarker's.
  Result<std::vector<std::optional<DetectedFace>>> FollowFaces(const cv::Mat& image,
                                                               const std::vector<DetectedFace>& previous);
  // True with a landmarker whose score tells a face from none (Face Mesh).
  bool can_follow() const { return landmarker_ != nullptr && landmarker_->reports_presence(); }

  // The unit identity embedding of `face` in `image` (the recognizer on its
  // 5 keypoints). Errors: the recognizer's.
  Result<std::vector<float>> Embed(const cv::Mat& image, const DetectedFace& face);

  // `target` with `faces` (chosen from an analysis of it, possibly smoothed
  // over time) swapped to `source`; `target` itself when `faces` is empty.
  // Errors: InvalidArgument for an empty or non-BGR image or an identity
  // without the mesh the classical swapper needs; runtime errors.
  Result<cv::Mat> SwapFaces(const cv::Mat& target, const Identity& source, const std::vector<DetectedFace>& faces);

  // `target` with the selected faces swapped to `source`. Returns the number
  // of faces swapped through `swapped`. Errors: InvalidArgument for an empty
  // or non-BGR image; NotFound when the target shows no face (or none
  // matches the reference), naming `target_name` (its file) when given;
  // runtime errors.
  Result<cv::Mat> Swap(const cv::Mat& target, const Identity& source, int* swapped = nullptr,
                       std::string_view target_name = {});

  // A copy: the analyse and swap stages of a video add to the times from two threads.
  StageTimes times() const {
    std::lock_guard<std::mutex> lock(times_mutex_);
    return times_;
  }
  const FaceSwapConfig& config() const { return config_; }

 private:
  explicit FaceSwapEngine(FaceSwapConfig config) : config_(std::move(config)) {}
  Result<std::vector<size_t>> Select(const cv::Mat& target, const std::vector<DetectedFace>& faces);
  Status OpenNeural();
  // Sets `face`'s landmarks and the 5 keypoints they give (68 or 468 points).
  static Status UseLandmarks(DetectedFace& face, std::vector<Point2> points);
  // Swaps one face into `frame` in place (the crop is cut from the frame as
  // earlier faces left it, as FaceFusion does).
  Status SwapOne(cv::Mat& frame, const DetectedFace& face, const std::vector<float>& source);

  FaceSwapConfig config_;
  std::unique_ptr<face::FaceDetector> detector_;
  std::unique_ptr<face::Recognizer> recognizer_;
  std::unique_ptr<face::NeuralSwapper> swapper_;      // neural swappers
  std::unique_ptr<face::ClassicalSwapper> classical_;  // the classical swapper
  std::unique_ptr<face::FaceEnhancer> enhancer_;
  std::unique_ptr<face::FaceLandmarker> landmarker_;
  std::unique_ptr<face::OcclusionMasker> occlusion_;
  std::unique_ptr<face::RegionMasker> region_;
  cv::Mat box_mask_;
  std::vector<float> reference_;
  mutable std::mutex times_mutex_;
  StageTimes times_;  // guarded by times_mutex_
};

}  // namespace facefuse::pipeline
