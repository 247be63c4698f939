// The HTTP job API over loopback with real images: a swap job from upload to result, the error shape and status
// of each bad request (the server answering /health/live after each), and cancelling a queued job.
#include <gtest/gtest.h>
#include <httplib.h>
#include <stdlib.h>

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <iterator>
#include <mutex>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <thread>

#include "common/status_map.h"
#include "job/job_queue.h"
#include "server/job_api.h"
#include "telemetry/metrics.h"
#include "tests/unit/fixtures_dir.h"

namespace facefuse::server {
namespace {

namespace fs = std::filesystem;
using test_fixtures::FixturesDir;

constexpr uint64_t kUploadLimit = uint64_t{2} << 20;

fs::path Image(const char* name) { return FixturesDir() / "media" / "images" / name; }

std::string ReadBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A PNG signature and IHDR chunk that claim `side` x `side` pixels (no pixel data follows).
std::string PngHeaderClaiming(uint32_t side) {
  std::string png("\x89PNG\r\n\x1a\n", 8);
  const auto be32 = [&png](uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) png.push_back(static_cast<char>((v >> shift) & 0xff));
  };
  be32(13);
  png += "IHDR";
  be32(side);
  be32(side);
  png += std::string("\x08\x02\x00\x00\x00", 5);  // 8-bit RGB
  be32(0);                                         // CRC (not checked before the size)
  png += std::string("\x00\x00\x00\x00IEND\xae\x42\x60\x82", 12);
  return png;
}

// A swap-image runner that waits until Open() before it succeeds: a job that stays running while a test looks.
class GateRunner : public job::JobRunner {
 public:
  Status Run(job::Job& job, job::JobContext&) const override {
    std::unique_lock lock(mu_);
    open_cv_.wait(lock, [this] { return open_; });
    job.frames = 1;
    return Status::Ok();
  }
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    open_cv_.notify_all();
  }

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable open_cv_;
  bool open_ = false;
};

class HttpApi : public ::testing::Test {
 protected:
  void SetUp() override {
    FF_REQUIRE_FIXTURES(Image("obama.jpg"), Image("biden.jpg"));
    std::string pattern = (fs::temp_directory_path() / "ff-http-api-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    data_dir_ = root_ / "jobs";
    fs::create_directory(data_dir_);
  }
  void TearDown() override {
    server_.reset();
    if (queue_) queue_->Shutdown();
    std::error_code ignored;
    if (!root_.empty()) fs::remove_all(root_, ignored);
  }

  // Starts the queue (with `runners`, or the real ones) and the server on a free loopback port.
  void Start(job::JobRunners runners = {}, uint64_t decode_memory_bytes = uint64_t{1} << 30, int max_sync_swaps = 2) {
    queue_ = std::make_unique<job::JobQueue>(&metrics_, 1, std::move(runners));
    JobApiOptions options;
    options.data_dir = data_dir_;
    options.max_upload_bytes = kUploadLimit;
    options.decode_memory_bytes = decode_memory_bytes;
    options.max_sync_swaps = max_sync_swaps;
    auto started = JobApiServer::Start(options, *queue_, metrics_);
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    server_ = std::move(started).value();
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_read_timeout(30, 0);
  }

  httplib::MultipartFormData Part(const char* name, std::string content, const char* filename = "image.jpg") {
    return {name, std::move(content), filename, "application/octet-stream"};
  }
  httplib::MultipartFormDataItems SwapParts(const std::string& options = R"({"swapper": "classical"})") {
    return {Part("source", ReadBytes(Image("obama.jpg"))), Part("target", ReadBytes(Image("biden.jpg"))),
            Part("options", options, "")};
  }

  httplib::Result PostParts(const httplib::MultipartFormDataItems& parts) { return client_->Post("/v1/jobs", parts); }

  // POSTs `parts` and returns the job's id (expects 202).
  std::string Submit(const httplib::MultipartFormDataItems& parts) {
    auto res = PostParts(parts);
    if (!res) return "";
    EXPECT_EQ(res->status, 202) << res->body;
    return nlohmann::json::parse(res->body, nullptr, false).value("id", "");
  }

  nlohmann::json GetJob(const std::string& id) {
    auto res = client_->Get(("/v1/jobs/" + id).c_str());
    return res && res->status == 200 ? nlohmann::json::parse(res->body) : nlohmann::json();
  }

  // The JSON error of `res`: its status is `http_status` and its body {"error": {"code", "message"}}.
  void ExpectError(const httplib::Result& res, int http_status, const std::string& code, const std::string& what) {
    ASSERT_TRUE(res) << what << ": no answer";
    EXPECT_EQ(res->status, http_status) << what << ": " << res->body;
    const nlohmann::json body = nlohmann::json::parse(res->body, nullptr, false);
    ASSERT_TRUE(body.is_object() && body.contains("error")) << what << ": " << res->body;
    EXPECT_EQ(body["error"].value("code", ""), code) << what << ": " << res->body;
    EXPECT_FALSE(body["error"].value("message", "").empty()) << what;
    auto live = client_->Get("/health/live");
    ASSERT_TRUE(live) << what << ": the server stopped answering";
    EXPECT_EQ(live->status, 200) << what;
  }

  telemetry::Metrics metrics_;
  fs::path root_, data_dir_;
  std::unique_ptr<job::JobQueue> queue_;
  std::unique_ptr<JobApiServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

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

TEST_F(HttpApi, DeleteCancelsAQueuedJobOnly) {
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
  ExpectError(client_->Delete(("/v1/jobs/" + running).c_str()), 409, "FailedPrecondition", "cancelling a running job");
  ExpectError(client_->Get(("/v1/jobs/" + running + "/result").c_str()), 409, "FailedPrecondition",
              "the result of a running job");
  gate->Open();
  queue_->WaitIdle();
  EXPECT_EQ(GetJob(running).value("state", ""), "succeeded");
  EXPECT_EQ(GetJob(queued).value("state", ""), "cancelled");
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
}  // namespace facefuse::server
