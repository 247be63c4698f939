#include "server/job_results.h"

#include <utility>

#include "server/job_gpu_reports.h"

namespace facefuse::server {
namespace {

class ResultStoringRunner : public job::JobRunner {
 public:
  ResultStoringRunner(std::shared_ptr<const job::JobRunner> inner, std::shared_ptr<storage::ResultStore> results)
      : inner_(std::move(inner)), results_(std::move(results)) {}

  Status Run(job::Job& job, job::JobContext& context) const override {
    Status outcome = inner_->Run(job, context);
    const std::string key = ResultKeyOf(job);
    if (!outcome.ok() || key.empty()) return outcome;
    const auto stop_asked = [&context] { return context.cancel != nullptr && context.cancel->load(); };
    if (stop_asked()) return Cancelled("the job was cancelled");
    job::StageScope stage("store_result", job, context);
    const Status stored = results_->Put(key, JobOutputPath(job));
    // Asked to stop while the store was out of reach: cancelled, not run again.
    if (!stored.ok() && stop_asked()) return Cancelled("the job was cancelled while its result was being stored");
    return stored;
  }

 private:
  std::shared_ptr<const job::JobRunner> inner_;
  std::shared_ptr<storage::ResultStore> results_;
};

}  // namespace

std::string ResultKeyOf(const job::Job& job) {
  const std::filesystem::path output = JobOutputPath(job);
  if (output.empty() || job.id.empty()) return "";
  return job.id + "/" + output.filename().string();
}

job::JobRunners WithResultStore(job::JobRunners base, std::shared_ptr<storage::ResultStore> results) {
  for (auto& [kind, runner] : base) runner = std::make_shared<ResultStoringRunner>(runner, results);
  return base;
}

}  // namespace facefuse::server
