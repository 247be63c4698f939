// The per-job GPU report as a command runs it (`facefuse job --gpu-report`,
// `facefuse swap --gpu-report`): one implementation for every job kind. It opens
// NVML (or says once that there is none), samples at job start, at every stage
// change and at job end besides the interval, records the stages, and writes
// OUTPUT.gpu.csv/.svg/.png/.txt beside the job's output.
#pragma once

#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "facefuse/gpu.h"
#include "facefuse/status.h"
#include "job/job.h"
#include "report/gpu_job_report.h"

namespace facefuse::report {

struct JobGpuReportOptions {
  double interval_s = 1.0;  // sampling interval, at least 0.01 s
  int gpu = 0;              // NVML index of the GPU to report
};

// Not thread-safe: the job's thread calls it (the sampling thread is internal);
// Finish once, after the job.
class JobGpuReport {
 public:
  // Creates OUTPUT.gpu.csv beside `output` and starts sampling (the first
  // reading is taken now: the job's start). Without NVML the report is still
  // written and says there is no GPU. Errors: InvalidArgument for an interval
  // under 0.01 s or an unknown GPU index; IoError when the CSV cannot be created;
  // the error of `check_sampler` (given the opened sampler, called before any
  // file is created, so a refused report leaves nothing behind).
  static Result<std::unique_ptr<JobGpuReport>> Start(
      const std::filesystem::path& output, std::string job_name, const JobGpuReportOptions& options,
      const std::function<Status(const gpu::GpuSampler&)>& check_sampler = {});
  ~JobGpuReport();

  // Closes the running stage (if any) and opens `stage` now, taking a reading
  // at the change. Stage names: model_load, decode, detect, swap, enhance, write.
  void BeginStage(const std::string& stage);
  // Appends a stage that was timed elsewhere (no reading is taken for it).
  void AddStage(StageSpan span);
  // Ends the running stage and shows it as consecutive parts with these
  // durations (milliseconds: engines that time their stages report totals),
  // scaled to fill the stage's span; parts of 0 ms are left out.
  void SplitStage(const std::vector<std::pair<std::string, double>>& parts_ms);
  // A reading now, for jobs that record their own stages (call it as each stage begins).
  void OnStageChange();
  // Closes the running stage, takes the end reading and stops sampling; idempotent.
  // The report covers the job up to here, not the writing of the report.
  void EndJob();

  // EndJob(), then writes the chart and the summary for the job [start of
  // Start(), EndJob()] and returns the summary followed by the line
  // "GPU report: CSV SVG PNG TXT". Errors: IoError (the first failed write).
  Result<std::string> Finish(int frames);

  // For jobs that keep their own record (job/job.h): the report covers
  // job.timeline [started, finished] with job.stages, job.frames and job.stage_load.
  Result<std::string> Finish(const job::Job& job);

  const GpuReportPaths& paths() const { return paths_; }
  const gpu::GpuSampler& sampler() const { return *sampler_; }

 private:
  JobGpuReport() = default;
  void CloseStage(Clock::time_point now);
  // Writes the chart and summary for [start, end] (sampling has ended).
  Result<std::string> FinishSpan(Clock::time_point start, Clock::time_point end, std::vector<StageSpan> stages,
                                 int frames, std::vector<job::StageLoadSample> stage_load = {});

  GpuReportPaths paths_;
  std::unique_ptr<gpu::GpuSampler> sampler_;
  std::unique_ptr<GpuJobRecorder> recorder_;
  Clock::time_point start_, end_;
  bool ended_ = false;
  std::vector<StageSpan> stages_;
  bool stage_open_ = false;
};

}  // namespace facefuse::report
