// Whether a GPU test may skip. Without a GPU every test in test-gpu skips and
// says why; with FACEFUSE_REQUIRE_GPU=1 in the environment (a run on a GPU
// machine) a missing GPU fails instead, so such a run cannot pass by skipping.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace facefuse::gpu {

inline bool GpuRequired() {
  const char* v = std::getenv("FACEFUSE_REQUIRE_GPU");
  return v != nullptr && std::string(v) != "" && std::string(v) != "0";
}

}  // namespace facefuse::gpu

// Skips the test with `reason`, or fails it when FACEFUSE_REQUIRE_GPU is set.
#define FACEFUSE_SKIP_WITHOUT_GPU(reason)                               \
  do {                                                                  \
    if (::facefuse::gpu::GpuRequired()) FAIL() << "GPU required: " << (reason); \
    GTEST_SKIP() << (reason);                                           \
  } while (0)
