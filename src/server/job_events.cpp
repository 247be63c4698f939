#include "server/job_events.h"

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "server/job_json.h"

namespace facefuse::server {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPollInterval = std::chrono::milliseconds(200);
constexpr auto kMaxSilence = std::chrono::seconds(1);

// One client's stream: what it last got and when.
struct EventStream {
  std::string id;
  std::string last_data;
  Clock::time_point last_sent{};
  bool ended = false;
};

// Writes the next event once the record changed or a second went by; ends the stream after the final state.
// Returns false when the client went away.
bool WriteNextEvent(EventStream& stream, job::JobQueue& queue, const gpu::GpuSampler* sampler,
                    const std::atomic<bool>& stopping, httplib::DataSink& sink) {
  for (;;) {
    if (stream.ended || stopping) {
      sink.done();
      return true;
    }
    Result<job::Job> job = queue.store().Get(stream.id);
    if (!job.ok()) {  // removed by retention while followed
      sink.done();
      return true;
    }
    const bool final = job::IsFinal(job->state);
    std::string data = JobJson(*job, final ? nlohmann::json(nullptr) : GpuNowJson(sampler))
                           .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    const auto now = Clock::now();
    if (data != stream.last_data || now - stream.last_sent >= kMaxSilence) {
      const std::string event = "event: job\ndata: " + data + "\n\n";
      if (!sink.write(event.data(), event.size())) return false;
      stream.last_data = std::move(data);
      stream.last_sent = now;
      stream.ended = final;
      return true;
    }
    if (!sink.is_writable()) return false;
    std::this_thread::sleep_for(kPollInterval);
  }
}

}  // namespace

void AddJobEventsRoute(httplib::Server& http, const JobRouteContext& context, const std::atomic<bool>& stopping) {
  http.Get(R"(/v1/jobs/([^/]+)/events)", [context, &stopping](const httplib::Request& req, httplib::Response& res) {
    job::JobQueue& queue = *context.queue;
    const gpu::GpuSampler* sampler = context.sampler;
    Result<job::Job> job = VisibleJob(context, req, req.matches[1]);
    if (!job.ok()) return ReplyError(res, job.status());
    auto stream = std::make_shared<EventStream>();
    stream->id = job->id;
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Accel-Buffering", "no");  // a proxy in front passes each event on at once
    res.set_chunked_content_provider("text/event-stream", [stream, &queue, sampler, &stopping](
                                                              size_t, httplib::DataSink& sink) {
      return WriteNextEvent(*stream, queue, sampler, stopping, sink);
    });
  });
}

}  // namespace facefuse::server
