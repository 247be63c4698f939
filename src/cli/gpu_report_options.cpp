#include "cli/gpu_report_options.h"

namespace facefuse::cli {

void AddGpuReportOptions(CLI::App* cmd, GpuReportOptions& options, const std::string& output_help) {
  cmd->add_flag("--gpu-report", options.enabled,
                "Write OUTPUT.gpu.csv/.svg/.png/.txt (GPU samples, trend chart, right-sizing) " + output_help);
  cmd->add_option("--interval", options.report.interval_s,
                  "GPU sampling interval in seconds (readings are also taken at each stage change)")
      ->capture_default_str();
  cmd->add_option("--gpu", options.report.gpu, "GPU index to report")->capture_default_str();
}

Result<std::unique_ptr<report::JobGpuReport>> StartGpuReport(const GpuReportOptions& options,
                                                             const std::filesystem::path& output,
                                                             std::string job_name) {
  if (!options.enabled) return std::unique_ptr<report::JobGpuReport>();
  return report::JobGpuReport::Start(output, std::move(job_name), options.report);
}

}  // namespace facefuse::cli
