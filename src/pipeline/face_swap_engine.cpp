#include "pipeline/face_swap_engine.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include "common/paths.h"
#include "face/align.h"

namespace facefuse::pipeline {
namespace {

// Adds the milliseconds of its scope to one of the engine's stage times (under their mutex).
class StageTimer {
 public:
  StageTimer(double* total, std::mutex& mutex) : total_(total), mutex_(mutex), start_(std::chrono::steady_clock::now()) {}
  ~StageTimer() {
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_).count();
    std::lock_guard<std::mutex> lock(mutex_);
    *total_ += ms;
  }
  StageTimer(const StageTimer&) = delete;
  StageTimer& operator=(const StageTimer&) = delete;

 private:
  double* total_;
  std::mutex& mutex_;
  std::chrono::steady_clock::time_point start_;
};

size_t Largest(const std::vector<DetectedFace>& faces) {
  size_t best = 0;
  for (size_t i = 1; i < faces.size(); ++i)
    if (faces[i].area() > faces[best].area()) best = i;
  return best;
}

// The engine's runtime settings on one model's options.
void ApplyRuntimeOptions(const FaceSwapConfig& config, face::ModelOptions& options) {
  options.threads = config.threads;
  options.memory_budget = config.memory_budget;
  options.plan_cache_dir = config.plan_cache_dir;
}

}  // namespace

Result<std::unique_ptr<FaceSwapEngine>> FaceSwapEngine::Open(const FaceSwapConfig& config) {
  std::unique_ptr<FaceSwapEngine> e(new FaceSwapEngine(config));
  face::DetectorOptions dopts = config.detector_options;
  ApplyRuntimeOptions(config, dopts);
  FF_ASSIGN_OR_RETURN(e->detector_, face::OpenDetector(config.detector, config.detector_model, dopts));
  face::RecognizerOptions ropts = config.recognizer_options;
  ApplyRuntimeOptions(config, ropts);
  const std::filesystem::path recognizer =
      config.recognizer_model.empty() ? BundledModelsDir() / "recognizer_512.onnx" : config.recognizer_model;
  FF_ASSIGN_OR_RETURN(e->recognizer_, face::Recognizer::Open(recognizer, ropts));
  face::LandmarkerOptions lopts;
  ApplyRuntimeOptions(config, lopts);
  if (!config.landmarker.empty()) {
    FF_ASSIGN_OR_RETURN(e->landmarker_, face::OpenLandmarker(config.landmarker, config.landmarker_model, lopts));
  }
  if (!config.enhancer.empty()) {
    FF_ASSIGN_OR_RETURN(const face::EnhancerContract* contract, face::FindEnhancerContract(config.enhancer));
    face::EnhancerOptions eopts = config.enhancer_options;
    ApplyRuntimeOptions(config, eopts);
    FF_ASSIGN_OR_RETURN(e->enhancer_, face::FaceEnhancer::Open(*contract, config.enhancer_model, eopts));
  }
  if (config.swapper == "classical") {
    face::ClassicalSwapperOptions copts;
    copts.swap = config.classical;
    ApplyRuntimeOptions(config, copts);
    FF_ASSIGN_OR_RETURN(e->classical_, face::ClassicalSwapper::Open(copts));
    return e;
  }
  FF_RETURN_IF_ERROR(e->OpenNeural());
  return e;
}

Status FaceSwapEngine::OpenNeural() {
  if (!(config_.swapper_weight >= 0 && config_.swapper_weight <= 1))
    return InvalidArgument("the swapper weight must be in [0, 1]");
  FF_ASSIGN_OR_RETURN(const face::SwapperContract* contract, face::FindSwapperContract(config_.swapper));
  const int side = config_.pixel_boost * contract->size;
  if (std::find(contract->boost_sizes.begin(), contract->boost_sizes.end(), side) == contract->boost_sizes.end())
    return InvalidArgument("pixel boost " + std::to_string(config_.pixel_boost) + " gives a " + std::to_string(side) +
                           " px crop, which " + contract->name + " does not support (max " +
                           std::to_string(contract->boost_sizes.back()) + " px)");
  face::ModelOptions model_options;
  ApplyRuntimeOptions(config_, model_options);
  FF_ASSIGN_OR_RETURN(swapper_, face::NeuralSwapper::Open(*contract, config_.swapper_model, config_.converter_model,
                                                          model_options));
  FF_ASSIGN_OR_RETURN(box_mask_, face::BoxMask(side, config_.mask));
  if (!config_.occlusion_model.empty()) {
    FF_ASSIGN_OR_RETURN(occlusion_, face::OcclusionMasker::Open(config_.occlusion_model, model_options));
  }
  if (!config_.region_model.empty()) {
    FF_ASSIGN_OR_RETURN(region_, face::RegionMasker::Open(config_.region_model, config_.regions, model_options));
  }
  return Status::Ok();
}

