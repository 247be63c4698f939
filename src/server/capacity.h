// How many jobs the service runs at once when `serve --workers` is not given: from the CPUs and the memory the
// host has free. A job's model kernels use about eight threads well, and a swap job with its models holds about
// 1.5 GiB at most; so one worker per eight CPUs, no more than the free memory holds, at least 1 and at most 16.
// (With the CUDA provider the GPUs' memory budgets will bound it too.)
#pragma once

#include <cstdint>

namespace facefuse::server {

inline constexpr int kCpusPerWorker = 8;
inline constexpr uint64_t kBytesPerWorker = uint64_t{3} << 29;  // 1.5 GiB

// The worker count for `cpus` CPUs and `free_memory_bytes` free (0: unknown, not a bound). Pure.
int WorkersFor(int cpus, uint64_t free_memory_bytes);

}  // namespace facefuse::server
