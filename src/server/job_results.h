// The results of the service's jobs, kept in a storage::ResultStore (the data dir, or an S3 bucket with
// `--results s3://...`): a swap job that succeeded stores its output under ResultKeyOf(job), and
// GET /v1/jobs/{id}/result reads it from there, so any replica can answer for a job another one ran.
#pragma once

#include <memory>
#include <string>

#include "job/job.h"
#include "job/job_runner.h"
#include "storage/result_store.h"

namespace facefuse::server {

// The runners of `base`, each wrapped so that a job with an output file that succeeds then stores it in `results`
// (stage "store_result"). An error of the store is the job's: Unavailable (out of reach) is run again by the queue
// like any transient error, then fails the job with the store's message. `results` is shared by every wrapper.
job::JobRunners WithResultStore(job::JobRunners base, std::shared_ptr<storage::ResultStore> results);

// The key of a swap job's result, "JOB_ID/FILE_NAME" (the job's id is its folder's name); "" for a job without an
// output file (detect).
std::string ResultKeyOf(const job::Job& job);

}  // namespace facefuse::server
