// facefuse job IMAGES...: a detection job over a batch of images, with an
// optional per-job GPU report (CSV, SVG/PNG trend chart, right-sizing) beside its output.
#include <cstdio>

#include "cli/commands.h"
#include "cli/job_output.h"
#include "cli/option_checks.h"
#include "facefuse/gpu.h"
#include "job/detect_job.h"
#include "report/gpu_job_report.h"

namespace facefuse::cli {
namespace {

struct JobOptions {
  std::vector<std::string> images;
  std::string output;
  std::string model;
  bool gpu_report = false;
  double interval_s = 1.0;
  int gpu = 0;
  int threads = 0;
  bool gpu_given = false;  // --gpu on the command line (else the default GPU 0, when there is one)
};

int RunJob(const JobOptions& o) {
  if (!(o.interval_s >= 0.01)) { std::fprintf(stderr, "job: --interval must be at least 0.01 s\n"); return 2; }
  if (!o.output.empty()) {
    if (Status st = CheckJobOutputPath(o.output); !st.ok()) {
      std::fprintf(stderr, "job: --output: %s\n", st.ToString().c_str());
      return 2;
    }
  }
  job::DetectJobOptions jopts;
  for (const auto& i : o.images) jopts.images.emplace_back(i);
  jopts.model = o.model;
  jopts.threads = o.threads;

  std::unique_ptr<gpu::GpuSampler> sampler;
  std::unique_ptr<report::GpuJobRecorder> recorder;
  const std::filesystem::path output = o.output.empty() ? std::filesystem::path("facefuse-job.json") : std::filesystem::path(o.output);
  const report::GpuReportPaths paths = report::GpuReportPathsBeside(output);
  if (o.gpu_report) {
    gpu::SamplerOptions sopts;
    sopts.interval = std::chrono::milliseconds(static_cast<long long>(o.interval_s * 1000));
    sampler = std::make_unique<gpu::GpuSampler>(gpu::OpenNvmlOrNotice(), sopts);
    if (Status st = o.gpu_given ? CheckGpuIndex(o.gpu, *sampler) : Status::Ok(); !st.ok()) {
      std::fprintf(stderr, "job: %s\n", st.message().c_str());
      return 2;
    }
    auto r = report::GpuJobRecorder::Start(*sampler, o.gpu, paths, "detect job (" + std::to_string(o.images.size()) + " images)");
    if (!r.ok()) { std::fprintf(stderr, "job: %s\n", r.status().ToString().c_str()); return 2; }
    recorder = std::move(r).value();
    if (Status st = sampler->Start(); !st.ok()) { std::fprintf(stderr, "job: %s\n", st.ToString().c_str()); return 1; }
  }
  const job::JobResult result = job::RunDetectJob(jopts, nullptr);
  // The report covers the job, not the writing of its results: sampling stops as soon as the job ends.
  if (sampler) sampler->Stop();
  std::printf("%s\n", JobResultLine(result).c_str());
  int rc = result.status.ok() ? 0 : 1;
  if (!o.output.empty()) {
    if (Status st = WriteJobResultJson(result, o.output); !st.ok()) {
      std::fprintf(stderr, "job: %s\n", st.ToString().c_str());
      rc = 1;
    }
  }
  if (recorder) {
    auto sizing = recorder->Finish(result.start, result.end, result.stages, result.frames);
    if (!sizing.ok()) {
      std::fprintf(stderr, "job: GPU report: %s\n", sizing.status().ToString().c_str());
      return 1;
    }
    std::printf("%sGPU report: %s %s %s %s\n", sizing->ToText().c_str(), paths.csv.c_str(), paths.svg.c_str(),
                paths.png.c_str(), paths.summary.c_str());
  }
  return rc;
}

}  // namespace

void AddJobCommand(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<JobOptions>();
  auto* cmd = app.add_subcommand("job", "Run a face-detection job over images; optionally write a GPU report");
  cmd->add_option("images", o->images, "Image files")->required();
  cmd->add_option("--output", o->output, "Write the job's results as JSON here; the GPU report goes beside it");
  cmd->add_flag("--gpu-report", o->gpu_report,
                "Write OUTPUT.gpu.csv/.svg/.png/.txt (GPU samples, trend chart, right-sizing); "
                "without --output, beside ./facefuse-job.json");
  cmd->add_option("--interval", o->interval_s, "GPU sampling interval in seconds")->capture_default_str()
      ->check(FiniteIn(0.01, 86400));
  cmd->add_option("--gpu", o->gpu, "GPU index to report")->capture_default_str()->check(IntIn(0, 1023));
  cmd->add_option("--model", o->model, "Detector model (default: the bundled YuNet 2023mar)");
  cmd->add_option("--threads", o->threads, "Kernel threads (0 = all cores)")->check(ThreadCount());
  cmd->callback([o, cmd, &exit_code] {
    o->gpu_given = Given(*cmd, "--gpu");
    if (o->gpu_given && !o->gpu_report) Warn("job", "--gpu is ignored without --gpu-report");
    exit_code = RunJob(*o);
  });
}

}  // namespace facefuse::cli
