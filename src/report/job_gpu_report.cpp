#include "report/job_gpu_report.h"

#include <algorithm>
#include <cstdio>

#include "common/env.h"

namespace facefuse::report {

Result<std::unique_ptr<JobGpuReport>> JobGpuReport::Start(const std::filesystem::path& output, std::string job_name,
                                                          const JobGpuReportOptions& options,
                                                          const std::function<Status(const gpu::GpuSampler&)>& check_sampler) {
  if (!(options.interval_s >= 0.01)) return InvalidArgument("--interval must be at least 0.01 s");
  std::unique_ptr<JobGpuReport> r(new JobGpuReport());
  r->paths_ = GpuReportPathsBeside(output);
  gpu::SamplerOptions sopts;
  sopts.interval = std::chrono::milliseconds(static_cast<long long>(options.interval_s * 1000));
  r->sampler_ = std::make_unique<gpu::GpuSampler>(gpu::OpenNvmlOrNotice(), sopts);
  if (check_sampler) FF_RETURN_IF_ERROR(check_sampler(*r->sampler_));
  FF_ASSIGN_OR_RETURN(r->recorder_, GpuJobRecorder::Start(*r->sampler_, options.gpu, r->paths_, std::move(job_name)));
  r->start_ = Env::Default()->Now();
  FF_RETURN_IF_ERROR(r->sampler_->Start());  // its first reading: the job's start
  return r;
}

JobGpuReport::~JobGpuReport() {
  if (sampler_) sampler_->Stop();
}

void JobGpuReport::CloseStage(Clock::time_point now) {
  if (stage_open_) stages_.back().end = now;
  stage_open_ = false;
}

void JobGpuReport::BeginStage(const std::string& stage) {
  const auto now = Env::Default()->Now();
  CloseStage(now);
  stages_.push_back({stage, now, now});
  stage_open_ = true;
  sampler_->ReadNow();
}

void JobGpuReport::AddStage(StageSpan span) {
  CloseStage(span.start);
  stages_.push_back(std::move(span));
}

void JobGpuReport::SplitStage(const std::vector<std::pair<std::string, double>>& parts_ms) {
  if (!stage_open_) return;
  CloseStage(Env::Default()->Now());
  job::SplitLastStage(stages_, parts_ms);
}

void JobGpuReport::OnStageChange() { sampler_->ReadNow(); }

void JobGpuReport::EndJob() {
  if (ended_) return;
  ended_ = true;
  end_ = Env::Default()->Now();
  CloseStage(end_);
  sampler_->ReadNow();  // the end reading
  sampler_->Stop();
}

Result<std::string> JobGpuReport::Finish(int frames) {
  EndJob();
  return FinishSpan(start_, end_, stages_, frames);
}

Result<std::string> JobGpuReport::Finish(const job::Job& job) {
  EndJob();
  return FinishSpan(job.timeline.started, job.timeline.finished, job.stages, job.frames, job.stage_load);
}

Result<std::string> JobGpuReport::FinishSpan(Clock::time_point start, Clock::time_point end,
                                             std::vector<StageSpan> stages, int frames,
                                             std::vector<job::StageLoadSample> stage_load) {
  FF_ASSIGN_OR_RETURN(RightSizing sizing,
                      recorder_->Finish(start, end, std::move(stages), frames, std::move(stage_load)));
  return sizing.ToText() + "GPU report: " + paths_.csv.string() + " " + paths_.svg.string() + " " +
         paths_.png.string() + " " + paths_.summary.string() + "\n";
}

}  // namespace facefuse::report
