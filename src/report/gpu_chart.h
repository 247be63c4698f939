// The per-job GPU trend chart: utilisation, VRAM (the device's use, this
// process's use and the card's total), temperature and power over the job, the
// job's stages on the time axis (each at least kMinStageWidth pixels wide),
// for a pipelined job how busy each of its concurrent stages was (busy_STAGE
// series, percent, drawn with or without a GPU), peak VRAM and mean utilisation in the title, the GPU and the start time
// under it. Without a GPU ("no GPU") or without readings ("no GPU readings")
// that notice replaces the panels. SVG (text, parseable: each series is a <polyline
// class="series"> whose data-* attributes give the axis mapping) and PNG.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "facefuse/gpu.h"
#include "facefuse/status.h"
#include "job/timeline.h"

namespace facefuse::report {

// The job record's clock and stage spans (job/timeline.h).
using job::Clock;
using job::StageSpan;

struct GpuJobStats {
  int samples = 0;
  std::uint64_t peak_vram_bytes = 0;  // this process's peak when NVML reports it, else the device's
  bool vram_is_per_process = false;
  double mean_util_percent = 0;
  double peak_temperature_celsius = 0;
  double peak_power_watts = 0;
};

GpuJobStats ComputeGpuJobStats(const std::vector<gpu::GpuSample>& samples);

struct ChartInput {
  std::string job;                 // shown in the title
  std::string gpu;                 // the GPU, e.g. "GPU 0: NVIDIA H100 80GB HBM3"; empty: no GPU
  Clock::time_point start, end;    // the job's time span (the x axis)
  std::vector<gpu::GpuSample> samples;  // of one GPU, in time order
  std::vector<StageSpan> stages;
  // Pipelined jobs: how busy each concurrent stage was, about once a second (a panel of its own, drawn with or
  // without a GPU; none when empty).
  std::vector<job::StageLoadSample> stage_load;
};

// The chart as an SVG document. The series are gpu_util, memory_used,
// process_memory_used, memory_total (dashed), temperature and power_draw. Each is
//   <polyline class="series" data-series="COLUMN" data-x0 data-x1 data-t0 data-t1
//             data-y0 data-y1 data-vmin data-vmax data-scale points="x,y ...">
// where COLUMN is the CSV column, a point's time is t0 + (x - x0) / (x1 - x0) * (t1 - t0)
// (Unix seconds) and its value (CSV units) is (vmin + (y1 - y) / (y1 - y0) * (vmax - vmin)) / scale.
std::string RenderGpuChartSvg(const ChartInput& input);

// The same chart as a PNG (OpenCV). Errors: IoError when the file cannot be written.
Status WriteGpuChartPng(const ChartInput& input, const std::filesystem::path& path);

}  // namespace facefuse::report
