// NVML loaded with dlopen: symbol resolution with versioned fallbacks and a
// GpuSource that reads every device.
#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "gpu/nvml_source.h"

#include "gpu/nvml_api.h"

namespace facefuse::gpu {
namespace {

using namespace nvml;  // NOLINT: the NVML names read best unqualified here

struct NvmlFunctions {
  InitFn init = nullptr;
  ShutdownFn shutdown = nullptr;
  ErrorStringFn error_string = nullptr;
  GetCountFn get_count = nullptr;
  GetHandleByIndexFn get_handle = nullptr;
  GetStringFn get_name = nullptr;
  GetStringFn get_uuid = nullptr;
  GetUtilizationFn get_utilization = nullptr;
  GetMemoryFn get_memory = nullptr;
  GetTemperatureFn get_temperature = nullptr;
  GetPowerFn get_power = nullptr;
  GetClockFn get_clock = nullptr;
  GetThrottleFn get_throttle = nullptr;
  GetCodecUtilFn get_encoder = nullptr;
  GetCodecUtilFn get_decoder = nullptr;
  GetProcessesFn get_processes = nullptr;       // _v3 or _v2 layout
  GetProcessesV1Fn get_processes_v1 = nullptr;  // the oldest layout
};

// The first of `names` the library exports, as type T (nullptr if none).
template <typename T>
T Resolve(void* lib, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (void* p = dlsym(lib, name)) return reinterpret_cast<T>(p);
  }
  return nullptr;
}

class NvmlSource final : public GpuSource {
 public:
  NvmlSource(void* lib, std::string path, NvmlFunctions fn, Env* env)
      : lib_(lib), path_(std::move(path)), fn_(fn), env_(env) {}
  ~NvmlSource() override {
    if (initialised_ && fn_.shutdown) fn_.shutdown();
    dlclose(lib_);
  }

  Status Init() {
    nvmlReturn_t rc = fn_.init();
    if (rc != NVML_SUCCESS) return Unavailable("nvmlInit failed: " + ErrorText(rc));
    initialised_ = true;
    unsigned int count = 0;
    rc = fn_.get_count(&count);
    if (rc != NVML_SUCCESS) return Unavailable("nvmlDeviceGetCount failed: " + ErrorText(rc));
    if (count == 0) return Unavailable("NVML reports no GPU");
    for (unsigned int i = 0; i < count; ++i) {
      nvmlDevice_t handle = nullptr;
      rc = fn_.get_handle(i, &handle);
      if (rc != NVML_SUCCESS) return Unavailable("nvmlDeviceGetHandleByIndex(" + std::to_string(i) + ") failed: " + ErrorText(rc));
      GpuInfo info;
      info.index = static_cast<int>(i);
      info.name = ReadString(fn_.get_name, handle, "GPU " + std::to_string(i));
      info.uuid = ReadString(fn_.get_uuid, handle, "unknown-" + std::to_string(i));
      nvmlMemory_t mem{};
      if (fn_.get_memory(handle, &mem) == NVML_SUCCESS) info.memory_total_bytes = mem.total;
      handles_.push_back(handle);
      devices_.push_back(std::move(info));
    }
    return Status::Ok();
  }

  const std::vector<GpuInfo>& devices() const override { return devices_; }
  std::string description() const override { return "NVML (" + path_ + ")"; }

  Result<std::vector<GpuSample>> Read() override {
    std::vector<GpuSample> samples;
    samples.reserve(devices_.size());
    const auto now = env_->Now();
    for (size_t i = 0; i < devices_.size(); ++i) {
      FF_ASSIGN_OR_RETURN(GpuSample s, ReadDevice(handles_[i], devices_[i]));
      s.time = now;
      samples.push_back(std::move(s));
    }
    return samples;
  }

 private:
  std::string ErrorText(nvmlReturn_t rc) const {
    const char* text = fn_.error_string ? fn_.error_string(rc) : nullptr;
    return (text ? std::string(text) : std::string("error")) + " (" + std::to_string(rc) + ")";
  }

