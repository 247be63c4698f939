// How the job-running commands (job, serve) print a job.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "common/env.h"
#include "job/detect_job.h"

namespace facefuse::cli {

// {"kind", "outcome", "error", "duration_s", "frames", "faces", "stages": {stage: seconds}, "images": [...]}
nlohmann::json JobResultJson(const job::JobResult& r);

// Writes JobResultJson(r) to `path` (created or truncated). Errors: IoError
// "cannot write PATH: <reason>" (strerror: no such folder, a directory, no
// permission, no space left...).
Status WriteJobResultJson(const job::JobResult& r, const std::filesystem::path& path, Env* env = Env::Default());

// "detect job: 3 image(s), 3 frame(s), 5 face(s) in 0.412 s: success" (or ": failure (<error>)").
std::string JobResultLine(const job::JobResult& r);

}  // namespace facefuse::cli
