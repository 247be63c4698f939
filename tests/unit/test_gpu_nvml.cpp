// NVML loading against the fake libnvidia-ml (tests/fake_nvml): symbol
// fallbacks, units, per-process memory, and every way NVML can be unavailable.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>

#include "facefuse/gpu.h"

namespace facefuse::gpu {
namespace {

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) setenv(name, value, 1); else unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_) setenv(name_, old_->c_str(), 1); else unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

constexpr double kGiB = 1ull << 30;

void ExpectCurveReadings(const char* library) {
  ScopedEnv lib("FACEFUSE_NVML_LIBRARY", library);
  ScopedEnv curve("FACEFUSE_FAKE_NVML_CURVE", "10 20 95");
  ScopedEnv devices("FACEFUSE_FAKE_NVML_DEVICES", nullptr);
  auto source = OpenNvml();
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  ASSERT_EQ((*source)->devices().size(), 1u);
  EXPECT_EQ((*source)->devices()[0].name, "Fake GPU 0");
  EXPECT_EQ((*source)->devices()[0].memory_total_bytes, 80 * static_cast<std::uint64_t>(kGiB));
  const double expected[] = {10, 20, 95, 10};
  for (double u : expected) {
    auto r = (*source)->Read();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->size(), 1u);
    const GpuSample& s = (*r)[0];
    EXPECT_EQ(s.index, 0);
    EXPECT_EQ(s.uuid.rfind("GPU-fake", 0), 0u) << s.uuid;
    ASSERT_TRUE(s.gpu_util_percent && s.memory_used_bytes && s.power_draw_watts && s.temperature_celsius);
    EXPECT_DOUBLE_EQ(*s.gpu_util_percent, u);
    EXPECT_DOUBLE_EQ(*s.memory_util_percent, static_cast<unsigned>(u) / 2);
    EXPECT_EQ(*s.memory_used_bytes, static_cast<std::uint64_t>(kGiB + u / 100 * 40 * kGiB));
    EXPECT_EQ(*s.memory_total_bytes, static_cast<std::uint64_t>(80 * kGiB));
    EXPECT_DOUBLE_EQ(*s.power_draw_watts, 60 + 3 * u);  // milliwatts converted to watts
    EXPECT_DOUBLE_EQ(*s.temperature_celsius, static_cast<unsigned>(30 + u / 2));
    EXPECT_DOUBLE_EQ(*s.sm_clock_mhz, 1410 + u);
    EXPECT_DOUBLE_EQ(*s.memory_clock_mhz, 1593);
    EXPECT_EQ(*s.throttle_reasons, u >= 95 ? 0x20u : 0u);
    EXPECT_DOUBLE_EQ(*s.encoder_util_percent, 0);
    EXPECT_DOUBLE_EQ(*s.decoder_util_percent, static_cast<unsigned>(u / 10));
    ASSERT_TRUE(s.process_memory_bytes);  // the fake lists this process (getpid) with half the used memory
    EXPECT_EQ(*s.process_memory_bytes, *s.memory_used_bytes / 2);
  }
}

TEST(GpuNvml, ReadsTheFakeCurveWithVersionedSymbols) { ExpectCurveReadings(FACEFUSE_FAKE_NVML); }

// The legacy fake exports only nvmlInit, nvmlDeviceGetCount, ..._ByIndex and the v1 process query.
TEST(GpuNvml, FallsBackToUnversionedSymbols) { ExpectCurveReadings(FACEFUSE_FAKE_NVML_LEGACY); }

TEST(GpuNvml, ReadsEveryGpu) {
  ScopedEnv lib("FACEFUSE_NVML_LIBRARY", FACEFUSE_FAKE_NVML);
  ScopedEnv devices("FACEFUSE_FAKE_NVML_DEVICES", "3");
  auto source = OpenNvml();
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  ASSERT_EQ((*source)->devices().size(), 3u);
  auto r = (*source)->Read();
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ((*r)[i].index, i);
    EXPECT_EQ((*r)[i].name, "Fake GPU " + std::to_string(i));
  }
  EXPECT_NE((*r)[0].uuid, (*r)[1].uuid);
}

TEST(GpuNvml, MissingLibraryIsUnavailable) {
  ScopedEnv lib("FACEFUSE_NVML_LIBRARY", "/nonexistent/libnvidia-ml.so.1");
  auto source = OpenNvml();
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(source.status().message().find("NVML not found"), std::string::npos) << source.status().message();
}

TEST(GpuNvml, LibraryWithoutNvmlSymbolsIsUnavailable) {
  ScopedEnv lib("FACEFUSE_NVML_LIBRARY", "libm.so.6");
  auto source = OpenNvml();
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(source.status().message().find("lacks nvmlInit"), std::string::npos) << source.status().message();
}

TEST(GpuNvml, NoGpuIsUnavailable) {
  ScopedEnv lib("FACEFUSE_NVML_LIBRARY", FACEFUSE_FAKE_NVML);
  ScopedEnv devices("FACEFUSE_FAKE_NVML_DEVICES", "0");
  auto source = OpenNvml();
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(source.status().message().find("no GPU"), std::string::npos);
}

TEST(GpuNvml, InitFailureIsUnavailableWithTheDriverMessage) {
  ScopedEnv lib("FACEFUSE_NVML_LIBRARY", FACEFUSE_FAKE_NVML);
  ScopedEnv fail("FACEFUSE_FAKE_NVML_FAIL_INIT", "1");
  auto source = OpenNvml();
  ASSERT_FALSE(source.ok());
  EXPECT_NE(source.status().message().find("Driver Not Loaded"), std::string::npos) << source.status().message();
}

TEST(GpuNvml, FailingReadIsUnavailable) {
  ScopedEnv lib("FACEFUSE_NVML_LIBRARY", FACEFUSE_FAKE_NVML);
  ScopedEnv fail("FACEFUSE_FAKE_NVML_FAIL_AFTER", "1");
  auto source = OpenNvml();
  ASSERT_TRUE(source.ok());
  EXPECT_TRUE((*source)->Read().ok());
  auto r = (*source)->Read();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
}

TEST(GpuNvml, TimestampsAreIso8601WithMicroseconds) {
  const auto t = std::chrono::system_clock::time_point(std::chrono::microseconds(1714566896123456LL));
  EXPECT_EQ(FormatTimestamp(t), "2024-05-01T12:34:56.123456Z");
  EXPECT_EQ(FormatTimestamp(std::chrono::system_clock::time_point{}), "1970-01-01T00:00:00.000000Z");
}

}  // namespace
}  // namespace facefuse::gpu
