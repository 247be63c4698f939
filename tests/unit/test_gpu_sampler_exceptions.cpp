// GpuSampler's thread is an exception boundary: a source or a listener that throws does not end the process
// or the sampling.
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>

#include "facefuse/gpu.h"

namespace facefuse::gpu {
namespace {

// Throws from Read() on every `throw_every`-th call, the first one included; answers one sample otherwise.
class ThrowingSource final : public GpuSource {
 public:
  explicit ThrowingSource(int throw_every) : throw_every_(throw_every) { devices_.push_back({0, "GPU-test", "Test", 1}); }
  const std::vector<GpuInfo>& devices() const override { return devices_; }
  std::string description() const override { return "throwing test source"; }
  Result<std::vector<GpuSample>> Read() override {
    if (calls_++ % throw_every_ == 0) throw std::runtime_error("driver blew up");
    GpuSample s;
    s.time = std::chrono::system_clock::now();
    return std::vector<GpuSample>{s};
  }

 private:
  int throw_every_;
  int calls_ = 0;
  std::vector<GpuInfo> devices_;
};

// Waits (bounded) until `done` holds.
template <typename Pred>
bool WaitFor(Pred done) {
  for (int i = 0; i < 400 && !done(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return done();
}

TEST(GpuSamplerExceptions, AThrowingReadIsAFailedReadingAndSamplingGoesOn) {
  SamplerOptions o;
  o.interval = std::chrono::milliseconds(5);
  o.quiet = true;
  GpuSampler sampler(std::make_unique<ThrowingSource>(/*throw_every=*/2), o);  // calls 0, 2, 4... throw
  std::atomic<int> failures{0};
  std::atomic<bool> message_ok{true};
  sampler.AddFailureListener([&](const Status& s) {
    if (s.code() != StatusCode::kInternal || s.message() != "GPU reading threw: driver blew up") message_ok = false;
    ++failures;
  });
  ASSERT_TRUE(sampler.Start().ok());
  EXPECT_TRUE(WaitFor([&] { return failures >= 3 && sampler.readings() >= 3; }))
      << failures.load() << " failures, " << sampler.readings() << " readings";
  sampler.Stop();
  EXPECT_TRUE(message_ok);
}

TEST(GpuSamplerExceptions, AThrowingListenerDoesNotStopTheOthers) {
  SamplerOptions o;
  o.interval = std::chrono::milliseconds(5);
  o.quiet = true;
  GpuSampler sampler(std::make_unique<ThrowingSource>(/*throw_every=*/1000000), o);  // only the first call throws
  std::atomic<int> seen{0}, failures_seen{0};
  sampler.AddListener([](const std::vector<GpuSample>&) { throw std::logic_error("listener bug"); });
  sampler.AddListener([&](const std::vector<GpuSample>&) { ++seen; });
  sampler.AddFailureListener([](const Status&) { throw 7; });
  sampler.AddFailureListener([&](const Status&) { ++failures_seen; });
  ASSERT_TRUE(sampler.Start().ok());
  EXPECT_TRUE(WaitFor([&] { return seen >= 3; })) << seen.load();
  sampler.Stop();
  EXPECT_EQ(failures_seen.load(), 1);  // the first reading threw; the listener after the throwing one heard of it
  EXPECT_EQ(seen.load(), static_cast<int>(sampler.readings()));
}

}  // namespace
}  // namespace facefuse::gpu
