#include "telemetry/metrics.h"

#include <string>

#include "telemetry/process_collector.h"

namespace facefuse::telemetry {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;
using prometheus::Histogram;
using prometheus::Labels;

const Histogram::BucketBoundaries kJobSeconds = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800};
const Histogram::BucketBoundaries kStageSeconds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                   0.25,  0.5,    1,     2.5,  5,     10};
const Histogram::BucketBoundaries kModelLoadSeconds = {0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
// 0.1 MP, VGA, 720p, 1080p, 1440p, 4K, 8K.
const Histogram::BucketBoundaries kPixels = {1e5, 307200, 921600, 2073600, 3686400, 8294400, 33177600};

const char* const kJobKinds[] = {"detect", "swap"};
const char* const kStages[] = {"decode", "detect", "analyse", "swap", "enhance", "encode"};

// One builder per metric type: a family registered in `r` under `name` with `help`,
// or (One*) the family's single unlabelled series.
prometheus::Family<prometheus::Gauge>& Gauges(prometheus::Registry& r, const char* name, const char* help) {
  return BuildGauge().Name(name).Help(help).Register(r);
}
prometheus::Gauge& OneGauge(prometheus::Registry& r, const char* name, const char* help) {
  return Gauges(r, name, help).Add({});
}
prometheus::Family<prometheus::Counter>& Counters(prometheus::Registry& r, const char* name, const char* help) {
  return BuildCounter().Name(name).Help(help).Register(r);
}
prometheus::Counter& OneCounter(prometheus::Registry& r, const char* name, const char* help) {
  return Counters(r, name, help).Add({});
}
prometheus::Family<prometheus::Histogram>& Histograms(prometheus::Registry& r, const char* name, const char* help) {
  return BuildHistogram().Name(name).Help(help).Register(r);
}

Labels GpuLabels(const gpu::GpuSample& s) {
  return {{"gpu", std::to_string(s.index)}, {"uuid", s.uuid}, {"name", s.name}};
}

}  // namespace

std::string_view ErrorReason(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk: return "none";
    case StatusCode::kInvalidArgument: return "invalid_argument";
    case StatusCode::kNotFound: return "not_found";
    case StatusCode::kUnsupported: return "unsupported";
    case StatusCode::kOutOfMemory: return "out_of_memory";
    case StatusCode::kFailedPrecondition: return "failed_precondition";
    case StatusCode::kIoError: return "io_error";
    case StatusCode::kInternal: return "internal";
    case StatusCode::kUnavailable: return "unavailable";
    case StatusCode::kCancelled: return "cancelled";
    case StatusCode::kUnauthenticated: return "unauthenticated";
    case StatusCode::kPermissionDenied: return "permission_denied";
    case StatusCode::kResourceExhausted: return "resource_exhausted";
  }
  return "internal";
}