  static std::string ReadString(GetStringFn fn, nvmlDevice_t handle, std::string fallback) {
    char buf[kUuidBufferSize > kNameBufferSize ? kUuidBufferSize : kNameBufferSize] = {};
    if (fn && fn(handle, buf, sizeof(buf)) == NVML_SUCCESS && buf[0] != '\0') return buf;
    return fallback;
  }

  Result<GpuSample> ReadDevice(nvmlDevice_t h, const GpuInfo& info) {
    GpuSample s;
    s.index = info.index;
    s.uuid = info.uuid;
    s.name = info.name;
    nvmlUtilization_t util{};
    nvmlReturn_t rc = fn_.get_utilization(h, &util);
    if (rc == NVML_SUCCESS) {
      s.gpu_util_percent = util.gpu;
      s.memory_util_percent = util.memory;
    } else if (rc != NVML_ERROR_NOT_SUPPORTED) {
      return Unavailable("GPU " + std::to_string(info.index) + ": nvmlDeviceGetUtilizationRates failed: " + ErrorText(rc));
    }
    nvmlMemory_t mem{};
    rc = fn_.get_memory(h, &mem);
    if (rc == NVML_SUCCESS) {
      s.memory_used_bytes = mem.used;
      s.memory_total_bytes = mem.total;
    } else if (rc != NVML_ERROR_NOT_SUPPORTED) {
      return Unavailable("GPU " + std::to_string(info.index) + ": nvmlDeviceGetMemoryInfo failed: " + ErrorText(rc));
    }
    unsigned int v = 0;
    if (fn_.get_temperature && fn_.get_temperature(h, NVML_TEMPERATURE_GPU, &v) == NVML_SUCCESS) s.temperature_celsius = v;
    if (fn_.get_power && fn_.get_power(h, &v) == NVML_SUCCESS) s.power_draw_watts = v / 1000.0;
    if (fn_.get_clock && fn_.get_clock(h, NVML_CLOCK_SM, &v) == NVML_SUCCESS) s.sm_clock_mhz = v;
    if (fn_.get_clock && fn_.get_clock(h, NVML_CLOCK_MEM, &v) == NVML_SUCCESS) s.memory_clock_mhz = v;
    unsigned long long reasons = 0;
    if (fn_.get_throttle && fn_.get_throttle(h, &reasons) == NVML_SUCCESS) s.throttle_reasons = reasons;
    unsigned int period = 0;
    if (fn_.get_encoder && fn_.get_encoder(h, &v, &period) == NVML_SUCCESS) s.encoder_util_percent = v;
    if (fn_.get_decoder && fn_.get_decoder(h, &v, &period) == NVML_SUCCESS) s.decoder_util_percent = v;
    s.process_memory_bytes = ProcessMemory(h);
    return s;
  }

  // This process's memory on the device: 0 when it has none, empty when unknown.
  std::optional<std::uint64_t> ProcessMemory(nvmlDevice_t h) {
    const auto pid = static_cast<unsigned int>(getpid());
    constexpr unsigned int kMaxProcesses = 256;
    unsigned int count = kMaxProcesses;
    if (fn_.get_processes) {
      nvmlProcessInfo_t infos[kMaxProcesses] = {};
      if (fn_.get_processes(h, &count, infos) != NVML_SUCCESS) return std::nullopt;
      for (unsigned int i = 0; i < count && i < kMaxProcesses; ++i) {
        if (infos[i].pid == pid) return infos[i].usedGpuMemory;
      }
      return 0;
    }
    if (fn_.get_processes_v1) {
      nvmlProcessInfoV1_t infos[kMaxProcesses] = {};
      if (fn_.get_processes_v1(h, &count, infos) != NVML_SUCCESS) return std::nullopt;
      for (unsigned int i = 0; i < count && i < kMaxProcesses; ++i) {
        if (infos[i].pid == pid) return infos[i].usedGpuMemory;
      }
      return 0;
    }
    return std::nullopt;
  }

