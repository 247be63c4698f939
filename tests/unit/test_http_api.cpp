// The HTTP job API over loopback with real images: a swap job from upload to result, the error shape and status
// of each bad request (the server answering /health/live after each), and cancelling a queued job.
#include <opencv2/imgcodecs.hpp>

#include "tests/unit/http_api_fixture.h"

namespace facefuse::server::test {
namespace {

TEST_F(HttpApi, SwapJobFromUploadToResult) {
  Start();
  const std::string id = Submit(SwapParts());
  ASSERT_FALSE(id.empty());
  nlohmann::json job;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  for (;;) {
    job = GetJob(id);
    const std::string state = job.value("state", "");
    if (state == "succeeded" || state == "failed" || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(job.value("state", ""), "succeeded") << job.dump();
  EXPECT_TRUE(job["error"].is_null());
  EXPECT_GE(job.value("faces_swapped", 0), 1);

  auto result = client_->Get(("/v1/jobs/" + id + "/result").c_str());
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200);
  EXPECT_EQ(result->get_header_value("Content-Type"), "image/jpeg");
  const cv::Mat swapped = cv::imdecode(std::vector<uchar>(result->body.begin(), result->body.end()), cv::IMREAD_COLOR);
  const cv::Mat target = cv::imread(Image("biden.jpg").string());
  ASSERT_FALSE(swapped.empty());
  EXPECT_EQ(swapped.size(), target.size());

  auto list = client_->Get("/v1/jobs?state=succeeded&limit=10");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->status, 200);
  const nlohmann::json jobs = nlohmann::json::parse(list->body)["jobs"];
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0]["id"], id);
  EXPECT_EQ(nlohmann::json::parse(client_->Get("/v1/jobs?state=queued")->body)["jobs"].size(), 0u);

  EXPECT_EQ(client_->Get("/health/live")->status, 200);
  EXPECT_EQ(client_->Get("/health/ready")->status, 200);
  auto scrape = client_->Get("/metrics");
  ASSERT_TRUE(scrape);
  EXPECT_EQ(scrape->status, 200);
  EXPECT_NE(scrape->body.find("facefuse_job_duration_seconds_count{kind=\"swap\""), std::string::npos) << scrape->body;
}

// POST /v1/swap answers the swapped image itself, or the error shape; its job folder is gone once answered and the
// job metrics count it.
TEST_F(HttpApi, SyncSwapAnswersTheImageOrTheErrorShape) {
  Start();
  auto res = client_->Post("/v1/swap", SwapParts());
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "image/jpeg");
  EXPECT_EQ(res->get_header_value("X-Faces-Swapped"), "1");
  const cv::Mat swapped = cv::imdecode(std::vector<uchar>(res->body.begin(), res->body.end()), cv::IMREAD_COLOR);
  const cv::Mat target = cv::imread(Image("biden.jpg").string());
  ASSERT_FALSE(swapped.empty());
  EXPECT_EQ(swapped.size(), target.size());
  EXPECT_GT(cv::norm(swapped, target, cv::NORM_L1), 0) << "nothing was swapped";

  // A plain grey picture has no face: the runner's NotFound, with its HTTP status.
  std::vector<uchar> grey;
  ASSERT_TRUE(cv::imencode(".png", cv::Mat(240, 320, CV_8UC3, cv::Scalar::all(128)), grey));
  ExpectError(client_->Post("/v1/swap", {Part("source", ReadBytes(Image("obama.jpg"))),
                                         Part("target", std::string(grey.begin(), grey.end()), "grey.png"),
                                         Part("options", R"({"swapper": "classical"})", "")}),
              HttpStatusFor(NotFound("")), "NotFound", "a target without a face");
  ExpectError(client_->Post("/v1/swap", R"({"source": "obama.jpg"})", "application/json"), 400, "InvalidArgument",
              "a JSON body");
  EXPECT_TRUE(fs::is_empty(data_dir_)) << "the synchronous swaps' folders should be gone";
  auto scrape = client_->Get("/metrics");
  ASSERT_TRUE(scrape);
  EXPECT_NE(scrape->body.find("facefuse_job_duration_seconds_count{kind=\"swap\""), std::string::npos);
}

