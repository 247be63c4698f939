// facefuse swap: put the face of one or more source images onto the faces of a
// target image or video and write the result (videos: cli/swap_video.cpp).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/commands.h"
#include "cli/common_flags.h"
#include "cli/exit_status.h"
#include "cli/job_report.h"
#include "cli/option_checks.h"
#include "cli/swap_video.h"
#include "face/mask/face_masks.h"
#include "facefuse/face_swap.h"
#include "job/job.h"
#include "job/job_recorder.h"
#include "job/job_runner.h"
#include "media/image_io.h"
#include "media/video_info.h"
#include "pipeline/face_swap_engine.h"
#include "pipeline/source_frame.h"
#include "pipeline/swap_plan.h"

namespace facefuse::cli {
namespace {

// The command line: the request, plus how to present its result.
struct SwapOptions {
  SwapRequest request;
  std::string output;
  bool json = false;
  int repeat = 1;
  JobReportOptions report;
  VideoFlags video;
};

// One warning line per job-report option given that this run will not use (the request's own come from the plan).
void WarnAboutIgnoredReportOptions(const SwapOptions& o) {
  if (o.report.gpu_report) return;
  for (const char* option : {"--gpu", "--interval"})
    if (std::find(o.request.explicitly_set.begin(), o.request.explicitly_set.end(), option) !=
        o.request.explicitly_set.end())
      Warn("swap", std::string(option) + " is ignored without --gpu-report");
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// The decoded inputs of a swap, claimed from the job's memory budget (when there is one) while held.
struct SwapInputs {
  std::vector<media::Image> source_images;
  std::vector<cv::Mat> sources;
  media::Image target;
  std::optional<media::Image> reference;
};

// Per-run times of the target's swaps (--repeat N: N of each), in milliseconds.
struct RunTimes {
  std::vector<double> wall, detect, embed, swap, paste, enhance;
};

Result<SwapInputs> LoadSwapInputs(const SwapRequest& request, const media::ImageLimits& limits) {
  SwapInputs in;
  for (const std::string& s : request.sources) {
    if (pipeline::IsVideoSource(s)) {  // its best frame is found once the engine is open (SwapTarget)
      in.sources.emplace_back();
      continue;
    }
    FF_ASSIGN_OR_RETURN(media::Image img, media::LoadImage(s, limits));
    in.sources.push_back(img.bgr);
    in.source_images.push_back(std::move(img));
  }
  FF_ASSIGN_OR_RETURN(in.target, media::LoadImage(request.target, limits));
  if (!request.reference.empty()) {
    FF_ASSIGN_OR_RETURN(in.reference, media::LoadImage(request.reference, limits));
  }
  return in;
}

// The work of the swap job `record` (running): its stages, progress, frames and result as they happen, the
// output committed at the end. Returns the first error; the caller ends the record with it.
Status SwapTarget(const SwapOptions& o, const pipeline::FaceSwapConfig& config, const SwapInputs& in,
                  PendingFile& output, job::JobRecorder& recorder, job::Job& record, RunTimes* times) {
  const SwapRequest& request = o.request;
  recorder.BeginStage("model_load");
  FF_ASSIGN_OR_RETURN(auto engine, pipeline::FaceSwapEngine::Open(config));
  recorder.BeginStage("detect");
  std::vector<cv::Mat> sources = in.sources;
  FF_RETURN_IF_ERROR(pipeline::ResolveVideoSources(*engine, {request.sources.begin(), request.sources.end()}, sources));
  FF_ASSIGN_OR_RETURN(pipeline::Identity identity, engine->LearnIdentity(sources, request.sources, "source"));
  if (in.reference) {
    FF_ASSIGN_OR_RETURN(pipeline::Identity reference,
                        engine->LearnIdentity({in.reference->bgr}, {request.reference}, "reference"));
    engine->SetReference(reference);
  }
  // --repeat N runs the target N times on warm models (a benchmark): the report gives medians per run.
  record.progress.items_total = o.repeat;
  cv::Mat result;
  for (int r = 0; r < o.repeat; ++r) {
    recorder.BeginStage("swap");
    const pipeline::StageTimes before = engine->times();
    const auto start = std::chrono::steady_clock::now();
    FF_ASSIGN_OR_RETURN(result, engine->Swap(in.target.bgr, identity, &record.swap_image_result.faces_swapped,
                                             request.target));
    times->wall.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    const pipeline::StageTimes t = engine->times();
    times->detect.push_back(t.detect_ms - before.detect_ms);
    times->embed.push_back(t.embed_ms - before.embed_ms);
    times->swap.push_back(t.swap_ms - before.swap_ms);
    times->paste.push_back(t.paste_ms - before.paste_ms);
    times->enhance.push_back(t.enhance_ms - before.enhance_ms);
    recorder.SplitStage({{"detect", times->detect.back() + times->embed.back()},
                         {"swap", times->swap.back() + times->paste.back()}, {"enhance", times->enhance.back()}});
    record.frames = record.progress.items_done = r + 1;
  }
  recorder.BeginStage("write");
  FF_RETURN_IF_ERROR(media::CommitImage(output, o.output, result, in.target.alpha));
  record.swap_image_result.output = o.output;
  return Status::Ok();
}

Status RunSwap(const SwapOptions& o, nlohmann::json* report, ErrorOrigin* origin) {
  // The target's kind from its content: a video goes to the video pipeline. A file that is neither is explained by
  // the reader the names ask for: a video file name (target or output) gets the video probe's error, anything
  // else the image reader's.
  const Result<media::MediaKind> kind = media::DetectMediaKind(o.request.target);
  if (!kind.ok() && (media::HasVideoContainerName(o.request.target) || media::HasVideoContainerName(o.output)))
    return kind.status();
  const bool video = kind.ok() && *kind == media::MediaKind::kVideo;
  const SwapRequest request = video ? pipeline::ForVideoTarget(o.request) : o.request;
  std::vector<std::string> warnings;
  Result<pipeline::SwapPlan> plan = pipeline::ResolveSwapPlan(request, &warnings);
  for (const std::string& warning : warnings) Warn("swap", warning);
  WarnAboutIgnoredReportOptions(o);
  if (!plan.ok()) return AsUsage(plan.status(), origin);
  const pipeline::FaceSwapConfig& config = plan->config;
  if (video) {
    if (o.repeat != 1) Warn("swap", "--repeat applies to image targets only");
    return RunVideoSwap({&request, &config, o.output, o.video, o.report}, report, origin);
  }
  if (kind.ok())
    for (const std::string& option : VideoOnlyOptionsGiven(request))
      Warn("swap", option + " applies to video targets only; " + request.target + " is an image");
  // Claim the output before any work: a bad path, an unknown extension or an input named as the output fails
  // at once, and the temporary file beside it is removed on any failure or on SIGINT/SIGTERM.
  std::vector<std::filesystem::path> inputs(request.sources.begin(), request.sources.end());
  inputs.emplace_back(request.target);
  if (!request.reference.empty()) inputs.emplace_back(request.reference);
  // Every file written (-o, --metrics-file, the GPU report) is checked against the inputs and each other first.
  FF_RETURN_IF_ERROR(AsUsage(CheckJobOutputs(o.report, {"-o", o.output}, o.output, inputs), origin));
  Result<PendingFile> claimed = media::PrepareImageOutput(o.output, inputs);
  if (!claimed.ok()) return AsUsage(claimed.status(), origin);
  PendingFile output = std::move(claimed).value();
  // Read every input before opening models: a bad path fails in milliseconds.
  media::ImageLimits limits;
  limits.budget = config.memory_budget;
  FF_ASSIGN_OR_RETURN(SwapInputs in, LoadSwapInputs(request, limits));
  Result<JobReport> started = JobReport::Start(o.report, o.output, "swap " + request.target);
  if (!started.ok()) return AsUsage(started.status(), origin);  // a --gpu N this machine lacks, as job
  JobReport run = std::move(started).value();
  // The run's record, as every job keeps one: the GPU report and the metrics read it.
  job::SwapImageSpec spec;
  spec.sources.assign(request.sources.begin(), request.sources.end());
  spec.target = request.target;
  spec.output = o.output;
  spec.config = config;
  job::Job record = job::NewSwapImageJob(std::move(spec));
  job::JobContext context;
  context.metrics = run.metrics();
  context.on_stage = run.StageHook();
  FF_ASSIGN_OR_RETURN(job::JobRecorder recorder, job::JobRecorder::Begin(record, context));
  RunTimes times;
  const Status swapped = recorder.End(SwapTarget(o, config, in, output, recorder, record, &times));
  if (swapped.ok()) job::CountSwapImageOutput(record, run.metrics());
  // A failed job still gets its full report (metrics, GPU report), as `facefuse job` writes one for a failed job.
  Result<std::string> gpu_summary = run.Finish(record);
  if (!swapped.ok()) {  // the job's error comes first; a report that could not be written is its own error
    if (gpu_summary.ok() && !gpu_summary->empty()) (*report)["gpu_report"] = *gpu_summary;
    return swapped;
  }
  if (!gpu_summary.ok()) return gpu_summary.status();
  *report = {{"output", o.output},
             {"swapper", config.swapper},
             {"faces_swapped", record.swap_image_result.faces_swapped},
             {"runs", record.frames},
             {"median_ms", {{"total", Median(times.wall)}, {"detect", Median(times.detect)},
                            {"embed", Median(times.embed)}, {"swap", Median(times.swap)},
                            {"paste", Median(times.paste)}, {"enhance", Median(times.enhance)}}}};
  if (!gpu_summary->empty()) (*report)["gpu_report"] = *gpu_summary;
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
  cmd->add_option("--source,-s", o->request.sources,
                  "Source image, or video (its sharpest frontal frame); repeat to average several of one person")
      ->required();
  cmd->add_option("--target,-t", o->request.target, "Target image (jpg, png, webp, bmp) or video (any FFmpeg reads; "
                  "the kind comes from the content)")->required();
  cmd->add_option("--output,-o", o->output, "Output image or video; the format follows the extension")->required();
  cmd->add_option("--swapper", o->request.swapper,
                  "classical (built in, no download), a neural swapper (inswapper_128, hyperswap_1a_256, simswap_256, "
                  "...), or auto: the first installed of hyperswap_1a_256, inswapper_128, else classical")
      ->capture_default_str();
  cmd->add_option("--swapper-model", o->request.swapper_model, "Swapper model file (default: the catalog file in the models dir)");
  AddModelsDirOption(cmd, o->request.models_dir, "Where downloaded models live (default: $FACEFUSE_MODELS_DIR, "
                     "$XDG_DATA_HOME/facefuse/models or ~/.local/share/facefuse/models)");
  cmd->add_option("--converter-model", o->request.converter_model, "Identity converter model (simswap)");
  cmd->add_option("--detector", o->request.detector, "Detector family")->capture_default_str();
  cmd->add_option("--detector-model", o->request.detector_model, "Detector model file (default: bundled for the family)");
  cmd->add_option("--landmarker", o->request.landmarker,
                  "Align on landmarks instead of the detector's 5 points: 2dfan4, pfld_68 or face_mesh (bundled)");
  cmd->add_option("--landmarker-model", o->request.landmarker_model, "Landmarker model file");
  cmd->add_option("--detector-score", o->request.detector_score, "Detector score threshold (default: the family's)")
      ->check(FiniteIn(0, 1));
  cmd->add_option("--recognizer-model", o->request.recognizer_model,
                  "Recognizer model (neural swappers: arcface_w600k_r50 from the models dir; classical: bundled)");
  cmd->add_option("--recognizer-mean", o->request.recognizer_mean, "Recognizer input mean (default: the model's)")
      ->check(FiniteIn(0, 255));
  cmd->add_option("--recognizer-std", o->request.recognizer_std, "Recognizer input std (default: the model's)")
      ->check(FiniteIn(1e-3, 255));
  cmd->add_option("--selector", o->request.selector, "Which target faces: many, one (largest) or reference")
      ->capture_default_str();
  cmd->add_option("--order", o->request.order, "Face order: left-right, right-left, top-bottom, bottom-top, small-large, "
                  "large-small, best-worst, worst-best")->capture_default_str();
  cmd->add_option("--reference", o->request.reference, "Reference face image for --selector reference");
  cmd->add_option("--reference-distance", o->request.reference_distance, "Match when (1 - cos) / 2 is below this")
      ->capture_default_str()
      ->check(FiniteIn(0, 1));
  cmd->add_option("--mask-blur", o->request.mask_blur, "Box mask blur, 0..1")->capture_default_str()->check(FiniteIn(0, 1));
  cmd->add_option("--mask-padding", o->request.mask_padding, "Box mask padding in percent: t,r,b,l or one value")
      ->capture_default_str()
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            const auto padding = pipeline::ParseMaskPadding(text);
            return padding.ok() ? "" : padding.status().message();
          },
          "T,R,B,L", "Padding"));
  cmd->add_option("--swapper-weight", o->request.swapper_weight, "Identity weight 0..1 (0.5: the source as is)")
      ->capture_default_str()
      ->check(FiniteIn(0, 1));
  cmd->add_option("--pixel-boost", o->request.pixel_boost, "Crop at N x the model size, run as N x N tiles (1..8; the swapper's sizes bound it further)")
      ->capture_default_str()
      ->check(IntIn(1, 8));
  cmd->add_option("--occlusion-mask", o->request.occlusion_model, "XSeg occlusion model (name, e.g. xseg_1, or file)");
  cmd->add_option("--region-mask", o->request.region_model, "BiSeNet face-parsing model (name, e.g. bisenet_resnet_34, or file)");
  cmd->add_option("--regions", o->request.regions, "Regions the region mask keeps: skin, left-eyebrow, right-eyebrow, "
                  "left-eye, right-eye, glasses, nose, mouth, upper-lip, lower-lip (default: all)")
      ->delimiter(',')
      ->check(CLI::IsMember(face::RegionNames()));
  cmd->add_option("--enhancer", o->request.enhancer, "Face enhancer: gfpgan_1.4, codeformer, gpen_bfr_256, gpen_bfr_512, ...");
  cmd->add_option("--enhancer-model", o->request.enhancer_model, "Enhancer model file (default: the catalog file)");
  cmd->add_option("--enhancer-blend", o->request.enhancer_blend, "Enhanced share of the result, 0..100")->capture_default_str()
      ->check(IntIn(0, 100));
  AddThreadsOption(cmd, o->request.threads);
  AddMemoryLimitOption(cmd, o->request.memory_limit);
  AddPlanCacheOption(cmd, o->request.plan_cache_dir);
  AddJsonFlag(cmd, o->json, "Print a JSON report");
  cmd->add_option("--repeat", o->repeat, "Swap the target N times on warm models and report median times (benchmark)")
      ->check(IntIn(1, 100000));
  AddJobReportOptions(cmd, o->report, "beside --output");
  AddVideoOptions(cmd, o->video);
  cmd->callback([o, cmd, &exit_code] {
    for (const CLI::Option* option : cmd->get_options())
      if (option->count() > 0) o->request.explicitly_set.push_back(option->get_name());
    o->report.gpu_given = Given(*cmd, "--gpu");
    nlohmann::json report;
    ErrorOrigin origin = ErrorOrigin::kRuntime;
    Status s = RunSwap(*o, &report, &origin);
    if (!s.ok()) {
      exit_code = Exit("swap", s, origin);
      if (report.contains("gpu_report")) std::printf("%s", report["gpu_report"].get<std::string>().c_str());
      return;
    }
    if (o->json) std::printf("%s\n", report.dump().c_str());
    else if (report.contains("frames"))
      std::printf("swapped %lld face(s) in %lld of %d frames into %s (%.1f fps)\n",
                  report["faces_swapped"].get<long long>(), report["frames_with_faces"].get<long long>(),
                  report["frames"].get<int>(), o->output.c_str(), report["fps"].get<double>());
    else std::printf("swapped %d face(s) into %s\n", report["faces_swapped"].get<int>(), o->output.c_str());
    if (!o->json && report.contains("gpu_report")) std::printf("%s", report["gpu_report"].get<std::string>().c_str());
    exit_code = kExitOk;
  });
}

}  // namespace facefuse::cli
