// GPU samples as CSV: the fixed columns
//   timestamp,gpu_util,memory_used,memory_total,temperature,power_draw
// (ISO-8601 UTC with microseconds, percent, bytes, bytes, degC, W), then the
// extra columns below. Every row is flushed as it is written. An unsupported
// field is an empty cell.
#pragma once

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "common/env.h"
#include "facefuse/gpu.h"
#include "facefuse/status.h"

namespace facefuse::report {

inline constexpr const char* kGpuCsvColumns = "timestamp,gpu_util,memory_used,memory_total,temperature,power_draw";
inline constexpr const char* kGpuCsvExtraColumns =
    "gpu,memory_util,sm_clock_mhz,memory_clock_mhz,throttle_reasons,encoder_util,decoder_util,process_memory_used";

// The CSV line (no newline) for one sample.
std::string GpuCsvRow(const gpu::GpuSample& s);

// Not thread-safe: callers serialise Append (the sampler calls listeners from one thread).
class GpuCsvWriter {
 public:
  // Creates (truncates) `path` through `env` and writes the header. Errors: IoError.
  static Result<std::unique_ptr<GpuCsvWriter>> Create(const std::filesystem::path& path, Env* env = Env::Default());
  ~GpuCsvWriter();
  GpuCsvWriter(const GpuCsvWriter&) = delete;
  GpuCsvWriter& operator=(const GpuCsvWriter&) = delete;

  // Writes and flushes one row. Errors: IoError (disk full, ...).
  Status Append(const gpu::GpuSample& sample);
  int rows() const { return rows_; }

 private:
  GpuCsvWriter(std::unique_ptr<WritableFile> f, std::filesystem::path path) : file_(std::move(f)), path_(std::move(path)) {}
  std::unique_ptr<WritableFile> file_;
  std::filesystem::path path_;
  int rows_ = 0;
};

}  // namespace facefuse::report
