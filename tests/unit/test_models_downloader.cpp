// The model downloader against a local HTTP server on 127.0.0.1 (no test
// touches the internet).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "models/downloader.h"
#include "models/sha256.h"
#include "tests/unit/fault_env.h"

namespace facefuse::models {
namespace {

namespace fs = std::filesystem;

// 300 kB of deterministic bytes: several HTTP chunks.
std::string MakeContent() {
  std::string s(300 * 1024, '\0');
  uint32_t x = 12345;
  for (char& c : s) {
    x = x * 1664525u + 1013904223u;
    c = static_cast<char>(x >> 24);
  }
  return s;
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const fs::path& p, const std::string& bytes) { std::ofstream(p, std::ios::binary) << bytes; }

// An httplib::Server on 127.0.0.1 at a free port, serving:
//   /model.onnx     the content (httplib answers Range requests with 206)
//   /no-range.onnx  the content with status 200 whatever the Range header says
//   /drop.onnx      announces the whole content but closes after the first half
//   /moved.onnx     302 to /model.onnx
// and recording the Range header of every request.
class LocalServer {
 public:
  explicit LocalServer(std::string content) : content_(std::move(content)) {
    server_.Get("/model.onnx", [this](const httplib::Request& req, httplib::Response& res) {
      Record(req);
      res.set_content(content_, "application/octet-stream");
    });
    server_.Get("/no-range.onnx", [this](const httplib::Request& req, httplib::Response& res) {
      Record(req);
      res.status = 200;
      res.set_chunked_content_provider("application/octet-stream", [this](size_t offset, httplib::DataSink& sink) {
        sink.write(content_.data(), content_.size());
        sink.done();
        return true;
      });
    });
    server_.Get("/drop.onnx", [this](const httplib::Request& req, httplib::Response& res) {
      Record(req);
      res.set_content_provider(content_.size(), "application/octet-stream",
                               [this](size_t offset, size_t, httplib::DataSink& sink) {
                                 if (offset >= content_.size() / 2) return false;  // drop the connection
                                 sink.write(content_.data() + offset, content_.size() / 2 - offset);
                                 return true;
                               });
    });
    server_.Get("/moved.onnx", [this](const httplib::Request& req, httplib::Response& res) {
      Record(req);
      res.set_redirect("/model.onnx");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() is a no-op until the accept loop runs, so wait for it before any test can end.
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~LocalServer() {
    server_.stop();
    thread_.join();
  }
  std::string Url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  std::vector<std::string> ranges() {
    std::lock_guard<std::mutex> lock(mu_);
    return ranges_;
  }

 private:
  void Record(const httplib::Request& req) {
    std::lock_guard<std::mutex> lock(mu_);
    ranges_.push_back(req.get_header_value("Range"));
  }

  std::string content_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> ranges_;
};

// A 127.0.0.1 port with nothing listening on it.
int ClosedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

class ModelsDownload : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("facefuse-download-" + std::to_string(getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    dest_ = dir_ / "sub" / "model.onnx";  // the folder is created by the download
    content_ = MakeContent();
    fs::create_directories(dir_);
    WriteFile(dir_ / "reference", content_);
    sha_ = *Sha256OfFile(dir_ / "reference");
    server_ = std::make_unique<LocalServer>(content_);
    http_ = MakeHttplibGetter({.connect_timeout_seconds = 5, .read_timeout_seconds = 5});
  }
  void TearDown() override { fs::remove_all(dir_); }

  DownloadRequest Request(const std::string& path, bool pin = true) {
    DownloadRequest r;
    r.urls = {server_->Url(path)};
    r.destination = dest_;
    if (pin) {
      r.expected_size = content_.size();
      r.expected_sha256 = sha_;
    }
    return r;
  }

  fs::path dir_, dest_;
  std::string content_, sha_;
  std::unique_ptr<LocalServer> server_;
  std::unique_ptr<HttpGetter> http_;
};

TEST_F(ModelsDownload, DownloadsAndVerifies) {
  uint64_t last_received = 0, last_total = 0;
  auto r = DownloadFile(Request("/model.onnx"), *http_, [&](uint64_t received, uint64_t total) {
    EXPECT_GE(received, last_received);
    last_received = received;
    last_total = total;
  });
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(ReadFile(dest_), content_);
  EXPECT_EQ(r->sha256, sha_);
  EXPECT_TRUE(r->hash_pinned);
  EXPECT_EQ(r->resumed_from, 0u);
  EXPECT_EQ(last_received, content_.size());
  EXPECT_EQ(last_total, content_.size());
  EXPECT_FALSE(fs::exists(PartPath(dest_)));
  EXPECT_EQ(server_->ranges(), std::vector<std::string>{""});
}

TEST_F(ModelsDownload, FollowsRedirects) {
  auto r = DownloadFile(Request("/moved.onnx"), *http_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(ReadFile(dest_), content_);
}

TEST_F(ModelsDownload, ResumesATruncatedPartWithARangeRequest) {
  fs::create_directories(dest_.parent_path());
  const size_t kept = 100000;
  WriteFile(PartPath(dest_), content_.substr(0, kept));
  auto r = DownloadFile(Request("/model.onnx"), *http_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(server_->ranges(), std::vector<std::string>{"bytes=" + std::to_string(kept) + "-"});
  EXPECT_EQ(r->resumed_from, kept);
  EXPECT_EQ(ReadFile(dest_), content_);  // byte-identical
}

TEST_F(ModelsDownload, ResumesAfterTheConnectionDropped) {
  auto first = DownloadFile(Request("/drop.onnx", /*pin=*/false), *http_);
  ASSERT_EQ(first.status().code(), StatusCode::kUnavailable) << first.status().ToString();
  EXPECT_FALSE(fs::exists(dest_));
  const uint64_t kept = fs::file_size(PartPath(dest_));
  EXPECT_GT(kept, 0u);
  EXPECT_LT(kept, content_.size());
  auto second = DownloadFile(Request("/model.onnx"), *http_);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->resumed_from, kept);
  EXPECT_EQ(server_->ranges().back(), "bytes=" + std::to_string(kept) + "-");
  EXPECT_EQ(ReadFile(dest_), content_);
}

TEST_F(ModelsDownload, CompletePartIsVerifiedWithoutRefetching) {
  fs::create_directories(dest_.parent_path());
  WriteFile(PartPath(dest_), content_);
  auto pinned = DownloadFile(Request("/model.onnx"), *http_);  // pinned size reached: no request at all
  ASSERT_TRUE(pinned.ok()) << pinned.status().ToString();
  EXPECT_TRUE(server_->ranges().empty());
  EXPECT_EQ(ReadFile(dest_), content_);

  fs::remove(dest_);
  WriteFile(PartPath(dest_), content_);
  auto unpinned = DownloadFile(Request("/model.onnx", /*pin=*/false), *http_);  // the server answers 416
  ASSERT_TRUE(unpinned.ok()) << unpinned.status().ToString();
  EXPECT_EQ(server_->ranges(), std::vector<std::string>{"bytes=" + std::to_string(content_.size()) + "-"});
  EXPECT_EQ(unpinned->resumed_from, content_.size());
  EXPECT_EQ(ReadFile(dest_), content_);
}

TEST_F(ModelsDownload, RestartsWhenTheServerIgnoresRange) {
  fs::create_directories(dest_.parent_path());
  WriteFile(PartPath(dest_), content_.substr(0, 5000));
  auto r = DownloadFile(Request("/no-range.onnx"), *http_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(server_->ranges(), std::vector<std::string>{"bytes=5000-"});
  EXPECT_EQ(r->resumed_from, 0u);
  EXPECT_EQ(ReadFile(dest_), content_);  // not 5000 bytes twice
}

TEST_F(ModelsDownload, HashMismatchLeavesNoFinalFileAndKeepsWhatTheUserHad) {
  fs::create_directories(dest_.parent_path());
  WriteFile(dest_, "the user's old model");
  DownloadRequest request = Request("/model.onnx");
  request.expected_sha256 = std::string(64, '0');
  auto r = DownloadFile(request, *http_);
  ASSERT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("sha256"), std::string::npos) << r.status().message();
  EXPECT_EQ(ReadFile(dest_), "the user's old model");
  EXPECT_FALSE(fs::exists(PartPath(dest_)));           // never resumed from
  EXPECT_EQ(ReadFile(RejectedPath(dest_)), content_);  // kept for inspection
}

TEST_F(ModelsDownload, SizeMismatchIsRejectedBeforeTheBody) {
  DownloadRequest request = Request("/model.onnx");
  request.expected_size = content_.size() + 1;
  auto r = DownloadFile(request, *http_);
  ASSERT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("catalog pins"), std::string::npos) << r.status().message();
  EXPECT_FALSE(fs::exists(dest_));
}

TEST_F(ModelsDownload, UnpinnedDownloadReportsTheComputedHash) {
  auto r = DownloadFile(Request("/model.onnx", /*pin=*/false), *http_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->hash_pinned);
  EXPECT_EQ(r->sha256, sha_);
}

TEST_F(ModelsDownload, NotFoundIsNotFoundAndMirrorsAreTried) {
  auto missing = DownloadFile(Request("/missing.onnx"), *http_);
  ASSERT_EQ(missing.status().code(), StatusCode::kNotFound) << missing.status().ToString();
  EXPECT_NE(missing.status().message().find("404"), std::string::npos);
  EXPECT_FALSE(fs::exists(dest_));

  DownloadRequest request = Request("/missing.onnx");
  request.urls.push_back(server_->Url("/model.onnx"));
  auto r = DownloadFile(request, *http_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->url, server_->Url("/model.onnx"));
  EXPECT_EQ(ReadFile(dest_), content_);
}

TEST_F(ModelsDownload, ConnectionRefusedSaysWhichFileToPutWhere) {
  DownloadRequest request = Request("/model.onnx");
  request.urls = {"http://127.0.0.1:" + std::to_string(ClosedPort()) + "/model.onnx"};
  auto r = DownloadFile(request, *http_);
  ASSERT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
  const std::string m = r.status().message();
  EXPECT_NE(m.find("cannot connect"), std::string::npos) << m;
  EXPECT_NE(m.find("Put model.onnx into " + dest_.parent_path().string()), std::string::npos) << m;
  EXPECT_NE(m.find(request.urls[0]), std::string::npos) << m;
  EXPECT_FALSE(fs::exists(dest_));
}

TEST_F(ModelsDownload, RejectsMalformedRequests) {
  DownloadRequest request = Request("/model.onnx");
  request.urls.clear();
  EXPECT_EQ(DownloadFile(request, *http_).status().code(), StatusCode::kInvalidArgument);
  request = Request("/model.onnx");
  request.expected_sha256 = "ABC";
  EXPECT_EQ(DownloadFile(request, *http_).status().code(), StatusCode::kInvalidArgument);
  request = Request("/model.onnx");
  request.urls = {"ftp://example.org/x.onnx"};
  EXPECT_EQ(DownloadFile(request, *http_).status().code(), StatusCode::kInvalidArgument);
}

// A full disk while the .part is written is an IoError naming the .part; what reached the disk stays to be
// resumed, and the next run completes it. A rename onto the destination that fails leaves no destination.
TEST_F(ModelsDownload, DiskFullAndFailedRenameLeaveNoDestination) {
  testing_env::FaultEnv env;
  env.FailNthWrite(3);
  DownloadRequest request = Request("/model.onnx");
  request.env = &env;
  auto full = DownloadFile(request, *http_);
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.status().code(), StatusCode::kIoError);
  EXPECT_NE(full.status().message().find("cannot write " + PartPath(dest_).string() + ": No space left on device"),
            std::string::npos)
      << full.status().message();
  EXPECT_FALSE(fs::exists(dest_));
  EXPECT_GT(fs::file_size(PartPath(dest_)), 0u);

  env.FailRenames(EACCES);
  auto moved = DownloadFile(request, *http_);
  ASSERT_FALSE(moved.ok());
  EXPECT_EQ(moved.status().ToString(), "IoError: cannot rename " + PartPath(dest_).string() + " to " +
                                           dest_.string() + ": Permission denied");
  EXPECT_FALSE(fs::exists(dest_));

  env.FailRenames(0);
  auto done = DownloadFile(request, *http_);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(ReadFile(dest_), content_);
  EXPECT_FALSE(fs::exists(PartPath(dest_)));
}

TEST(ModelsHttp, SplitsUrls) {
  std::string origin, path;
  ASSERT_TRUE(SplitUrl("https://github.com/a/b.onnx", &origin, &path).ok());
  EXPECT_EQ(origin, "https://github.com");
  EXPECT_EQ(path, "/a/b.onnx");
  ASSERT_TRUE(SplitUrl("http://127.0.0.1:8080", &origin, &path).ok());
  EXPECT_EQ(origin, "http://127.0.0.1:8080");
  EXPECT_EQ(path, "/");
  EXPECT_FALSE(SplitUrl("https:///x", &origin, &path).ok());
  EXPECT_FALSE(SplitUrl("file:///x", &origin, &path).ok());
}

}  // namespace
}  // namespace facefuse::models
