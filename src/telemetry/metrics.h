// Every facefuse metric, declared in this one place (names carry their units).
// docs/metrics.md lists them with units, labels and update cadence; keep both in step.
//
// Thread safety: all members may be called from any thread (prometheus-cpp
// metrics are atomic; families are internally locked).
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "facefuse/gpu.h"
#include "facefuse/status.h"

namespace facefuse::telemetry {

// The label value for an error: one word per StatusCode ("unsupported", "io_error", ...).
// The single place errors become metric labels.
std::string_view ErrorReason(const Status& status);

// All label values ErrorReason can return, for pre-initialising series at zero.
const std::vector<std::string_view>& AllErrorReasons();

// Job outcomes: "success" or "failure".
inline constexpr std::string_view kOutcomeSuccess = "success";
inline constexpr std::string_view kOutcomeFailure = "failure";

class Metrics {
 public:
  // Declares every metric and pre-creates the known label sets at zero so
  // dashboards and alerts see series before the first event.
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // The registry plus the process_* collector, for an exposer or a serializer.
  std::vector<std::weak_ptr<prometheus::Collectable>> collectables() const;

  // --- GPU (per sampler interval) ---
  void RecordGpuSamples(const std::vector<gpu::GpuSample>& samples);
  void RecordGpuSamplingFailure();
  void SetGpuDevices(int count);
  void SetGpuSamplingInterval(double seconds);
  // Feeds every sampler reading/failure into the gauges above (listeners on the sampler thread).
  void AttachSampler(gpu::GpuSampler& sampler);

  // --- jobs (per event) ---
  void ObserveJob(std::string_view kind, std::string_view outcome, double seconds);
  void ObserveStage(std::string_view stage, double seconds);
  void ObserveModelLoad(std::string_view model, double seconds);
  void AddFrames(std::string_view kind, double frames);
  void AddFacesDetected(double faces);
  void AddFacesSwapped(double faces);
  void ObserveInputPixels(std::string_view kind, double pixels);
  void CountError(const Status& status);
  void CountRetry(const Status& status);
  // Jobs waiting and running, by metrics kind ("detect", "swap").
  void SetQueueDepth(std::string_view kind, double jobs);
  void SetJobsInFlight(std::string_view kind, double jobs);

  // --- the service (per request) ---
  // A request the service turned away before any work: reason "queue_full", "rate_limited", "unauthenticated" or
  // "content_gate".
  void CountRejectedRequest(std::string_view reason);
  // A job a restart found interrupted: outcome "requeued" or "failed".
  void CountInterruptedJob(std::string_view outcome);

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<prometheus::Collectable> process_;

  prometheus::Family<prometheus::Gauge>& gpu_util_;
  prometheus::Family<prometheus::Gauge>& gpu_mem_util_;
  prometheus::Family<prometheus::Gauge>& gpu_mem_used_;
  prometheus::Family<prometheus::Gauge>& gpu_mem_total_;
  prometheus::Family<prometheus::Gauge>& gpu_temp_;
  prometheus::Family<prometheus::Gauge>& gpu_power_;
  prometheus::Family<prometheus::Gauge>& gpu_sm_clock_;
  prometheus::Family<prometheus::Gauge>& gpu_mem_clock_;
  prometheus::Family<prometheus::Gauge>& gpu_throttle_;
  prometheus::Family<prometheus::Gauge>& gpu_encoder_;
  prometheus::Family<prometheus::Gauge>& gpu_decoder_;
  prometheus::Family<prometheus::Gauge>& gpu_process_mem_;
  prometheus::Gauge& gpu_devices_;
  prometheus::Gauge& gpu_interval_;
  prometheus::Counter& gpu_failures_;

  prometheus::Family<prometheus::Histogram>& job_duration_;
  prometheus::Family<prometheus::Histogram>& stage_duration_;
  prometheus::Family<prometheus::Histogram>& model_load_;
  prometheus::Family<prometheus::Counter>& frames_;
  prometheus::Counter& faces_detected_;
  prometheus::Counter& faces_swapped_;
  prometheus::Family<prometheus::Histogram>& input_pixels_;
  prometheus::Family<prometheus::Counter>& errors_;
  prometheus::Family<prometheus::Counter>& retries_;
  prometheus::Family<prometheus::Gauge>& queue_depth_;
  prometheus::Family<prometheus::Gauge>& jobs_in_flight_;
  prometheus::Family<prometheus::Counter>& rejected_requests_;
  prometheus::Family<prometheus::Counter>& interrupted_jobs_;
};

}  // namespace facefuse::telemetry
