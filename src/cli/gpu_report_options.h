// The --gpu-report, --interval and --gpu options, shared by the commands that
// write a per-job GPU report (job, swap) so both spell and check them alike.
#pragma once

#include <CLI/CLI.hpp>

#include <filesystem>
#include <memory>
#include <string>

#include "report/job_gpu_report.h"

namespace facefuse::cli {

struct GpuReportOptions {
  bool enabled = false;
  report::JobGpuReportOptions report;
};

// Adds --gpu-report, --interval and --gpu to `cmd`. `output_help` says where the report goes.
void AddGpuReportOptions(CLI::App* cmd, GpuReportOptions& options, const std::string& output_help);

// Starts the report beside `output` when --gpu-report was given; null otherwise.
// Errors: from report::JobGpuReport::Start.
Result<std::unique_ptr<report::JobGpuReport>> StartGpuReport(const GpuReportOptions& options,
                                                             const std::filesystem::path& output,
                                                             std::string job_name);

}  // namespace facefuse::cli