  void* lib_;
  std::string path_;
  NvmlFunctions fn_;
  Env* env_;  // the wall clock that stamps readings; not owned
  bool initialised_ = false;
  std::vector<nvmlDevice_t> handles_;
  std::vector<GpuInfo> devices_;
};

Result<NvmlFunctions> ResolveAll(void* lib) {
  NvmlFunctions f;
  f.init = Resolve<InitFn>(lib, {"nvmlInit_v2", "nvmlInit"});
  f.shutdown = Resolve<ShutdownFn>(lib, {"nvmlShutdown"});
  f.error_string = Resolve<ErrorStringFn>(lib, {"nvmlErrorString"});
  f.get_count = Resolve<GetCountFn>(lib, {"nvmlDeviceGetCount_v2", "nvmlDeviceGetCount"});
  f.get_handle = Resolve<GetHandleByIndexFn>(lib, {"nvmlDeviceGetHandleByIndex_v2", "nvmlDeviceGetHandleByIndex"});
  f.get_name = Resolve<GetStringFn>(lib, {"nvmlDeviceGetName"});
  f.get_uuid = Resolve<GetStringFn>(lib, {"nvmlDeviceGetUUID"});
  f.get_utilization = Resolve<GetUtilizationFn>(lib, {"nvmlDeviceGetUtilizationRates"});
  f.get_memory = Resolve<GetMemoryFn>(lib, {"nvmlDeviceGetMemoryInfo"});
  f.get_temperature = Resolve<GetTemperatureFn>(lib, {"nvmlDeviceGetTemperature"});
  f.get_power = Resolve<GetPowerFn>(lib, {"nvmlDeviceGetPowerUsage"});
  f.get_clock = Resolve<GetClockFn>(lib, {"nvmlDeviceGetClockInfo"});
  f.get_throttle = Resolve<GetThrottleFn>(
      lib, {"nvmlDeviceGetCurrentClocksEventReasons", "nvmlDeviceGetCurrentClocksThrottleReasons"});
  f.get_encoder = Resolve<GetCodecUtilFn>(lib, {"nvmlDeviceGetEncoderUtilization"});
  f.get_decoder = Resolve<GetCodecUtilFn>(lib, {"nvmlDeviceGetDecoderUtilization"});
  f.get_processes = Resolve<GetProcessesFn>(
      lib, {"nvmlDeviceGetComputeRunningProcesses_v3", "nvmlDeviceGetComputeRunningProcesses_v2"});
  if (!f.get_processes) f.get_processes_v1 = Resolve<GetProcessesV1Fn>(lib, {"nvmlDeviceGetComputeRunningProcesses"});
  const char* missing = !f.init ? "nvmlInit" : !f.get_count ? "nvmlDeviceGetCount" : !f.get_handle ? "nvmlDeviceGetHandleByIndex"
                      : !f.get_utilization ? "nvmlDeviceGetUtilizationRates" : !f.get_memory ? "nvmlDeviceGetMemoryInfo" : nullptr;
  if (missing) return Unavailable(std::string("NVML library lacks ") + missing);
  return f;
}

}  // namespace

Result<std::unique_ptr<GpuSource>> OpenNvml() { return OpenNvml(Env::Default()); }

Result<std::unique_ptr<GpuSource>> OpenNvml(Env* env) {
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("FACEFUSE_NVML_LIBRARY"); env && *env) {
    candidates.push_back(env);
  } else {
    candidates = {"libnvidia-ml.so.1", "libnvidia-ml.so"};
  }
  std::string errors;
  for (const auto& path : candidates) {
    void* lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      const char* e = dlerror();
      errors += (errors.empty() ? "" : "; ") + (e ? std::string(e) : path + ": cannot open");
      continue;
    }
    auto fns = ResolveAll(lib);
    if (!fns.ok()) {
      dlclose(lib);
      return Unavailable(path + ": " + fns.status().message());
    }
    auto source = std::make_unique<NvmlSource>(lib, path, *fns, EnvOrDefault(env));  // owns lib from here
    FF_RETURN_IF_ERROR(source->Init());
    return std::unique_ptr<GpuSource>(std::move(source));
  }
  return Unavailable("NVML not found: " + errors);
}

std::unique_ptr<GpuSource> OpenNvmlOrNotice() {
  auto source = OpenNvml();
  if (source.ok()) return std::move(source).value();
  static std::once_flag once;
  std::call_once(once, [&] {
    std::fprintf(stderr, "facefuse: GPU metrics unavailable (%s); CPU and process metrics still work\n",
                 source.status().message().c_str());
  });
  return nullptr;
}

}  // namespace facefuse::gpu
