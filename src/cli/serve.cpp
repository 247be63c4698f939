// facefuse serve: a long-running process exposing Prometheus metrics on
// /metrics, sampling the GPUs and running detection jobs from a queue.
#include <arpa/inet.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <thread>

#include "cli/commands.h"
#include "cli/exit_status.h"
#include "cli/job_output.h"
#include "cli/option_checks.h"
#include "facefuse/gpu.h"
#include "job/job_queue.h"
#include "telemetry/exposition.h"
#include "telemetry/metrics.h"

namespace facefuse::cli {
namespace {

std::atomic<bool> g_stop{false};
extern "C" void OnStopSignal(int) { g_stop = true; }

struct ServeOptions {
  int metrics_port = 9464;
  std::string bind = "127.0.0.1";
  std::vector<std::string> job_images;
  double repeat_s = 0;
  double interval_s = 1.0;
  double duration_s = 0;
};

// Exit status 2 and the option's name for a duration that is negative, nan or infinite.
bool ValidSeconds(const char* option, double seconds) {
  if (std::isfinite(seconds) && seconds >= 0) return true;
  std::fprintf(stderr, "serve: %s must be a finite number of seconds >= 0, got %g\n", option, seconds);
  return false;
}

// --bind: a dotted-quad IPv4 address ("127.0.0.1", "0.0.0.0"). The HTTP server would otherwise read "999.1.1.1"
// loosely (and listen on another address) and answer names, IPv6 and short forms ("127.1") with its own text.
CLI::Validator Ipv4Address() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        in_addr addr{};
        const bool four_parts = std::count(text.begin(), text.end(), '.') == 3;
        if (four_parts && inet_pton(AF_INET, text.c_str(), &addr) == 1) return "";
        return "'" + text + "' is not an IPv4 address (facefuse serve listens on IPv4 only)";
      },
      "IPV4", "Ipv4Address");
}

int RunServe(const ServeOptions& o) {
  if (!ValidSeconds("--duration", o.duration_s) || !ValidSeconds("--repeat", o.repeat_s)) {
    return kExitUsage;
  }
  if (o.metrics_port < 0 || o.metrics_port > 65535) {
    return ExitWithMessage("serve",
                           InvalidArgument("--metrics-port must be 0..65535, got " + std::to_string(o.metrics_port)),
                           ErrorOrigin::kUsage);
  }
  telemetry::Metrics metrics;  // outlives the sampler, queue and endpoint below
  gpu::SamplerOptions sopts;
  sopts.interval = std::chrono::milliseconds(static_cast<long long>(o.interval_s * 1000));
  gpu::GpuSampler sampler(gpu::OpenNvmlOrNotice(), sopts);
  metrics.AttachSampler(sampler);
  if (Status st = sampler.Start(); !st.ok()) return Exit("serve", st);
  auto endpoint = telemetry::MetricsEndpoint::Start(o.bind, o.metrics_port, metrics);
  if (!endpoint.ok()) return Exit("serve", endpoint.status());
  std::printf("facefuse serve: metrics at %s\n", (*endpoint)->url().c_str());
  std::fflush(stdout);

  std::signal(SIGINT, OnStopSignal);
  std::signal(SIGTERM, OnStopSignal);
  job::JobQueue queue(&metrics);
  job::DetectSpec jopts;
  for (const auto& i : o.job_images) jopts.images.emplace_back(i);
  std::atomic<int> finished{0};
  auto submit = [&] {
    Status st = queue.Submit(job::NewDetectJob(jopts), [&finished](const job::Job& r) {
      std::printf("%s\n", JobResultLine(r).c_str());
      std::fflush(stdout);
      ++finished;
    }).status();
    if (!st.ok()) std::fprintf(stderr, "serve: %s\n", st.ToString().c_str());
  };
  const auto start = std::chrono::steady_clock::now();
  auto next_job = start;
  while (!g_stop) {
    const auto now = std::chrono::steady_clock::now();
    if (o.duration_s > 0 && now - start >= std::chrono::duration<double>(o.duration_s)) break;
    if (!jopts.images.empty() && now >= next_job) {
      submit();
      next_job = o.repeat_s > 0 ? now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                            std::chrono::duration<double>(o.repeat_s))
                                : std::chrono::steady_clock::time_point::max();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  queue.Shutdown();
  sampler.Stop();
  std::printf("facefuse serve: stopped after %d job(s)\n", finished.load());
  return 0;
}

}  // namespace

void AddServeCommand(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ServeOptions>();
  auto* cmd = app.add_subcommand("serve", "Run as a service: Prometheus /metrics, GPU sampling, a job queue");
  cmd->add_option("--metrics-port", o->metrics_port, "Port for GET /metrics (0 = pick a free one)")->capture_default_str();
  cmd->add_option("--bind", o->bind, "IPv4 address to listen on (dotted quad; IPv6 and host names are not supported)")
      ->check(Ipv4Address())
      ->capture_default_str();
  cmd->add_option("--job", o->job_images, "Run a detection job over these images at start");
  cmd->add_option("--repeat", o->repeat_s, "Submit the --job again every S seconds (0 = once)");
  cmd->add_option("--interval", o->interval_s, "GPU sampling interval in seconds")
      ->capture_default_str()
      ->check(FiniteIn(0.01, kMaxIntervalSeconds));  // one bound and one message, as monitor, job and swap
  cmd->add_option("--duration", o->duration_s, "Exit after S seconds (0 = run until SIGINT/SIGTERM)");
  cmd->callback([o, &exit_code] { exit_code = RunServe(*o); });
}

}  // namespace facefuse::cli