Result<std::vector<DetectedFace>> FaceSwapEngine::DetectFaces(const cv::Mat& image) {
  StageTimer t(&times_.detect_ms, times_mutex_);
  FF_ASSIGN_OR_RETURN(std::vector<DetectedFace> faces, detector_->Detect(image));
  if (!landmarker_) return faces;
  FF_ASSIGN_OR_RETURN(std::vector<face::FaceLandmarks> all, landmarker_->DetectAll(image, faces));
  for (size_t i = 0; i < faces.size(); ++i) {
    if (all[i].score <= config_.landmarker_score) continue;  // keep the detector's points
    FF_RETURN_IF_ERROR(UseLandmarks(faces[i], std::move(all[i].points)));
  }
  return faces;
}

Status FaceSwapEngine::UseLandmarks(DetectedFace& face, std::vector<Point2> points) {
  if (points.size() == 68) {
    FF_ASSIGN_OR_RETURN(face.keypoints, face::Landmarks68To5(points));
  } else {
    FF_ASSIGN_OR_RETURN(face.keypoints, face::Mesh468To5(points));
  }
  face.landmarks = std::move(points);
  return Status::Ok();
}

namespace {

// Where a face's keypoints are: their centre and size (root mean square distance from the centre).
struct Spread {
  double cx = 0, cy = 0, size = 0;
};

Spread SpreadOf(const std::vector<Point2>& points) {
  Spread s;
  for (const Point2& p : points) {
    s.cx += p.x;
    s.cy += p.y;
  }
  const double n = static_cast<double>(std::max<size_t>(points.size(), 1));
  s.cx /= n;
  s.cy /= n;
  double squares = 0;
  for (const Point2& p : points) squares += (p.x - s.cx) * (p.x - s.cx) + (p.y - s.cy) * (p.y - s.cy);
  s.size = std::sqrt(squares / n);
  return s;
}

}  // namespace

Result<std::vector<std::optional<DetectedFace>>> FaceSwapEngine::FollowFaces(const cv::Mat& image,
                                                                              const std::vector<DetectedFace>& previous) {
  if (!can_follow()) return FailedPrecondition("following faces needs a landmarker that reports a face's presence");
  if (image.empty() || image.type() != CV_8UC3) return InvalidArgument("the frame must be a non-empty 8-bit BGR image");
  StageTimer t(&times_.detect_ms, times_mutex_);
  // Boxes that have left the image, or grown far past it, are lost before the landmarker sees them.
  const cv::Rect2f frame_area(0, 0, static_cast<float>(image.cols), static_cast<float>(image.rows));
  auto in_view = [&](const DetectedFace& f) {
    const cv::Rect2f box(f.x1, f.y1, f.width(), f.height());
    return f.width() > 0 && f.height() > 0 && (box & frame_area).area() > 0 &&
           std::max(f.width(), f.height()) < 2.f * static_cast<float>(std::max(image.cols, image.rows));
  };
  std::vector<DetectedFace> visible;
  for (const DetectedFace& f : previous)
    if (in_view(f)) visible.push_back(f);
  FF_ASSIGN_OR_RETURN(std::vector<face::FaceLandmarks> found, landmarker_->DetectAll(image, visible));
  std::vector<std::optional<DetectedFace>> followed;
  size_t next_found = 0;
  for (size_t i = 0; i < previous.size(); ++i) {
    const DetectedFace& before = previous[i];
    if (!in_view(before)) {
      followed.emplace_back();  // lost: out of the picture
      continue;
    }
    face::FaceLandmarks& landmarks = found[next_found++];
    if (landmarks.score <= config_.landmarker_score || before.keypoints.size() != 5) {
      followed.emplace_back();  // lost
      continue;
    }
    DetectedFace now = before;
    FF_RETURN_IF_ERROR(UseLandmarks(now, std::move(landmarks.points)));
    // The box moves and scales with the keypoints, so it keeps the detector's proportions.
    const Spread a = SpreadOf(before.keypoints), b = SpreadOf(now.keypoints);
    if (!(a.size > 0) || !(b.size > 0)) {
      followed.emplace_back();
      continue;
    }
    const double k = b.size / a.size;
    now.x1 = static_cast<float>(b.cx + (before.x1 - a.cx) * k);
    now.y1 = static_cast<float>(b.cy + (before.y1 - a.cy) * k);
    now.x2 = static_cast<float>(b.cx + (before.x2 - a.cx) * k);
    now.y2 = static_cast<float>(b.cy + (before.y2 - a.cy) * k);
    followed.push_back(std::move(now));
  }
  return followed;
}

