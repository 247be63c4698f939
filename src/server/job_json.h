// The JSON the job API answers with: a job record as clients see it, and the
// one error shape {"error": {"code": "<StatusCode name>", "message": "..."}}.
//
// Thread safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>

#include "facefuse/gpu.h"
#include "facefuse/status.h"
#include "job/job.h"

namespace facefuse::server {

// {"error": {"code": "InvalidArgument", "message": "..."}}.
nlohmann::json ErrorJson(const Status& status);

// The job's id, kind, state, progress, stage, error (null unless it failed
// or was cancelled), times (ISO 8601 UTC, null until reached) and, for a swap
// image job, the faces swapped and its result's URL once it has succeeded.
// progress has items_done, items_total, fraction (0..1; 1 once succeeded), items_per_s and eta_s (null when
// unknown). "gpu" is `gpu` (GpuNowJson). Messages name the job's files by their names in the job folder, not by
// the server's paths.
nlohmann::json JobJson(const job::Job& job, const nlohmann::json& gpu = nullptr);

// `status` with the job folder's path taken out of its message ("no face in target.png", not
// "/srv/facefuse/job-x/target.png"): what a client may see of a job's error.
Status ForClients(const Status& status, const job::Job& job);

// The latest reading of the first GPU `sampler` reads: {"util_pct", "mem_used_mib", "temp_c", "power_w"} (each
// null when the GPU does not report it); null without a sampler, a GPU or a reading yet.
nlohmann::json GpuNowJson(const gpu::GpuSampler* sampler);

}  // namespace facefuse::server
