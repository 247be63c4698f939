#include "report/gpu_csv.h"

#include <cerrno>
#include <cstring>

namespace facefuse::report {
namespace {

template <typename T>
std::string Cell(const std::optional<T>& v) {
  if (!v) return "";
  if constexpr (std::is_floating_point_v<T>) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.3f", *v);
    return buf;
  } else {
    return std::to_string(*v);
  }
}

}  // namespace

std::string GpuCsvRow(const gpu::GpuSample& s) {
  std::string row = gpu::FormatTimestamp(s.time);
  for (const std::string& c : {Cell(s.gpu_util_percent), Cell(s.memory_used_bytes), Cell(s.memory_total_bytes),
                               Cell(s.temperature_celsius), Cell(s.power_draw_watts), std::to_string(s.index),
                               Cell(s.memory_util_percent), Cell(s.sm_clock_mhz), Cell(s.memory_clock_mhz),
                               Cell(s.throttle_reasons), Cell(s.encoder_util_percent), Cell(s.decoder_util_percent),
                               Cell(s.process_memory_bytes)}) {
    row += ',';
    row += c;
  }
  return row;
}

Result<std::unique_ptr<GpuCsvWriter>> GpuCsvWriter::Create(const std::filesystem::path& path, Env* env) {
  auto f = env->NewWritableFile(path, WriteMode::kTruncate);
  if (!f.ok()) return IoError(path.string() + ": " + SystemReason(f.status()));
  std::unique_ptr<GpuCsvWriter> w(new GpuCsvWriter(std::move(f).value(), path));
  if (!w->file_->Append(std::string(kGpuCsvColumns) + "," + kGpuCsvExtraColumns + "\n").ok()) {
    return IoError(path.string() + ": cannot write");
  }
  return w;
}

GpuCsvWriter::~GpuCsvWriter() = default;

Status GpuCsvWriter::Append(const gpu::GpuSample& sample) {
  if (Status s = file_->Append(GpuCsvRow(sample) + "\n"); !s.ok()) return IoError(path_.string() + ": " + SystemReason(s));
  ++rows_;
  return Status::Ok();
}

}  // namespace facefuse::report