Result<Identity> FaceSwapEngine::LearnIdentity(const std::vector<cv::Mat>& images,
                                               const std::vector<std::string>& names, std::string_view role) {
  if (images.empty()) return InvalidArgument("no source image");
  Identity id;
  std::vector<std::vector<float>> embeddings;
  for (size_t i = 0; i < images.size(); ++i) {
    const std::string name = i < names.size() ? names[i] : std::string(role) + " " + std::to_string(i);
    FF_ASSIGN_OR_RETURN(std::vector<DetectedFace> faces, DetectFaces(images[i]));
    if (faces.empty()) return NotFound("no face found in the " + std::string(role) + " image " + name);
    const DetectedFace& largest = faces[Largest(faces)];
    StageTimer t(&times_.embed_ms, times_mutex_);
    FF_ASSIGN_OR_RETURN(embeddings.emplace_back(), recognizer_->Embed(images[i], largest.keypoints));
    if (classical_ && i == 0 && role == "source") {  // a reference is matched by identity only: no mesh
      FF_ASSIGN_OR_RETURN(id.mesh_face, classical_->PrepareSource(images[i], largest));
    }
  }
  FF_ASSIGN_OR_RETURN(id.embedding, face::AverageEmbeddings(embeddings));  // mean of unit vectors, not renormalised
  id.images = static_cast<int>(images.size());
  return id;
}

Result<std::vector<float>> FaceSwapEngine::Embed(const cv::Mat& image, const DetectedFace& face) {
  StageTimer t(&times_.embed_ms, times_mutex_);
  return recognizer_->Embed(image, face.keypoints);
}

Result<std::vector<size_t>> FaceSwapEngine::Select(const cv::Mat& target, const std::vector<DetectedFace>& faces) {
  face::SelectionOptions options;
  options.mode = config_.selector;
  options.order = config_.order;
  options.reference = reference_;
  options.max_distance = config_.reference_distance;
  std::vector<face::AnalysedFace> analysed(faces.size());
  for (size_t i = 0; i < faces.size(); ++i) {
    analysed[i].face = faces[i];
    if (options.mode != face::SelectionMode::kReference) continue;  // only reference mode compares identities
    StageTimer t(&times_.embed_ms, times_mutex_);
    FF_ASSIGN_OR_RETURN(analysed[i].embedding, recognizer_->Embed(target, faces[i].keypoints));
  }
  return face::SelectFaces(analysed, options);
}

