// A job record as a persistent store keeps it: the state, the outcome, the progress, the times, the interruptions
// and the results, as one JSON object. The spec (what the job works on) is not in it: the store keeps the
// submitter's request beside it, from which the submitter builds the spec again (job/sqlite_job_store.h).
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "facefuse/status.h"
#include "job/job.h"

namespace facefuse::job {

// The record's persistent fields of `job` as JSON text.
std::string RecordJson(const Job& job);

// Sets the persistent fields of `job` from RecordJson's text (the id, request and spec stay as they are).
// Errors: InvalidArgument for text that is not such a record (`job` may then be partly set).
Status ApplyRecordJson(std::string_view text, Job& job);

}  // namespace facefuse::job
