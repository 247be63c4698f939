// The GPU report of every job the service runs: the 1 Hz samples (OUTPUT.gpu.csv, written while the job runs),
// the trend chart (.gpu.svg, .gpu.png) and the summary (.gpu.txt) beside the job's output, as `facefuse swap
// --gpu-report` writes them. GET /v1/jobs/{id}/gpu.csv|gpu.svg|gpu.png answers those files.
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>

#include "job/job.h"
#include "job/job_runner.h"
#include "report/gpu_job_report.h"

namespace facefuse::server {

// The runners of `base`, each wrapped so that a job with an output file gets its GPU report beside it. A report
// that cannot be written is a warning on stderr, never the job's failure. Stateless: one wrapper serves every job.
job::JobRunners WithGpuReports(job::JobRunners base, double interval_s = 1.0);

// The files of `job`'s GPU report; nothing for a job without an output file (detect).
std::optional<report::GpuReportPaths> GpuReportPathsOf(const job::Job& job);

// The output file of a swap job (empty for other kinds).
std::filesystem::path JobOutputPath(const job::Job& job);

}  // namespace facefuse::server
