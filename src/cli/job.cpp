// facefuse job IMAGES...: a detection job over a batch of images, with an
// optional per-job GPU report (CSV, SVG/PNG trend chart, right-sizing) beside its output.
#include <cstdio>

#include "cli/commands.h"
#include "cli/common_flags.h"
#include "cli/exit_status.h"
#include "cli/job_report.h"
#include "cli/job_output.h"
#include "cli/option_checks.h"
#include "job/job_runner.h"

namespace facefuse::cli {
namespace {

struct JobOptions {
  std::vector<std::string> images;
  std::string output;
  std::string model;
  JobReportOptions report;
  int threads = 0;
};

int RunJob(const JobOptions& o) {
  job::DetectSpec spec;
  for (const auto& i : o.images) spec.images.emplace_back(i);
  spec.model = o.model;
  spec.threads = o.threads;

  const std::filesystem::path output = o.output.empty() ? std::filesystem::path("facefuse-job.json") : std::filesystem::path(o.output);
  // Every file the job writes (--output, --metrics-file, the GPU report) is none of its inputs nor another output.
  std::vector<std::filesystem::path> inputs = spec.images;
  if (!o.model.empty()) inputs.emplace_back(o.model);
  if (Status st = CheckJobOutputs(o.report, {"--output", o.output}, output, inputs); !st.ok()) {
    return Exit("job", st, ErrorOrigin::kUsage);
  }
  auto run = JobReport::Start(o.report, output, "detect job (" + std::to_string(o.images.size()) + " images)");
  if (!run.ok()) {
    // A report option this machine cannot honour (--gpu N with no such GPU) is a usage error.
    return Exit("job", run.status(),
                run.status().code() == StatusCode::kInvalidArgument ? ErrorOrigin::kUsage : ErrorOrigin::kRuntime);
  }
  job::Job result = job::NewDetectJob(std::move(spec));
  job::JobContext context;
  context.metrics = run->metrics();
  context.on_stage = run->StageHook();
  if (Status st = job::RunJob(result, job::DefaultJobRunners(), context); !st.ok()) {
    std::fprintf(stderr, "job: %s\n", st.ToString().c_str());
    return 1;
  }
  // The report covers the job, not the writing of its results: sampling stops as soon as the job ends.
  run->EndJob();
  std::printf("%s\n", JobResultLine(result).c_str());
  int rc = ExitCodeFor(result.status);
  if (!o.output.empty()) {
    if (Status st = WriteJobResultJson(result, o.output); !st.ok()) {
      rc = Exit("job", st);
    }
  }
  auto summary = run->Finish(result);
  if (!summary.ok()) {
    return Exit("job", summary.status());
  }
  std::printf("%s", summary->c_str());
  return rc;
}

}  // namespace

void AddJobCommand(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<JobOptions>();
  auto* cmd = app.add_subcommand("job", "Run a face-detection job over images; optionally write a GPU report");
  cmd->add_option("images", o->images, "Image files")->required();
  cmd->add_option("--output", o->output, "Write the job's results as JSON here; the GPU report goes beside it");
  AddJobReportOptions(cmd, o->report, "beside --output; without it, beside ./facefuse-job.json");
  cmd->add_option("--model", o->model, "Detector model (default: the bundled YuNet 2023mar)");
  AddThreadsOption(cmd, o->threads);
  cmd->callback([o, cmd, &exit_code] {
    o->report.gpu_given = Given(*cmd, "--gpu");
    if (!o->report.gpu_report) {
      for (const char* option : {"--gpu", "--interval"})
        if (Given(*cmd, option)) Warn("job", std::string(option) + " is ignored without --gpu-report");
    }
    exit_code = RunJob(*o);
  });
}

}  // namespace facefuse::cli
