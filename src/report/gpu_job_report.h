// Per-job GPU report: a CSV row per sampler reading while the job runs, then
// the trend chart (SVG + PNG) and a right-sizing summary when it ends.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "facefuse/gpu.h"
#include "facefuse/status.h"
#include "gpu/gpu_classes.h"
#include "report/gpu_chart.h"
#include "report/gpu_csv.h"

namespace facefuse::report {

struct GpuReportPaths {
  std::filesystem::path csv, svg, png, summary;
};

// The report files beside a job's output: "out/result.json" -> out/result.gpu.csv, .gpu.svg, .gpu.png, .gpu.txt.
GpuReportPaths GpuReportPathsBeside(const std::filesystem::path& output);

// Fewer readings than this give no advice: a job shorter than the interval
// used to get one reading, taken before its models loaded. Reports read at job
// start, at each stage change and at job end, so a job with a GPU has them.
inline constexpr int kMinSamplesToAdvise = 3;

struct RightSizing {
  GpuJobStats gpu;
  double seconds = 0;
  int frames = 0;
  double frames_per_second = 0;
  bool too_few_samples = false;  // fewer than kMinSamplesToAdvise readings: no advice
  std::optional<gpu::GpuClass> smallest_class;  // empty: too few samples, or larger than every class
  // A few human-readable lines.
  std::string ToText() const;
};

RightSizing ComputeRightSizing(const std::vector<gpu::GpuSample>& samples, double seconds, int frames);

// Thread safety: the sampler thread appends rows; Finish may be called from any thread.
class GpuJobRecorder {
 public:
  // Creates the CSV and subscribes to `sampler` for the GPU with index
  // `gpu_index` (readings of other GPUs are ignored). `sampler` must outlive
  // the recorder. Errors: IoError for the CSV; InvalidArgument for an unknown GPU index.
  static Result<std::unique_ptr<GpuJobRecorder>> Start(gpu::GpuSampler& sampler, int gpu_index,
                                                       GpuReportPaths paths, std::string job_name);
  ~GpuJobRecorder();  // unsubscribes

  // Unsubscribes, then writes the SVG, PNG and summary for the job span
  // [start, end]. Errors: IoError (the first failed write, CSV rows included).
  Result<RightSizing> Finish(Clock::time_point start, Clock::time_point end, std::vector<StageSpan> stages,
                             int frames, std::vector<job::StageLoadSample> stage_load = {});

  int rows() const;

 private:
  GpuJobRecorder() = default;
  void Detach();

  gpu::GpuSampler* sampler_ = nullptr;
  int listener_ = 0;
  int gpu_index_ = 0;
  GpuReportPaths paths_;
  std::string job_;
  std::string gpu_;  // "GPU 0: NAME (UUID)"; empty without a GPU
  mutable std::mutex mu_;
  std::unique_ptr<GpuCsvWriter> csv_;
  std::vector<gpu::GpuSample> samples_;
  Status write_error_;
};

}  // namespace facefuse::report