// With no synchronous swap slot free the answer is 503 with Retry-After, and the server goes on serving.
TEST_F(HttpApi, SyncSwapWithoutAFreeSlotIsUnavailableForNow) {
  Start({}, uint64_t{1} << 30, /*max_sync_swaps=*/0);
  auto res = client_->Post("/v1/swap", SwapParts());
  ExpectError(res, 503, "Unavailable", "no free slot");
  EXPECT_EQ(res->get_header_value("Retry-After"), "1");
}

// Bytes that are not UTF-8 in a path or a query reach the JSON error as U+FFFD: an answer, not a crash.
TEST_F(HttpApi, NonUtf8InThePathOrQueryGetsAnErrorNotACrash) {
  Start();
  ExpectError(client_->Get("/%ff%fe"), 404, "NotFound", "an unknown path that is not UTF-8");
  ExpectError(client_->Get("/v1/jobs/%ff"), 404, "NotFound", "a job id that is not UTF-8");
  ExpectError(client_->Get("/v1/jobs?state=%ff"), 400, "InvalidArgument", "a state that is not UTF-8");
}

TEST_F(HttpApi, BadRequestsGetTheirStatusAndTheErrorShape) {
  Start();
  const std::string jpeg = ReadBytes(Image("biden.jpg"));
  const std::string source = ReadBytes(Image("obama.jpg"));
  ExpectError(PostParts({Part("source", source)}), 400,
              "InvalidArgument", "no target part");
  ExpectError(PostParts({Part("source", source), Part("target", jpeg.substr(0, jpeg.size() / 2))}),
              400, "InvalidArgument", "truncated JPEG");
  ExpectError(PostParts({Part("source", source), Part("target", "just some text\n", "notes.jpg")}),
              400, "InvalidArgument", "a text file named .jpg");
  ExpectError(PostParts({Part("source", source), Part("target", PngHeaderClaiming(30000), "x.png")}),
              400, "InvalidArgument", "a PNG header claiming 30000x30000");
  ExpectError(PostParts({Part("source", source), Part("target", std::string(kUploadLimit + 1024, 'x'))}),
              413, "InvalidArgument", "a body over the limit");
  ExpectError(client_->Post("/v1/jobs", R"({"source": "obama.jpg"})", "application/json"), 400, "InvalidArgument",
              "application/json");
  ExpectError(PostParts(SwapParts(R"({"swapper": "classical", "colour": "blue"})")), 400,
              "InvalidArgument", "an unknown option");
  ExpectError(PostParts(SwapParts(R"({"swapper": "../../models/x"})")), 400, "InvalidArgument",
              "a model path");
  ExpectError(PostParts(SwapParts("not json")), 400, "InvalidArgument", "options that are no JSON");
  ExpectError(PostParts(SwapParts(R"({"swapper": "classical", "swapper": "inswapper_128"})")), 400,
              "InvalidArgument", "an option named twice");
  ExpectError(client_->Get("/v1/jobs/job-999"), 404, "NotFound", "an unknown job");
  ExpectError(client_->Get("/v1/jobs/job-999/result"), 404, "NotFound", "the result of an unknown job");
  ExpectError(client_->Delete("/v1/jobs/job-999"), 404, "NotFound", "cancelling an unknown job");
  ExpectError(client_->Get("/v1/nothing-here"), 404, "NotFound", "an unknown route");
  ExpectError(client_->Get("/v1/jobs?limit=-1"), 400, "InvalidArgument", "a negative limit");
  // Refused uploads leave nothing behind.
  EXPECT_TRUE(fs::is_empty(data_dir_));
}

TEST_F(HttpApi, ClientFileNamesNeverReachTheFileSystem) {
  auto gate = std::make_shared<GateRunner>();
  Start({{job::JobKind::kSwapImage, gate}});
  const std::string id = Submit({Part("source", ReadBytes(Image("obama.jpg")), "../../source.jpg"),
                                 Part("target", ReadBytes(Image("biden.jpg")), "../../etc/passwd.jpg"),
                                 Part("options", R"({"swapper": "classical"})", "../../options.json")});
  gate->Open();
  ASSERT_FALSE(id.empty());
  std::vector<std::string> outside;
  for (const auto& entry : fs::recursive_directory_iterator(root_)) {
    if (entry.path().string().rfind(data_dir_.string() + "/", 0) != 0 && entry.path() != data_dir_)
      outside.push_back(entry.path().string());
  }
  EXPECT_TRUE(outside.empty()) << outside.front();
  std::vector<std::string> names;
  for (const auto& folder : fs::directory_iterator(data_dir_))
    for (const auto& file : fs::directory_iterator(folder.path())) names.push_back(file.path().filename().string());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"source-0.jpg", "target.jpg"}));
  EXPECT_FALSE(fs::exists(root_ / "etc"));
  EXPECT_FALSE(fs::exists(data_dir_.parent_path() / "source.jpg"));
}

