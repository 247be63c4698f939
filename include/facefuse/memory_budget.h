// facefuse: a byte budget that sessions admit their memory against.
//
// One MemoryBudget stands for one device's memory (host RAM for the CPU
// provider, one GPU's VRAM for a GPU provider). Every session opened with it
// reserves its weights when it opens and its activation memory while it runs;
// a reservation that does not fit either fails with OutOfMemory (naming the
// device, the request and what is in use) or waits for other sessions to
// release memory, never exceeding the limit. Nothing is allocated here: the
// budget only counts, so the real allocations stay with their owners.
//
//   auto budget = facefuse::MemoryBudget::Create("cpu", 2ull << 30);
//   facefuse::SessionOptions opts;
//   opts.memory_budget = budget;
//   ... sessions run ...
//   budget->peak_bytes();   // the job's high-water mark
//
// Thread safety: every member function of MemoryBudget is thread-safe. A
// Reservation is a move-only value owned by one thread at a time.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "facefuse/status.h"

namespace facefuse {

// Parses a byte count: a plain integer ("1048576") or a number with a unit,
// binary (KiB, MiB, GiB, TiB; also K, M, G, T) or decimal (kB, MB, GB, TB),
// case-insensitive, optionally fractional ("1.5GiB"). Errors: InvalidArgument
// for anything else, a negative value or a count above 2^62.
Result<std::uint64_t> ParseByteSize(std::string_view text);

// "512 B", "3.0 MiB", "2.00 GiB": binary units, for messages.
std::string FormatBytes(std::uint64_t bytes);

// A limit as given on a command line: a byte count, or "auto" (derived from
// what the device has free when the budget is made).
struct MemoryLimitSpec {
  bool automatic = false;
  std::uint64_t bytes = 0;  // when !automatic
};
// "auto" or ParseByteSize's syntax. Errors: InvalidArgument; a zero limit is
// refused as well.
Result<MemoryLimitSpec> ParseMemoryLimit(std::string_view text);

// The limit "auto" stands for on a device with `free_bytes` free of
// `total_bytes`: the free memory less a reserve of 5 % of the total (at least
// 256 MiB) for the driver, other libraries and fragmentation. 0 when nothing
// is left.
std::uint64_t AutoMemoryLimit(std::uint64_t free_bytes, std::uint64_t total_bytes);

struct DeviceMemoryInfo {
  std::uint64_t free_bytes = 0;
  std::uint64_t total_bytes = 0;
};

// The byte limit `spec` stands for on `device` (named in messages): its bytes,
// or for "auto" AutoMemoryLimit of `memory` (read only then). Errors:
// OutOfMemory when "auto" leaves nothing.
Result<std::uint64_t> ResolveMemoryLimit(const MemoryLimitSpec& spec, const DeviceMemoryInfo& memory,
                                         std::string_view device);

// Host memory as the kernel reports it (/proc/meminfo MemAvailable and
// MemTotal). Errors: Unavailable when it cannot be read.
Result<DeviceMemoryInfo> HostMemoryInfo();
// The same, parsed from the text of a meminfo file (the seam tests use).
Result<DeviceMemoryInfo> ParseMeminfo(std::string_view text);

class MemoryBudget : public std::enable_shared_from_this<MemoryBudget> {
 public:
  // A claim on part of the budget, released when destroyed (or Release()d).
  // An empty (default-constructed or moved-from) reservation holds 0 bytes.
  class Reservation {
   public:
    Reservation() = default;
    ~Reservation() { Release(); }
    Reservation(Reservation&& other) noexcept;
    Reservation& operator=(Reservation&& other) noexcept;
    Reservation(const Reservation&) = delete;
    Reservation& operator=(const Reservation&) = delete;

    std::uint64_t bytes() const { return bytes_; }
    bool empty() const { return budget_ == nullptr; }
    // Changes the claim to `bytes`. Shrinking always succeeds; growing waits
    // up to `wait` for room and otherwise fails with OutOfMemory, leaving the
    // claim as it was. Precondition: !empty().
    Status Resize(std::uint64_t bytes, std::chrono::milliseconds wait = std::chrono::milliseconds(0));
    void Release();

   private:
    friend class MemoryBudget;
    Reservation(std::shared_ptr<MemoryBudget> budget, std::uint64_t bytes, std::string what)
        : budget_(std::move(budget)), bytes_(bytes), what_(std::move(what)) {}
    std::shared_ptr<MemoryBudget> budget_;
    std::uint64_t bytes_ = 0;
    std::string what_;
  };

  // `device` names the memory in messages ("cpu", "cuda:0"). A limit of 0 is
  // allowed and admits only empty reservations.
  static std::shared_ptr<MemoryBudget> Create(std::string device, std::uint64_t limit_bytes);

  // Claims `bytes` for `what` (used in the error message), waiting up to
  // `wait` while other reservations are released. Errors: OutOfMemory at once
  // when `bytes` exceeds the whole limit (it could never fit), else after the
  // wait.
  Result<Reservation> Reserve(std::uint64_t bytes, std::string_view what,
                              std::chrono::milliseconds wait = std::chrono::milliseconds(0));

  const std::string& device() const { return device_; }
  std::uint64_t limit_bytes() const { return limit_; }
  std::uint64_t in_use_bytes() const;
  std::uint64_t available_bytes() const;
  // The most ever reserved at once since creation or the last ResetPeak().
  std::uint64_t peak_bytes() const;
  void ResetPeak();
  // Reservations refused (after any wait) so far: a sign the limit is too low.
  std::uint64_t refusals() const;

 private:
  MemoryBudget(std::string device, std::uint64_t limit) : device_(std::move(device)), limit_(limit) {}
  // Moves the claim from `from` to `to` bytes; waits for growth as Reserve does.
  Status Change(std::uint64_t from, std::uint64_t to, std::string_view what, std::chrono::milliseconds wait);

  const std::string device_;
  const std::uint64_t limit_;
  mutable std::mutex mu_;
  std::condition_variable released_;
  std::uint64_t in_use_ = 0;
  std::uint64_t peak_ = 0;
  std::uint64_t refusals_ = 0;
};

}  // namespace facefuse
