// GpuSampler: cadence, listeners, backoff after repeated failures, no source.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "facefuse/gpu.h"

namespace facefuse::gpu {
namespace {

// A GpuSource test double: fails from reading `fail_from` on (counting from 0).
class CountingSource final : public GpuSource {
 public:
  explicit CountingSource(int fail_from = -1) : fail_from_(fail_from) { devices_.push_back({0, "GPU-test", "Test", 1}); }
  const std::vector<GpuInfo>& devices() const override { return devices_; }
  std::string description() const override { return "test"; }
  Result<std::vector<GpuSample>> Read() override {
    const int k = calls_++;
    if (fail_from_ >= 0 && k >= fail_from_) return Unavailable("injected failure");
    GpuSample s;
    s.gpu_util_percent = k;
    s.time = std::chrono::system_clock::now();
    return std::vector<GpuSample>{s};
  }
  std::atomic<int> calls_{0};

 private:
  int fail_from_;
  std::vector<GpuInfo> devices_;
};

TEST(GpuSampler, ReadsOncePerIntervalStartingAtStart) {
  SamplerOptions o;
  o.interval = std::chrono::milliseconds(50);
  GpuSampler sampler(std::make_unique<CountingSource>(), o);
  std::atomic<int> seen{0};
  sampler.AddListener([&](const std::vector<GpuSample>& s) { seen += static_cast<int>(s.size()); });
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(sampler.Start().ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  sampler.Stop();
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const int readings = static_cast<int>(sampler.readings());
  EXPECT_EQ(seen.load(), readings);
  EXPECT_LE(readings, static_cast<int>(elapsed / 0.05) + 1);  // never faster than the interval
  EXPECT_GE(readings, 6);                                      // and not starved (12 expected)
  ASSERT_EQ(sampler.latest().size(), 1u);
  EXPECT_DOUBLE_EQ(*sampler.latest()[0].gpu_util_percent, readings - 1);
}

TEST(GpuSampler, BacksOffAfterRepeatedFailuresAndSaysSo) {
  SamplerOptions o;
  o.interval = std::chrono::milliseconds(10);
  o.failures_before_backoff = 3;
  o.max_interval = std::chrono::milliseconds(80);
  auto* source = new CountingSource(/*fail_from=*/2);
  GpuSampler sampler(std::unique_ptr<GpuSource>(source), o);
  std::atomic<int> failures{0};
  sampler.AddFailureListener([&](const Status& s) {
    EXPECT_EQ(s.code(), StatusCode::kUnavailable);
    ++failures;
  });
  testing::internal::CaptureStderr();
  ASSERT_TRUE(sampler.Start().ok());
  for (int i = 0; i < 300 && sampler.consecutive_failures() < 6; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const auto interval = sampler.current_interval();
  sampler.Stop();
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_GE(sampler.consecutive_failures(), 6);
  EXPECT_EQ(sampler.readings(), 2u);
  EXPECT_GT(interval, o.interval);
  EXPECT_LE(interval, o.max_interval);
  EXPECT_EQ(failures.load(), sampler.consecutive_failures());
  EXPECT_NE(err.find("backing off"), std::string::npos) << err;
  // 10 -> 20 -> 40 -> 80 ms: three doublings, one line.
  size_t lines = 0;
  for (size_t at = err.find("backing off"); at != std::string::npos; at = err.find("backing off", at + 1)) ++lines;
  EXPECT_EQ(lines, 1u) << err;
  EXPECT_NE(err.find("injected failure"), std::string::npos) << err;
}

TEST(GpuSampler, ReadNowTakesAReadingAtOnceAndKeepsTheSchedule) {
  SamplerOptions o;
  o.interval = std::chrono::seconds(30);  // the schedule's second reading never comes during the test
  auto* source = new CountingSource();
  GpuSampler sampler(std::unique_ptr<GpuSource>(source), o);
  sampler.ReadNow();  // before Start: returns at once, reads nothing
  EXPECT_EQ(source->calls_.load(), 0);
  std::atomic<int> seen{0};
  sampler.AddListener([&](const std::vector<GpuSample>&) { ++seen; });
  ASSERT_TRUE(sampler.Start().ok());
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 1; i <= 5; ++i) {
    sampler.ReadNow();
    // The start's reading plus one per call, each finished (listeners run) when ReadNow returns.
    EXPECT_EQ(seen.load(), i + 1);
    ASSERT_EQ(sampler.latest().size(), 1u);
    EXPECT_DOUBLE_EQ(*sampler.latest()[0].gpu_util_percent, i);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  EXPECT_EQ(sampler.readings(), 6u);
  sampler.Stop();
  sampler.ReadNow();  // after Stop: returns at once
  EXPECT_EQ(source->calls_.load(), 6);
}

TEST(GpuSampler, RemovedListenerIsNotCalledAgain) {
  SamplerOptions o;
  o.interval = std::chrono::milliseconds(5);
  GpuSampler sampler(std::make_unique<CountingSource>(), o);
  std::atomic<int> calls{0};
  const int id = sampler.AddListener([&](const std::vector<GpuSample>&) { ++calls; });
  ASSERT_TRUE(sampler.Start().ok());
  while (calls == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  sampler.RemoveListener(id);
  const int after = calls;
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(calls.load(), after);
}

TEST(GpuSampler, WithoutSourceStartsAndReportsNothing) {
  GpuSampler sampler(nullptr, SamplerOptions{});
  EXPECT_FALSE(sampler.has_source());
  ASSERT_TRUE(sampler.Start().ok());
  EXPECT_TRUE(sampler.latest().empty());
  EXPECT_TRUE(sampler.devices().empty());
  sampler.Stop();
  sampler.Stop();  // idempotent
}

TEST(GpuSampler, RejectsDoubleStartAndBadInterval) {
  GpuSampler sampler(std::make_unique<CountingSource>(), SamplerOptions{});
  ASSERT_TRUE(sampler.Start().ok());
  EXPECT_EQ(sampler.Start().code(), StatusCode::kFailedPrecondition);
  SamplerOptions bad;
  bad.interval = std::chrono::milliseconds(0);
  GpuSampler other(std::make_unique<CountingSource>(), bad);
  EXPECT_EQ(other.Start().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace facefuse::gpu
