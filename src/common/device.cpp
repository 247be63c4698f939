// Device names and the host allocator (with the allocation fault seam).
#include "facefuse/device.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstdint>
#include <cstring>
#include <limits>

#include <sys/mman.h>

#include "common/allocation_faults.h"

namespace facefuse {
namespace {

std::atomic<int64_t> g_fail_countdown{0};

// Asks for transparent huge pages over the 2 MB pages wholly inside [p, p + bytes) (so for blocks of 2 MB and up): a
// 4 KB page fault cost about 11 us on a virtual machine of this project (touching a fresh 13 MB block took 38 ms in
// 4 KB pages, 4 ms in 2 MB ones), and a model's first run faults in every activation it writes. A hint: where the
// kernel has no huge pages (transparent_hugepage "never") nothing changes. A block malloc carved from its heap keeps
// the advice after Free, for whatever malloc puts there next: huge pages for that memory too.
void AdviseHugePages(void* p, size_t bytes) {
  constexpr size_t kHugePage = size_t{2} << 20;
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(p) + kHugePage - 1) / kHugePage * kHugePage;
  const uintptr_t end = (reinterpret_cast<uintptr_t>(p) + bytes) / kHugePage * kHugePage;
  if (end > begin) (void)madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
}

class HostMemoryAllocator final : public Allocator {
 public:
  static constexpr size_t kAlign = 64;

  Device device() const override { return Device{}; }

  // calloc, not aligned_alloc + memset: a large block comes zeroed from the kernel, so its pages are first
  // touched by whoever fills it (loading a 628 MB model's weights wrote every page twice). The block returned
  // is the first 64-byte boundary at least a pointer's size into calloc's, which is kept just before it; it
  // holds `bytes` rounded up to 64 (at least 64), zeroed.
  Result<void*> Allocate(size_t bytes) override {
    if (ShouldFailAllocation()) return OutOfMemory("injected allocation failure");
    if (bytes > std::numeric_limits<size_t>::max() / 2)
      return OutOfMemory("cannot allocate " + std::to_string(bytes) + " bytes");
    const size_t rounded = std::max<size_t>((bytes + kAlign - 1) / kAlign * kAlign, kAlign);  // usable, as before
    void* block = std::calloc(1, rounded + kAlign + sizeof(void*));
    if (block == nullptr) return OutOfMemory("cannot allocate " + std::to_string(bytes) + " bytes");
    const uintptr_t start = reinterpret_cast<uintptr_t>(block) + sizeof(void*);
    void* p = reinterpret_cast<void*>((start + kAlign - 1) / kAlign * kAlign);
    std::memcpy(static_cast<char*>(p) - sizeof(void*), &block, sizeof(void*));
    AdviseHugePages(p, rounded);
    return p;
  }

  void Free(void* p) override {
    if (p == nullptr) return;
    void* block;
    std::memcpy(&block, static_cast<char*>(p) - sizeof(void*), sizeof(void*));
    std::free(block);
  }

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
