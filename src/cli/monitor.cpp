// facefuse monitor: live GPU samples (and this process's CPU/memory) every interval.
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>

#include "cli/commands.h"
#include "cli/exit_status.h"
#include "cli/option_checks.h"
#include "common/env.h"
#include "facefuse/gpu.h"
#include "report/gpu_csv.h"
#include "telemetry/process_collector.h"

namespace facefuse::cli {
namespace {

struct MonitorOptions {
  double interval_s = 1.0;
  std::string csv;
  int gpu = -1;  // -1: every GPU
  int count = 0;  // ticks to run; only read when --count was given
  bool count_given = false;
};

std::string Hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string GpuLine(const gpu::GpuSample& s) {
  auto num = [](const auto& v, const char* fmt, double scale = 1) {
    if (!v) return std::string("-");
    char buf[32];
    std::snprintf(buf, sizeof(buf), fmt, static_cast<double>(*v) * scale);
    return std::string(buf);
  };
  return gpu::FormatTimestamp(s.time) + " gpu" + std::to_string(s.index) + " util " +
         num(s.gpu_util_percent, "%.0f%%") + " mem " + num(s.memory_used_bytes, "%.2f", 1e-9) + "/" +
         num(s.memory_total_bytes, "%.2f GB", 1e-9) + " temp " + num(s.temperature_celsius, "%.0f C") + " power " +
         num(s.power_draw_watts, "%.1f W") + " sm " + num(s.sm_clock_mhz, "%.0f MHz") + " memclk " +
         num(s.memory_clock_mhz, "%.0f MHz") + " enc " + num(s.encoder_util_percent, "%.0f%%") + " dec " +
         num(s.decoder_util_percent, "%.0f%%") + " proc " + num(s.process_memory_bytes, "%.2f GB", 1e-9) +
         " throttle " + (s.throttle_reasons ? Hex(*s.throttle_reasons) : std::string("-"));
}

int RunMonitor(const MonitorOptions& o) {
  if (!(o.interval_s >= 0.01))
    return ExitWithMessage("monitor", InvalidArgument("--interval must be at least 0.01 s"), ErrorOrigin::kUsage);
  if (o.count_given && o.count < 1) {
    return ExitWithMessage("monitor",
                           InvalidArgument("--count must be at least 1 (" + std::to_string(o.count) +
                                           " given); leave it out to run until interrupted"),
                           ErrorOrigin::kUsage);
  }
  std::unique_ptr<report::GpuCsvWriter> csv;
  if (!o.csv.empty()) {
    auto w = report::GpuCsvWriter::Create(o.csv);
    if (!w.ok()) return Exit("monitor", w.status());
    csv = std::move(w).value();
  }
  std::mutex mu;  // declared before the sampler, which calls back into them until destroyed
  std::condition_variable cv;
  struct Attempt {  // one sampler reading: its samples, or why it failed
    std::vector<gpu::GpuSample> samples;
    std::string error;
  };
  std::deque<Attempt> pending;
  gpu::SamplerOptions sopts;
  sopts.interval = std::chrono::milliseconds(static_cast<long long>(o.interval_s * 1000));
  gpu::GpuSampler sampler(gpu::OpenNvmlOrNotice(), sopts);
  if (Status st = o.gpu != -1 ? CheckGpuIndex(o.gpu, sampler) : Status::Ok(); !st.ok()) {  // -1: every GPU
    return ExitWithMessage("monitor", st, ErrorOrigin::kUsage);
  }
  sampler.AddListener([&](const std::vector<gpu::GpuSample>& s) {
    std::lock_guard lock(mu);
    pending.push_back({s, ""});
    cv.notify_one();
  });
  sampler.AddFailureListener([&](const Status& st) {
    std::lock_guard lock(mu);
    pending.push_back({{}, st.message()});
    cv.notify_one();
  });
  // The CPU baseline: each process line covers at least one interval from the previous one (or from here), so
  // the first is not a few milliseconds of start-up scaled to a rate.
  auto last_cpu = telemetry::ReadProcessStats();
  auto last_time = std::chrono::steady_clock::now();
  if (Status st = sampler.Start(); !st.ok()) return Exit("monitor", st);
  // One tick per interval, whatever the GPU does: the readings (or failed readings) that arrived, then this
  // process's line. A GPU that fails or backs off never stops the process lines or --count.
  for (int tick = 0; !o.count_given || tick < o.count; ++tick) {
    const auto deadline = last_time + sopts.interval;
    std::deque<Attempt> attempts;
    {
      std::unique_lock lock(mu);
      cv.wait_until(lock, deadline, [&] { return !pending.empty(); });
      attempts.swap(pending);
    }
    for (const Attempt& a : attempts) {
      if (!a.error.empty()) {
        std::printf("%s gpu reading failed: %s\n", gpu::FormatTimestamp(Env::Default()->Now()).c_str(),
                    a.error.c_str());
      }
      for (const auto& s : a.samples) {
        if (o.gpu >= 0 && s.index != o.gpu) continue;
        std::printf("%s\n", GpuLine(s).c_str());
        if (csv) {
          if (Status st = csv->Append(s); !st.ok()) return Exit("monitor", st);
        }
      }
    }
    std::this_thread::sleep_until(deadline);
    const auto now_cpu = telemetry::ReadProcessStats();
    const auto now = std::chrono::steady_clock::now();
    if (now_cpu.ok() && last_cpu.ok()) {
      const double wall = std::chrono::duration<double>(now - last_time).count();
      std::printf("%s process cpu %.1f%% rss %.1f MB threads %.0f fds %.0f\n",
                  gpu::FormatTimestamp(Env::Default()->Now()).c_str(),
                  wall > 0 ? 100 * (now_cpu->cpu_seconds - last_cpu->cpu_seconds) / wall : 0.0,
                  now_cpu->resident_bytes / 1e6, now_cpu->threads, now_cpu->open_fds);
    }
    std::fflush(stdout);
    last_cpu = now_cpu;
    last_time = now;
  }
  sampler.Stop();
  return 0;
}

}  // namespace

void AddMonitorCommand(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<MonitorOptions>();
  auto* cmd = app.add_subcommand("monitor", "Print GPU samples (NVML) and this process's CPU/memory live");
  cmd->add_option("--interval", o->interval_s, "Seconds between samples")
      ->capture_default_str()
      ->check(FiniteIn(0.01, kMaxIntervalSeconds));
  cmd->add_option("--csv", o->csv, "Also write the samples to this CSV file (flushed every row)");
  cmd->add_option("--gpu", o->gpu, "Only this GPU index (default: all)")->check(IntIn(0, kMaxGpuIndex));
  auto* count = cmd->add_option("--count", o->count, "Stop after N samples, at least 1 (default: run until interrupted)");
  cmd->callback([o, count, &exit_code] {
    o->count_given = count->count() > 0;
    exit_code = RunMonitor(*o);
  });
}

}  // namespace facefuse::cli
