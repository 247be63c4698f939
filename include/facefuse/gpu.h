// facefuse: GPU samples from NVML and a background sampler.
//
// NVML (the NVIDIA driver's management library) is loaded at run time, so a
// facefuse binary runs unchanged on machines without a GPU: OpenNvml() then
// returns Unavailable and callers carry on with CPU/process metrics only.
//
// Thread safety: GpuSource is not thread-safe (the sampler owns it and calls it
// from its own thread). Every GpuSampler member function is thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "facefuse/status.h"

namespace facefuse::gpu {

// One reading of one GPU. A field the driver does not support on this GPU is
// empty (std::nullopt); units are in the names.
struct GpuSample {
  std::chrono::system_clock::time_point time;  // when the reading was taken
  int index = 0;                               // NVML device index
  std::string uuid;                            // e.g. "GPU-8c1f..."
  std::string name;                            // e.g. "NVIDIA H100 80GB HBM3"
  std::optional<double> gpu_util_percent;      // 0..100
  std::optional<double> memory_util_percent;   // 0..100, memory controller busy time
  std::optional<std::uint64_t> memory_used_bytes;
  std::optional<std::uint64_t> memory_total_bytes;
  std::optional<double> temperature_celsius;
  std::optional<double> power_draw_watts;      // NVML reports milliwatts; converted
  std::optional<double> sm_clock_mhz;
  std::optional<double> memory_clock_mhz;
  std::optional<std::uint64_t> throttle_reasons;  // NVML clocks-event/throttle bitmask, 0 = none
  std::optional<double> encoder_util_percent;
  std::optional<double> decoder_util_percent;
  std::optional<std::uint64_t> process_memory_bytes;  // this process's GPU memory on this device
};

// Static facts about one GPU.
struct GpuInfo {
  int index = 0;
  std::string uuid;
  std::string name;
  std::uint64_t memory_total_bytes = 0;
};

// Something that reads every GPU at once (NVML, or a test double).
class GpuSource {
 public:
  virtual ~GpuSource() = default;
  // The GPUs this source reads, in index order; never empty for an opened source.
  virtual const std::vector<GpuInfo>& devices() const = 0;
  // One sample per device, in devices() order. Errors: Unavailable when the
  // driver fails a core query (utilisation or memory) on any device.
  virtual Result<std::vector<GpuSample>> Read() = 0;
  // Where the data comes from, e.g. the library path that was loaded.
  virtual std::string description() const = 0;
};

// Loads NVML and opens every GPU. The library is $FACEFUSE_NVML_LIBRARY when
// that is set (only that path is tried), else libnvidia-ml.so.1, then
// libnvidia-ml.so. Versioned entry points are preferred with fallbacks
// (nvmlInit_v2 -> nvmlInit, ...). Errors: Unavailable when the library is
// missing, lacks a required symbol, fails to initialise or reports no GPU.
// The returned source owns the library handle and shuts NVML down when destroyed.
Result<std::unique_ptr<GpuSource>> OpenNvml();

// OpenNvml(), and on failure prints the one-line notice
// "facefuse: GPU metrics unavailable (<reason>); CPU and process metrics still work"
// to stderr, at most once per process. Returns nullptr on failure.
std::unique_ptr<GpuSource> OpenNvmlOrNotice();

struct SamplerOptions {
  std::chrono::milliseconds interval{1000};   // between readings; must be > 0
  int failures_before_backoff = 3;            // consecutive failed reads before slowing down
  std::chrono::milliseconds max_interval{30000};  // the slowest backoff interval
  bool quiet = false;                         // true: do not print backoff/recovery notices
};

// Reads a GpuSource on its own thread every `interval` (the first reading at
// Start()) and whenever ReadNow() asks, keeps the latest samples and hands each reading to listeners. It
// never reads on the caller's thread. After `failures_before_backoff`
// consecutive failures it doubles its interval (up to max_interval) and says
// so in one line on stderr (not at every doubling); the first success restores
// the interval and says so.
class GpuSampler {
 public:
  using Listener = std::function<void(const std::vector<GpuSample>&)>;
  using FailureListener = std::function<void(const Status&)>;

  // `source` may be null (no GPU): Start() then succeeds but nothing is read.
  GpuSampler(std::unique_ptr<GpuSource> source, SamplerOptions options);
  ~GpuSampler();  // Stop()s
  GpuSampler(const GpuSampler&) = delete;
  GpuSampler& operator=(const GpuSampler&) = delete;

  // Starts the thread. Errors: FailedPrecondition if already started,
  // InvalidArgument for a non-positive interval.
  Status Start();
  // Stops and joins the thread; idempotent. Listeners are not called after it returns.
  void Stop();
  // Asks the sampler thread for a reading now, off the interval's schedule
  // (which stays as it was), and blocks until a reading that began after this
  // call has finished and its listeners have run. Requests made while one is
  // pending share a reading. Returns at once without a source, before Start()
  // and after Stop(). Reports take one at job start, at every stage change and
  // at job end, so a job shorter than the interval still gets readings of its
  // stages. Must not be called from a listener.
  void ReadNow();

  bool has_source() const;
  // The devices of the source (empty without one).
  std::vector<GpuInfo> devices() const;
  // Listeners run on the sampler thread and must not block for long or call
  // back into AddListener/RemoveListener. Returns an id for RemoveListener.
  // A listener that throws is reported on stderr (once) and the sampling goes
  // on; a source whose Read() throws counts as a failed reading.
  int AddListener(Listener listener);
  int AddFailureListener(FailureListener listener);
  // After it returns, the listener is not running and is never called again.
  void RemoveListener(int id);

  std::vector<GpuSample> latest() const;        // empty before the first good reading
  std::chrono::milliseconds current_interval() const;  // > options.interval while backing off
  int consecutive_failures() const;
  std::uint64_t readings() const;               // successful readings so far

 private:
  struct State;
  std::shared_ptr<State> state_;
};

// ISO-8601 UTC with microseconds: "2024-05-01T12:34:56.123456Z".
std::string FormatTimestamp(std::chrono::system_clock::time_point t);

}  // namespace facefuse::gpu
