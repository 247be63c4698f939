// NVML on a real driver: the GPUs it lists are the ones CUDA sees, readings
// are within physical bounds, memory taken by this process shows up, and the
// 1 Hz sampler keeps reading. tests/unit/test_gpu_nvml.cpp covers the same
// code against the fake library; this file is what only a real GPU can show.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "facefuse/cuda.h"
#include "facefuse/gpu.h"
#include "gpu_required.h"

#ifdef FACEFUSE_HAVE_CUDA
#include <cuda_runtime_api.h>
#endif

namespace facefuse::gpu {
namespace {

constexpr std::uint64_t kMiB = 1ull << 20;

// The real NVML, or null after skipping (or failing when a GPU is required).
std::unique_ptr<GpuSource> RealNvml(std::string* why) {
  if (std::getenv("FACEFUSE_NVML_LIBRARY") != nullptr) unsetenv("FACEFUSE_NVML_LIBRARY");
  auto source = OpenNvml();
  if (!source.ok()) {
    *why = "no NVML: " + source.status().message();
    return nullptr;
  }
  return std::move(*source);
}

TEST(NvmlDevice, ListsTheGpusCudaSees) {
  std::string why;
  auto nvml = RealNvml(&why);
  if (!nvml) FACEFUSE_SKIP_WITHOUT_GPU(why);
  auto cuda = ListCudaDevices();
  if (!cuda.ok()) FACEFUSE_SKIP_WITHOUT_GPU("NVML without CUDA: " + cuda.status().message());
  if (std::getenv("CUDA_VISIBLE_DEVICES") == nullptr) {
    ASSERT_EQ(nvml->devices().size(), cuda->size());
  }
  for (const CudaDeviceInfo& c : *cuda) {
    bool matched = false;
    for (const GpuInfo& n : nvml->devices()) {
      const double ratio = static_cast<double>(n.memory_total_bytes) / static_cast<double>(c.memory_total_bytes);
      if (n.name == c.name && ratio > 0.97 && ratio < 1.03) matched = true;
    }
    EXPECT_TRUE(matched) << "CUDA device " << c.index << " (" << c.name << ", "
                         << c.memory_total_bytes / kMiB << " MiB) has no NVML twin";
  }
  for (const GpuInfo& n : nvml->devices()) EXPECT_EQ(n.uuid.rfind("GPU-", 0), 0u) << n.uuid;
}

TEST(NvmlDevice, ReadingsAreWithinPhysicalBounds) {
  std::string why;
  auto nvml = RealNvml(&why);
  if (!nvml) FACEFUSE_SKIP_WITHOUT_GPU(why);
  auto samples = nvml->Read();
  ASSERT_TRUE(samples.ok()) << samples.status().ToString();
  ASSERT_EQ(samples->size(), nvml->devices().size());
  for (const GpuSample& s : *samples) {
    // Data-centre GPUs answer every core query; the chart and the alerts need these four.
    ASSERT_TRUE(s.gpu_util_percent && s.memory_used_bytes && s.memory_total_bytes && s.temperature_celsius)
        << s.name;
    EXPECT_GE(*s.gpu_util_percent, 0);
    EXPECT_LE(*s.gpu_util_percent, 100);
    EXPECT_LE(*s.memory_used_bytes, *s.memory_total_bytes);
    EXPECT_GT(*s.memory_total_bytes, 1024 * kMiB);
    EXPECT_GT(*s.temperature_celsius, 0);
    EXPECT_LT(*s.temperature_celsius, 110);
    if (s.power_draw_watts) {
      EXPECT_GT(*s.power_draw_watts, 1);  // watts, not milliwatts
      EXPECT_LT(*s.power_draw_watts, 2000);
    }
    if (s.sm_clock_mhz) {
      EXPECT_GT(*s.sm_clock_mhz, 50);
      EXPECT_LT(*s.sm_clock_mhz, 5000);
    }
    std::printf("[ reading  ] %s: util %.0f %%, memory %llu/%llu MiB, %.0f C, %.0f W, SM %.0f MHz\n",
                s.name.c_str(), *s.gpu_util_percent,
                static_cast<unsigned long long>(*s.memory_used_bytes / kMiB),
                static_cast<unsigned long long>(*s.memory_total_bytes / kMiB), *s.temperature_celsius,
                s.power_draw_watts.value_or(-1), s.sm_clock_mhz.value_or(-1));
  }
}

#ifdef FACEFUSE_HAVE_CUDA
TEST(NvmlDevice, SeesMemoryThisProcessTakes) {
  std::string why;
  auto nvml = RealNvml(&why);
  if (!nvml) FACEFUSE_SKIP_WITHOUT_GPU(why);
  auto cuda = ListCudaDevices();
  if (!cuda.ok()) FACEFUSE_SKIP_WITHOUT_GPU(cuda.status().message());
  ASSERT_EQ(cudaSetDevice(0), cudaSuccess);
  ASSERT_EQ(cudaFree(nullptr), cudaSuccess);  // create the context first: its memory is not the buffer's
  auto before = nvml->Read();
  ASSERT_TRUE(before.ok());
  constexpr std::size_t kBytes = 1024 * kMiB;
  void* buffer = nullptr;
  ASSERT_EQ(cudaMalloc(&buffer, kBytes), cudaSuccess);
  ASSERT_EQ(cudaMemset(buffer, 1, kBytes), cudaSuccess);
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  auto after = nvml->Read();
  cudaFree(buffer);
  ASSERT_TRUE(after.ok());
  // The CUDA device 0 is the NVML device with its name; on a machine of one GPU, index 0.
  std::size_t i = 0;
  while (i < after->size() && (*after)[i].name != (*cuda)[0].name) ++i;
  ASSERT_LT(i, after->size());
  const std::uint64_t grew = *(*after)[i].memory_used_bytes - *(*before)[i].memory_used_bytes;
  EXPECT_GE(grew, kBytes - 64 * kMiB) << "device memory in use grew by " << grew / kMiB << " MiB";
  // Per-process figures need the driver to see this process's PID (not so in every container).
  if ((*after)[i].process_memory_bytes) {
    EXPECT_GE(*(*after)[i].process_memory_bytes, kBytes);
  } else {
    std::printf("[ note     ] the driver lists no memory for this process (PID namespace)\n");
  }
}
#endif

TEST(NvmlDevice, SamplerReadsEverySecond) {
  std::string why;
  auto nvml = RealNvml(&why);
  if (!nvml) FACEFUSE_SKIP_WITHOUT_GPU(why);
  GpuSampler sampler(std::move(nvml), SamplerOptions{std::chrono::milliseconds(1000), 3,
                                                     std::chrono::milliseconds(30000), true});
  ASSERT_TRUE(sampler.Start().ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  sampler.Stop();
  EXPECT_GE(sampler.readings(), 3u);  // at Start, +1 s, +2 s
  EXPECT_LE(sampler.readings(), 4u);
  EXPECT_EQ(sampler.consecutive_failures(), 0);
  ASSERT_FALSE(sampler.latest().empty());
}

}  // namespace
}  // namespace facefuse::gpu
