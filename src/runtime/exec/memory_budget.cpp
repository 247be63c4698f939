#include "facefuse/memory_budget.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "common/env.h"

namespace facefuse {
namespace {

constexpr std::uint64_t kMaxBytes = std::uint64_t{1} << 62;
constexpr std::uint64_t kMaxProcFileBytes = 1 << 20;  // /proc/meminfo reports size 0 and holds a few KiB

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Multiplier of a unit suffix, 0 when unknown.
std::uint64_t UnitMultiplier(const std::string& unit) {
  struct Unit { const char* name; std::uint64_t mult; };
  static const Unit kUnits[] = {
      {"", 1},          {"b", 1},
      {"k", 1ull << 10}, {"kib", 1ull << 10}, {"kb", 1000ull},
      {"m", 1ull << 20}, {"mib", 1ull << 20}, {"mb", 1000ull * 1000},
      {"g", 1ull << 30}, {"gib", 1ull << 30}, {"gb", 1000ull * 1000 * 1000},
      {"t", 1ull << 40}, {"tib", 1ull << 40}, {"tb", 1000ull * 1000 * 1000 * 1000},
  };
  for (const Unit& u : kUnits)
    if (unit == u.name) return u.mult;
  return 0;
}

}  // namespace

Result<std::uint64_t> ParseByteSize(std::string_view text) {
  const std::string s = Lower(text);
  auto bad = [&] {
    return InvalidArgument("'" + std::string(text) +
                           "' is not a byte count (examples: 1073741824, 512MiB, 2GiB, 1.5GB)");
  };
  size_t i = 0;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
  const std::string number = s.substr(0, i);
  std::string unit = s.substr(i);
  while (!unit.empty() && unit.front() == ' ') unit.erase(unit.begin());
  if (number.empty() || std::count(number.begin(), number.end(), '.') > 1 || number == ".") return bad();
  const std::uint64_t mult = UnitMultiplier(unit);
  if (mult == 0) return bad();
  if (number.find('.') == std::string::npos) {
    if (number.size() > 19) return InvalidArgument("'" + std::string(text) + "' is too large a byte count");
    const std::uint64_t n = std::stoull(number);
    if (n > kMaxBytes / mult) return InvalidArgument("'" + std::string(text) + "' is too large a byte count");
    return n * mult;
  }
  const double v = std::strtod(number.c_str(), nullptr) * static_cast<double>(mult);
  if (!std::isfinite(v) || v > static_cast<double>(kMaxBytes))
    return InvalidArgument("'" + std::string(text) + "' is too large a byte count");
  return static_cast<std::uint64_t>(std::llround(v));
}

std::string FormatBytes(std::uint64_t bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024.0 && u < 5) { v /= 1024.0; ++u; }
  char buf[32];
  if (u == 0) std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  else std::snprintf(buf, sizeof buf, v < 10 ? "%.2f %s" : "%.1f %s", v, kUnits[u]);
  return buf;
}

Result<MemoryLimitSpec> ParseMemoryLimit(std::string_view text) {
  if (Lower(text) == "auto") return MemoryLimitSpec{true, 0};
  FF_ASSIGN_OR_RETURN(std::uint64_t bytes, ParseByteSize(text));
  if (bytes == 0) return InvalidArgument("a memory limit of 0 bytes admits nothing");
  return MemoryLimitSpec{false, bytes};
}

std::uint64_t AutoMemoryLimit(std::uint64_t free_bytes, std::uint64_t total_bytes) {
  const std::uint64_t reserve = std::max<std::uint64_t>(total_bytes / 20, std::uint64_t{256} << 20);
  return free_bytes > reserve ? free_bytes - reserve : 0;
}

Result<std::uint64_t> ResolveMemoryLimit(const MemoryLimitSpec& spec, const DeviceMemoryInfo& memory,
                                         std::string_view device) {
  if (!spec.automatic) return spec.bytes;
  const std::uint64_t bytes = AutoMemoryLimit(memory.free_bytes, memory.total_bytes);
  if (bytes == 0)
    return OutOfMemory("memory limit auto: only " + FormatBytes(memory.free_bytes) + " of " + std::string(device) +
                       "'s " + FormatBytes(memory.total_bytes) + " is free");
  return bytes;
}

