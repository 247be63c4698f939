// Jobs that outlive the process: the SQLite store keeps every record a request made, settles what a killed process
// left (a running job is queued again once, failed the second time), refuses a second process, and the retention
// sweep removes old jobs, jobs over the quota and folders no job owns.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "job/job_record_json.h"
#include "job/job_queue.h"
#include "job/sqlite_job_store.h"
#include "server/capacity.h"
#include "server/job_retention.h"
#include "tests/unit/face_fixtures.h"

namespace facefuse::job {
namespace {

namespace fs = std::filesystem;

class JobPersistence : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "ff-jobs-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  // A queued swap-image job with a request and a folder of its own (one file of `bytes` bytes in it).
  Job RequestedJob(const std::string& id, size_t bytes = 10) {
    Job job = NewSwapImageJob({});
    job.id = id;
    job.request = R"({"kind": "swap_image"})";
    job.folder = dir_ / id;
    job.swap_image.output = job.folder / "output.png";
    fs::create_directory(job.folder);
    std::ofstream(job.folder / "output.png") << std::string(bytes, 'x');
    return job;
  }

  Result<std::unique_ptr<SqliteJobStore>> Open(SqliteJobStore::Rebuild rebuild = [](Job&) { return Status::Ok(); }) {
    return SqliteJobStore::Open(dir_ / "jobs.db", std::move(rebuild));
  }

  fs::path dir_;
};

TEST_F(JobPersistence, RecordJsonKeepsStateOutcomeProgressTimesAndResults) {
  Job job = RequestedJob("job-a");
  ASSERT_TRUE(job.TransitionTo(JobState::kRunning).ok());
  job.status = NotFound("no face in target.png");
  ASSERT_TRUE(job.TransitionTo(JobState::kFailed).ok());
  job.progress = {3, 7, 1.5, 2.0, "swap"};
  job.frames = 3;
  job.owner = "alice";
  job.swap_image_result.faces_swapped = 2;
  Job back;
  ASSERT_TRUE(ApplyRecordJson(RecordJson(job), back).ok());
  EXPECT_EQ(back.state, JobState::kFailed);
  EXPECT_EQ(back.status.code(), StatusCode::kNotFound);
  EXPECT_EQ(back.status.message(), "no face in target.png");
  EXPECT_EQ(back.progress.items_done, 3);
  EXPECT_EQ(back.progress.stage, "swap");
  EXPECT_EQ(back.owner, "alice");
  EXPECT_EQ(back.folder, job.folder);
  EXPECT_EQ(back.swap_image.output, job.swap_image.output);
  EXPECT_EQ(back.swap_image_result.faces_swapped, 2);
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::microseconds>(back.timeline.finished - job.timeline.finished).count(), 0);
  EXPECT_EQ(ApplyRecordJson("{\"kind\": \"swap_image\"}", back).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ApplyRecordJson("not json", back).code(), StatusCode::kInvalidArgument);
}

