// facefuse: where a tensor's bytes live (Device) and who allocates them
// (Allocator).
//
// Every Tensor names the device its data is on. Host memory is ordinary
// process memory the CPU reads directly; any other device's memory is only
// reachable through that device's Allocator (Copy). Execution providers
// declare the device they run on, and a session copies a value between
// devices where a step on one provider reads a value another produced.
//
// Thread safety: Device is a value type. Allocator implementations must be
// safe to call from several threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "facefuse/status.h"

namespace facefuse {

enum class DeviceKind : int32_t {
  kHost = 0,      // process memory (what the CPU provider and the reference kernels use)
  kCuda = 1,      // a CUDA device's memory; `index` is the CUDA runtime ordinal
  kEmulated = 2,  // host memory standing in for a separate device, so tests can
                  // exercise cross-device copies without a GPU
};

struct Device {
  DeviceKind kind = DeviceKind::kHost;
  int index = 0;

  bool is_host() const { return kind == DeviceKind::kHost; }
  friend bool operator==(const Device&, const Device&) = default;
};

// "host", "cuda:0", "emulated:1".
std::string DeviceName(const Device& device);

// Which way Allocator::Copy moves bytes; "device" is the allocator's device.
enum class CopyDirection { kHostToDevice, kDeviceToHost, kDeviceToDevice };

// Allocates and frees memory on one device and moves bytes between it and the
// host. Tensors made by an allocator keep it alive (shared_ptr) until their
// last copy is gone; so an allocator is always owned by a std::shared_ptr.
class Allocator : public std::enable_shared_from_this<Allocator> {
 public:
  virtual ~Allocator() = default;

  virtual Device device() const = 0;
  // `bytes` (> 0) of zero-initialised memory, 64-byte aligned. Errors:
  // OutOfMemory when the device has no room.
  virtual Result<void*> Allocate(size_t bytes) = 0;
  // Releases memory from Allocate; nullptr is a no-op.
  virtual void Free(void* p) = 0;
  // Copies `bytes` between host memory and this allocator's device (or within
  // the device). Returns when the bytes are in place. Errors: Internal for a
  // failed transfer.
  virtual Status Copy(void* dst, const void* src, size_t bytes, CopyDirection direction) = 0;
};

// The process-wide host allocator behind Tensor::Allocate (64-byte aligned
// heap memory, zeroed). Never null.
std::shared_ptr<Allocator> HostAllocator();

}  // namespace facefuse
