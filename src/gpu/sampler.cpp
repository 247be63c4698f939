// GpuSampler: reads a GpuSource on its own thread, with backoff on failures.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <map>
#include <mutex>
#include <thread>

#include "common/current_exception.h"
#include "facefuse/gpu.h"

namespace facefuse::gpu {
namespace {

// The sampler thread's exception boundary: a source that throws gives a failed
// reading; a listener that throws is reported on stderr (the first time only)
// and the other listeners still run. Never std::terminate.
Result<std::vector<GpuSample>> ReadGuarded(GpuSource& source) {
  try {
    return source.Read();
  } catch (...) {
    return Internal("GPU reading threw: " + CurrentExceptionMessage());
  }
}

template <typename Listener, typename Arg>
void CallGuarded(Listener& listener, const Arg& arg) {
  try {
    listener(arg);
  } catch (...) {
    static std::atomic<bool> reported{false};
    if (!reported.exchange(true)) {
      std::fprintf(stderr, "facefuse: a GPU sample listener threw: %s (later ones are not shown)\n",
                   CurrentExceptionMessage().c_str());
    }
  }
}

}  // namespace

struct GpuSampler::State {
  std::unique_ptr<GpuSource> source;
  SamplerOptions options;
  std::vector<GpuInfo> devices;

  mutable std::mutex mu;  // guards everything below
  std::condition_variable wake;
  std::condition_variable read_done;  // after each reading (for ReadNow)
  bool started = false;
  std::uint64_t requested = 0;  // ReadNow calls so far
  std::uint64_t served = 0;     // requests covered by a finished reading
  std::uint64_t start_request = 0;  // Start()'s request (the first reading)
  bool stopping = false;
  std::thread thread;
  std::vector<GpuSample> latest;
  std::chrono::milliseconds interval{1000};
  int failures = 0;
  bool backed_off = false;  // the back-off notice was printed (once until a reading succeeds)
  std::uint64_t readings = 0;
  int next_id = 1;

  std::mutex listeners_mu;  // held while listeners run, so RemoveListener waits for a running one
  std::map<int, Listener> listeners;
  std::map<int, FailureListener> failure_listeners;

