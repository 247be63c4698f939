// The CUDA device layer. Without a usable GPU (no toolkit at build time, no
// driver, no device) every entry point must answer Unavailable with a reason
// and the GPU tests skip; with one, devices are listed and a kernel's output
// is checked against the host's float16 rounding (common/float16.h).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "common/float16.h"
#include "gpu_required.h"
#include "facefuse/cuda.h"
#include "runtime/providers/cuda/half_convert.h"

namespace facefuse::gpu {
namespace {

using rt::ConvertToHalfOnDevice;

bool HaveGpu() { return ListCudaDevices().ok(); }

TEST(CudaDevices, AnswerUnavailableWithAReasonOrListRealDevices) {
  auto devices = ListCudaDevices();
  if (!devices.ok()) {
    EXPECT_EQ(devices.status().code(), StatusCode::kUnavailable) << devices.status().ToString();
    EXPECT_FALSE(devices.status().message().empty());
    if (!BuiltWithCuda()) {
      EXPECT_NE(devices.status().message().find("built without CUDA"), std::string::npos);
    }
    auto budget = MakeVramBudget(MemoryLimitSpec{true, 0}, 0);
    EXPECT_EQ(budget.status().code(), StatusCode::kUnavailable);
    std::vector<float> in(3, 1.f);
    std::vector<std::uint16_t> out(3);
    EXPECT_EQ(ConvertToHalfOnDevice(in.data(), out.data(), in.size(), 0).code(), StatusCode::kUnavailable);
    FACEFUSE_SKIP_WITHOUT_GPU("no usable GPU: " + devices.status().message());
  }
  ASSERT_FALSE(devices->empty());
  for (const CudaDeviceInfo& d : *devices) {
    EXPECT_FALSE(d.name.empty());
    EXPECT_GE(d.compute_major, 7);
    EXPECT_GT(d.memory_total_bytes, 1ull << 30);
    EXPECT_LE(d.memory_free_bytes, d.memory_total_bytes);
    EXPECT_GT(d.multiprocessors, 0);
  }
}

TEST(CudaDevices, VramBudgetsNameTheDeviceAndResolveAuto) {
  if (!HaveGpu()) FACEFUSE_SKIP_WITHOUT_GPU("no usable GPU");
  auto fixed = MakeVramBudget(MemoryLimitSpec{false, 2ull << 30}, 0);
  ASSERT_TRUE(fixed.ok()) << fixed.status().ToString();
  EXPECT_EQ((*fixed)->device(), "cuda:0");
  EXPECT_EQ((*fixed)->limit_bytes(), 2ull << 30);
  auto automatic = MakeVramBudget(MemoryLimitSpec{true, 0}, 0);
  ASSERT_TRUE(automatic.ok()) << automatic.status().ToString();
  auto devices = ListCudaDevices();
  EXPECT_LT((*automatic)->limit_bytes(), (*devices)[0].memory_total_bytes);
  EXPECT_EQ(MakeVramBudget(MemoryLimitSpec{false, 1}, 999).status().code(), StatusCode::kNotFound);
}

TEST(CudaDevices, HalfConversionKernelMatchesTheHostRounding) {
  if (!HaveGpu()) FACEFUSE_SKIP_WITHOUT_GPU("no usable GPU");
  // Sizes around the block size (tails), values across normal, subnormal,
  // overflowing and tie-breaking ranges.
  for (std::size_t n : {std::size_t{1}, std::size_t{255}, std::size_t{257}, std::size_t{100003}}) {
    std::vector<float> in(n);
    for (std::size_t i = 0; i < n; ++i)
      in[i] = std::ldexp(std::sin(static_cast<float>(i) * 0.37f), static_cast<int>(i % 48) - 30);
    if (n > 4) { in[0] = 65520.f; in[1] = -1e-8f; in[2] = 1.00048828125f; in[3] = std::nanf(""); }
    std::vector<std::uint16_t> out(n, 0xdead);
    ASSERT_TRUE(ConvertToHalfOnDevice(in.data(), out.data(), n, 0).ok());
    for (std::size_t i = 0; i < n; ++i) {
      if (std::isnan(in[i])) { EXPECT_EQ(out[i] & 0x7c00u, 0x7c00u); continue; }
      ASSERT_EQ(out[i], FloatToHalf(in[i])) << "element " << i << " of " << n << " = " << in[i];
    }
  }
}

}  // namespace
}  // namespace facefuse::gpu
