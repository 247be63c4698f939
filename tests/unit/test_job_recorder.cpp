// A job recorded outside RunJob (the swap command's own loop): the same
// record and job metrics RunJob keeps, with the stages split into the parts
// the engine timed, and a failure recorded as failed with its error.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "job/job_recorder.h"
#include "telemetry/exposition.h"
#include "telemetry/metrics.h"

namespace facefuse::job {
namespace {

std::vector<std::string> StageNames(const Job& job) {
  std::vector<std::string> names;
  for (const auto& s : job.stages) names.push_back(s.stage);
  return names;
}

TEST(JobRecorder, RecordsASwapsStatesStagesAndMetrics) {
  telemetry::Metrics metrics;
  std::vector<std::string> stages_begun;
  std::vector<JobState> published;
  JobContext context;
  context.metrics = &metrics;
  context.on_stage = [&](const std::string& stage) { stages_begun.push_back(stage); };
  context.on_update = [&](const Job& job) { published.push_back(job.state); };
  Job job = NewSwapImageJob({});
  auto recorder = JobRecorder::Begin(job, context);
  ASSERT_TRUE(recorder.ok()) << recorder.status().ToString();
  EXPECT_EQ(job.state, JobState::kRunning);
  recorder->BeginStage("model_load");
  recorder->BeginStage("detect");
  for (int run = 1; run <= 2; ++run) {  // --repeat 2
    recorder->BeginStage("swap");
    EXPECT_EQ(job.progress.stage, "swap");
    recorder->SplitStage({{"detect", 2}, {"swap", 6}, {"enhance", 0}});
    job.frames = run;
  }
  job.swap_image_result.faces_swapped = 3;
  recorder->BeginStage("write");
  EXPECT_TRUE(recorder->End(Status::Ok()).ok());

  EXPECT_EQ(job.state, JobState::kSucceeded);
  EXPECT_TRUE(job.status.ok());
  EXPECT_EQ(stages_begun, (std::vector<std::string>{"model_load", "detect", "swap", "swap", "write"}));
  EXPECT_EQ(StageNames(job),
            (std::vector<std::string>{"model_load", "detect", "detect", "swap", "detect", "swap", "write"}));
  for (size_t i = 1; i < job.stages.size(); ++i) {
    EXPECT_LE(job.stages[i - 1].end, job.stages[i].start) << i;
    EXPECT_LE(job.stages[i].start, job.stages[i].end) << i;
  }
  EXPECT_LE(job.timeline.started, job.stages.front().start);
  EXPECT_LE(job.stages.back().end, job.timeline.finished);
  EXPECT_EQ(published.front(), JobState::kRunning);
  EXPECT_EQ(published.back(), JobState::kSucceeded);

  CountSwapImageOutput(job, &metrics);
  const std::string text = telemetry::RenderMetricsText(metrics);
  EXPECT_NE(text.find("facefuse_job_duration_seconds_count{kind=\"swap\",outcome=\"success\"} 1"), std::string::npos)
      << text;
  EXPECT_NE(text.find("facefuse_frames_processed_total{kind=\"swap\"} 2"), std::string::npos) << text;
  EXPECT_NE(text.find("facefuse_faces_swapped_total 6"), std::string::npos) << text;  // 3 in each of 2 runs
}

TEST(JobRecorder, AFailedSwapIsRecordedAsFailedWithItsError) {
  telemetry::Metrics metrics;
  JobContext context;
  context.metrics = &metrics;
  Job job = NewSwapImageJob({});
  auto recorder = JobRecorder::Begin(job, context);
  ASSERT_TRUE(recorder.ok());
  recorder->BeginStage("model_load");
  const Status error = NotFound("no such model: inswapper_128");
  EXPECT_EQ(recorder->End(error).message(), error.message());
  EXPECT_EQ(job.state, JobState::kFailed);
  EXPECT_EQ(job.status.code(), StatusCode::kNotFound);
  EXPECT_EQ(job.status.message(), error.message());
  EXPECT_EQ(StageNames(job), (std::vector<std::string>{"model_load"}));
  EXPECT_GT(job.timeline.finished, Clock::time_point{});
  const std::string text = telemetry::RenderMetricsText(metrics);
  EXPECT_NE(text.find("facefuse_job_duration_seconds_count{kind=\"swap\",outcome=\"failure\"} 1"), std::string::npos)
      << text;

  EXPECT_TRUE(recorder->End(Status::Ok()).ok());  // ended already: the record stays failed
  EXPECT_EQ(job.state, JobState::kFailed);
  EXPECT_EQ(JobRecorder::Begin(job, context).status().code(), StatusCode::kFailedPrecondition);  // not queued
}

}  // namespace
}  // namespace facefuse::job