  void Loop();
  void OnSuccess(std::vector<GpuSample> samples);
  void OnFailure(const Status& status);
};

void GpuSampler::State::Loop() {
  auto next = std::chrono::steady_clock::now();
  bool scheduled = true;  // this reading is the interval's (not only a ReadNow request)
  bool first = true;
  for (;;) {
    std::uint64_t covers = 0;
    {
      std::lock_guard lock(mu);
      // Every request made before the reading starts, except for the first reading: it is Start()'s own,
      // so a ReadNow() right after Start() gets a reading of its own.
      covers = first ? start_request : requested;
      first = false;
    }
    auto result = ReadGuarded(*source);  // outside the lock: NVML may be slow
    if (result.ok()) {
      OnSuccess(std::move(result).value());
    } else {
      OnFailure(result.status());
    }
    std::unique_lock lock(mu);
    served = covers;
    read_done.notify_all();
    if (scheduled) {
      next += interval;
      const auto now = std::chrono::steady_clock::now();
      if (next < now) next = now;  // fell behind (slow driver, suspended process): do not burst
    }
    if (wake.wait_until(lock, next, [this] { return stopping || requested > served; })) {
      if (stopping) return;
      scheduled = false;  // a ReadNow request: the interval's schedule stays as it was
    } else {
      scheduled = true;
    }
  }
}

void GpuSampler::State::OnSuccess(std::vector<GpuSample> samples) {
  {
    std::lock_guard lock(mu);
    if (failures >= options.failures_before_backoff && !options.quiet) {
      std::fprintf(stderr, "facefuse: GPU sampling recovered after %d failed readings; sampling every %.3g s again\n",
                   failures, options.interval.count() / 1000.0);
    }
    failures = 0;
    backed_off = false;
    interval = options.interval;
    latest = samples;
    ++readings;
  }
  std::lock_guard lock(listeners_mu);
  for (auto& [id, fn] : listeners) CallGuarded(fn, samples);
}

void GpuSampler::State::OnFailure(const Status& status) {
  {
    std::lock_guard lock(mu);
    ++failures;
    if (failures >= options.failures_before_backoff) {
      const auto before = interval;
      interval = std::min(options.max_interval, std::max(options.interval, interval * 2));
      if (interval != before && !backed_off && !options.quiet) {  // one line per back-off, not one per doubling
        std::fprintf(stderr,
                     "facefuse: GPU reading failed %d times in a row (%s); backing off to every %.3g s, "
                     "doubling up to %.3g s until a reading succeeds\n",
                     failures, status.message().c_str(), interval.count() / 1000.0,
                     options.max_interval.count() / 1000.0);
      }
      backed_off = true;
    }
  }
  std::lock_guard lock(listeners_mu);
  for (auto& [id, fn] : failure_listeners) CallGuarded(fn, status);
}

GpuSampler::GpuSampler(std::unique_ptr<GpuSource> source, SamplerOptions options) : state_(std::make_shared<State>()) {
  state_->source = std::move(source);
  state_->options = options;
  state_->interval = options.interval;
  if (state_->source) state_->devices = state_->source->devices();
}

GpuSampler::~GpuSampler() { Stop(); }

Status GpuSampler::Start() {
  std::lock_guard lock(state_->mu);
  if (state_->started) return FailedPrecondition("GPU sampler already started");
  if (state_->options.interval.count() <= 0) return InvalidArgument("GPU sampling interval must be positive");
  if (state_->options.max_interval < state_->options.interval) state_->options.max_interval = state_->options.interval;
  state_->started = true;
  state_->start_request = ++state_->requested;  // the first reading
  if (state_->source) state_->thread = std::thread([s = state_] { s->Loop(); });
  return Status::Ok();
}

void GpuSampler::ReadNow() {
  std::unique_lock lock(state_->mu);
  if (!state_->source || !state_->started || state_->stopping) return;
  const std::uint64_t ticket = ++state_->requested;
  state_->wake.notify_all();
  state_->read_done.wait(lock, [&] { return state_->served >= ticket || state_->stopping; });
}

void GpuSampler::Stop() {
  {
    std::lock_guard lock(state_->mu);
    state_->stopping = true;
  }
  state_->wake.notify_all();
  state_->read_done.notify_all();
  if (state_->thread.joinable()) state_->thread.join();
}

bool GpuSampler::has_source() const { return state_->source != nullptr; }
std::vector<GpuInfo> GpuSampler::devices() const { return state_->devices; }

int GpuSampler::AddListener(Listener listener) {
  std::lock_guard lock(state_->listeners_mu);
  const int id = state_->next_id++;
  state_->listeners.emplace(id, std::move(listener));
  return id;
}

int GpuSampler::AddFailureListener(FailureListener listener) {
  std::lock_guard lock(state_->listeners_mu);
  const int id = state_->next_id++;
  state_->failure_listeners.emplace(id, std::move(listener));
  return id;
}

void GpuSampler::RemoveListener(int id) {
  std::lock_guard lock(state_->listeners_mu);
  state_->listeners.erase(id);
  state_->failure_listeners.erase(id);
}

std::vector<GpuSample> GpuSampler::latest() const {
  std::lock_guard lock(state_->mu);
  return state_->latest;
}

std::chrono::milliseconds GpuSampler::current_interval() const {
  std::lock_guard lock(state_->mu);
  return state_->interval;
}

int GpuSampler::consecutive_failures() const {
  std::lock_guard lock(state_->mu);
  return state_->failures;
}

std::uint64_t GpuSampler::readings() const {
  std::lock_guard lock(state_->mu);
  return state_->readings;
}

std::string FormatTimestamp(std::chrono::system_clock::time_point t) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(us / 1000000);
  long frac = static_cast<long>(us % 1000000);
  if (frac < 0) { frac += 1000000; --secs; }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
  return buf;
}

}  // namespace facefuse::gpu
