// Metrics registry, process_* collector, text exposition and the HTTP endpoint.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <tuple>

#include "telemetry/exposition.h"
#include "telemetry/metrics.h"
#include "telemetry/process_collector.h"

namespace facefuse::telemetry {
namespace {

// The value of the first sample line `series value` (series with labels exactly as written).
double Value(const std::string& text, const std::string& series) {
  const auto pos = text.find("\n" + series + " ");
  if (pos == std::string::npos) return -1;
  return std::stod(text.substr(pos + series.size() + 2));
}

TEST(TelemetryMetrics, EveryDeclaredMetricIsExposedWithHelpAndType) {
  Metrics m;
  const std::string text = RenderMetricsText(m);
  for (const char* name :
       {"facefuse_build_info", "facefuse_gpu_devices", "facefuse_gpu_sampling_interval_seconds",
        "facefuse_gpu_sampling_failures_total", "facefuse_job_duration_seconds", "facefuse_stage_duration_seconds",
        "facefuse_model_load_duration_seconds", "facefuse_frames_processed_total", "facefuse_faces_detected_total",
        "facefuse_faces_swapped_total", "facefuse_input_resolution_pixels", "facefuse_errors_total",
        "facefuse_retries_total", "facefuse_queue_depth_jobs", "facefuse_jobs_in_flight",
        "facefuse_rejected_requests_total", "facefuse_interrupted_jobs_total", "process_cpu_seconds_total",
        "process_resident_memory_bytes", "process_virtual_memory_bytes", "process_open_fds", "process_max_fds",
        "process_start_time_seconds"}) {
    EXPECT_NE(text.find(std::string("# HELP ") + name + " "), std::string::npos) << name;
    EXPECT_NE(text.find(std::string("# TYPE ") + name + " "), std::string::npos) << name;
  }
  // Known label sets exist at zero before any event, so dashboards and alerts have series.
  EXPECT_EQ(Value(text, "facefuse_errors_total{reason=\"unsupported\"}"), 0);
  EXPECT_EQ(Value(text, "facefuse_job_duration_seconds_count{kind=\"detect\",outcome=\"failure\"}"), 0);
  EXPECT_EQ(Value(text, "facefuse_build_info{version=\"0.1.0\"}"), 1);
}

TEST(TelemetryMetrics, EventsAndGpuSamplesUpdateTheExposition) {
  Metrics m;
  m.ObserveJob("detect", kOutcomeSuccess, 0.3);
  m.ObserveJob("detect", kOutcomeFailure, 12);
  m.ObserveStage("decode", 0.004);
  m.ObserveModelLoad("yunet", 0.2);
  m.AddFrames("detect", 3);
  m.AddFacesDetected(5);
  m.ObserveInputPixels("detect", 1280 * 720);
  m.CountError(Unsupported("Conv"));
  m.CountRetry(IoError("disk"));
  m.SetQueueDepth("swap", 4);
  m.SetJobsInFlight("swap", 1);
  m.CountRejectedRequest("queue_full");
  gpu::GpuSample s;
  s.index = 1;
  s.uuid = "GPU-abc";
  s.name = "Test GPU";
  s.gpu_util_percent = 37;
  s.memory_used_bytes = 2'000'000'000;
  s.power_draw_watts = 123.5;
  s.sm_clock_mhz = 1980;
  m.RecordGpuSamples({s});
  const std::string text = RenderMetricsText(m);
  const std::string gpu = "{gpu=\"1\",name=\"Test GPU\",uuid=\"GPU-abc\"}";
  EXPECT_DOUBLE_EQ(Value(text, "facefuse_gpu_utilization_ratio" + gpu), 0.37);
  EXPECT_DOUBLE_EQ(Value(text, "facefuse_gpu_memory_used_bytes" + gpu), 2e9);
  EXPECT_DOUBLE_EQ(Value(text, "facefuse_gpu_power_draw_watts" + gpu), 123.5);
  EXPECT_DOUBLE_EQ(Value(text, "facefuse_gpu_sm_clock_hertz" + gpu), 1.98e9);
  EXPECT_EQ(text.find("facefuse_gpu_temperature_celsius{"), std::string::npos);  // unsupported: no series
  EXPECT_EQ(Value(text, "facefuse_job_duration_seconds_count{kind=\"detect\",outcome=\"success\"}"), 1);
  EXPECT_EQ(Value(text, "facefuse_job_duration_seconds_bucket{kind=\"detect\",outcome=\"failure\",le=\"10\"}"), 0);
  EXPECT_EQ(Value(text, "facefuse_job_duration_seconds_bucket{kind=\"detect\",outcome=\"failure\",le=\"30\"}"), 1);
  EXPECT_EQ(Value(text, "facefuse_stage_duration_seconds_count{stage=\"decode\"}"), 1);
  EXPECT_EQ(Value(text, "facefuse_model_load_duration_seconds_count{model=\"yunet\"}"), 1);
  EXPECT_EQ(Value(text, "facefuse_frames_processed_total{kind=\"detect\"}"), 3);
  EXPECT_EQ(Value(text, "facefuse_faces_detected_total"), 5);
  EXPECT_EQ(Value(text, "facefuse_input_resolution_pixels_bucket{kind=\"detect\",le=\"921600\"}"), 1);
  EXPECT_EQ(Value(text, "facefuse_errors_total{reason=\"unsupported\"}"), 1);
  EXPECT_EQ(Value(text, "facefuse_retries_total{reason=\"io_error\"}"), 1);
  EXPECT_EQ(Value(text, "facefuse_queue_depth_jobs{kind=\"swap\"}"), 4);
  EXPECT_EQ(Value(text, "facefuse_queue_depth_jobs{kind=\"detect\"}"), 0);
  EXPECT_EQ(Value(text, "facefuse_jobs_in_flight{kind=\"swap\"}"), 1);
  EXPECT_EQ(Value(text, "facefuse_rejected_requests_total{reason=\"queue_full\"}"), 1);
  EXPECT_EQ(Value(text, "facefuse_rejected_requests_total{reason=\"rate_limited\"}"), 0);
}

TEST(TelemetryMetrics, SwapJobsCountTheFacesSwapped) {
  Metrics m;
  const std::string before = RenderMetricsText(m);
  EXPECT_EQ(Value(before, "facefuse_faces_swapped_total"), 0);
  EXPECT_EQ(Value(before, "facefuse_frames_processed_total{kind=\"swap\"}"), 0);  // pre-created
  EXPECT_EQ(Value(before, "facefuse_job_duration_seconds_count{kind=\"swap\",outcome=\"success\"}"), 0);
  // One target with two faces, then three runs on warm models with one face each.
  for (const auto& [seconds, frames, faces] : {std::tuple{1.5, 1.0, 2.0}, std::tuple{0.5, 3.0, 3.0}}) {
    m.ObserveJob("swap", kOutcomeSuccess, seconds);
    m.AddFrames("swap", frames);
    m.AddFacesSwapped(faces);
  }
  const std::string text = RenderMetricsText(m);
  EXPECT_EQ(Value(text, "facefuse_faces_swapped_total"), 5);
  EXPECT_EQ(Value(text, "facefuse_frames_processed_total{kind=\"swap\"}"), 4);
  EXPECT_EQ(Value(text, "facefuse_job_duration_seconds_count{kind=\"swap\",outcome=\"success\"}"), 2);
  EXPECT_DOUBLE_EQ(Value(text, "facefuse_job_duration_seconds_sum{kind=\"swap\",outcome=\"success\"}"), 2.0);
  EXPECT_EQ(Value(text, "facefuse_frames_processed_total{kind=\"detect\"}"), 0);
}

TEST(TelemetryMetrics, ErrorReasonIsOneWordPerStatusCode) {
  EXPECT_EQ(ErrorReason(Unsupported("x")), "unsupported");
  EXPECT_EQ(ErrorReason(IoError("x")), "io_error");
  EXPECT_EQ(ErrorReason(Unavailable("x")), "unavailable");
  EXPECT_EQ(ErrorReason(OutOfMemory("x")), "out_of_memory");
  EXPECT_EQ(ErrorReason(Cancelled("x")), "cancelled");
  for (int c = 1; c <= static_cast<int>(StatusCode::kCancelled); ++c) {
    const auto reason = ErrorReason(Status(static_cast<StatusCode>(c), "x"));
    EXPECT_NE(std::find(AllErrorReasons().begin(), AllErrorReasons().end(), reason), AllErrorReasons().end()) << reason;
  }
}

TEST(TelemetryProcess, ReadsThisProcessFromProc) {
  volatile double sink = 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(150);
  while (std::chrono::steady_clock::now() < until) sink = sink + 1;  // burn CPU
  auto p = ReadProcessStats();
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_GT(p->cpu_seconds, 0.05);
  EXPECT_GT(p->resident_bytes, 1e6);
  EXPECT_GE(p->virtual_bytes, p->resident_bytes);
  EXPECT_GE(p->open_fds, 3);
  EXPECT_GE(p->max_fds, p->open_fds);
  EXPECT_GE(p->threads, 1);
  const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_LE(p->start_time_seconds, now + 1);
  EXPECT_GT(p->start_time_seconds, now - 86400 * 30);
}

std::string HttpGet(int port, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    const std::string req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
      char buf[4096];
      for (ssize_t n; (n = read(fd, buf, sizeof(buf))) > 0;) out.append(buf, static_cast<size_t>(n));
    }
  }
  close(fd);
  return out;
}

TEST(TelemetryEndpoint, ServesMetricsOnAFreeLoopbackPortAndReportsABusyOne) {
  Metrics m;
  m.SetQueueDepth("detect", 7);
  auto endpoint = MetricsEndpoint::Start("127.0.0.1", 0, m);
  ASSERT_TRUE(endpoint.ok()) << endpoint.status().ToString();
  const int port = (*endpoint)->port();
  ASSERT_GT(port, 0);
  EXPECT_EQ((*endpoint)->url(), "http://127.0.0.1:" + std::to_string(port) + "/metrics");
  const std::string response = HttpGet(port, "/metrics");
  EXPECT_NE(response.find("200 OK"), std::string::npos) << response.substr(0, 200);
  EXPECT_NE(response.find("\nfacefuse_queue_depth_jobs{kind=\"detect\"} 7"), std::string::npos);
  EXPECT_NE(response.find("\nprocess_resident_memory_bytes "), std::string::npos);
  auto second = MetricsEndpoint::Start("127.0.0.1", port, m);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(MetricsEndpoint::Start("127.0.0.1", 70000, m).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace facefuse::telemetry