TEST_F(JobPersistence, RecordsOutliveTheStoreAndAnInterruptedJobRunsAgainOnce) {
  {
    FF_ASSERT_OK_AND_ASSIGN(auto store, Open());
    ASSERT_TRUE(store->Create(RequestedJob("job-done")).ok());
    ASSERT_TRUE(store->Create(RequestedJob("job-waiting")).ok());
    ASSERT_TRUE(store->Create(RequestedJob("job-cut")).ok());
    Job in_memory_only = NewDetectJob({});  // no request: the CLI's own job
    ASSERT_TRUE(store->Create(in_memory_only).ok());
    FF_ASSERT_OK_AND_ASSIGN(Job done, store->Get("job-done"));
    ASSERT_TRUE(done.TransitionTo(JobState::kRunning).ok());
    ASSERT_TRUE(store->Update(done).ok());
    ASSERT_TRUE(done.TransitionTo(JobState::kSucceeded).ok());
    ASSERT_TRUE(store->Update(done).ok());
    FF_ASSERT_OK_AND_ASSIGN(Job cut, store->Get("job-cut"));
    ASSERT_TRUE(cut.TransitionTo(JobState::kRunning).ok());
    cut.progress.items_done = 1;
    ASSERT_TRUE(store->Update(cut).ok());
    EXPECT_EQ(store->List().size(), 4u);
  }  // the process "dies" with job-cut running
  {
    int rebuilt = 0;
    FF_ASSERT_OK_AND_ASSIGN(auto store, Open([&rebuilt](Job&) { ++rebuilt; return Status::Ok(); }));
    EXPECT_EQ(rebuilt, 2);  // the two still to run
    EXPECT_EQ(store->requeued_at_open(), 1);
    ASSERT_EQ(store->List().size(), 3u);  // the in-memory job is gone
    FF_ASSERT_OK_AND_ASSIGN(Job done, store->Get("job-done"));
    EXPECT_EQ(done.state, JobState::kSucceeded);
    FF_ASSERT_OK_AND_ASSIGN(Job waiting, store->Get("job-waiting"));
    EXPECT_EQ(waiting.state, JobState::kQueued);
    FF_ASSERT_OK_AND_ASSIGN(Job cut, store->Get("job-cut"));
    EXPECT_EQ(cut.state, JobState::kQueued);
    EXPECT_EQ(cut.interruptions, 1);
    EXPECT_EQ(cut.progress.items_done, 0);  // a clean run
    ASSERT_TRUE(cut.TransitionTo(JobState::kRunning).ok());
    ASSERT_TRUE(store->Update(cut).ok());
  }  // and dies again with it running
  FF_ASSERT_OK_AND_ASSIGN(auto store, Open());
  FF_ASSERT_OK_AND_ASSIGN(Job cut, store->Get("job-cut"));
  EXPECT_EQ(cut.state, JobState::kFailed);
  EXPECT_EQ(cut.status.code(), StatusCode::kUnavailable);
  EXPECT_NE(cut.status.message().find("interrupted twice"), std::string::npos);
}

TEST_F(JobPersistence, AJobThatCannotBeRebuiltFailsWithTheReason) {
  {
    FF_ASSERT_OK_AND_ASSIGN(auto store, Open());
    ASSERT_TRUE(store->Create(RequestedJob("job-lost")).ok());
  }
  FF_ASSERT_OK_AND_ASSIGN(auto store, Open([](Job&) { return NotFound("the target is gone"); }));
  FF_ASSERT_OK_AND_ASSIGN(Job lost, store->Get("job-lost"));
  EXPECT_EQ(lost.state, JobState::kFailed);
  EXPECT_NE(lost.status.message().find("the target is gone"), std::string::npos);
}

TEST_F(JobPersistence, ASecondProcessCannotOpenTheStoreAndRemovedJobsStayGone) {
  FF_ASSERT_OK_AND_ASSIGN(auto store, Open());
  ASSERT_TRUE(store->Create(RequestedJob("job-x")).ok());
  // Another connection stands for another process: the file is locked.
  auto second = Open();
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable) << second.status().ToString();
  EXPECT_EQ(store->Remove("job-x").code(), StatusCode::kFailedPrecondition);  // not final
  FF_ASSERT_OK_AND_ASSIGN(Job job, store->Get("job-x"));
  ASSERT_TRUE(job.TransitionTo(JobState::kCancelled).ok());
  ASSERT_TRUE(store->Update(job).ok());
  ASSERT_TRUE(store->Remove("job-x").ok());
  store.reset();
  FF_ASSERT_OK_AND_ASSIGN(auto reopened, Open());
  EXPECT_EQ(reopened->Get("job-x").status().code(), StatusCode::kNotFound);
}

TEST_F(JobPersistence, AFileThatIsNotAStoreIsRefusedClearly) {
  std::ofstream(dir_ / "jobs.db") << "this is not a database, just text that is long enough to be read as one";
  auto store = Open();
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("jobs.db"), std::string::npos) << store.status().ToString();
}

TEST_F(JobPersistence, TheQueueRunsTheJobsAStoreHoldsQueued) {
  {
    FF_ASSERT_OK_AND_ASSIGN(auto store, Open());
    ASSERT_TRUE(store->Create(RequestedJob("job-1a")).ok());
    ASSERT_TRUE(store->Create(RequestedJob("job-1b")).ok());
  }
  FF_ASSERT_OK_AND_ASSIGN(auto opened, Open());
  std::shared_ptr<JobStore> store = std::move(opened);
  class CountingRunner : public JobRunner {
   public:
    Status Run(Job& job, JobContext&) const override {
      job.frames = 1;
      return Status::Ok();
    }
  };
  JobQueue queue(nullptr, 1, {{JobKind::kSwapImage, std::make_shared<CountingRunner>()}}, store);
  queue.WaitIdle();
  for (const char* id : {"job-1a", "job-1b"}) {
    FF_ASSERT_OK_AND_ASSIGN(Job job, store->Get(id));
    EXPECT_EQ(job.state, JobState::kSucceeded) << id;
  }
}