Result<DeviceMemoryInfo> ParseMeminfo(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::string line;
  DeviceMemoryInfo info;
  bool have_free = false, have_total = false;
  while (std::getline(in, line)) {
    char key[64];
    unsigned long long kib = 0;
    if (std::sscanf(line.c_str(), "%63[^:]: %llu kB", key, &kib) != 2) continue;
    const std::string k = key;
    if (k == "MemAvailable") { info.free_bytes = kib * 1024; have_free = true; }
    if (k == "MemTotal") { info.total_bytes = kib * 1024; have_total = true; }
  }
  if (!have_free || !have_total) return Unavailable("meminfo has no MemAvailable/MemTotal lines");
  return info;
}

Result<DeviceMemoryInfo> HostMemoryInfo() {
  std::string text;
  if (!ReadFileToEnd(Env::Default(), "/proc/meminfo", kMaxProcFileBytes, &text).ok())
    return Unavailable("cannot read /proc/meminfo");
  return ParseMeminfo(text);
}

// --- MemoryBudget -----------------------------------------------------------

std::shared_ptr<MemoryBudget> MemoryBudget::Create(std::string device, std::uint64_t limit_bytes) {
  return std::shared_ptr<MemoryBudget>(new MemoryBudget(std::move(device), limit_bytes));
}

Status MemoryBudget::Change(std::uint64_t from, std::uint64_t to, std::string_view what,
                            std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lock(mu_);
  if (to <= from) {
    in_use_ -= from - to;
    released_.notify_all();
    return Status::Ok();
  }
  const std::uint64_t growth = to - from;
  // in_use_ - from <= limit_ always holds, so neither side can wrap.
  auto fits = [&] { return to <= limit_ - (in_use_ - from); };
  if (to > limit_ || (!fits() && (wait.count() <= 0 || !released_.wait_for(lock, wait, fits)))) {
    ++refusals_;
    return OutOfMemory(std::string(what) + ": " + FormatBytes(to) + " does not fit the " + device_ +
                       " memory budget (" + FormatBytes(limit_) + " limit, " + FormatBytes(in_use_ - from) +
                       " already held" + (to > limit_ ? "; it can never fit" : "") + ")");
  }
  in_use_ += growth;
  peak_ = std::max(peak_, in_use_);
  return Status::Ok();
}

Result<MemoryBudget::Reservation> MemoryBudget::Reserve(std::uint64_t bytes, std::string_view what,
                                                        std::chrono::milliseconds wait) {
  FF_RETURN_IF_ERROR(Change(0, bytes, what, wait));
  return Reservation(shared_from_this(), bytes, std::string(what));
}

std::uint64_t MemoryBudget::in_use_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return in_use_;
}

std::uint64_t MemoryBudget::available_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return limit_ > in_use_ ? limit_ - in_use_ : 0;
}

std::uint64_t MemoryBudget::peak_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return peak_;
}

void MemoryBudget::ResetPeak() {
  std::lock_guard<std::mutex> lock(mu_);
  peak_ = in_use_;
}

std::uint64_t MemoryBudget::refusals() const {
  std::lock_guard<std::mutex> lock(mu_);
  return refusals_;
}

// --- Reservation ------------------------------------------------------------

MemoryBudget::Reservation::Reservation(Reservation&& other) noexcept
    : budget_(std::move(other.budget_)), bytes_(other.bytes_), what_(std::move(other.what_)) {
  other.bytes_ = 0;
}

MemoryBudget::Reservation& MemoryBudget::Reservation::operator=(Reservation&& other) noexcept {
  if (this != &other) {
    Release();
    budget_ = std::move(other.budget_);
    bytes_ = other.bytes_;
    what_ = std::move(other.what_);
    other.bytes_ = 0;
  }
  return *this;
}

Status MemoryBudget::Reservation::Resize(std::uint64_t bytes, std::chrono::milliseconds wait) {
  if (budget_ == nullptr) return FailedPrecondition("Resize on an empty memory reservation");
  FF_RETURN_IF_ERROR(budget_->Change(bytes_, bytes, what_, wait));
  bytes_ = bytes;
  return Status::Ok();
}

void MemoryBudget::Reservation::Release() {
  if (budget_ == nullptr) return;
  (void)budget_->Change(bytes_, 0, what_, std::chrono::milliseconds(0));
  budget_.reset();
  bytes_ = 0;
}

}  // namespace facefuse
