// facefuse devices: the memory and compute devices sessions can run on.
#include <omp.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/common_flags.h"
#include "facefuse/cuda.h"
#include "facefuse/memory_budget.h"

namespace facefuse::cli {
namespace {

int RunDevices(bool json) {
  nlohmann::json j;
  auto host = HostMemoryInfo();
  const std::uint64_t host_auto = host.ok() ? AutoMemoryLimit(host->free_bytes, host->total_bytes) : 0;
  j["cpu"] = {{"cores", omp_get_num_procs()},
              {"memory_total_bytes", host.ok() ? host->total_bytes : 0},
              {"memory_available_bytes", host.ok() ? host->free_bytes : 0},
              {"memory_limit_auto_bytes", host_auto}};
  j["cuda"] = {{"version", gpu::CudaVersionString()}, {"devices", nlohmann::json::array()}};
  auto cuda = gpu::ListCudaDevices();
  if (cuda.ok()) {
    for (const auto& d : *cuda)
      j["cuda"]["devices"].push_back({{"index", d.index},
                                      {"name", d.name},
                                      {"compute_capability", std::to_string(d.compute_major) + "." + std::to_string(d.compute_minor)},
                                      {"multiprocessors", d.multiprocessors},
                                      {"memory_total_bytes", d.memory_total_bytes},
                                      {"memory_free_bytes", d.memory_free_bytes},
                                      {"vram_limit_auto_bytes", AutoMemoryLimit(d.memory_free_bytes, d.memory_total_bytes)}});
  } else {
    j["cuda"]["unavailable"] = cuda.status().message();
  }
  if (json) {
    std::printf("%s\n", j.dump(1).c_str());
    return 0;
  }
  std::printf("cpu: %d cores", omp_get_num_procs());
  if (host.ok())
    std::printf(", %s memory, %s available (--memory-limit auto = %s)", FormatBytes(host->total_bytes).c_str(),
                FormatBytes(host->free_bytes).c_str(), FormatBytes(host_auto).c_str());
  std::printf("\n%s\n", gpu::CudaVersionString().c_str());
  if (!cuda.ok()) {
    std::printf("cuda: none (%s)\n", cuda.status().message().c_str());
    return 0;
  }
  for (const auto& d : *cuda)
    std::printf("cuda:%d: %s, compute %d.%d, %d SMs, %s memory, %s free\n", d.index, d.name.c_str(), d.compute_major,
                d.compute_minor, d.multiprocessors, FormatBytes(d.memory_total_bytes).c_str(),
                FormatBytes(d.memory_free_bytes).c_str());
  return 0;
}

}  // namespace

void AddDevicesCommand(CLI::App& app, int& exit_code) {
  auto json = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("devices", "List the CPU and CUDA devices, their memory and the auto memory limits");
  AddJsonFlag(cmd, *json, "Print one JSON object");
  cmd->callback([json, &exit_code] { exit_code = RunDevices(*json); });
}

}  // namespace facefuse::cli
