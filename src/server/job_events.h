// GET /v1/jobs/{id}/events: a job's progress as Server-Sent Events. Each event is
//
//   event: job
//   data: <the job's JSON, as GET /v1/jobs/{id} answers it>
//
// sent at once, on every change of the record and at least once a second while the job is not final; the stream
// ends after the event of its final state. 404 (the error shape) for an unknown id.
#pragma once

#include <httplib.h>

#include <atomic>

#include "server/job_routes.h"

namespace facefuse::server {

// Registers the route on `http` (a job of another principal is answered as no job). `stopping` must outlive
// `http`; once it is true every stream ends, so that the server's threads can be joined.
void AddJobEventsRoute(httplib::Server& http, const JobRouteContext& context, const std::atomic<bool>& stopping);

}  // namespace facefuse::server