const std::vector<std::string_view>& AllErrorReasons() {
  static const std::vector<std::string_view> reasons = {"invalid_argument", "not_found",  "unsupported",
                                                        "out_of_memory",    "failed_precondition", "io_error",
                                                        "internal",         "unavailable",         "cancelled",
                                                        "unauthenticated",  "permission_denied",   "resource_exhausted"};
  return reasons;
}

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      process_(std::make_shared<ProcessCollector>()),
      gpu_util_(Gauges(*registry_, "facefuse_gpu_utilization_ratio",
                       "Fraction of the last sample period a kernel ran on the GPU (0-1).")),
      gpu_mem_util_(Gauges(*registry_, "facefuse_gpu_memory_utilization_ratio",
                           "Fraction of the last sample period device memory was read or written (0-1).")),
      gpu_mem_used_(Gauges(*registry_, "facefuse_gpu_memory_used_bytes", "GPU memory in use, all processes.")),
      gpu_mem_total_(Gauges(*registry_, "facefuse_gpu_memory_total_bytes", "GPU memory installed.")),
      gpu_temp_(Gauges(*registry_, "facefuse_gpu_temperature_celsius", "GPU core temperature.")),
      gpu_power_(Gauges(*registry_, "facefuse_gpu_power_draw_watts", "GPU board power draw.")),
      gpu_sm_clock_(Gauges(*registry_, "facefuse_gpu_sm_clock_hertz", "Current SM clock.")),
      gpu_mem_clock_(Gauges(*registry_, "facefuse_gpu_memory_clock_hertz", "Current memory clock.")),
      gpu_throttle_(Gauges(*registry_, "facefuse_gpu_throttle_reasons_bitmask",
                           "NVML clocks throttle/event reasons bitmask; 0 = not throttled.")),
      gpu_encoder_(Gauges(*registry_, "facefuse_gpu_encoder_utilization_ratio", "Video encoder utilisation (0-1).")),
      gpu_decoder_(Gauges(*registry_, "facefuse_gpu_decoder_utilization_ratio", "Video decoder utilisation (0-1).")),
      gpu_process_mem_(Gauges(*registry_, "facefuse_gpu_process_memory_used_bytes",
                              "GPU memory used by this facefuse process.")),
      gpu_devices_(OneGauge(*registry_, "facefuse_gpu_devices",
                            "GPUs being sampled; 0 when NVML or a GPU is unavailable.")),
      gpu_interval_(OneGauge(*registry_, "facefuse_gpu_sampling_interval_seconds",
                             "Current GPU sampling interval; above the configured one while backing off.")),
      gpu_failures_(OneCounter(*registry_, "facefuse_gpu_sampling_failures_total", "GPU readings that failed.")),
      job_duration_(Histograms(*registry_, "facefuse_job_duration_seconds",
                               "Wall time of a job from start to finish, by kind and outcome.")),
      stage_duration_(Histograms(*registry_, "facefuse_stage_duration_seconds",
                                 "Wall time of one pipeline stage on one frame or image.")),
      model_load_(Histograms(*registry_, "facefuse_model_load_duration_seconds",
                             "Time to load, validate and optimise a model.")),
      frames_(Counters(*registry_, "facefuse_frames_processed_total", "Frames or images that went through a job.")),
      faces_detected_(OneCounter(*registry_, "facefuse_faces_detected_total", "Faces found by detectors.")),
      faces_swapped_(OneCounter(*registry_, "facefuse_faces_swapped_total", "Faces replaced by the swapper.")),
      input_pixels_(Histograms(*registry_, "facefuse_input_resolution_pixels",
                               "Input frame or image size (width x height).")),
      errors_(Counters(*registry_, "facefuse_errors_total", "Errors by reason (the Status code of the failure).")),
      retries_(Counters(*registry_, "facefuse_retries_total",
                        "Job attempts retried after a transient error, by reason.")),
      queue_depth_(Gauges(*registry_, "facefuse_queue_depth_jobs", "Jobs waiting to start, by kind.")),
      jobs_in_flight_(Gauges(*registry_, "facefuse_jobs_in_flight", "Jobs running now, by kind.")),
      rejected_requests_(Counters(*registry_, "facefuse_rejected_requests_total",
                                  "Requests the service turned away before any work, by reason.")),
      interrupted_jobs_(Counters(*registry_, "facefuse_interrupted_jobs_total",
                                 "Jobs a restart found interrupted: requeued once, failed the second time.")) {
  BuildGauge()
      .Name("facefuse_build_info")
      .Help("Always 1; labels carry the facefuse version.")
      .Register(*registry_)
      .Add({{"version", "0.1.0"}})
      .Set(1);
  for (const char* kind : kJobKinds) {
    for (auto outcome : {kOutcomeSuccess, kOutcomeFailure}) {
      job_duration_.Add({{"kind", kind}, {"outcome", std::string(outcome)}}, kJobSeconds);
    }
    frames_.Add({{"kind", kind}});
    queue_depth_.Add({{"kind", kind}});
    jobs_in_flight_.Add({{"kind", kind}});
    input_pixels_.Add({{"kind", kind}}, kPixels);
  }
  for (const char* stage : kStages) stage_duration_.Add({{"stage", stage}}, kStageSeconds);
  model_load_.Add({{"model", "face_detection_yunet_2023mar"}}, kModelLoadSeconds);  // the bundled detector
  for (auto reason : AllErrorReasons()) {
    errors_.Add({{"reason", std::string(reason)}});
    retries_.Add({{"reason", std::string(reason)}});
  }
  for (const char* reason : {"queue_full", "rate_limited", "unauthenticated", "content_gate"}) {
    rejected_requests_.Add({{"reason", reason}});
  }
  for (const char* outcome : {"requeued", "failed"}) interrupted_jobs_.Add({{"outcome", outcome}});
}

Metrics::~Metrics() = default;

std::vector<std::weak_ptr<prometheus::Collectable>> Metrics::collectables() const { return {registry_, process_}; }

