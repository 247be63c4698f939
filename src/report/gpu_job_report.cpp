#include "report/gpu_job_report.h"

#include <cstdio>

#include "common/env.h"

namespace facefuse::report {

GpuReportPaths GpuReportPathsBeside(const std::filesystem::path& output) {
  std::filesystem::path base = output;
  base.replace_extension();
  const std::string b = base.string();
  return {b + ".gpu.csv", b + ".gpu.svg", b + ".gpu.png", b + ".gpu.txt"};
}

RightSizing ComputeRightSizing(const std::vector<gpu::GpuSample>& samples, double seconds, int frames) {
  RightSizing r;
  r.gpu = ComputeGpuJobStats(samples);
  r.seconds = seconds;
  r.frames = frames;
  r.frames_per_second = seconds > 0 ? frames / seconds : 0;
  r.too_few_samples = r.gpu.samples < kMinSamplesToAdvise;
  if (!r.too_few_samples) r.smallest_class = gpu::SmallestGpuClassFor(r.gpu.peak_vram_bytes);
  return r;
}

std::string RightSizing::ToText() const {
  char buf[512];
  std::string out;
  std::snprintf(buf, sizeof(buf), "throughput: %d frames in %.3f s = %.2f frames/s\n", frames, seconds,
                frames_per_second);
  out += buf;
  if (gpu.samples == 0) return out + "GPU: no samples (no GPU, or GPU metrics unavailable)\n";
  std::snprintf(buf, sizeof(buf), "peak VRAM: %.2f GB (%s), mean GPU utilisation %.1f %%, peak %.0f degC, %.0f W, %d samples\n",
                gpu.peak_vram_bytes / 1e9, gpu.vram_is_per_process ? "this process" : "whole device",
                gpu.mean_util_percent, gpu.peak_temperature_celsius, gpu.peak_power_watts, gpu.samples);
  out += buf;
  if (too_few_samples) {
    std::snprintf(buf, sizeof(buf), "smallest GPU class: too few GPU samples to advise (%d; at least %d needed)\n",
                  gpu.samples, kMinSamplesToAdvise);
  } else if (smallest_class) {
    std::snprintf(buf, sizeof(buf), "smallest GPU class: %d GB (e.g. %s), with %.0f %% headroom\n",
                  smallest_class->memory_gb, smallest_class->examples.c_str(), (gpu::kRightSizingHeadroom - 1) * 100);
  } else {
    std::snprintf(buf, sizeof(buf), "smallest GPU class: none; the peak exceeds the largest class\n");
  }
  return out + buf;
}

Result<std::unique_ptr<GpuJobRecorder>> GpuJobRecorder::Start(gpu::GpuSampler& sampler, int gpu_index,
                                                              GpuReportPaths paths, std::string job_name) {
  const auto devices = sampler.devices();
  if (sampler.has_source() && (gpu_index < 0 || gpu_index >= static_cast<int>(devices.size()))) {
    return InvalidArgument("no GPU with index " + std::to_string(gpu_index) + " (" + std::to_string(devices.size()) +
                           " found)");
  }
  std::unique_ptr<GpuJobRecorder> r(new GpuJobRecorder());
  FF_ASSIGN_OR_RETURN(r->csv_, GpuCsvWriter::Create(paths.csv));
  r->sampler_ = &sampler;
  r->gpu_index_ = gpu_index;
  r->paths_ = std::move(paths);
  r->job_ = std::move(job_name);
  if (sampler.has_source()) {
    const gpu::GpuInfo& d = devices[static_cast<size_t>(gpu_index)];
    r->gpu_ = "GPU " + std::to_string(d.index) + ": " + d.name + " (" + d.uuid + ")";
  }
  GpuJobRecorder* self = r.get();
  r->listener_ = sampler.AddListener([self](const std::vector<gpu::GpuSample>& samples) {
    for (const auto& s : samples) {
      if (s.index != self->gpu_index_) continue;
      std::lock_guard lock(self->mu_);
      self->samples_.push_back(s);
      Status st = self->csv_->Append(s);
      if (!st.ok() && self->write_error_.ok()) self->write_error_ = st;
    }
  });
  return r;
}

GpuJobRecorder::~GpuJobRecorder() { Detach(); }

void GpuJobRecorder::Detach() {
  if (sampler_ && listener_) sampler_->RemoveListener(listener_);
  listener_ = 0;
}

int GpuJobRecorder::rows() const {
  std::lock_guard lock(mu_);
  return csv_->rows();
}

Result<RightSizing> GpuJobRecorder::Finish(Clock::time_point start, Clock::time_point end,
                                           std::vector<StageSpan> stages, int frames,
                                           std::vector<job::StageLoadSample> stage_load) {
  Detach();
  std::lock_guard lock(mu_);
  FF_RETURN_IF_ERROR(write_error_);
  ChartInput chart{job_, gpu_, start, end, samples_, std::move(stages), std::move(stage_load)};
  FF_RETURN_IF_ERROR(WriteStringToFile(Env::Default(), paths_.svg, RenderGpuChartSvg(chart)));
  FF_RETURN_IF_ERROR(WriteGpuChartPng(chart, paths_.png));
  const double seconds = std::chrono::duration<double>(end - start).count();
  RightSizing sizing = ComputeRightSizing(samples_, seconds, frames);
  FF_RETURN_IF_ERROR(WriteStringToFile(Env::Default(), paths_.summary, job_ + "\n" + sizing.ToText()));
  return sizing;
}

}  // namespace facefuse::report