Status FaceSwapEngine::SwapOne(cv::Mat& frame, const DetectedFace& face,
                               const std::vector<float>& source) {
  const face::SwapperContract& c = swapper_->contract();
  const int side = box_mask_.rows;
  // Template scaled to the crop side (FaceFusion: normalised template x size), fitted by Umeyama.
  FF_ASSIGN_OR_RETURN(cv::Mat matrix, face::EstimateSimilarity(
                                           face.keypoints, face::ScaleTemplate(c.template_points, c.template_size, side)));
  cv::Mat crop;
  cv::warpAffine(frame, crop, matrix, cv::Size(side, side), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  cv::Mat swapped;
  {
    StageTimer t(&times_.swap_ms, times_mutex_);
    FF_ASSIGN_OR_RETURN(swapped, swapper_->SwapCrop(crop, source));
  }
  StageTimer t(&times_.paste_ms, times_mutex_);
  cv::Mat mask = box_mask_;
  if (occlusion_) {
    FF_ASSIGN_OR_RETURN(cv::Mat occlusion, occlusion_->Mask(crop));
    mask = cv::min(mask, occlusion);
  }
  if (region_) {
    FF_ASSIGN_OR_RETURN(cv::Mat region, region_->Mask(swapped));
    mask = cv::min(mask, region);
  }
  return face::PasteBack(frame, swapped, mask, matrix);
}

Result<FaceSwapEngine::Analysis> FaceSwapEngine::Analyse(const cv::Mat& target) {
  if (target.empty() || target.type() != CV_8UC3) return InvalidArgument("the target must be a non-empty 8-bit BGR image");
  Analysis analysis;
  FF_ASSIGN_OR_RETURN(analysis.faces, DetectFaces(target));
  if (analysis.faces.empty()) return analysis;
  FF_ASSIGN_OR_RETURN(analysis.chosen, Select(target, analysis.faces));
  return analysis;
}

Result<cv::Mat> FaceSwapEngine::SwapFaces(const cv::Mat& target, const Identity& source,
                                          const std::vector<DetectedFace>& faces) {
  if (target.empty() || target.type() != CV_8UC3) return InvalidArgument("the target must be a non-empty 8-bit BGR image");
  if (faces.empty()) return target.clone();
  cv::Mat frame;
  if (classical_) {
    if (source.mesh_face.image.empty()) return InvalidArgument("the identity has no source face mesh");
    StageTimer t(&times_.swap_ms, times_mutex_);
    FF_ASSIGN_OR_RETURN(frame, classical_->Swap(source.mesh_face, target, faces));
  } else {
    FF_ASSIGN_OR_RETURN(std::vector<float> encoded, swapper_->EncodeSource(source.embedding));
    frame = target.clone();
    const float mix = 0.35f - 0.7f * config_.swapper_weight;  // FaceFusion's interp(weight, [0,1], [0.35,-0.35])
    for (const DetectedFace& face : faces) {
      if (mix == 0) {
        FF_RETURN_IF_ERROR(SwapOne(frame, face, encoded));
        continue;
      }
      std::vector<float> t;
      {
        StageTimer timer(&times_.embed_ms, times_mutex_);
        FF_ASSIGN_OR_RETURN(t, recognizer_->Embed(target, face.keypoints));
      }
      if (t.size() != encoded.size()) return InvalidArgument("the recognizer and the swapper disagree on the identity size");
      std::vector<float> mixed(encoded.size());
      for (size_t k = 0; k < mixed.size(); ++k) mixed[k] = encoded[k] * (1 - mix) + t[k] * mix;
      FF_RETURN_IF_ERROR(SwapOne(frame, face, mixed));
    }
  }
  // The enhancer reuses the landmarks found on the original target (it never re-detects on swapped pixels).
  if (enhancer_) {
    StageTimer t(&times_.enhance_ms, times_mutex_);
    for (const DetectedFace& face : faces) FF_RETURN_IF_ERROR(enhancer_->Enhance(frame, face.keypoints));
  }
  return frame;
}

Result<cv::Mat> FaceSwapEngine::Swap(const cv::Mat& target, const Identity& source, int* swapped,
                                     std::string_view target_name) {
  FF_ASSIGN_OR_RETURN(Analysis analysis, Analyse(target));
  const std::string named = target_name.empty() ? "" : " " + std::string(target_name);
  if (analysis.faces.empty()) return NotFound("no face found in the target image" + named);
  if (analysis.chosen.empty())
    return NotFound("no face of the target image" + named +
                    " is within the reference distance of the reference face (raise --reference-distance, now " +
                    cv::format("%g", config_.reference_distance) + ")");
  std::vector<DetectedFace> selected;
  for (size_t i : analysis.chosen) selected.push_back(analysis.faces[i]);
  FF_ASSIGN_OR_RETURN(cv::Mat frame, SwapFaces(target, source, selected));
  if (swapped != nullptr) *swapped = static_cast<int>(selected.size());
  return frame;
}

}  // namespace facefuse::pipeline
