#include "cli/job_report.h"

#include "cli/option_checks.h"

#include <cstdio>
#include <span>

#include "common/atomic_file.h"
#include "report/gpu_job_report.h"
#include "telemetry/exposition.h"

namespace facefuse::cli {

void AddJobReportOptions(CLI::App* cmd, JobReportOptions& options, const std::string& output_help) {
  cmd->add_flag("--gpu-report", options.gpu_report,
                "Write OUTPUT.gpu.csv/.svg/.png/.txt (GPU samples, trend chart, right-sizing) " + output_help);
  cmd->add_option("--interval", options.gpu.interval_s,
                  "GPU sampling interval in seconds (readings are also taken at each stage change)")
      ->capture_default_str()
      ->check(FiniteIn(0.01, kMaxIntervalSeconds));
  cmd->add_option("--gpu", options.gpu.gpu, "GPU index to report")->capture_default_str();
  cmd->add_option("--metrics-file", options.metrics_file,
                  "Write this run's Prometheus metrics (text format, e.g. for node_exporter's textfile collector) here");
}

namespace {

// The same file: the same inode when both exist, else the same path once symlinks and ".." are resolved.
bool SameFile(const std::filesystem::path& a, const std::filesystem::path& b) {
  std::error_code ec;
  if (Env::Default()->IsSameFile(a, b)) return true;
  const auto ca = std::filesystem::weakly_canonical(std::filesystem::absolute(a, ec), ec);
  const auto cb = std::filesystem::weakly_canonical(std::filesystem::absolute(b, ec), ec);
  return !ca.empty() && ca == cb;
}

}  // namespace

Status CheckJobOutputs(const JobReportOptions& options, const PlannedOutput& main,
                       const std::filesystem::path& report_beside, const std::vector<std::filesystem::path>& inputs) {
  std::vector<PlannedOutput> outputs;
  if (!main.path.empty()) outputs.push_back(main);
  if (!options.metrics_file.empty()) outputs.push_back({"--metrics-file", options.metrics_file});
  if (options.gpu_report) {
    const report::GpuReportPaths paths = report::GpuReportPathsBeside(report_beside);
    for (const auto* p : {&paths.csv, &paths.svg, &paths.png, &paths.summary}) outputs.push_back({"--gpu-report", *p});
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    const PlannedOutput& out = outputs[i];
    if (Status st = CheckOutputPath(out.path, inputs); !st.ok()) return InvalidArgument(out.option + ": " + st.message());
    for (const std::filesystem::path& input : inputs) {  // also when the output does not exist yet (a symlinked path)
      if (SameFile(out.path, input))
        return InvalidArgument(out.option + ": the output " + out.path.string() + " is the input " + input.string() +
                               ": writing it would destroy the input; choose another output file");
    }
    for (size_t j = 0; j < i; ++j) {
      if (SameFile(out.path, outputs[j].path))
        return InvalidArgument(out.option + ": " + out.path.string() + " is also the file of " + outputs[j].option +
                               " (" + outputs[j].path.string() + "); one would overwrite the other");
    }
  }
  return Status::Ok();
}

Result<JobReport> JobReport::Start(const JobReportOptions& options, const std::filesystem::path& output,
                                   std::string job_name) {
  // Checked with or without --gpu-report: a bad value is an error, never silently ignored.
  if (!(options.gpu.interval_s >= 0.01)) return InvalidArgument("--interval must be at least 0.01 s");
  JobReport r;
  if (options.gpu_report) {
    // A given --gpu is checked before the report's CSV is created: a refused report leaves no file behind.
    std::function<Status(const gpu::GpuSampler&)> check;
    if (options.gpu_given) check = [&options](const gpu::GpuSampler& s) { return CheckGpuIndex(options.gpu.gpu, s); };
    FF_ASSIGN_OR_RETURN(r.gpu_, report::JobGpuReport::Start(output, std::move(job_name), options.gpu, check));
  }
  if (!options.metrics_file.empty()) {
    r.metrics_ = std::make_unique<telemetry::Metrics>();
    r.metrics_file_ = options.metrics_file;
  }
  return r;
}

std::function<void(const std::string&)> JobReport::StageHook() {
  if (!gpu_) return {};
  return [gpu = gpu_.get()](const std::string&) { gpu->OnStageChange(); };
}

void JobReport::EndJob() {
  if (gpu_) gpu_->EndJob();
}

Result<std::string> JobReport::Finish(const job::Job& job) {
  EndJob();
  FF_RETURN_IF_ERROR(WriteMetrics());
  if (!gpu_) return std::string();
  return gpu_->Finish(job);
}

Status JobReport::WriteMetrics() {
  if (!metrics_) return Status::Ok();
  const std::string text = telemetry::RenderMetricsText(*metrics_);
  // A temporary file beside it renamed into place: a collector never reads half a file.
  return WriteFileAtomically(metrics_file_, std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

}  // namespace facefuse::cli
