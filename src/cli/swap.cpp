// facefuse swap: put the face of one or more source images onto the faces of a
// target image and write the result.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "cli/commands.h"
#include "cli/job_report.h"
#include "cli/memory_limit.h"
#include "cli/option_checks.h"
#include "face/mask/face_masks.h"
#include "media/image_io.h"
#include "models/catalog.h"
#include "models/models_dir.h"
#include "pipeline/face_swap_engine.h"

namespace facefuse::cli {
namespace {

struct SwapOptions {
  std::vector<std::string> sources;
  std::string target, output;
  std::string swapper = "auto";
  std::string models_dir;
  std::string swapper_model, converter_model;
  std::string detector = "yunet", detector_model;
  float detector_score = -1;
  std::string landmarker, landmarker_model;
  std::string recognizer_model;
  float recognizer_mean = -1, recognizer_std = -1;  // < 0: the recognizer's own (ArcFace 127.5 / bundled 127, 128)
  std::string selector = "many";
  std::string order = "large-small";
  std::string reference;
  float reference_distance = 0.3f;
  float mask_blur = 0.3f;
  std::string mask_padding = "0,0,0,0";
  int pixel_boost = 1;
  float swapper_weight = 0.5f;
  std::string enhancer, enhancer_model;
  std::string occlusion_model, region_model;
  std::vector<std::string> regions;
  int enhancer_blend = 80;
  int threads = 0;
  std::string memory_limit;
  bool json = false;
  int repeat = 1;
  std::vector<std::string> given;  // the options on the command line ("--pixel-boost", ...)
  JobReportOptions report;
};

bool Given(const SwapOptions& o, const std::string& option) {
  return std::find(o.given.begin(), o.given.end(), option) != o.given.end();
}

int Fail(const Status& s) {
  std::fprintf(stderr, "swap: %s\n", s.ToString().c_str());
  return 1;
}

Result<std::array<float, 4>> ParsePadding(const std::string& text) {
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

// One warning line per option given that this run will not use.
void WarnAboutIgnoredOptions(const SwapOptions& o, bool neural) {
  if (!neural) {
    for (const char* option : {"--pixel-boost", "--swapper-weight", "--mask-blur", "--mask-padding", "--occlusion-mask",
                               "--region-mask", "--regions", "--converter-model", "--swapper-model"})
      if (Given(o, option)) Warn("swap", std::string("the classical swapper ignores ") + option);
  } else if (o.region_model.empty() && Given(o, "--regions")) {
    Warn("swap", "--regions is ignored without --region-mask");
  }
  if (o.landmarker.empty() && Given(o, "--landmarker-model"))
    Warn("swap", "--landmarker-model is ignored without --landmarker");
  if (!o.report.gpu_report) {
    for (const char* option : {"--gpu", "--interval"})
      if (Given(o, option)) Warn("swap", std::string(option) + " is ignored without --gpu-report");
  }
  if (o.enhancer.empty()) {
    for (const char* option : {"--enhancer-blend", "--enhancer-model"})
      if (Given(o, option)) Warn("swap", std::string(option) + " is ignored without --enhancer");
  }
  if (o.selector != "reference") {
    for (const char* option : {"--reference", "--reference-distance"})
      if (Given(o, option)) Warn("swap", std::string(option) + " is ignored unless --selector reference");
  }
}

// "auto": the first installed neural swapper of the preferred ones, else the classical swapper. A preferred
// swapper whose file is there but broken (0 bytes, truncated) is chosen, so that its resolution names the file
// and the command that replaces it instead of silently falling back.
std::string ChooseSwapper(const SwapOptions& o, const Result<models::ModelsDir>& dir) {
  if (o.swapper != "auto") return o.swapper;
  if (!o.swapper_model.empty()) return "inswapper_128";
  if (!dir.ok()) return "classical";
  for (const char* name : {"hyperswap_1a_256", "inswapper_128"}) {
    const models::ModelEntry* entry = models::FindModel(name);
    if (entry == nullptr) continue;
    const Result<std::filesystem::path> installed = models::FindInstalledModel(*entry, *dir);
    if (installed.ok() || installed.status().code() != StatusCode::kNotFound) return name;
  }
  return "classical";
}

Result<pipeline::FaceSwapConfig> MakeConfig(const SwapOptions& o) {
  pipeline::FaceSwapConfig c;
  const Result<models::ModelsDir> dir = models::ResolveModelsDir(o.models_dir);
  c.swapper = ChooseSwapper(o, dir);
  const bool neural = c.swapper != "classical";
  WarnAboutIgnoredOptions(o, neural);
  auto resolve = [&](const std::string& explicit_path, const std::string& name) -> Result<std::filesystem::path> {
    if (!explicit_path.empty()) return std::filesystem::path(explicit_path);
    if (!dir.ok()) return dir.status();
    return models::ResolveModel(name, *dir);
  };
  if (neural) {
    FF_ASSIGN_OR_RETURN(const face::SwapperContract* contract, face::FindSwapperContract(c.swapper));
    FF_ASSIGN_OR_RETURN(c.swapper_model, resolve(o.swapper_model, c.swapper));
    if (!contract->converter.empty()) {
      FF_ASSIGN_OR_RETURN(c.converter_model, resolve(o.converter_model, contract->converter));
    }
    // Neural swappers take ArcFace w600k_r50 identities (mean 127.5, std 127.5).
    FF_ASSIGN_OR_RETURN(c.recognizer_model, resolve(o.recognizer_model, "arcface_w600k_r50"));
    c.recognizer_options.mean = c.recognizer_options.std = 127.5f;
  } else {
    c.recognizer_model = o.recognizer_model;  // empty: the bundled recognizer
  }
  if (o.recognizer_mean >= 0) c.recognizer_options.mean = o.recognizer_mean;
  if (o.recognizer_std > 0) c.recognizer_options.std = o.recognizer_std;
  c.detector = o.detector;
  c.detector_model = o.detector_model;
  c.detector_options.score_threshold = o.detector_score;
  c.landmarker = o.landmarker;
  if (!o.landmarker.empty() && o.landmarker != "face_mesh") {
    FF_ASSIGN_OR_RETURN(c.landmarker_model, resolve(o.landmarker_model, o.landmarker));
  }
  FF_ASSIGN_OR_RETURN(c.selector, face::ParseSelectionMode(o.selector));
  FF_ASSIGN_OR_RETURN(c.order, face::ParseFaceOrder(o.order));
  if (c.selector == face::SelectionMode::kReference && o.reference.empty())
    return InvalidArgument("--selector reference needs --reference IMAGE");
  c.reference_distance = o.reference_distance;
  c.mask.blur = o.mask_blur;
  const auto padding = ParsePadding(o.mask_padding);
  if (!padding.ok()) return padding.status().WithContext("--mask-padding");
  c.mask.padding = *padding;
  c.pixel_boost = o.pixel_boost;
  c.swapper_weight = o.swapper_weight;
  c.threads = o.threads;
  FF_ASSIGN_OR_RETURN(c.memory_budget, MakeMemoryBudget(o.memory_limit));
  // --occlusion-mask / --region-mask (neural swappers only) take a catalog name or a file; a failure names the option.
  auto resolve_mask = [&](const char* option, const std::string& value) -> Result<std::filesystem::path> {
    Result<std::filesystem::path> path = !dir.ok() && std::filesystem::is_regular_file(value)
                                             ? Result<std::filesystem::path>(std::filesystem::path(value))
                                         : dir.ok() ? models::ResolveModel(value, *dir)
                                                    : Result<std::filesystem::path>(dir.status());
    if (!path.ok()) return path.status().WithContext(option);
    return path;
  };
  if (neural && !o.occlusion_model.empty()) {
    FF_ASSIGN_OR_RETURN(c.occlusion_model, resolve_mask("--occlusion-mask", o.occlusion_model));
  }
  if (neural && !o.region_model.empty()) {
    FF_ASSIGN_OR_RETURN(c.region_model, resolve_mask("--region-mask", o.region_model));
  }
  c.regions = o.regions;
  if (!o.enhancer.empty()) {
    FF_RETURN_IF_ERROR(face::FindEnhancerContract(o.enhancer).status());
    c.enhancer = o.enhancer;
    FF_ASSIGN_OR_RETURN(c.enhancer_model, resolve(o.enhancer_model, o.enhancer));
    c.enhancer_options.blend = o.enhancer_blend;
  }
  return c;
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

Status RunSwap(const SwapOptions& o, nlohmann::json* report) {
  FF_ASSIGN_OR_RETURN(pipeline::FaceSwapConfig config, MakeConfig(o));
  // Claim the output before any work: a bad path, an unknown extension or an input named as the output fails
  // at once, and the temporary file beside it is removed on any failure or on SIGINT/SIGTERM.
  std::vector<std::filesystem::path> inputs(o.sources.begin(), o.sources.end());
  inputs.emplace_back(o.target);
  if (!o.reference.empty()) inputs.emplace_back(o.reference);
  // Every file written (-o, --metrics-file, the GPU report) is checked against the inputs and each other first.
  FF_RETURN_IF_ERROR(CheckJobOutputs(o.report, {"-o", o.output}, o.output, inputs));
  FF_ASSIGN_OR_RETURN(PendingFile output, media::PrepareImageOutput(o.output, inputs));
  // Read every input before opening models: a bad path fails in milliseconds. The decoded pixels are claimed
  // from the job's memory budget (when there is one) for as long as they are held.
  media::ImageLimits limits;
  limits.budget = config.memory_budget;
  std::vector<media::Image> source_images;
  std::vector<cv::Mat> sources;
  for (const std::string& s : o.sources) {
    FF_ASSIGN_OR_RETURN(media::Image img, media::LoadImage(s, limits));
    sources.push_back(img.bgr);
    source_images.push_back(std::move(img));
  }
  FF_ASSIGN_OR_RETURN(media::Image target, media::LoadImage(o.target, limits));
  std::optional<media::Image> reference_image;
  if (!o.reference.empty()) {
    FF_ASSIGN_OR_RETURN(reference_image, media::LoadImage(o.reference, limits));
  }
  FF_ASSIGN_OR_RETURN(JobReport run, JobReport::Start(o.report, o.output, "swap " + o.target));
  run.Stage("model_load");
  FF_ASSIGN_OR_RETURN(auto engine, pipeline::FaceSwapEngine::Open(config));
  run.Stage("detect");
  FF_ASSIGN_OR_RETURN(pipeline::Identity identity, engine->LearnIdentity(sources, o.sources, "source"));
  if (reference_image) {
    FF_ASSIGN_OR_RETURN(pipeline::Identity reference,
                        engine->LearnIdentity({reference_image->bgr}, {o.reference}, "reference"));
    engine->SetReference(reference);
  }
  // --repeat N runs the target N times on warm models (a benchmark): the report gives medians per run.
  int swapped = 0;
  cv::Mat result;
  std::vector<double> wall, detect, embed, swap, paste, enhance;
  for (int r = 0; r < o.repeat; ++r) {
    run.Stage("swap");
    const pipeline::StageTimes before = engine->times();
    const auto start = std::chrono::steady_clock::now();
    FF_ASSIGN_OR_RETURN(result, engine->Swap(target.bgr, identity, &swapped, o.target));
    wall.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    const pipeline::StageTimes& t = engine->times();
    detect.push_back(t.detect_ms - before.detect_ms);
    embed.push_back(t.embed_ms - before.embed_ms);
    swap.push_back(t.swap_ms - before.swap_ms);
    paste.push_back(t.paste_ms - before.paste_ms);
    enhance.push_back(t.enhance_ms - before.enhance_ms);
    run.SplitStage({{"detect", detect.back() + embed.back()}, {"swap", swap.back() + paste.back()},
                    {"enhance", enhance.back()}});
  }
  run.Stage("write");
  FF_RETURN_IF_ERROR(media::CommitImage(output, o.output, result, target.alpha));
  if (run.metrics()) run.metrics()->RecordSwapJob(telemetry::kOutcomeSuccess, run.seconds(), o.repeat, swapped * o.repeat);
  FF_ASSIGN_OR_RETURN(std::string gpu_summary, run.Finish(o.repeat));
  *report = {{"output", o.output},
             {"swapper", config.swapper},
             {"faces_swapped", swapped},
             {"runs", o.repeat},
             {"median_ms", {{"total", Median(wall)}, {"detect", Median(detect)}, {"embed", Median(embed)},
                            {"swap", Median(swap)}, {"paste", Median(paste)}, {"enhance", Median(enhance)}}}};
  if (!gpu_summary.empty()) (*report)["gpu_report"] = gpu_summary;
  if (config.memory_budget) {
    (*report)["memory_limit_bytes"] = config.memory_budget->limit_bytes();
    (*report)["memory_peak_bytes"] = config.memory_budget->peak_bytes();
  }
  return Status::Ok();
}

}  // namespace

void AddSwapCommand(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<SwapOptions>();
  auto* cmd = app.add_subcommand("swap", "Swap the face of the source image(s) onto the faces in a target image");
  cmd->add_option("--source,-s", o->sources, "Source image (repeat to average several images of one person)")
      ->required();
  cmd->add_option("--target,-t", o->target, "Target image (jpg, png, webp, bmp)")->required();
  cmd->add_option("--output,-o", o->output, "Output image; the format follows the extension")->required();
  cmd->add_option("--swapper", o->swapper,
                  "classical (built in, no download), a neural swapper (inswapper_128, hyperswap_1a_256, simswap_256, "
                  "...), or auto: the first installed of hyperswap_1a_256, inswapper_128, else classical")
      ->capture_default_str();
  cmd->add_option("--swapper-model", o->swapper_model, "Swapper model file (default: the catalog file in the models dir)");
  cmd->add_option("--models-dir", o->models_dir, "Where downloaded models live (default: $FACEFUSE_MODELS_DIR, "
                  "$XDG_DATA_HOME/facefuse/models or ~/.local/share/facefuse/models)");
  cmd->add_option("--converter-model", o->converter_model, "Identity converter model (simswap)");
  cmd->add_option("--detector", o->detector, "Detector family")->capture_default_str();
  cmd->add_option("--detector-model", o->detector_model, "Detector model file (default: bundled for the family)");
  cmd->add_option("--landmarker", o->landmarker,
                  "Align on landmarks instead of the detector's 5 points: 2dfan4, pfld_68 or face_mesh (bundled)");
  cmd->add_option("--landmarker-model", o->landmarker_model, "Landmarker model file");
  cmd->add_option("--detector-score", o->detector_score, "Detector score threshold (default: the family's)")
      ->check(FiniteIn(0, 1));
  cmd->add_option("--recognizer-model", o->recognizer_model,
                  "Recognizer model (neural swappers: arcface_w600k_r50 from the models dir; classical: bundled)");
  cmd->add_option("--recognizer-mean", o->recognizer_mean, "Recognizer input mean (default: the model's)")
      ->check(FiniteIn(0, 255));
  cmd->add_option("--recognizer-std", o->recognizer_std, "Recognizer input std (default: the model's)")
      ->check(FiniteIn(1e-3, 255));
  cmd->add_option("--selector", o->selector, "Which target faces: many, one (largest) or reference")
      ->capture_default_str();
  cmd->add_option("--order", o->order, "Face order: left-right, right-left, top-bottom, bottom-top, small-large, "
                  "large-small, best-worst, worst-best")->capture_default_str();
  cmd->add_option("--reference", o->reference, "Reference face image for --selector reference");
  cmd->add_option("--reference-distance", o->reference_distance, "Match when (1 - cos) / 2 is below this")
      ->capture_default_str()
      ->check(FiniteIn(0, 1));
  cmd->add_option("--mask-blur", o->mask_blur, "Box mask blur, 0..1")->capture_default_str()->check(FiniteIn(0, 1));
  cmd->add_option("--mask-padding", o->mask_padding, "Box mask padding in percent: t,r,b,l or one value")
      ->capture_default_str()
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            const auto padding = ParsePadding(text);
            return padding.ok() ? "" : padding.status().message();
          },
          "T,R,B,L", "Padding"));
  cmd->add_option("--swapper-weight", o->swapper_weight, "Identity weight 0..1 (0.5: the source as is)")
      ->capture_default_str()
      ->check(FiniteIn(0, 1));
  cmd->add_option("--pixel-boost", o->pixel_boost, "Crop at N x the model size, run as N x N tiles (1..8; the swapper's sizes bound it further)")
      ->capture_default_str()
      ->check(IntIn(1, 8));
  cmd->add_option("--occlusion-mask", o->occlusion_model, "XSeg occlusion model (name, e.g. xseg_1, or file)");
  cmd->add_option("--region-mask", o->region_model, "BiSeNet face-parsing model (name, e.g. bisenet_resnet_34, or file)");
  cmd->add_option("--regions", o->regions, "Regions the region mask keeps: skin, left-eyebrow, right-eyebrow, "
                  "left-eye, right-eye, glasses, nose, mouth, upper-lip, lower-lip (default: all)")
      ->delimiter(',')
      ->check(CLI::IsMember(face::RegionNames()));
  cmd->add_option("--enhancer", o->enhancer, "Face enhancer: gfpgan_1.4, codeformer, gpen_bfr_256, gpen_bfr_512, ...");
  cmd->add_option("--enhancer-model", o->enhancer_model, "Enhancer model file (default: the catalog file)");
  cmd->add_option("--enhancer-blend", o->enhancer_blend, "Enhanced share of the result, 0..100")->capture_default_str()
      ->check(IntIn(0, 100));
  cmd->add_option("--threads", o->threads, "Kernel threads (0 = all cores)")->check(ThreadCount());
  cmd->add_option("--memory-limit", o->memory_limit, kMemoryLimitHelp)->check(MemoryLimitSyntax());
  cmd->add_flag("--json", o->json, "Print a JSON report");
  cmd->add_option("--repeat", o->repeat, "Swap the target N times on warm models and report median times (benchmark)")
      ->check(IntIn(1, 100000));
  AddJobReportOptions(cmd, o->report, "beside --output");
  cmd->callback([o, cmd, &exit_code] {
    for (const CLI::Option* option : cmd->get_options())
      if (option->count() > 0) o->given.push_back(option->get_name());
    o->report.gpu_given = Given(*o, "--gpu");
    nlohmann::json report;
    Status s = RunSwap(*o, &report);
    if (!s.ok()) {
      exit_code = Fail(s);
      return;
    }
    if (o->json) std::printf("%s\n", report.dump().c_str());
    else std::printf("swapped %d face(s) into %s\n", report["faces_swapped"].get<int>(), o->output.c_str());
    if (!o->json && report.contains("gpu_report")) std::printf("%s", report["gpu_report"].get<std::string>().c_str());
    exit_code = 0;
  });
}

}  // namespace facefuse::cli
