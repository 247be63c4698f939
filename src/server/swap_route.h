// POST /v1/swap: a synchronous image swap for small images. The request is the
// one POST /v1/jobs takes (multipart: source part(s), target, options); the
// answer is the swapped image itself (200, its Content-Type) or the error
// shape. The job runs on the request's thread, counted in the job metrics like
// a queued one, and its folder is removed once answered. At most
// `max_concurrent` run at once; another request is answered 503 with
// Retry-After (the queue, POST /v1/jobs, is the way for larger work).
//
// Thread safety: the handler runs on the HTTP server's threads at once.
#pragma once

#include <httplib.h>

#include <memory>

#include "facefuse/memory_budget.h"
#include "server/job_api.h"
#include "server/job_routes.h"
#include "telemetry/metrics.h"

namespace facefuse::server {

// Registers POST /v1/swap on `http`: at most `max_concurrent` at once. The context's pointees must outlive `http`.
void AddSwapRoute(httplib::Server& http, const JobRouteContext& context, int max_concurrent);

}  // namespace facefuse::server
