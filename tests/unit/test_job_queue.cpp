// JobQueue: jobs run in order on the worker thread, transient failures are retried, and the worker is an
// exception boundary (a throwing job or callback fails that job; the next one still runs).
#include <gtest/gtest.h>

#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "job/job_queue.h"
#include "telemetry/exposition.h"
#include "telemetry/metrics.h"

namespace facefuse::job {
namespace {

// A runner that acts on the job's first image name: "throw" throws std::runtime_error, "throw-int" throws an
// int, "unavailable" fails transiently, anything else succeeds with one frame.
JobResult ScriptedRunner(const DetectJobOptions& o, telemetry::Metrics* /*metrics*/) {
  const std::string what = o.images.empty() ? "" : o.images.front().string();
  if (what == "throw") throw std::runtime_error("decoder exploded on frame 3");
  if (what == "throw-int") throw 42;
  JobResult r;
  r.start = r.end = report::Clock::now();
  if (what == "unavailable") {
    r.status = Unavailable("device busy");
  } else {
    r.frames = 1;
  }
  return r;
}

DetectJobOptions Job(const std::string& first_image) {
  DetectJobOptions o;
  o.images.emplace_back(first_image);
  return o;
}

// Collects results in the order the worker delivers them.
struct Results {
  std::mutex mu;
  std::vector<std::pair<std::string, Status>> seen;  // (first image, status)
  JobQueue::Done For(const std::string& name) {
    return [this, name](const JobResult& r) {
      std::lock_guard lock(mu);
      seen.emplace_back(name, r.status);
    };
  }
};

TEST(JobQueue, AThrowingJobFailsWithItsMessageAndTheNextJobRuns) {
  telemetry::Metrics metrics;
  JobQueue queue(&metrics, /*max_attempts=*/2, &ScriptedRunner);
  Results results;
  for (const char* name : {"throw", "ok-1", "throw-int", "ok-2"}) ASSERT_TRUE(queue.Submit(Job(name), results.For(name)).ok());
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
  JobQueue queue(nullptr, 1, &ScriptedRunner);
  Results results;
  ASSERT_TRUE(queue.Submit(Job("ok-1"), [](const JobResult&) { throw std::logic_error("callback bug"); }).ok());
  ASSERT_TRUE(queue.Submit(Job("ok-2"), results.For("ok-2")).ok());
  queue.WaitIdle();
  ASSERT_EQ(results.seen.size(), 1u);
  EXPECT_TRUE(results.seen[0].second.ok());
  EXPECT_EQ(queue.completed(), 2);
}

TEST(JobQueue, RetriesATransientFailureUpToMaxAttempts) {
  int calls = 0;
  JobQueue queue(nullptr, /*max_attempts=*/3, [&calls](const DetectJobOptions& o, telemetry::Metrics* m) {
    ++calls;
    return ScriptedRunner(o, m);
  });
  Results results;
  ASSERT_TRUE(queue.Submit(Job("unavailable"), results.For("unavailable")).ok());
  queue.WaitIdle();
  ASSERT_EQ(results.seen.size(), 1u);
  EXPECT_EQ(results.seen[0].second.code(), StatusCode::kUnavailable);
  EXPECT_EQ(calls, 3);
}

TEST(JobQueue, TheDefaultRunnerReportsAMissingImageAsAFailedJob) {
  JobQueue queue(nullptr, 1);
  Results results;
  ASSERT_TRUE(queue.Submit(Job("/nonexistent/face.jpg"), results.For("missing")).ok());
  queue.WaitIdle();
  ASSERT_EQ(results.seen.size(), 1u);
  EXPECT_FALSE(results.seen[0].second.ok());
  EXPECT_NE(results.seen[0].second.message().find("/nonexistent/face.jpg"), std::string::npos)
      << results.seen[0].second.ToString();
}

TEST(JobQueue, RefusesJobsAfterShutdown) {
  JobQueue queue(nullptr, 1, &ScriptedRunner);
  queue.Shutdown();
  EXPECT_EQ(queue.Submit(Job("ok"), nullptr).code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace facefuse::job
