// How the job-running commands (job, serve) print a job.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "common/env.h"
#include "job/job.h"

namespace facefuse::cli {

// A finished job record as
// {"kind", "outcome", "error", "duration_s", "frames", "faces", "stages": {stage: seconds}, "images": [...]},
// with "faces_swapped" and "output" in place of "faces" and "images" for a swap job.
nlohmann::json JobResultJson(const job::Job& r);

// Writes JobResultJson(r) to `path` (created or truncated). Errors: IoError
// "cannot write PATH: <reason>" (strerror: no such folder, a directory, no
// permission, no space left...).
Status WriteJobResultJson(const job::Job& r, const std::filesystem::path& path, Env* env = Env::Default());

// "detect job: 3 image(s), 3 frame(s), 5 face(s) in 0.412 s: success" (or ": failure (<error>)");
// "swap_image job: 1 frame(s), 2 face(s) swapped in 1.203 s: success" for a swap job.
std::string JobResultLine(const job::Job& r);

}  // namespace facefuse::cli
