// The service's log of each job run, as JSON lines (telemetry/json_log.h): "job started", "stage finished" with
// its duration as each stage ends, and "job run finished" with the outcome, the error and the duration. Every line
// carries job_id and kind, so a log query can follow one job.
#pragma once

#include "job/job_runner.h"
#include "telemetry/json_log.h"

namespace facefuse::server {

// The runners of `base`, each wrapped so that every run of a job is logged to `log` (which must outlive them).
job::JobRunners WithJobLogs(job::JobRunners base, telemetry::JsonLog& log);

}  // namespace facefuse::server
