// Device names and the host allocator (with the allocation fault seam).
#include "facefuse/device.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

#include "common/allocation_faults.h"

namespace facefuse {
namespace {

std::atomic<int64_t> g_fail_countdown{0};

class HostMemoryAllocator final : public Allocator {
 public:
  Device device() const override { return Device{}; }

  Result<void*> Allocate(size_t bytes) override {
    if (ShouldFailAllocation()) return OutOfMemory("injected allocation failure");
    size_t rounded = (bytes + 63) / 64 * 64;
    if (rounded == 0) rounded = 64;
    void* p = std::aligned_alloc(64, rounded);
    if (p == nullptr) return OutOfMemory("cannot allocate " + std::to_string(bytes) + " bytes");
    std::memset(p, 0, rounded);
    return p;
  }

  void Free(void* p) override { std::free(p); }

  Status Copy(void* dst, const void* src, size_t bytes, CopyDirection) override {
    if (bytes > 0) std::memcpy(dst, src, bytes);
    return Status::Ok();
  }
};

}  // namespace

void FailNthAllocationForTesting(int64_t n) { g_fail_countdown.store(n < 0 ? 0 : n); }

bool ShouldFailAllocation() {
  int64_t n = g_fail_countdown.load();
  while (n > 0) {
    if (g_fail_countdown.compare_exchange_weak(n, n - 1)) return n == 1;
  }
  return false;
}

std::string DeviceName(const Device& device) {
  switch (device.kind) {
    case DeviceKind::kHost: return "host";
    case DeviceKind::kCuda: return "cuda:" + std::to_string(device.index);
    case DeviceKind::kEmulated: return "emulated:" + std::to_string(device.index);
  }
  return "device(" + std::to_string(static_cast<int>(device.kind)) + "):" + std::to_string(device.index);
}

std::shared_ptr<Allocator> HostAllocator() {
  static const std::shared_ptr<Allocator> host = std::make_shared<HostMemoryAllocator>();
  return host;
}

}  // namespace facefuse