TEST_F(HttpApi, DeleteCancelsAQueuedJobAndAsksARunningOneToStop) {
  auto gate = std::make_shared<GateRunner>();
  Start({{job::JobKind::kSwapImage, gate}});
  const std::string running = Submit(SwapParts());
  const std::string queued = Submit(SwapParts());
  ASSERT_FALSE(running.empty());
  ASSERT_FALSE(queued.empty());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (GetJob(running).value("state", "") != "running" && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));

  auto cancelled = client_->Delete(("/v1/jobs/" + queued).c_str());
  ASSERT_TRUE(cancelled);
  EXPECT_EQ(cancelled->status, 200) << cancelled->body;
  EXPECT_EQ(GetJob(queued).value("state", ""), "cancelled");
  ExpectError(client_->Get(("/v1/jobs/" + queued + "/result").c_str()), 409, "FailedPrecondition",
              "the result of a cancelled job");
  auto stopping = client_->Delete(("/v1/jobs/" + running).c_str());  // asked to stop; the gate runner cannot
  ASSERT_TRUE(stopping);
  EXPECT_EQ(stopping->status, 202) << stopping->body;
  ExpectError(client_->Get(("/v1/jobs/" + running + "/result").c_str()), 409, "FailedPrecondition",
              "the result of a running job");
  gate->Open();
  queue_->WaitIdle();
  EXPECT_EQ(GetJob(running).value("state", ""), "succeeded");  // it could not stop midway
  EXPECT_EQ(GetJob(queued).value("state", ""), "cancelled");
  ExpectError(client_->Delete(("/v1/jobs/" + running).c_str()), 409, "FailedPrecondition", "cancelling a final job");
}

// A port another server listens on is refused (httplib's SO_REUSEPORT would let both share it and split the
// requests between them).
TEST_F(HttpApi, APortInUseIsRefused) {
  Start();
  JobApiOptions options;
  options.data_dir = data_dir_;
  options.port = server_->port();
  auto second = JobApiServer::Start(options, *queue_, metrics_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find("Address already in use"), std::string::npos) << second.status().ToString();
}

// A full queue is not ready (a load balancer then sends work elsewhere), and ready again once it drains.
TEST_F(HttpApi, AFullQueueIsNotReady) {
  auto gate = std::make_shared<GateRunner>();
  job::JobQueueLimits limits;
  limits.max_queued = 1;
  Start({{job::JobKind::kSwapImage, gate}}, uint64_t{1} << 30, 2, {}, limits);
  const std::string running = Submit(SwapParts());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (GetJob(running).value("state", "") != "running" && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(Submit(SwapParts()).empty());  // waits: the queue is full now
  auto ready = client_->Get("/health/ready");
  ExpectError(ready, 503, "Unavailable", "a full queue");
  EXPECT_NE(ready->body.find("the job queue is full"), std::string::npos) << ready->body;
  gate->Open();
  queue_->WaitIdle();
  EXPECT_EQ(client_->Get("/health/ready")->status, 200);
}

TEST_F(HttpApi, AnUploadOverTheDecodeBudgetIsUnavailableForNow) {
  Start({}, /*decode_memory_bytes=*/64 * 1024);
  ExpectError(PostParts(SwapParts()), 503, "OutOfMemory", "images over the decode budget");
  EXPECT_TRUE(fs::is_empty(data_dir_));
}

TEST_F(HttpApi, NotReadyWithoutADataDirOrOnceTheQueueShutsDown) {
  Start();
  EXPECT_EQ(client_->Get("/health/ready")->status, 200);
  fs::remove_all(data_dir_);
  ExpectError(client_->Get("/health/ready"), 503, "Unavailable", "no data dir");
  fs::create_directory(data_dir_);
  EXPECT_EQ(client_->Get("/health/ready")->status, 200);
  queue_->Shutdown();
  ExpectError(client_->Get("/health/ready"), 503, "Unavailable", "the queue shut down");
  ExpectError(PostParts(SwapParts()), 503, "Unavailable", "a job after the queue shut down");
}

}  // namespace
}  // namespace facefuse::server::test
