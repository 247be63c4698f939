// What a job-running command (job, swap) reports besides its output, with the
// same options and one implementation everywhere: --gpu-report, --interval,
// --gpu (the per-job GPU report, report/job_gpu_report.h) and --metrics-file
// (the run's Prometheus metrics).
#pragma once

#include <CLI/CLI.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "job/job.h"
#include "report/job_gpu_report.h"
#include "telemetry/metrics.h"

namespace facefuse::cli {

struct JobReportOptions {
  bool gpu_report = false;
  report::JobGpuReportOptions gpu;
  std::string metrics_file;  // empty: none
  bool gpu_given = false;    // --gpu was on the command line: a missing GPU or index is an error, not GPU 0
};

// Adds --gpu-report, --interval, --gpu and --metrics-file to `cmd`; `output_help` says where the GPU report goes.
void AddJobReportOptions(CLI::App* cmd, JobReportOptions& options, const std::string& output_help);

// A file a command will write and the option that names it.
struct PlannedOutput {
  std::string option;  // "-o", "--output", "--metrics-file", "--gpu-report"
  std::filesystem::path path;
};

// Checks every file a job-running command will write, before any work: `main`
// (its -o/--output; skipped when its path is empty), --metrics-file, and with
// --gpu-report the four report files beside `report_beside`. Each must pass
// CheckOutputPath against `inputs` (not a folder, a writable folder, not an
// input), and no two may be the same file. Errors: InvalidArgument
// "OPTION: <reason>" naming the option and the file.
Status CheckJobOutputs(const JobReportOptions& options, const PlannedOutput& main,
                       const std::filesystem::path& report_beside, const std::vector<std::filesystem::path>& inputs);

// One job's reports. Not thread-safe: the job's thread uses it.
class JobReport {
 public:
  // Starts what `options` ask for: the GPU report beside `output` (its first
  // reading now) and the run's metrics. Errors: InvalidArgument for an
  // --interval under 0.01 s (with or without --gpu-report), and for a given
  // --gpu that names no GPU (none found, or out of range); from
  // report::JobGpuReport::Start (an unknown GPU index, IoError for the CSV).
  static Result<JobReport> Start(const JobReportOptions& options, const std::filesystem::path& output,
                                 std::string job_name);

  // Jobs record their own stages (job::Job): a GPU reading as each begins (empty without a GPU report).
  std::function<void(const std::string&)> StageHook();

  // The run's metrics (null without --metrics-file); the command records its job here.
  telemetry::Metrics* metrics() { return metrics_.get(); }

  // Ends GPU sampling (the job is over; writing its results is not part of it); idempotent.
  void EndJob();
  // EndJob(), writes --metrics-file, then the GPU report's chart and summary
  // from the job's record (its span, stages and frames); returns the summary
  // text ("" without a GPU report). Errors: IoError naming the file that failed.
  Result<std::string> Finish(const job::Job& job);

 private:
  Status WriteMetrics();

  std::unique_ptr<report::JobGpuReport> gpu_;
  std::unique_ptr<telemetry::Metrics> metrics_;
  std::string metrics_file_;
};

}  // namespace facefuse::cli
