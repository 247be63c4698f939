// A fake NVML (built as libnvidia-ml.so.1 in the build folder) so every GPU code
// path runs on machines without a GPU. Driven by environment variables:
//   FACEFUSE_FAKE_NVML_CURVE      "10 50 90 ..." GPU utilisation per reading, cycled (default "50")
//   FACEFUSE_FAKE_NVML_CURVE_FILE a file with the same numbers (used when CURVE is unset)
//   FACEFUSE_FAKE_NVML_DEVICES    number of GPUs (default 1; 0 = NVML works but has no GPU)
//   FACEFUSE_FAKE_NVML_FAIL_AFTER readings after which every utilisation query fails (999, UNKNOWN)
//   FACEFUSE_FAKE_NVML_FAIL_INIT  non-empty: nvmlInit fails (9, DRIVER_NOT_LOADED)
//   FACEFUSE_FAKE_NVML_MEMORY_USED_PERCENT  memory used as a percent of the total (0-100), replacing the value
//                                 derived from utilisation, or @FILE: a file holding that number, re-read at every
//                                 memory reading so a test can change it while the process runs (write a new file
//                                 and rename it over the old one). Unset, empty or unreadable: derived as below.
// Reading k of device d (k counts nvmlDeviceGetUtilizationRates calls on d since nvmlInit) reports util u = curve[k % n]
// and, derived from it: memory used = 1 GiB + u% of half of 80 GiB (unless MEMORY_USED_PERCENT is set),
// temperature 30 + u/2 degC, power 60 + 3u W, SM clock 1410 + u MHz, memory clock 1593 MHz, decoder u/10 %, encoder 0 %,
// this process using half the used memory. FAKE_NVML_LEGACY builds export only the unversioned symbols.
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

constexpr int kSuccess = 0, kInvalidArgument = 2, kInsufficientSize = 7, kDriverNotLoaded = 9, kUnknown = 999;
constexpr int kMaxDevices = 8;
constexpr unsigned long long kTotal = 80ull << 30;

struct Device {
  int index;
};
Device g_devices[kMaxDevices] = {{0}, {1}, {2}, {3}, {4}, {5}, {6}, {7}};
std::atomic<long> g_readings[kMaxDevices];
std::atomic<long> g_current[kMaxDevices];

std::vector<double> g_curve = {50};

// Re-read at every nvmlInit, so each OpenNvml in a test sees the environment of that moment.
void LoadCurve() {
  std::string text;
  if (const char* c = std::getenv("FACEFUSE_FAKE_NVML_CURVE")) {
    text = c;
  } else if (const char* f = std::getenv("FACEFUSE_FAKE_NVML_CURVE_FILE")) {
    std::ifstream in(f);
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  for (char& ch : text) if (ch == ',') ch = ' ';
  std::istringstream in(text);
  g_curve.clear();
  for (double v; in >> v;) g_curve.push_back(v);
  if (g_curve.empty()) g_curve.push_back(50);
}

const std::vector<double>& Curve() { return g_curve; }

long EnvLong(const char* name, long fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtol(v, nullptr, 10) : fallback;
}

int DeviceCount() {
  long n = EnvLong("FACEFUSE_FAKE_NVML_DEVICES", 1);
  return n < 0 ? 0 : n > kMaxDevices ? kMaxDevices : static_cast<int>(n);
}

Device* Dev(void* h) {
  auto* d = static_cast<Device*>(h);
  return d >= g_devices && d < g_devices + DeviceCount() ? d : nullptr;
}

double Util(const Device* d) {
  const auto& c = Curve();
  return c[static_cast<size_t>(g_current[d->index].load()) % c.size()];
}

// FACEFUSE_FAKE_NVML_MEMORY_USED_PERCENT (see the header comment), read at every call: the percent clamped to
// 0-100, or -1 when it is unset, empty, unreadable or not a number.
double MemoryUsedPercentOverride() {
  const char* v = std::getenv("FACEFUSE_FAKE_NVML_MEMORY_USED_PERCENT");
  if (!v || !*v) return -1;
  double percent = -1;
  if (*v == '@') {
    std::ifstream file(v + 1);
    if (!(file >> percent)) return -1;
  } else if (!(std::istringstream(v) >> percent)) {
    return -1;
  }
  return percent < 0 ? 0 : percent > 100 ? 100 : percent;
}

unsigned long long Used(const Device* d) {
  if (const double percent = MemoryUsedPercentOverride(); percent >= 0) {
    return static_cast<unsigned long long>(percent / 100.0 * static_cast<double>(kTotal));
  }
  return (1ull << 30) + static_cast<unsigned long long>(Util(d) / 100.0 * (kTotal / 2));
}

struct Utilization { unsigned int gpu, memory; };
struct Memory { unsigned long long total, free, used; };
struct ProcessInfo { unsigned int pid; unsigned long long used; unsigned int gi, ci; };
struct ProcessInfoV1 { unsigned int pid; unsigned long long used; };

int Init() {
  if (std::getenv("FACEFUSE_FAKE_NVML_FAIL_INIT")) return kDriverNotLoaded;
  LoadCurve();
  for (int i = 0; i < kMaxDevices; ++i) g_readings[i] = g_current[i] = 0;
  return kSuccess;
}
int GetCount(unsigned int* n) {
  if (!n) return kInvalidArgument;
  *n = static_cast<unsigned int>(DeviceCount());
  return kSuccess;
}
int GetHandle(unsigned int i, void** h) {
  if (!h || i >= static_cast<unsigned int>(DeviceCount())) return kInvalidArgument;
  *h = &g_devices[i];
  return kSuccess;
}
template <typename Info>
int Processes(void* h, unsigned int* count, Info* infos) {
  Device* d = Dev(h);
  if (!d || !count) return kInvalidArgument;
  if (*count < 1) { *count = 1; return kInsufficientSize; }
  *count = 1;
  infos[0] = Info{};
  infos[0].pid = static_cast<unsigned int>(getpid());
  infos[0].used = Used(d) / 2;
  return kSuccess;
}
int ClockReasons(void* h, unsigned long long* r) {
  if (!Dev(h) || !r) return kInvalidArgument;
  *r = Util(Dev(h)) >= 95 ? 0x20ull /* SW thermal slowdown */ : 0;
  return kSuccess;
}

}  // namespace

