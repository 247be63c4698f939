#include "cli/option_checks.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "facefuse/memory_budget.h"

namespace facefuse::cli {
namespace {

std::string Number(double v) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g", v);
  return text;
}

// The whole of `text` as a number; false for anything else.
bool ParseDouble(const std::string& text, double* value) {
  if (text.empty()) return false;
  char* end = nullptr;
  *value = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size();
}

bool ParseInteger(const std::string& text, long long* value) {
  if (text.empty()) return false;
  char* end = nullptr;
  errno = 0;
  *value = std::strtoll(text.c_str(), &end, 10);
  return errno == 0 && end == text.c_str() + text.size();
}

std::string IntRangeMessage(const std::string& text, long long v, long long lo, long long hi) {
  return text + " is outside " + std::to_string(lo) + ".." + std::to_string(hi) + (v < lo ? ": too small" : ": too large");
}

}  // namespace

CLI::Validator FiniteIn(double lo, double hi) {
  const std::string range = Number(lo) + ".." + Number(hi);
  return CLI::Validator(
      [lo, hi, range](std::string& text) -> std::string {
        double v = 0;
        if (!ParseDouble(text, &v)) return "'" + text + "' is not a number";
        if (!std::isfinite(v)) return text + " is not a finite number (allowed: " + range + ")";
        if (v < lo) return text + " is outside " + range + ": too small";
        if (v > hi) return text + " is outside " + range + ": too large";
        return "";
      },
      "NUMBER in " + range, "FiniteIn");
}

CLI::Validator IntIn(long long lo, long long hi) {
  return CLI::Validator(
      [lo, hi](std::string& text) -> std::string {
        long long v = 0;
        if (!ParseInteger(text, &v)) return "'" + text + "' is not a whole number";
        if (v < lo || v > hi) return IntRangeMessage(text, v, lo, hi);
        return "";
      },
      "INT in " + std::to_string(lo) + ".." + std::to_string(hi), "IntIn");
}

CLI::Validator MultipleOf(long long step) {
  return CLI::Validator(
      [step](std::string& text) -> std::string {
        long long v = 0;
        if (!ParseInteger(text, &v)) return "'" + text + "' is not a whole number";
        if (v % step != 0) return text + " is not a multiple of " + std::to_string(step);
        return "";
      },
      "", "MultipleOf");
}

CLI::Validator NonEmptyPath() {
  return CLI::Validator(
      [](std::string& text) -> std::string { return text.empty() ? "the path is empty" : ""; }, "", "NonEmptyPath");
}

CLI::Validator MemoryLimitSyntax() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        const Result<MemoryLimitSpec> spec = ParseMemoryLimit(text);
        return spec.ok() ? "" : spec.status().message();
      },
      "", "MemoryLimitSyntax");
}

int MaxThreads() { return 4 * static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

CLI::Validator ThreadCount() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        long long v = 0;
        if (!ParseInteger(text, &v)) return "'" + text + "' is not a whole number";
        if (v < 0) return text + " is negative (0 = all cores)";
        if (v > MaxThreads())
          return text + " is more than 4 x the " + std::to_string(MaxThreads() / 4) +
                 " hardware threads of this machine (at most " + std::to_string(MaxThreads()) + "; 0 = all cores)";
        return "";
      },
      "0.." + std::to_string(MaxThreads()), "ThreadCount");
}

bool Given(const CLI::App& cmd, const std::string& option) { return cmd.count(option) > 0; }

void Warn(const std::string& command, const std::string& message) {
  std::fprintf(stderr, "%s: warning: %s\n", command.c_str(), message.c_str());
}

Status CheckGpuIndex(int index, const gpu::GpuSampler& sampler) {
  if (!sampler.has_source())
    return InvalidArgument("--gpu " + std::to_string(index) +
                           ": there is no GPU to report on (GPU metrics are unavailable: NVML was not found)");
  const size_t found = sampler.devices().size();
  if (index < 0 || static_cast<size_t>(index) >= found)
    return InvalidArgument("--gpu " + std::to_string(index) + ": no such GPU (" + std::to_string(found) +
                           " found, indices 0.." + std::to_string(static_cast<long long>(found) - 1) + ")");
  return Status::Ok();
}

}  // namespace facefuse::cli
