// What the job API serves besides records: the event stream of a job's progress, its result by ranges, its GPU
// report files, and the web page (from a folder, with paths that would leave it refused).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include <opencv2/imgcodecs.hpp>

#include "job/job_runner.h"
#include "media/video_info.h"
#include "tests/unit/face_fixtures.h"
#include "server/job_gpu_reports.h"
#include "tests/unit/http_api_fixture.h"

namespace facefuse::server::test {
namespace {

// The `data:` payloads of the `event: job` events in a text/event-stream body.
std::vector<nlohmann::json> JobEvents(const std::string& stream) {
  std::vector<nlohmann::json> events;
  size_t at = 0;
  while ((at = stream.find("event: job\ndata: ", at)) != std::string::npos) {
    at += 17;
    const size_t end = stream.find("\n\n", at);
    if (end == std::string::npos) break;
    events.push_back(nlohmann::json::parse(stream.substr(at, end - at), nullptr, false));
    at = end;
  }
  return events;
}

// Polls job `id` until it is final (or two minutes went by); returns its last state.
std::string WaitForFinalState(httplib::Client& client, const std::string& id) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  for (;;) {
    auto res = client.Get(("/v1/jobs/" + id).c_str());
    const std::string state = res ? nlohmann::json::parse(res->body).value("state", "") : "";
    if (state == "succeeded" || state == "failed" || state == "cancelled") return state;
    if (std::chrono::steady_clock::now() > deadline) return state;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

TEST_F(HttpApi, EventsFollowAJobToItsFinalStateAndEnd) {
  auto gate = std::make_shared<GateRunner>();
  Start({{job::JobKind::kSwapImage, gate}});
  const std::string id = Submit(SwapParts());
  ASSERT_FALSE(id.empty());
  std::thread opener([&gate] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    gate->Open();
  });
  auto res = client_->Get(("/v1/jobs/" + id + "/events").c_str());
  opener.join();
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/event-stream");
  const std::vector<nlohmann::json> events = JobEvents(res->body);
  ASSERT_GE(events.size(), 2u) << res->body;  // running (again at least once a second), then succeeded
  // The stream starts with the state the job is in: queued too, on a loaded machine whose worker has not taken it.
  const std::string first = events.front().value("state", "");
  EXPECT_TRUE(first == "running" || first == "queued") << res->body;
  EXPECT_TRUE(std::any_of(events.begin(), events.end(), [](const nlohmann::json& e) { return e.value("state", "") == "running"; }))
      << res->body;
  EXPECT_EQ(events.back().value("state", ""), "succeeded") << res->body;
  EXPECT_EQ(events.back()["progress"].value("fraction", 0.0), 1.0);
  for (const nlohmann::json& event : events) EXPECT_EQ(event.value("id", ""), id);
  ExpectError(client_->Get("/v1/jobs/job-999/events"), 404, "NotFound", "the events of an unknown job");
}

TEST_F(HttpApi, ResultComesByRangesAndTheGpuReportBesideIt) {
  Start(WithGpuReports(job::DefaultJobRunners()));
  const std::string id = Submit(SwapParts());
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(WaitForFinalState(*client_, id), "succeeded");

  auto whole = client_->Get(("/v1/jobs/" + id + "/result").c_str());
  ASSERT_TRUE(whole);
  ASSERT_EQ(whole->status, 200);
  auto part = client_->Get(("/v1/jobs/" + id + "/result").c_str(), {httplib::make_range_header({{100, 199}})});
  ASSERT_TRUE(part);
  EXPECT_EQ(part->status, 206);
  EXPECT_EQ(part->body, whole->body.substr(100, 100));
  for (const std::string& range : {"bytes=" + std::to_string(whole->body.size()) + "-", std::string("bytes=-0")}) {
    auto past = client_->Get(("/v1/jobs/" + id + "/result").c_str(), {{"Range", range}});
    ASSERT_TRUE(past);
    EXPECT_EQ(past->status, 416) << range;
    EXPECT_EQ(past->get_header_value("Content-Range"), "bytes */" + std::to_string(whole->body.size())) << range;
    EXPECT_EQ(past->get_header_value_count("Content-Range"), 1u) << range;
    EXPECT_NE(past->body.find("is past the end of the result"), std::string::npos) << range << ": " << past->body;
  }
  // A range that ends past the end (a downloader asking for 1 MiB chunks) is cut to the last byte; several
  // ranges are ignored (the whole result, 200).
  const size_t size = whole->body.size();
  auto tail = client_->Get(("/v1/jobs/" + id + "/result").c_str(),
                           {{"Range", "bytes=" + std::to_string(size - 10) + "-99999999"}});
  ASSERT_TRUE(tail);
  EXPECT_EQ(tail->status, 206);
  EXPECT_EQ(tail->body, whole->body.substr(size - 10));
  EXPECT_EQ(tail->get_header_value("Content-Range"),
            "bytes " + std::to_string(size - 10) + "-" + std::to_string(size - 1) + "/" + std::to_string(size));
  auto several = client_->Get(("/v1/jobs/" + id + "/result").c_str(), {{"Range", "bytes=0-1,5-9"}});
  ASSERT_TRUE(several);
  EXPECT_EQ(several->status, 200);
  EXPECT_EQ(several->body, whole->body);

  auto csv = client_->Get(("/v1/jobs/" + id + "/gpu.csv").c_str());
  ASSERT_TRUE(csv);
  EXPECT_EQ(csv->status, 200);
  EXPECT_EQ(csv->body.rfind("timestamp,gpu_util,", 0), 0u) << csv->body.substr(0, 200);
  auto svg = client_->Get(("/v1/jobs/" + id + "/gpu.svg").c_str());
  ASSERT_TRUE(svg);
  EXPECT_EQ(svg->status, 200);
  EXPECT_EQ(svg->get_header_value("Content-Type"), "image/svg+xml");
  EXPECT_NE(svg->body.find("<svg"), std::string::npos);
  auto png = client_->Get(("/v1/jobs/" + id + "/gpu.png").c_str());
  ASSERT_TRUE(png);
  EXPECT_EQ(png->status, 200);
  const cv::Mat chart = cv::imdecode(std::vector<uchar>(png->body.begin(), png->body.end()), cv::IMREAD_COLOR);
  EXPECT_FALSE(chart.empty());
  ExpectError(client_->Get(("/v1/jobs/" + id + "/gpu.txt").c_str()), 404, "NotFound", "a report file not served");
}

TEST_F(HttpApi, AJobWithoutAReportAnswersNotFoundForItsGpuFiles) {
  Start();  // runners without reports
  const std::string id = Submit(SwapParts());
  ASSERT_EQ(WaitForFinalState(*client_, id), "succeeded");
  ExpectError(client_->Get(("/v1/jobs/" + id + "/gpu.svg").c_str()), 404, "NotFound", "no GPU report");
}

TEST_F(HttpApi, WebPageComesFromItsFolderAndNothingOutsideIt) {
  const fs::path web = root_ / "web";
  fs::create_directory(web);
  std::ofstream(web / "index.html") << "<!doctype html><title>facefuse</title>";
  std::ofstream(web / "app.js") << "console.log('facefuse');";
  std::ofstream(root_ / "secret.txt") << "not for the web";
  Start({}, uint64_t{1} << 30, 2, [&web](JobApiOptions& options) { options.web_dir = web; });
  auto page = client_->Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(page->body, "<!doctype html><title>facefuse</title>");
  auto script = client_->Get("/web/app.js");
  ASSERT_TRUE(script);
  EXPECT_EQ(script->status, 200);
  EXPECT_EQ(script->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  for (const char* path : {"/web/..%2Fsecret.txt", "/web/.hidden", "/web/missing.js", "/web/%2e%2e"}) {
    ExpectError(client_->Get(path), 404, "NotFound", path);
  }
}

// An upload that trickles in past the deadline is refused with 408, and the server goes on serving.
TEST_F(HttpApi, AnUploadSlowerThanTheDeadlineIs408) {
  Start({}, uint64_t{1} << 30, 2, [](JobApiOptions& options) { options.upload_deadline_seconds = 1; });
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(server_->port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const std::string head =
      "POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
      "Content-Length: 100000\r\n\r\n--b\r\nContent-Disposition: form-data; name=\"target\"; filename=\"t.jpg\"\r\n\r\n";
  ASSERT_EQ(send(fd, head.data(), head.size(), 0), static_cast<ssize_t>(head.size()));
  const std::string chunk(1000, 'x');
  std::string answer;
  char buffer[4096];
  for (int i = 0; i < 8 && answer.empty(); ++i) {  // 1000 bytes every 400 ms: over 1 s before the body is whole
    (void)send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL);
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    timeval none{0, 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof none);
    const ssize_t got = recv(fd, buffer, sizeof buffer, 0);
    if (got > 0) answer.assign(buffer, static_cast<size_t>(got));
  }
  close(fd);
  EXPECT_EQ(answer.rfind("HTTP/1.1 408", 0), 0u) << answer;
  EXPECT_NE(answer.find("did not arrive within 1 s"), std::string::npos) << answer;
  EXPECT_EQ(client_->Get("/health/live")->status, 200);
  EXPECT_TRUE(fs::is_empty(data_dir_));
}

fs::path Video(const char* name) { return FixturesDir() / "media" / "video" / name; }

// A video target becomes a swap_video job: its result is a video of the target's frames, with the video's own
// options; the video options are refused for an image, and a video over the duration limit is refused.
TEST_F(HttpApi, VideoJobFromUploadToResult) {
  FF_REQUIRE_FIXTURES(Video("astronaut_zoompan_2s.mp4"));
  Start({}, uint64_t{1} << 30, 2, [](JobApiOptions& options) { options.max_upload_bytes = uint64_t{8} << 20; });
  const std::string clip = ReadBytes(Video("astronaut_zoompan_2s.mp4"));
  const std::string id = Submit({Part("source", ReadBytes(Image("obama.jpg"))), Part("target", clip, "clip.bin"),
                                 Part("options", R"({"swapper": "classical", "quality": 60, "detect-every": 5})", "")});
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(WaitForFinalState(*client_, id), "succeeded") << GetJob(id).dump();
  const nlohmann::json job = GetJob(id);
  EXPECT_EQ(job.value("kind", ""), "swap_video");
  EXPECT_GT(job.value("faces_swapped", 0), 0) << job.dump();
  EXPECT_EQ(job["video"].value("encoder", ""), "libx264");
  auto result = client_->Get(("/v1/jobs/" + id + "/result").c_str());
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200);
  EXPECT_EQ(result->get_header_value("Content-Type"), "video/mp4");
  const fs::path downloaded = root_ / "result.mp4";
  std::ofstream(downloaded, std::ios::binary) << result->body;
  FF_ASSERT_OK_AND_ASSIGN(media::VideoInfo out, media::ProbeVideo(downloaded));
  FF_ASSERT_OK_AND_ASSIGN(media::VideoInfo in, media::ProbeVideo(Video("astronaut_zoompan_2s.mp4")));
  EXPECT_EQ(out.frame_count, in.frame_count);
  EXPECT_EQ(out.width, in.width);
  EXPECT_EQ(job["progress"].value("items_done", 0), in.frame_count);

  ExpectError(PostParts(SwapParts(R"({"swapper": "classical", "quality": 60})")), 400, "InvalidArgument",
              "a video option for an image target");
  ExpectError(PostParts({Part("source", ReadBytes(Image("obama.jpg"))), Part("target", clip),
                         Part("options", R"({"encoder": "rm -rf"})", "")}),
              400, "InvalidArgument", "an unknown encoder");
}

TEST_F(HttpApi, AVideoOverTheDurationLimitIsRefused) {
  FF_REQUIRE_FIXTURES(Video("astronaut_zoompan_2s.mp4"));
  Start({}, uint64_t{1} << 30, 2, [](JobApiOptions& options) {
    options.max_upload_bytes = uint64_t{8} << 20;
    options.max_video_seconds = 1;
  });
  auto res = PostParts({Part("source", ReadBytes(Image("obama.jpg"))),
                        Part("target", ReadBytes(Video("astronaut_zoompan_2s.mp4")))});
  ExpectError(res, 400, "InvalidArgument", "a 2 s video over a 1 s limit");
  EXPECT_NE(res->body.find("over the limit of 1 s"), std::string::npos) << res->body;
  EXPECT_TRUE(fs::is_empty(data_dir_));
}

}  // namespace
}  // namespace facefuse::server::test