void Metrics::RecordGpuSamples(const std::vector<gpu::GpuSample>& samples) {
  for (const auto& s : samples) {
    const Labels l = GpuLabels(s);
    if (s.gpu_util_percent) gpu_util_.Add(l).Set(*s.gpu_util_percent / 100.0);
    if (s.memory_util_percent) gpu_mem_util_.Add(l).Set(*s.memory_util_percent / 100.0);
    if (s.memory_used_bytes) gpu_mem_used_.Add(l).Set(static_cast<double>(*s.memory_used_bytes));
    if (s.memory_total_bytes) gpu_mem_total_.Add(l).Set(static_cast<double>(*s.memory_total_bytes));
    if (s.temperature_celsius) gpu_temp_.Add(l).Set(*s.temperature_celsius);
    if (s.power_draw_watts) gpu_power_.Add(l).Set(*s.power_draw_watts);
    if (s.sm_clock_mhz) gpu_sm_clock_.Add(l).Set(*s.sm_clock_mhz * 1e6);
    if (s.memory_clock_mhz) gpu_mem_clock_.Add(l).Set(*s.memory_clock_mhz * 1e6);
    if (s.throttle_reasons) gpu_throttle_.Add(l).Set(static_cast<double>(*s.throttle_reasons));
    if (s.encoder_util_percent) gpu_encoder_.Add(l).Set(*s.encoder_util_percent / 100.0);
    if (s.decoder_util_percent) gpu_decoder_.Add(l).Set(*s.decoder_util_percent / 100.0);
    if (s.process_memory_bytes) gpu_process_mem_.Add(l).Set(static_cast<double>(*s.process_memory_bytes));
  }
}

void Metrics::RecordGpuSamplingFailure() { gpu_failures_.Increment(); }
void Metrics::SetGpuDevices(int count) { gpu_devices_.Set(count); }
void Metrics::SetGpuSamplingInterval(double seconds) { gpu_interval_.Set(seconds); }

void Metrics::AttachSampler(gpu::GpuSampler& sampler) {
  SetGpuDevices(static_cast<int>(sampler.devices().size()));
  SetGpuSamplingInterval(sampler.current_interval().count() / 1000.0);
  gpu::GpuSampler* s = &sampler;
  sampler.AddListener([this, s](const std::vector<gpu::GpuSample>& samples) {
    RecordGpuSamples(samples);
    SetGpuSamplingInterval(s->current_interval().count() / 1000.0);
  });
  sampler.AddFailureListener([this, s](const Status&) {
    RecordGpuSamplingFailure();
    SetGpuSamplingInterval(s->current_interval().count() / 1000.0);
  });
}

void Metrics::ObserveJob(std::string_view kind, std::string_view outcome, double seconds) {
  job_duration_.Add({{"kind", std::string(kind)}, {"outcome", std::string(outcome)}}, kJobSeconds).Observe(seconds);
}
void Metrics::ObserveStage(std::string_view stage, double seconds) {
  stage_duration_.Add({{"stage", std::string(stage)}}, kStageSeconds).Observe(seconds);
}
void Metrics::ObserveModelLoad(std::string_view model, double seconds) {
  model_load_.Add({{"model", std::string(model)}}, kModelLoadSeconds).Observe(seconds);
}
void Metrics::AddFrames(std::string_view kind, double frames) { frames_.Add({{"kind", std::string(kind)}}).Increment(frames); }
void Metrics::AddFacesDetected(double faces) { faces_detected_.Increment(faces); }
void Metrics::AddFacesSwapped(double faces) { faces_swapped_.Increment(faces); }
void Metrics::ObserveInputPixels(std::string_view kind, double pixels) {
  input_pixels_.Add({{"kind", std::string(kind)}}, kPixels).Observe(pixels);
}
void Metrics::CountError(const Status& status) {
  if (!status.ok()) errors_.Add({{"reason", std::string(ErrorReason(status))}}).Increment();
}
void Metrics::CountRetry(const Status& status) { retries_.Add({{"reason", std::string(ErrorReason(status))}}).Increment(); }
void Metrics::SetQueueDepth(std::string_view kind, double jobs) {
  queue_depth_.Add({{"kind", std::string(kind)}}).Set(jobs);
}
void Metrics::SetJobsInFlight(std::string_view kind, double jobs) {
  jobs_in_flight_.Add({{"kind", std::string(kind)}}).Set(jobs);
}
void Metrics::CountRejectedRequest(std::string_view reason) {
  rejected_requests_.Add({{"reason", std::string(reason)}}).Increment();
}
void Metrics::CountInterruptedJob(std::string_view outcome) {
  interrupted_jobs_.Add({{"outcome", std::string(outcome)}}).Increment();
}

}  // namespace facefuse::telemetry
