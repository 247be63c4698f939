#include "server/job_gpu_reports.h"

#include <cstdio>
#include <memory>
#include <utility>

#include "report/job_gpu_report.h"

namespace facefuse::server {
namespace {

class GpuReportingRunner : public job::JobRunner {
 public:
  GpuReportingRunner(std::shared_ptr<const job::JobRunner> inner, double interval_s)
      : inner_(std::move(inner)), interval_s_(interval_s) {}

  Status Run(job::Job& job, job::JobContext& context) const override {
    const std::filesystem::path output = JobOutputPath(job);
    if (output.empty()) return inner_->Run(job, context);
    report::JobGpuReportOptions options;
    options.interval_s = interval_s_;
    Result<std::unique_ptr<report::JobGpuReport>> started = report::JobGpuReport::Start(output, job.id, options);
    if (!started.ok()) {
      Warn(job, started.status());
      return inner_->Run(job, context);
    }
    report::JobGpuReport& gpu = **started;
    job::JobContext with_report = context;
    with_report.on_stage = [&gpu, outer = context.on_stage](const std::string& stage) {
      gpu.OnStageChange();
      if (outer) outer(stage);
    };
    const Status outcome = inner_->Run(job, with_report);
    gpu.EndJob();
    // The report covers the run: its record as it ends (the queue stamps the final state after this returns).
    job::Job record = job;
    record.timeline.finished = job::Clock::now();
    if (Result<std::string> written = gpu.Finish(record); !written.ok()) Warn(job, written.status());
    return outcome;
  }

 private:
  static void Warn(const job::Job& job, const Status& why) {
    std::fprintf(stderr, "facefuse: job %s: no GPU report: %s\n", job.id.c_str(), why.ToString().c_str());
  }

  std::shared_ptr<const job::JobRunner> inner_;
  double interval_s_;
};

}  // namespace

std::filesystem::path JobOutputPath(const job::Job& job) {
  switch (job.kind) {
    case job::JobKind::kSwapImage: return job.swap_image.output;
    case job::JobKind::kSwapVideo: return job.swap_video.output;
    case job::JobKind::kDetect: return {};
  }
  return {};
}

std::optional<report::GpuReportPaths> GpuReportPathsOf(const job::Job& job) {
  const std::filesystem::path output = JobOutputPath(job);
  if (output.empty()) return std::nullopt;
  return report::GpuReportPathsBeside(output);
}

job::JobRunners WithGpuReports(job::JobRunners base, double interval_s) {
  for (auto& [kind, runner] : base) runner = std::make_shared<GpuReportingRunner>(runner, interval_s);
  return base;
}

}  // namespace facefuse::server
