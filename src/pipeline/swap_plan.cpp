#include "pipeline/swap_plan.h"

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "common/env.h"
#include "face/detect/detector.h"
#include "face/enhance/enhancer.h"
#include "face/landmark/landmarker.h"
#include "face/selection.h"
#include "face/swap/neural/neural_swapper.h"
#include "models/catalog.h"
#include "pipeline/memory_limit.h"

namespace facefuse::pipeline {
namespace {

// The identity of every neural swapper: ArcFace w600k_r50 embeddings, input normalised with this mean and std.
constexpr const char* kNeuralRecognizer = "arcface_w600k_r50";
constexpr float kArcFaceMeanStd = 127.5f;

bool IsSet(const SwapRequest& r, std::string_view option) {
  return std::find(r.explicitly_set.begin(), r.explicitly_set.end(), option) != r.explicitly_set.end();
}

// A model named by `explicit_path` (a file, taken as is) or else by catalog `name` in the models dir.
Result<std::filesystem::path> ResolveModelFile(const std::string& explicit_path, const std::string& name,
                                               const Result<models::ModelsDir>& dir) {
  if (!explicit_path.empty()) return std::filesystem::path(explicit_path);
  if (!dir.ok()) return dir.status();
  return models::ResolveModel(name, *dir);
}

// --occlusion-mask / --region-mask take a catalog name or a file; a failure names the option.
Result<std::filesystem::path> ResolveMaskModel(const char* option, const std::string& value,
                                               const Result<models::ModelsDir>& dir) {
  Result<std::filesystem::path> path = !dir.ok() && Env::Default()->IsRegularFile(value)
                                           ? Result<std::filesystem::path>(std::filesystem::path(value))
                                       : dir.ok() ? models::ResolveModel(value, *dir)
                                                  : Result<std::filesystem::path>(dir.status());
  if (!path.ok()) return path.status().WithContext(option);
  return path;
}

// A model file given on the command line is there and is a file (its contents are checked when it is opened).
Status CheckGivenModelFile(const char* option, const std::string& path) {
  const FileInfo info = Env::Default()->Stat(path);
  if (info.type == FileType::kMissing) return NotFound(std::string(option) + ": model file " + path + " does not exist");
  if (info.type != FileType::kRegular)
    return InvalidArgument(std::string(option) + ": " + path + " is not a file (a folder, device or FIFO)");
  return Status::Ok();
}

// The swapper's models and the recognizer with its normalisation.
Status ResolveSwapperModels(const SwapRequest& r, const Result<models::ModelsDir>& dir, FaceSwapConfig& c) {
  if (c.swapper != "classical") {
    const Result<const face::SwapperContract*> found = face::FindSwapperContract(c.swapper);
    if (!found.ok()) return found.status().WithContext("--swapper");  // NotFound: maybe a swapper of a later version
    const face::SwapperContract* contract = *found;
    // The file the user named is checked before the models the swapper needs besides it (the recognizer, ...).
    if (!r.swapper_model.empty()) FF_RETURN_IF_ERROR(CheckGivenModelFile("--swapper-model", r.swapper_model));
    FF_ASSIGN_OR_RETURN(c.swapper_model, ResolveModelFile(r.swapper_model, c.swapper, dir));
    if (!contract->converter.empty()) {
      FF_ASSIGN_OR_RETURN(c.converter_model, ResolveModelFile(r.converter_model, contract->converter, dir));
    }
    FF_ASSIGN_OR_RETURN(c.recognizer_model, ResolveModelFile(r.recognizer_model, kNeuralRecognizer, dir));
    c.recognizer_options.mean = c.recognizer_options.std = kArcFaceMeanStd;
  } else {
    c.recognizer_model = r.recognizer_model;  // empty: the bundled recognizer
  }
  if (r.recognizer_mean >= 0) c.recognizer_options.mean = r.recognizer_mean;
  if (r.recognizer_std > 0) c.recognizer_options.std = r.recognizer_std;
  return Status::Ok();
}

// The options that name a choice (--swapper, --detector, --landmarker, --selector, --order, --enhancer) hold a
// name this build knows; a neural swapper name is looked up later (an unknown one is NotFound, naming --swapper).
Status CheckNamedOptions(const SwapRequest& r) {
  if (r.swapper.empty()) return InvalidArgument("--swapper: the name is empty (auto, classical or a neural swapper)");
  FF_RETURN_IF_ERROR(face::CheckDetectorFamily(r.detector).WithContext("--detector"));
  if (!r.landmarker.empty()) FF_RETURN_IF_ERROR(face::CheckLandmarkerName(r.landmarker).WithContext("--landmarker"));
  FF_RETURN_IF_ERROR(face::ParseSelectionMode(r.selector).status().WithContext("--selector"));
  FF_RETURN_IF_ERROR(face::ParseFaceOrder(r.order).status().WithContext("--order"));
  if (!r.enhancer.empty()) {
    if (const auto found = face::FindEnhancerContract(r.enhancer); !found.ok())
      return InvalidArgument("--enhancer: " + found.status().message());
  }
  return Status::Ok();
}

}  // namespace

SwapRequest ForVideoTarget(SwapRequest request) {
  if (request.landmarker.empty()) request.landmarker = "face_mesh";
  return request;
}

std::string ChooseSwapper(const SwapRequest& request, const Result<models::ModelsDir>& dir) {
  if (request.swapper != "auto") return request.swapper;
  if (!request.swapper_model.empty()) return "inswapper_128";
  if (!dir.ok()) return "classical";
  for (const char* name : {"hyperswap_1a_256", "inswapper_128"}) {
    const models::ModelEntry* entry = models::FindModel(name);
    if (entry == nullptr) continue;
    const Result<std::filesystem::path> installed = models::FindInstalledModel(*entry, *dir);
    if (installed.ok() || installed.status().code() != StatusCode::kNotFound) return name;
  }
  return "classical";
}

std::vector<std::string> IgnoredOptionWarnings(const SwapRequest& r, std::string_view swapper) {
  std::vector<std::string> warnings;
  if (swapper == "classical") {
    for (const char* option : {"--pixel-boost", "--swapper-weight", "--mask-blur", "--mask-padding", "--occlusion-mask",
                               "--region-mask", "--regions", "--converter-model", "--swapper-model"})
      if (IsSet(r, option)) warnings.push_back(std::string("the classical swapper ignores ") + option);
  } else if (r.region_model.empty() && IsSet(r, "--regions")) {
    warnings.emplace_back("--regions is ignored without --region-mask");
  }
  if (r.landmarker.empty() && IsSet(r, "--landmarker-model"))
    warnings.emplace_back("--landmarker-model is ignored without --landmarker");
  if (r.enhancer.empty()) {
    for (const char* option : {"--enhancer-blend", "--enhancer-model"})
      if (IsSet(r, option)) warnings.push_back(std::string(option) + " is ignored without --enhancer");
  }
  if (r.selector != "reference") {
    for (const char* option : {"--reference", "--reference-distance"})
      if (IsSet(r, option)) warnings.push_back(std::string(option) + " is ignored unless --selector reference");
  }
  return warnings;
}

Result<std::array<float, 4>> ParseMaskPadding(const std::string& text) {
  std::array<float, 4> out{};
  std::stringstream in(text);
  std::string item;
  size_t n = 0;
  while (std::getline(in, item, ',')) {
    if (n == 4) return InvalidArgument("takes 4 numbers (top,right,bottom,left)");
    try {
      size_t used = 0;
      out[n] = std::stof(item, &used);
      if (used != item.size()) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      return InvalidArgument("'" + item + "' is not a number");
    }
    if (!(out[n] >= 0 && out[n] <= 100))  // refuses nan too
      return InvalidArgument(item + " is outside 0..100 (percent of the crop)");
    ++n;
  }
  if (n == 1) out = {out[0], out[0], out[0], out[0]};
  else if (n != 4) return InvalidArgument("takes 1 or 4 numbers (top,right,bottom,left)");
  return out;
}

Result<SwapPlan> ResolveSwapPlan(const SwapRequest& r, std::vector<std::string>* warnings) {
  SwapPlan plan;
  FaceSwapConfig& c = plan.config;
  const Result<models::ModelsDir> dir = models::ResolveModelsDir(r.models_dir);
  c.swapper = ChooseSwapper(r, dir);
  const bool neural = c.swapper != "classical";
  if (warnings != nullptr) *warnings = IgnoredOptionWarnings(r, c.swapper);
  // A models dir that is a file is a mistake even when no model is needed from it; no models dir at all is not.
  if (!dir.ok() && dir.status().code() == StatusCode::kInvalidArgument) return dir.status();
  // The names of the command line before any model: a misspelt one is a usage error naming its option.
  FF_RETURN_IF_ERROR(CheckNamedOptions(r));
  FF_RETURN_IF_ERROR(ResolveSwapperModels(r, dir, c));
  c.detector = r.detector;
  c.detector_model = r.detector_model;
  c.detector_options.score_threshold = r.detector_score;
  c.landmarker = r.landmarker;
  if (r.landmarker == "face_mesh") {
    c.landmarker_model = r.landmarker_model;  // empty: the bundled Face Mesh; a file is opened (and checked) as given
  } else if (!r.landmarker.empty()) {
    if (r.landmarker_model.empty() && models::FindModel(r.landmarker) == nullptr)  // pfld_68: only a file will do
      return NotFound("--landmarker " + r.landmarker +
                      " needs --landmarker-model FILE (no bundled or catalog model)");
    FF_ASSIGN_OR_RETURN(c.landmarker_model, ResolveModelFile(r.landmarker_model, r.landmarker, dir));
  }
  c.selector = *face::ParseSelectionMode(r.selector);  // checked by CheckNamedOptions
  c.order = *face::ParseFaceOrder(r.order);
  if (c.selector == face::SelectionMode::kReference && r.reference.empty())
    return InvalidArgument("--selector reference needs --reference IMAGE");
  c.reference_distance = r.reference_distance;
  c.mask.blur = r.mask_blur;
  const auto padding = ParseMaskPadding(r.mask_padding);
  if (!padding.ok()) return padding.status().WithContext("--mask-padding");
  c.mask.padding = *padding;
  c.pixel_boost = r.pixel_boost;
  c.swapper_weight = r.swapper_weight;
  c.threads = r.threads;
  c.plan_cache_dir = r.plan_cache_dir;
  FF_ASSIGN_OR_RETURN(c.memory_budget, MakeMemoryBudget(r.memory_limit));
  if (neural && !r.occlusion_model.empty()) {
    FF_ASSIGN_OR_RETURN(c.occlusion_model, ResolveMaskModel("--occlusion-mask", r.occlusion_model, dir));
  }
  if (neural && !r.region_model.empty()) {
    FF_ASSIGN_OR_RETURN(c.region_model, ResolveMaskModel("--region-mask", r.region_model, dir));
  }
  c.regions = r.regions;
  if (!r.enhancer.empty()) {
    c.enhancer = r.enhancer;
    FF_ASSIGN_OR_RETURN(c.enhancer_model, ResolveModelFile(r.enhancer_model, r.enhancer, dir));
    c.enhancer_options.blend = r.enhancer_blend;
  }
  return plan;
}

}  // namespace facefuse::pipeline
