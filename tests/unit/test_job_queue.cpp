// JobQueue: jobs run in order on the worker thread, transient failures are retried, and the worker is an
// exception boundary (a throwing job or callback fails that job; the next one still runs).
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "job/job_queue.h"
#include "tests/unit/face_fixtures.h"
#include "telemetry/exposition.h"
#include "telemetry/metrics.h"

namespace facefuse::job {
namespace {

// A detect runner that acts on the job's first image name: "throw" throws std::runtime_error, "throw-int"
// throws an int, "unavailable" fails transiently, anything else succeeds with one frame. Counts its calls.
class ScriptedRunner : public JobRunner {
 public:
  Status Run(Job& job, JobContext& /*context*/) const override {
    ++calls;
    const std::string what = job.detect.images.empty() ? "" : job.detect.images.front().string();
    if (what == "throw") throw std::runtime_error("decoder exploded on frame 3");
    if (what == "throw-int") throw 42;
    if (what == "unavailable") return Unavailable("device busy");
    job.frames = 1;
    return Status::Ok();
  }
  mutable std::atomic<int> calls{0};
};

JobRunners Scripted(std::shared_ptr<ScriptedRunner> runner = std::make_shared<ScriptedRunner>()) {
  return {{JobKind::kDetect, std::move(runner)}};
}

Job DetectJob(const std::string& first_image) {
  DetectSpec spec;
  spec.images.emplace_back(first_image);
  return NewDetectJob(std::move(spec));
}

// Collects results in the order the worker delivers them.
struct Results {
  std::mutex mu;
  std::vector<std::pair<std::string, Status>> seen;  // (first image, status)
  JobQueue::Done For(const std::string& name) {
    return [this, name](const Job& r) {
      std::lock_guard lock(mu);
      seen.emplace_back(name, r.status);
    };
  }
};

TEST(JobQueue, AThrowingJobFailsWithItsMessageAndTheNextJobRuns) {
  telemetry::Metrics metrics;
  JobQueue queue(&metrics, /*max_attempts=*/2, Scripted());
  Results results;
  for (const char* name : {"throw", "ok-1", "throw-int", "ok-2"}) ASSERT_TRUE(queue.Submit(DetectJob(name), results.For(name)).ok());
  queue.WaitIdle();
  ASSERT_EQ(results.seen.size(), 4u);
  EXPECT_EQ(queue.completed(), 4);

  EXPECT_EQ(results.seen[0].first, "throw");
  EXPECT_EQ(results.seen[0].second.code(), StatusCode::kInternal);
  EXPECT_EQ(results.seen[0].second.message(), "the job threw: decoder exploded on frame 3");
  EXPECT_EQ(results.seen[1].first, "ok-1");
  EXPECT_TRUE(results.seen[1].second.ok()) << results.seen[1].second.ToString();
  EXPECT_EQ(results.seen[2].second.code(), StatusCode::kInternal);
  EXPECT_NE(results.seen[2].second.message().find("not a std::exception"), std::string::npos)
      << results.seen[2].second.message();
  EXPECT_TRUE(results.seen[3].second.ok());

  // The failed jobs are counted as failures in the metrics, as a job that returned an error would be.
  const std::string text = telemetry::RenderMetricsText(metrics);
  EXPECT_NE(text.find("facefuse_job_duration_seconds_count{kind=\"detect\",outcome=\"failure\"} 2"), std::string::npos)
      << text;
}

TEST(JobQueue, AThrowingCallbackDoesNotStopTheQueue) {
  JobQueue queue(nullptr, 1, Scripted());
  Results results;
  ASSERT_TRUE(queue.Submit(DetectJob("ok-1"), [](const Job&) { throw std::logic_error("callback bug"); }).ok());
  ASSERT_TRUE(queue.Submit(DetectJob("ok-2"), results.For("ok-2")).ok());
  queue.WaitIdle();
  ASSERT_EQ(results.seen.size(), 1u);
  EXPECT_TRUE(results.seen[0].second.ok());
  EXPECT_EQ(queue.completed(), 2);
}

TEST(JobQueue, RetriesATransientFailureUpToMaxAttempts) {
  auto runner = std::make_shared<ScriptedRunner>();
  JobQueue queue(nullptr, /*max_attempts=*/3, Scripted(runner));
  Results results;
  ASSERT_TRUE(queue.Submit(DetectJob("unavailable"), results.For("unavailable")).ok());
  queue.WaitIdle();
  ASSERT_EQ(results.seen.size(), 1u);
  EXPECT_EQ(results.seen[0].second.code(), StatusCode::kUnavailable);
  EXPECT_EQ(runner->calls, 3);
}

TEST(JobQueue, TheDefaultRunnerReportsAMissingImageAsAFailedJob) {
  JobQueue queue(nullptr, 1);
  Results results;
  ASSERT_TRUE(queue.Submit(DetectJob("/nonexistent/face.jpg"), results.For("missing")).ok());
  queue.WaitIdle();
  ASSERT_EQ(results.seen.size(), 1u);
  EXPECT_FALSE(results.seen[0].second.ok());
  EXPECT_NE(results.seen[0].second.message().find("/nonexistent/face.jpg"), std::string::npos)
      << results.seen[0].second.ToString();
}

TEST(JobQueue, RefusesJobsAfterShutdown) {
  JobQueue queue(nullptr, 1, Scripted());
  queue.Shutdown();
  EXPECT_EQ(queue.Submit(DetectJob("ok"), nullptr).status().code(), StatusCode::kFailedPrecondition);
}

TEST(JobQueue, EveryJobIsARecordInTheStoreWithItsFinalState) {
  auto store = std::make_shared<MemoryJobStore>();
  JobQueue queue(nullptr, 1, Scripted(), store);
  auto ok = queue.Submit(DetectJob("ok"), nullptr);
  auto threw = queue.Submit(DetectJob("throw"), nullptr);
  ASSERT_TRUE(ok.ok() && threw.ok());
  queue.WaitIdle();
  FF_ASSERT_OK_AND_ASSIGN(Job done, store->Get(*ok));
  EXPECT_EQ(done.state, JobState::kSucceeded);
  EXPECT_EQ(done.frames, 1);
  EXPECT_GE(done.timeline.finished, done.timeline.started);
  FF_ASSERT_OK_AND_ASSIGN(Job failed, store->Get(*threw));
  EXPECT_EQ(failed.state, JobState::kFailed);
  EXPECT_EQ(failed.status.message(), "the job threw: decoder exploded on frame 3");
  EXPECT_EQ(store->List().size(), 2u);
}

}  // namespace
}  // namespace facefuse::job
