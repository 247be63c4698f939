#include "server/job_routes.h"

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <memory>
#include <optional>
#include <string>

#include "server/job_gpu_reports.h"
#include "server/job_json.h"
#include "server/job_results.h"
#include "server/job_requests.h"
#include "server/job_upload.h"

namespace facefuse::server {
namespace {

}  // namespace

std::string ContentTypeFor(const std::filesystem::path& image) {
  const std::string ext = image.extension().string();
  if (ext == ".png") return "image/png";
  if (ext == ".webp") return "image/webp";
  if (ext == ".bmp") return "image/bmp";
  if (ext == ".mp4" || ext == ".m4v") return "video/mp4";
  if (ext == ".webm") return "video/webm";
  if (ext == ".mkv") return "video/x-matroska";
  if (ext == ".mov") return "video/quicktime";
  return "image/jpeg";
}

namespace {

// 413 with the error shape; the connection is closed, as the rest of the body was not read.
void ReplyTooLarge(httplib::Response& res, const JobApiOptions& options) {
  res.set_header("Connection", "close");
  ReplyError(res, UploadTooLarge(options.max_upload_bytes));
  res.status = 413;
}

}  // namespace

std::unique_ptr<JobUpload> ReceiveJobFiles(std::string_view route, const httplib::Request& req,
                                           httplib::Response& res, const httplib::ContentReader& reader,
                                           const JobApiOptions& options,
                                           const std::shared_ptr<MemoryBudget>& decode_budget, JobFiles* files,
                                           bool video_targets) {
  if (!req.is_multipart_form_data()) {
    // Read past the body, so that the connection stays usable.
    if (!reader([](const char*, size_t) { return true; }) && res.status == 413) {
      ReplyTooLarge(res, options);
      return nullptr;
    }
    ReplyError(res,
               InvalidArgument(std::string(route) + " takes multipart/form-data (parts: source, target, options), "
                               "got Content-Type \"" + req.get_header_value("Content-Type") + "\""),
               ErrorOrigin::kUsage);
    return nullptr;
  }
  Result<std::unique_ptr<JobUpload>> begun = JobUpload::Begin(options.data_dir, options.max_upload_bytes, decode_budget);
  if (!begun.ok()) {
    ReplyError(res, begun.status());
    return nullptr;
  }
  std::unique_ptr<JobUpload> upload = std::move(begun).value();
  if (video_targets) upload->set_max_video_seconds(options.max_video_seconds);
  upload->set_deadline_seconds(options.upload_deadline_seconds);
  JobUpload* u = upload.get();
  const bool read = reader([u](const httplib::MultipartFormData& part) { return u->BeginPart(part.name); },
                           [u](const char* data, size_t size) { return u->Append(data, size); });
  if (u->over_limit() || res.status == 413) {
    ReplyTooLarge(res, options);
    return nullptr;
  }
  if (u->timed_out()) {  // 408; the rest of the body is not read, so the connection closes
    res.set_header("Connection", "close");
    ReplyError(res, InvalidArgument("the request body did not arrive within " +
                                    std::to_string(static_cast<int>(options.upload_deadline_seconds)) + " s"));
    res.status = 408;
    return nullptr;
  }
  if (!read) {
    ReplyError(res, InvalidArgument("malformed multipart/form-data body"), ErrorOrigin::kUsage);
    return nullptr;
  }
  Result<JobFiles> finished = u->Finish();
  if (!finished.ok()) {
    ReplyError(res, finished.status(), u->usage_error() ? ErrorOrigin::kUsage : ErrorOrigin::kRuntime);
    return nullptr;
  }
  *files = std::move(finished).value();
  return upload;
}

namespace {

// When a refused job may come back: about the time the jobs ahead of it take, 1 to 60 s.
int RetryAfterSeconds(const job::JobQueue& queue) {
  const size_t per_worker = queue.queued() / static_cast<size_t>(std::max(1, queue.limits().workers));
  return static_cast<int>(std::clamp<size_t>(per_worker, 1, 60));
}

void Submit(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader,
            const JobRouteContext& context) {
  if (context.gate && context.gate(req, res)) return DrainBody(req, reader);  // answered 401 or 429
  job::JobQueue& queue = *context.queue;
  telemetry::Metrics* metrics = context.metrics;
  JobFiles files;
  std::unique_ptr<JobUpload> received =
      ReceiveJobFiles("POST /v1/jobs", req, res, reader, *context.options, context.decode_budget, &files, true);
  if (!received) return;  // answered
  if (!PassesContentGate(context, files, res)) return;
  JobUpload& upload = *received;
  std::vector<std::string> warnings;
  Result<job::Job> job = SwapJobFor(files, &warnings);
  if (!job.ok()) return ReplyError(res, job.status(), ErrorOrigin::kUsage);
  job->owner = PrincipalOf(context, req);
  Result<std::string> id = queue.Submit(std::move(job).value(), {});
  if (!id.ok()) {  // the queue is full or shutting down: the client may come back
    if (metrics != nullptr && queue.accepting()) metrics->CountRejectedRequest("queue_full");
    res.set_header("Retry-After", std::to_string(RetryAfterSeconds(queue)));
    return ReplyError(res, Unavailable(id.status().message()));
  }
  upload.Keep();
  res.set_header("Location", "/v1/jobs/" + *id);
  ReplyJson(res, 202, {{"id", *id}, {"state", "queued"}, {"warnings", warnings}});
}

// ?state=, ?limit=, ?offset= of GET /v1/jobs. Errors (usage): an unknown state, a limit or offset that is no
// number >= 0.
struct ListQuery {
  std::optional<std::string> state;
  size_t limit = 100;
  size_t offset = 0;
};

Result<size_t> Count(const httplib::Request& req, const char* name, size_t fallback) {
  if (!req.has_param(name)) return fallback;
  const std::string text = req.get_param_value(name);
  if (text.empty() || text.size() > 9 || !std::all_of(text.begin(), text.end(), ::isdigit)) {
    return InvalidArgument(std::string("?") + name + "= must be a whole number >= 0, got \"" + text + "\"");
  }
  return static_cast<size_t>(std::stoul(text));
}

Result<ListQuery> ParseListQuery(const httplib::Request& req) {
  ListQuery query;
  if (req.has_param("state")) {
    query.state = req.get_param_value("state");
    bool known = false;
    for (job::JobState s : {job::JobState::kQueued, job::JobState::kRunning, job::JobState::kSucceeded,
                            job::JobState::kFailed, job::JobState::kCancelled})
      known |= job::JobStateName(s) == *query.state;
    if (!known) {
      return InvalidArgument("?state= must be queued, running, succeeded, failed or cancelled, got \"" +
                             *query.state + "\"");
    }
  }
  FF_ASSIGN_OR_RETURN(query.limit, Count(req, "limit", query.limit));
  FF_ASSIGN_OR_RETURN(query.offset, Count(req, "offset", query.offset));
  return query;
}

void List(const httplib::Request& req, httplib::Response& res, const JobRouteContext& context) {
  Result<ListQuery> query = ParseListQuery(req);
  if (!query.ok()) return ReplyError(res, query.status(), ErrorOrigin::kUsage);
  if (Status store = context.queue->store().Health(); !store.ok()) {  // an empty list would look like lost jobs
    res.set_header("Retry-After", "1");
    return ReplyError(res, Unavailable("the job store: " + store.message()));
  }
  const std::string principal = PrincipalOf(context, req);
  nlohmann::json jobs = nlohmann::json::array();
  size_t matched = 0;
  for (const job::Job& job : context.queue->store().List()) {
    if (context.auth != nullptr && job.owner != principal) continue;
    if (query->state && job::JobStateName(job.state) != *query->state) continue;
    if (matched++ < query->offset || jobs.size() >= query->limit) continue;
    jobs.push_back(JobJson(job));
  }
  ReplyJson(res, 200, {{"jobs", jobs}, {"total", matched}, {"offset", query->offset}, {"limit", query->limit}});
}

// True when `range` (a Range header) asks for no byte of a `size`-byte file ("bytes=N-" with N past the end,
// "bytes=-0"): the answer is then 416, which httplib 0.11 does not give.
bool Unsatisfiable(const std::string& range, uintmax_t size) {
  if (range.rfind("bytes=", 0) != 0) return false;
  const std::string spec = range.substr(6);
  const std::string first = spec.substr(0, spec.find(','));  // the first range decides
  const size_t dash = first.find('-');
  if (dash == std::string::npos) return false;
  const std::string from = first.substr(0, dash), to = first.substr(dash + 1);
  const auto digits = [](const std::string& s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos; };
  if (from.empty()) return digits(to) && to.find_first_not_of('0') == std::string::npos;  // bytes=-0
  return digits(from) && (from.size() > 19 || std::stoull(from) >= size);
}

// Answers the `size` bytes that `read` gives as `content_type`, read as they are sent (Range requests too): a video
// result is not held in memory. `what` names them in the 416 message.
void SendBytes(const httplib::Request& req, httplib::Response& res, uint64_t size, const std::string& content_type,
               const std::string& what, httplib::ContentProvider read) {
  httplib::Ranges& ranges = const_cast<httplib::Request&>(req).ranges;  // see below
  if (req.has_header("Range") && Unsatisfiable(req.get_header_value("Range"), size)) {
    ranges.clear();  // else httplib would cut the error's JSON to the range
    res.set_header("Content-Range", "bytes */" + std::to_string(size));
    ReplyError(res, InvalidArgument("the range " + req.get_header_value("Range").substr(0, 80) + " is past the end of " +
                                    what + " (" + std::to_string(size) + " bytes)"));
    res.status = 416;
    return;
  }
  // httplib 0.11 answers a range that ends past the end ("bytes=0-1048575" of a smaller file) with that end and a
  // Content-Length the body never reaches, and labels the parts of a multi-range answer from a content provider
  // with a size of 0. So, before it answers: such an end becomes the last byte (RFC 9110 14.1.2), and several
  // ranges are ignored (the whole file, 200: a server may ignore a Range). The request is httplib's own object,
  // handed to the handler as const.
  if (ranges.size() > 1) ranges.clear();
  for (httplib::Range& range : ranges) {
    if (range.first >= 0 && range.second >= static_cast<ssize_t>(size)) range.second = static_cast<ssize_t>(size) - 1;
  }
  res.set_header("Accept-Ranges", "bytes");
  res.set_content_provider(static_cast<size_t>(size), content_type, std::move(read));
}

// Answers the file at `path` (SendBytes). Errors: NotFound (`what`) when the file is not there.
void SendFile(const httplib::Request& req, httplib::Response& res, const std::filesystem::path& path,
              const std::string& content_type, const std::string& what) {
  std::error_code error;
  const uintmax_t size = std::filesystem::file_size(path, error);
  if (error) return ReplyError(res, NotFound(what + " is not there"));
  SendBytes(req, res, size, content_type, what, [path](size_t offset, size_t length, httplib::DataSink& sink) {
    return storage::ReadFileRange(path, offset, length, [&sink](const char* data, size_t n) {
             return sink.write(data, n);
           }).ok();
  });
}

// GET /v1/jobs/{id}/result: the output of a job that succeeded, from the result store.
void SendResult(const httplib::Request& req, httplib::Response& res, const JobRouteContext& context) {
  facefuse::Result<job::Job> job = VisibleJob(context, req, req.matches[1]);
  if (!job.ok()) return ReplyError(res, job.status());
  const std::string key = ResultKeyOf(*job);
  if (key.empty() || job->state != job::JobState::kSucceeded) {
    return ReplyError(res, FailedPrecondition("job " + job->id + " is " + std::string(job::JobStateName(job->state)) +
                                              ": its result is there once it has succeeded"));
  }
  const std::string what = "the result of job " + job->id;
  Result<uint64_t> size = context.results->Size(key);
  if (!size.ok() && size.status().code() == StatusCode::kNotFound) return ReplyError(res, NotFound(what + " is not there"));
  if (!size.ok()) {  // the store's trouble is the server's, not the client's: 503, the details in the log
    std::fprintf(stderr, "facefuse: reading %s: %s\n", key.c_str(), size.status().ToString().c_str());
    res.set_header("Retry-After", "5");
    return ReplyError(res, Unavailable(what + " cannot be read now: the result store does not answer"));
  }
  SendBytes(req, res, *size, ContentTypeFor(key), what,
            [results = context.results, key](size_t offset, size_t length, httplib::DataSink& sink) {
              const Status read = results->Read(key, offset, length, [&sink](const char* data, size_t n) {
                return sink.write(data, n);
              });
              if (!read.ok() && read.code() != StatusCode::kCancelled) {
                std::fprintf(stderr, "facefuse: reading %s: %s\n", key.c_str(), read.ToString().c_str());
              }
              return read.ok();
            });
}

// GET /v1/jobs/{id}/gpu.(csv|svg|png): the job's GPU report files; the CSV grows while the job runs.
void SendGpuReport(const httplib::Request& req, httplib::Response& res, const JobRouteContext& context) {
  facefuse::Result<job::Job> job = VisibleJob(context, req, req.matches[1]);
  if (!job.ok()) return ReplyError(res, job.status());
  const std::optional<report::GpuReportPaths> paths = GpuReportPathsOf(*job);
  const std::string ext = req.matches[2];
  const std::string what = "the GPU report (gpu." + ext + ") of job " + job->id;
  if (!paths) return ReplyError(res, NotFound(what + " is not there: a " + std::string(job::JobKindName(job->kind)) +
                                              " job has none"));
  if (ext == "csv") return SendFile(req, res, paths->csv, "text/csv; charset=utf-8", what);
  if (ext == "svg") return SendFile(req, res, paths->svg, "image/svg+xml", what + " (written when the job ends)");
  SendFile(req, res, paths->png, "image/png", what + " (written when the job ends)");
}

}  // namespace

Status UploadTooLarge(uint64_t max_upload_bytes) {
  return InvalidArgument("the request body is over the upload limit of " + std::to_string(max_upload_bytes >> 20) +
                         " MiB (--max-upload-mb)");
}

void ReplyJson(httplib::Response& res, int http_status, const nlohmann::json& body) {
  res.status = http_status;
  // Text from the request (a path, a name) may not be UTF-8: such bytes become U+FFFD instead of throwing.
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

void ReplyError(httplib::Response& res, const Status& status, ErrorOrigin origin) {
  ReplyJson(res, HttpStatusFor(status, origin), ErrorJson(status));
}

void DrainBody(const httplib::Request& req, const httplib::ContentReader& reader) {
  if (req.is_multipart_form_data()) {
    reader([](const httplib::MultipartFormData&) { return true; }, [](const char*, size_t) { return true; });
  } else {
    reader([](const char*, size_t) { return true; });
  }
}

bool PassesContentGate(const JobRouteContext& context, const JobFiles& files, httplib::Response& res) {
  if (context.content_gate == nullptr) return true;
  const Status verdict = context.content_gate->Check(files);
  if (verdict.ok()) return true;
  if (context.metrics != nullptr && verdict.code() == StatusCode::kPermissionDenied) {
    context.metrics->CountRejectedRequest("content_gate");
  }
  ReplyError(res, verdict);
  return false;
}

std::string PrincipalOf(const JobRouteContext& context, const httplib::Request& req) {
  if (context.auth == nullptr) return "";
  Result<std::string> principal = context.auth->Authenticate(req.get_header_value("Authorization"));
  return principal.ok() ? *principal : "";
}

Result<job::Job> VisibleJob(const JobRouteContext& context, const httplib::Request& req, const std::string& id) {
  Result<job::Job> job = context.queue->store().Get(id);
  if (!job.ok() && job.status().code() != StatusCode::kNotFound) return job.status();  // the store is out of reach
  if (!job.ok()) return NotFound("no job " + id.substr(0, 80));
  if (context.auth != nullptr && job->owner != PrincipalOf(context, req)) return NotFound("no job " + id.substr(0, 80));
  return job;
}

void AddJobRoutes(httplib::Server& http, const JobRouteContext& context) {
  http.Post("/v1/jobs", [context](const httplib::Request& req, httplib::Response& res,
                                  const httplib::ContentReader& reader) { Submit(req, res, reader, context); });
  http.Get("/v1/jobs", [context](const httplib::Request& req, httplib::Response& res) { List(req, res, context); });
  http.Get(R"(/v1/jobs/([^/]+))", [context](const httplib::Request& req, httplib::Response& res) {
    facefuse::Result<job::Job> job = VisibleJob(context, req, req.matches[1]);
    if (!job.ok()) return ReplyError(res, job.status());
    const bool running = job->state == job::JobState::kRunning;
    ReplyJson(res, 200, JobJson(*job, running ? GpuNowJson(context.sampler) : nullptr));
  });
  http.Get(R"(/v1/jobs/([^/]+)/result)",
           [context](const httplib::Request& req, httplib::Response& res) { SendResult(req, res, context); });
  http.Get(R"(/v1/jobs/([^/]+)/gpu\.(csv|svg|png))",
           [context](const httplib::Request& req, httplib::Response& res) { SendGpuReport(req, res, context); });
  http.Delete(R"(/v1/jobs/([^/]+))", [context](const httplib::Request& req, httplib::Response& res) {
    const std::string id = req.matches[1];
    if (Result<job::Job> visible = VisibleJob(context, req, id); !visible.ok()) return ReplyError(res, visible.status());
    if (Status st = context.queue->Cancel(id); !st.ok()) return ReplyError(res, st);
    facefuse::Result<job::Job> job = context.queue->store().Get(id);
    if (!job.ok()) return ReplyError(res, job.status());
    // A running job was asked to stop: 202, its state follows (GET or the events show it end).
    ReplyJson(res, job->state == job::JobState::kRunning ? 202 : 200, JobJson(*job));
  });
}

}  // namespace facefuse::server
