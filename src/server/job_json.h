// The JSON the job API answers with: a job record as clients see it, and the
// one error shape {"error": {"code": "<StatusCode name>", "message": "..."}}.
//
// Thread safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>

#include "facefuse/status.h"
#include "job/job.h"

namespace facefuse::server {

// {"error": {"code": "InvalidArgument", "message": "..."}}.
nlohmann::json ErrorJson(const Status& status);

// The job's id, kind, state, progress, stage, error (null unless it failed
// or was cancelled), times (ISO 8601 UTC, null until reached) and, for a swap
// image job, the faces swapped and its result's URL once it has succeeded.
// Messages name the job's files by their names in the job folder, not by
// the server's paths.
nlohmann::json JobJson(const job::Job& job);

}  // namespace facefuse::server