#define EXPORT extern "C" __attribute__((visibility("default")))

EXPORT const char* nvmlErrorString(int rc) {
  switch (rc) {
    case kSuccess: return "Success";
    case kInvalidArgument: return "Invalid Argument";
    case kInsufficientSize: return "Insufficient Size";
    case kDriverNotLoaded: return "Driver Not Loaded";
    default: return "Unknown Error";
  }
}
EXPORT int nvmlShutdown() { return kSuccess; }
EXPORT int nvmlDeviceGetName(void* h, char* buf, unsigned int len) {
  if (!Dev(h) || !buf) return kInvalidArgument;
  std::snprintf(buf, len, "Fake GPU %d", Dev(h)->index);
  return kSuccess;
}
EXPORT int nvmlDeviceGetUUID(void* h, char* buf, unsigned int len) {
  if (!Dev(h) || !buf) return kInvalidArgument;
  std::snprintf(buf, len, "GPU-fake0000-0000-0000-0000-00000000000%d", Dev(h)->index);
  return kSuccess;
}
EXPORT int nvmlDeviceGetUtilizationRates(void* h, Utilization* u) {
  Device* d = Dev(h);
  if (!d || !u) return kInvalidArgument;
  const long k = g_readings[d->index].fetch_add(1);
  const long fail_after = EnvLong("FACEFUSE_FAKE_NVML_FAIL_AFTER", -1);
  if (fail_after >= 0 && k >= fail_after) return kUnknown;
  g_current[d->index] = k;
  u->gpu = static_cast<unsigned int>(Util(d));
  u->memory = u->gpu / 2;
  return kSuccess;
}
EXPORT int nvmlDeviceGetMemoryInfo(void* h, Memory* m) {
  Device* d = Dev(h);
  if (!d || !m) return kInvalidArgument;
  m->total = kTotal;
  m->used = Used(d);
  m->free = kTotal - m->used;
  return kSuccess;
}
EXPORT int nvmlDeviceGetTemperature(void* h, int sensor, unsigned int* t) {
  if (!Dev(h) || !t || sensor != 0) return kInvalidArgument;
  *t = static_cast<unsigned int>(30 + Util(Dev(h)) / 2);
  return kSuccess;
}
EXPORT int nvmlDeviceGetPowerUsage(void* h, unsigned int* mw) {
  if (!Dev(h) || !mw) return kInvalidArgument;
  *mw = static_cast<unsigned int>((60 + 3 * Util(Dev(h))) * 1000);
  return kSuccess;
}
EXPORT int nvmlDeviceGetClockInfo(void* h, int type, unsigned int* mhz) {
  if (!Dev(h) || !mhz || (type != 1 && type != 2)) return kInvalidArgument;
  *mhz = type == 1 ? static_cast<unsigned int>(1410 + Util(Dev(h))) : 1593;
  return kSuccess;
}
EXPORT int nvmlDeviceGetEncoderUtilization(void* h, unsigned int* u, unsigned int* period) {
  if (!Dev(h) || !u || !period) return kInvalidArgument;
  *u = 0;
  *period = 167000;
  return kSuccess;
}
EXPORT int nvmlDeviceGetDecoderUtilization(void* h, unsigned int* u, unsigned int* period) {
  if (!Dev(h) || !u || !period) return kInvalidArgument;
  *u = static_cast<unsigned int>(Util(Dev(h)) / 10);
  *period = 167000;
  return kSuccess;
}

#ifdef FAKE_NVML_LEGACY
EXPORT int nvmlInit() { return Init(); }
EXPORT int nvmlDeviceGetCount(unsigned int* n) { return GetCount(n); }
EXPORT int nvmlDeviceGetHandleByIndex(unsigned int i, void** h) { return GetHandle(i, h); }
EXPORT int nvmlDeviceGetComputeRunningProcesses(void* h, unsigned int* c, ProcessInfoV1* p) { return Processes(h, c, p); }
EXPORT int nvmlDeviceGetCurrentClocksThrottleReasons(void* h, unsigned long long* r) { return ClockReasons(h, r); }
#else
EXPORT int nvmlInit_v2() { return Init(); }
EXPORT int nvmlDeviceGetCount_v2(unsigned int* n) { return GetCount(n); }
EXPORT int nvmlDeviceGetHandleByIndex_v2(unsigned int i, void** h) { return GetHandle(i, h); }
EXPORT int nvmlDeviceGetComputeRunningProcesses_v3(void* h, unsigned int* c, ProcessInfo* p) { return Processes(h, c, p); }
EXPORT int nvmlDeviceGetCurrentClocksEventReasons(void* h, unsigned long long* r) { return ClockReasons(h, r); }
#endif
