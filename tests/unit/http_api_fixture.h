// The HTTP job API's test fixture: a queue and a server on a free loopback port over a temporary data dir, a
// client, and the helpers the API tests share (fixture images, forged files, the error-shape check).
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>
#include <stdlib.h>

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <functional>
#include <iterator>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/status_map.h"
#include "job/job_queue.h"
#include "server/job_api.h"
#include "telemetry/metrics.h"
#include "tests/unit/fixtures_dir.h"

namespace facefuse::server::test {

namespace fs = std::filesystem;
using test_fixtures::FixturesDir;

inline constexpr uint64_t kUploadLimit = uint64_t{2} << 20;

inline fs::path Image(const char* name) { return FixturesDir() / "media" / "images" / name; }

inline std::string ReadBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A PNG signature and IHDR chunk that claim `side` x `side` pixels (no pixel data follows).
inline std::string PngHeaderClaiming(uint32_t side) {
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

  // Starts the queue (with `runners`, or the real ones) and the server on a free loopback port; `adjust` may change
  // the server's options first.
  void Start(job::JobRunners runners = {}, uint64_t decode_memory_bytes = uint64_t{1} << 30, int max_sync_swaps = 2,
             const std::function<void(JobApiOptions&)>& adjust = {}, job::JobQueueLimits limits = {}) {
    queue_ = std::make_unique<job::JobQueue>(&metrics_, 1, std::move(runners), nullptr, limits);
    JobApiOptions options;
    options.data_dir = data_dir_;
    options.max_upload_bytes = kUploadLimit;
    options.decode_memory_bytes = decode_memory_bytes;
    options.max_sync_swaps = max_sync_swaps;
    if (adjust) adjust(options);
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

}  // namespace facefuse::server::test
