// The job record, store and runners: legal state transitions only, a store that
// many threads create and update at once, the runner firewall, and the detect,
// swap-image and swap-video kinds run end to end through RunJob.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "job/job_runner.h"
#include "job/job_store.h"
#include "telemetry/exposition.h"
#include "telemetry/metrics.h"
#include "tests/unit/face_fixtures.h"

namespace facefuse::job {
namespace {

namespace fs = std::filesystem;
using facefuse::testing::FixtureImage;

constexpr JobState kAllStates[] = {JobState::kQueued, JobState::kRunning, JobState::kSucceeded, JobState::kFailed,
                                   JobState::kCancelled};

TEST(JobState, OnlyTheLegalTransitionsAreAllowed) {
  const std::set<std::pair<JobState, JobState>> legal = {
      {JobState::kQueued, JobState::kRunning},     {JobState::kQueued, JobState::kCancelled},
      {JobState::kRunning, JobState::kSucceeded},  {JobState::kRunning, JobState::kFailed},
      {JobState::kRunning, JobState::kCancelled}};
  for (JobState from : kAllStates) {
    for (JobState to : kAllStates) {
      EXPECT_EQ(IsLegalTransition(from, to), legal.count({from, to}) == 1)
          << JobStateName(from) << " -> " << JobStateName(to);
    }
  }
}

TEST(JobState, AnIllegalTransitionIsRefusedAndLeavesTheJobAsItWas) {
  Job job = NewDetectJob({});
  job.id = "job-7";
  const Status skip = job.TransitionTo(JobState::kSucceeded);
  EXPECT_EQ(skip.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(skip.message(), "job job-7: cannot go from queued to succeeded");
  EXPECT_EQ(job.state, JobState::kQueued);

  const auto t0 = Clock::now();
  ASSERT_TRUE(job.TransitionTo(JobState::kRunning, t0).ok());
  ASSERT_TRUE(job.TransitionTo(JobState::kFailed, t0 + std::chrono::seconds(2)).ok());
  EXPECT_DOUBLE_EQ(job.seconds(), 2.0);
  EXPECT_EQ(job.TransitionTo(JobState::kRunning).code(), StatusCode::kFailedPrecondition);  // final: no way out
  EXPECT_EQ(job.state, JobState::kFailed);
}

TEST(JobStore, ManyThreadsCreateAndUpdateAtOnce) {
  MemoryJobStore store;
  constexpr int kThreads = 8, kJobsEach = 50;
  std::vector<std::vector<std::string>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&store, &ids, t] {
      for (int i = 0; i < kJobsEach; ++i) {
        auto id = store.Create(NewDetectJob({}));
        if (!id.ok()) continue;
        ids[t].push_back(*id);
        auto job = store.Get(*id);
        if (!job.ok() || !job->TransitionTo(JobState::kRunning).ok()) continue;
        job->progress.items_done = i;
        (void)store.Update(*job);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<std::string> unique;
  for (const auto& list : ids) unique.insert(list.begin(), list.end());
  EXPECT_EQ(unique.size(), static_cast<size_t>(kThreads * kJobsEach));  // every id once
  const std::vector<Job> all = store.List();
  ASSERT_EQ(all.size(), static_cast<size_t>(kThreads * kJobsEach));
  for (const Job& job : all) EXPECT_EQ(job.state, JobState::kRunning) << job.id;
}

TEST(JobStore, RefusesUnknownIdsIllegalTransitionsAndUnqueuedNewJobs) {
  MemoryJobStore store;
  EXPECT_EQ(store.Get("job-1").status().code(), StatusCode::kNotFound);
  FF_ASSERT_OK_AND_ASSIGN(std::string id, store.Create(NewDetectJob({})));
  FF_ASSERT_OK_AND_ASSIGN(Job job, store.Get(id));
  EXPECT_EQ(job.id, id);
  job.state = JobState::kSucceeded;  // skips running
  EXPECT_EQ(store.Update(job).code(), StatusCode::kFailedPrecondition);
  FF_ASSERT_OK_AND_ASSIGN(Job stored, store.Get(id));
  EXPECT_EQ(stored.state, JobState::kQueued);
  job.id = "job-99";
  EXPECT_EQ(store.Update(job).code(), StatusCode::kNotFound);
  EXPECT_EQ(store.Create(job).status().code(), StatusCode::kInvalidArgument);
}

class ThrowingRunner : public JobRunner {
 public:
  Status Run(Job& /*job*/, JobContext& /*context*/) const override { throw std::runtime_error("bad frame"); }
};

TEST(JobRunners, ARunnerThatThrowsFailsItsJobAndTheNextJobRuns) {
  telemetry::Metrics metrics;
  JobContext context;
  context.metrics = &metrics;
  JobRunners runners = DefaultJobRunners();
  runners[JobKind::kDetect] = std::make_shared<ThrowingRunner>();
  Job thrown = NewDetectJob({});
  ASSERT_TRUE(RunJob(thrown, runners, context).ok());
  EXPECT_EQ(thrown.state, JobState::kFailed);
  EXPECT_EQ(thrown.status.code(), StatusCode::kInternal);
  EXPECT_EQ(thrown.status.message(), "the job threw: bad frame");

  Job video = NewSwapVideoJob({});  // the next job, of another kind, still runs
  ASSERT_TRUE(RunJob(video, runners, context).ok());
  EXPECT_EQ(video.state, JobState::kFailed);
  const std::string text = telemetry::RenderMetricsText(metrics);
  EXPECT_NE(text.find("facefuse_errors_total{reason=\"internal\"} 1"), std::string::npos) << text;
  EXPECT_EQ(RunJob(video, runners, context).code(), StatusCode::kFailedPrecondition);  // not queued
}

TEST(JobRunners, ASwapVideoJobWithoutSourcesFailsClearly) {
  Job video = NewSwapVideoJob({});
  JobContext context;
  ASSERT_TRUE(RunJob(video, DefaultJobRunners(), context).ok());
  EXPECT_EQ(video.state, JobState::kFailed);
  EXPECT_EQ(video.status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(video.status.message(), "the swap job has no source images");
}

TEST(JobRunners, ACancelledOutcomeEndsTheJobCancelled) {
  class CancelledRunner : public JobRunner {
   public:
    Status Run(Job& /*job*/, JobContext& /*context*/) const override { return Cancelled("stopped"); }
  };
  JobRunners runners = DefaultJobRunners();
  runners[JobKind::kSwapVideo] = std::make_shared<CancelledRunner>();
  Job video = NewSwapVideoJob({});
  JobContext context;
  ASSERT_TRUE(RunJob(video, runners, context).ok());
  EXPECT_EQ(video.state, JobState::kCancelled);
  EXPECT_EQ(video.status.code(), StatusCode::kCancelled);
}

TEST(JobRunners, AJobAskedToStopIsNotRunAgainAfterATransientError) {
  // The store went away while the job stored its result, and a DELETE came meanwhile.
  class UnreachableRunner : public JobRunner {
   public:
    explicit UnreachableRunner(std::atomic<bool>* cancel) : cancel_(cancel) {}
    Status Run(Job& /*job*/, JobContext& /*context*/) const override {
      ++runs;
      cancel_->store(true);
      return Unavailable("the result store is out of reach");
    }
    mutable int runs = 0;

   private:
    std::atomic<bool>* cancel_;
  };
  std::atomic<bool> cancel{false};
  auto runner = std::make_shared<UnreachableRunner>(&cancel);
  JobRunners runners = DefaultJobRunners();
  runners[JobKind::kSwapVideo] = runner;
  Job video = NewSwapVideoJob({});
  JobContext context;
  context.cancel = &cancel;
  ASSERT_TRUE(RunJob(video, runners, context, /*max_attempts=*/3).ok());
  EXPECT_EQ(runner->runs, 1);
  EXPECT_EQ(video.state, JobState::kCancelled);
}

TEST(JobRunners, ADetectJobRecordsItsProgressAndStages) {
  FF_REQUIRE_FIXTURES(FixtureImage("obama.jpg"), FixtureImage("biden.jpg"));
  DetectSpec spec;
  spec.images = {FixtureImage("obama.jpg"), FixtureImage("biden.jpg")};
  spec.threads = facefuse::testing::kFixtureThreads;
  Job job = NewDetectJob(spec);
  std::vector<std::string> stages_seen;
  std::vector<int> done_seen;
  JobContext context;
  context.on_stage = [&stages_seen](const std::string& stage) { stages_seen.push_back(stage); };
  context.on_update = [&done_seen](const Job& j) { done_seen.push_back(j.progress.items_done); };
  ASSERT_TRUE(RunJob(job, DefaultJobRunners(), context).ok());

  EXPECT_EQ(job.state, JobState::kSucceeded) << job.status.ToString();
  EXPECT_EQ(job.progress.items_total, 2);
  EXPECT_EQ(job.progress.items_done, 2);
  EXPECT_EQ(job.progress.stage, "detect");
  const std::vector<std::string> expected = {"model_load", "decode", "detect", "decode", "detect"};
  EXPECT_EQ(stages_seen, expected);
  ASSERT_EQ(job.stages.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(job.stages[i].stage, expected[i]);
    EXPECT_LE(job.stages[i].start, job.stages[i].end);
    EXPECT_GE(job.stages[i].start, job.timeline.started);
    EXPECT_LE(job.stages[i].end, job.timeline.finished);
  }
  ASSERT_FALSE(done_seen.empty());
  EXPECT_EQ(done_seen.back(), 2);  // the final record
  EXPECT_EQ(job.frames, 2);
  ASSERT_EQ(job.detect_result.images.size(), 2u);
  EXPECT_GE(job.detect_result.images[0].faces.size(), 1u);
  EXPECT_EQ(job.detect_result.faces,
            static_cast<int>(job.detect_result.images[0].faces.size() + job.detect_result.images[1].faces.size()));
}

TEST(JobRunners, ASwapImageJobWritesItsOutputWithTheClassicalSwapper) {
  FF_REQUIRE_FIXTURES(FixtureImage("biden.jpg"), FixtureImage("obama_small.jpg"));
  const fs::path dir = fs::path(::testing::TempDir()) / "facefuse_swap_image_job";
  fs::create_directories(dir);
  SwapImageSpec spec;
  spec.sources = {FixtureImage("biden.jpg")};
  spec.target = FixtureImage("obama_small.jpg");  // small: the swap is the slow part
  spec.output = dir / "biden_to_obama.png";
  spec.config.threads = facefuse::testing::kFixtureThreads;
  fs::remove(spec.output);
  telemetry::Metrics metrics;
  JobContext context;
  context.metrics = &metrics;
  Job job = NewSwapImageJob(spec);
  ASSERT_TRUE(RunJob(job, DefaultJobRunners(), context).ok());

  ASSERT_EQ(job.state, JobState::kSucceeded) << job.status.ToString();
  EXPECT_GE(job.swap_image_result.faces_swapped, 1);
  EXPECT_EQ(job.swap_image_result.output, spec.output);
  EXPECT_TRUE(fs::is_regular_file(spec.output));
  EXPECT_EQ(job.frames, 1);
  EXPECT_EQ(job.progress.items_done, 1);
  std::vector<std::string> stages;
  for (const auto& s : job.stages) stages.push_back(s.stage);
  EXPECT_EQ(stages, (std::vector<std::string>{"decode", "model_load", "detect", "swap", "write"}));
  const std::string text = telemetry::RenderMetricsText(metrics);
  EXPECT_NE(text.find("facefuse_job_duration_seconds_count{kind=\"swap\",outcome=\"success\"} 1"), std::string::npos)
      << text;
  EXPECT_NE(text.find("facefuse_frames_processed_total{kind=\"swap\"} 1"), std::string::npos) << text;
}

}  // namespace
}  // namespace facefuse::job