TEST_F(JobPersistence, RetentionRemovesOldJobsThenTheOldestOverTheQuotaThenOrphans) {
  MemoryJobStore store;
  const Clock::time_point now = Clock::now();
  auto finished = [&](const std::string& id, std::chrono::hours ago, size_t bytes) {
    Job job = RequestedJob(id, bytes);
    ASSERT_TRUE(store.Create(job).ok());
    ASSERT_TRUE(job.TransitionTo(JobState::kRunning).ok());
    ASSERT_TRUE(store.Update(job).ok());
    ASSERT_TRUE(job.TransitionTo(JobState::kSucceeded, now - ago).ok());
    ASSERT_TRUE(store.Update(job).ok());
  };
  finished("job-old", std::chrono::hours(24 * 8), 100);
  finished("job-mid", std::chrono::hours(48), 3000);
  finished("job-new", std::chrono::hours(1), 3000);
  ASSERT_TRUE(store.Create(RequestedJob("job-queued", 3000)).ok());  // never removed: not final
  fs::create_directory(dir_ / "job-orphan");
  std::ofstream(dir_ / "job-orphan" / "source-0.jpg") << "half an upload";
  fs::create_directory(dir_ / "job-arriving");  // an upload in progress: too young to be an orphan
  fs::last_write_time(dir_ / "job-orphan", fs::file_time_type::clock::now() - std::chrono::hours(2));
  std::ofstream(dir_ / "jobs.db") << "not a job folder";

  server::RetentionPolicy policy;  // 7 days, no quota
  FF_ASSERT_OK_AND_ASSIGN(server::SweepReport first, server::SweepJobs(store, nullptr, dir_, policy, now));
  EXPECT_EQ(first.jobs_removed, 1);
  EXPECT_EQ(first.orphans_removed, 1);
  EXPECT_FALSE(fs::exists(dir_ / "job-old"));
  EXPECT_FALSE(fs::exists(dir_ / "job-orphan"));
  EXPECT_TRUE(fs::exists(dir_ / "job-arriving"));
  EXPECT_TRUE(fs::exists(dir_ / "jobs.db"));
  EXPECT_EQ(store.Get("job-old").status().code(), StatusCode::kNotFound);

  policy.quota_bytes = 7000;  // job-mid, job-new and job-queued hold 9000 bytes: the oldest final one goes
  FF_ASSERT_OK_AND_ASSIGN(server::SweepReport second, server::SweepJobs(store, nullptr, dir_, policy, now));
  EXPECT_EQ(second.jobs_removed, 1);
  EXPECT_FALSE(fs::exists(dir_ / "job-mid"));
  EXPECT_TRUE(fs::exists(dir_ / "job-new"));
  EXPECT_TRUE(fs::exists(dir_ / "job-queued"));
  EXPECT_EQ(second.bytes_kept, 6000u);
}

TEST_F(JobPersistence, ADataDirBelongsToOneStore) {
  ASSERT_TRUE(server::ClaimDataDir(dir_, "sqlite").ok());
  ASSERT_TRUE(server::ClaimDataDir(dir_, "sqlite").ok());  // the same store again: a restart
  const Status other = server::ClaimDataDir(dir_, "redis 127.0.0.1:6379 facefuse:");
  EXPECT_EQ(other.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(other.message().find("holds the jobs of another store (sqlite)"), std::string::npos) << other.ToString();
}

TEST(Capacity, OneWorkerPerEightCpusWithinTheFreeMemory) {
  constexpr uint64_t kGiB = uint64_t{1} << 30;
  EXPECT_EQ(server::WorkersFor(2, 16 * kGiB), 1);
  EXPECT_EQ(server::WorkersFor(16, 16 * kGiB), 2);
  EXPECT_EQ(server::WorkersFor(64, 0), 8);          // memory unknown: the CPUs decide
  EXPECT_EQ(server::WorkersFor(64, 3 * kGiB), 2);   // 1.5 GiB a worker
  EXPECT_EQ(server::WorkersFor(64, kGiB / 2), 1);   // never fewer than one
  EXPECT_EQ(server::WorkersFor(512, 1024 * kGiB), 16);
}

}  // namespace
}  // namespace facefuse::job
