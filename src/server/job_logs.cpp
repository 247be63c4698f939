#include "server/job_logs.h"

#include <chrono>
#include <memory>
#include <string>
#include <utility>

namespace facefuse::server {
namespace {

using SteadyClock = std::chrono::steady_clock;

double SecondsSince(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

class LoggingRunner : public job::JobRunner {
 public:
  LoggingRunner(std::shared_ptr<const job::JobRunner> inner, telemetry::JsonLog& log)
      : inner_(std::move(inner)), log_(log) {}

  Status Run(job::Job& job, job::JobContext& context) const override {
    const nlohmann::json who = {{"job_id", job.id}, {"kind", job::JobKindName(job.kind)}};
    log_.Write(telemetry::LogLevel::kInfo, "job started", who);
    const SteadyClock::time_point start = SteadyClock::now();
    struct OpenStage {
      std::string name;
      SteadyClock::time_point start;
    };
    auto open = std::make_shared<OpenStage>();
    auto close_stage = [this, who, open] {
      if (open->name.empty()) return;
      nlohmann::json fields = who;
      fields["stage"] = open->name;
      fields["duration_s"] = SecondsSince(open->start);
      log_.Write(telemetry::LogLevel::kInfo, "stage finished", fields);
      open->name.clear();
    };
    job::JobContext logged = context;
    logged.on_stage = [close_stage, open, outer = context.on_stage](const std::string& stage) {
      close_stage();
      *open = {stage, SteadyClock::now()};
      if (outer) outer(stage);
    };
    const Status outcome = inner_->Run(job, logged);
    close_stage();
    nlohmann::json fields = who;
    fields["outcome"] = outcome.ok() ? "ok" : std::string(StatusCodeName(outcome.code()));
    fields["duration_s"] = SecondsSince(start);
    fields["frames"] = job.frames;
    if (!outcome.ok()) fields["error"] = outcome.message();
    log_.Write(outcome.ok() ? telemetry::LogLevel::kInfo : telemetry::LogLevel::kWarn, "job run finished", fields);
    return outcome;
  }

 private:
  std::shared_ptr<const job::JobRunner> inner_;
  telemetry::JsonLog& log_;
};

}  // namespace

job::JobRunners WithJobLogs(job::JobRunners base, telemetry::JsonLog& log) {
  for (auto& [kind, runner] : base) runner = std::make_shared<LoggingRunner>(runner, log);
  return base;
}

}  // namespace facefuse::server
