#include "server/swap_route.h"

#include <atomic>
#include <fstream>
#include <iterator>

#include "job/job_runner.h"
#include "server/job_json.h"
#include "server/job_requests.h"
#include "server/job_routes.h"

namespace facefuse::server {
namespace {

// One of at most `limit` slots, held for the life of the object; empty when all are taken.
class Slot {
 public:
  Slot(std::atomic<int>& in_use, int limit) : in_use_(in_use) {
    held_ = in_use_.fetch_add(1) < limit;
    if (!held_) in_use_.fetch_sub(1);
  }
  ~Slot() {
    if (held_) in_use_.fetch_sub(1);
  }
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;
  bool held() const { return held_; }

 private:
  std::atomic<int>& in_use_;
  bool held_ = false;
};

void Swap(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader,
          const JobRouteContext& context, std::atomic<int>& in_use, int max_concurrent) {
  const JobApiOptions& options = *context.options;
  const std::shared_ptr<MemoryBudget>& decode_budget = context.decode_budget;
  if (context.gate && context.gate(req, res)) return DrainBody(req, reader);  // answered 401 or 429
  Slot slot(in_use, max_concurrent);
  if (!slot.held()) {
    DrainBody(req, reader);
    res.set_header("Retry-After", "1");
    return ReplyError(res, Unavailable("the server is running " + std::to_string(max_concurrent) +
                                       " synchronous swaps already: retry, or submit a job (POST /v1/jobs)"));
  }
  JobFiles files;
  std::unique_ptr<JobUpload> upload = ReceiveJobFiles("POST /v1/swap", req, res, reader, options, decode_budget, &files);
  if (!upload) return;  // answered; the folder goes with the upload
  if (!PassesContentGate(context, files, res)) return;
  std::vector<std::string> warnings;
  Result<job::Job> made = SwapJobFor(files, &warnings);
  if (!made.ok()) return ReplyError(res, made.status(), ErrorOrigin::kUsage);
  job::Job job = std::move(made).value();
  job.id = "sync";
  job::JobContext run_context;
  run_context.metrics = context.metrics;
  if (Status ran = job::RunJob(job, job::DefaultJobRunners(), run_context); !ran.ok()) return ReplyError(res, ran);
  if (!job.status.ok()) return ReplyError(res, ForClients(job.status, job));
  std::ifstream in(job.swap_image_result.output, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.empty()) return ReplyError(res, IoError("cannot read the swapped image"));
  res.set_header("X-Faces-Swapped", std::to_string(job.swap_image_result.faces_swapped));
  res.set_content(std::move(bytes), ContentTypeFor(job.swap_image_result.output));
}

}  // namespace

void AddSwapRoute(httplib::Server& http, const JobRouteContext& context, int max_concurrent) {
  auto in_use = std::make_shared<std::atomic<int>>(0);
  http.Post("/v1/swap", [context, in_use, max_concurrent](const httplib::Request& req, httplib::Response& res,
                                                          const httplib::ContentReader& reader) {
    Swap(req, res, reader, context, *in_use, max_concurrent);
  });
}

}  // namespace facefuse::server
