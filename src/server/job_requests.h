// A job request of the API (an upload's files and options) as a job, and back again: the job keeps its request as
// JSON (Job::request) so that a persistent store can build the same job after a restart (RebuildJob).
//
// The request's JSON: {"kind": "swap_image" or "swap_video", "options": "<the options part's text>", "sources": ["source-0.jpg"],
// "target": "target.jpg", "output": "output.jpg"}, file names relative to the job's folder.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "facefuse/status.h"
#include "job/job.h"
#include "server/job_upload.h"

namespace facefuse::server {

// The swap job the sources, target and options of `files` ask for, with its request, its folder (files.folder)
// and the folder's name as its id. `warnings` gets the options the chosen swapper ignores. Errors (usage): the
// options' and the swap plan's.
Result<job::Job> SwapJobFor(const JobFiles& files, std::vector<std::string>* warnings);

// Builds the spec of the stored `job` again from its request and folder (a job::SqliteJobStore::Rebuild). Errors:
// InvalidArgument for a request that is not one of ours; NotFound when a file of it is gone; the options' errors
// (a model removed since).
Status RebuildJob(job::Job& job);

}  // namespace facefuse::server
