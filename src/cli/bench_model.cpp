// facefuse bench-model MODEL.onnx: latency percentiles and memory of one model.
#include <sys/resource.h>

#include <algorithm>
#include <charconv>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <cstring>
#include <random>
#include <regex>

#include "facefuse/runtime.h"
#include "facefuse/tensor_file.h"
#include "cli/commands.h"
#include "cli/common_flags.h"
#include "cli/exit_status.h"
#include "cli/memory_limit.h"
#include "cli/option_checks.h"
#include "common/env.h"
#include "cli/profile_report.h"

namespace facefuse::cli {
namespace fs = std::filesystem;
namespace {

struct BenchOptions {
  std::string model;
  int threads = 0;
  int runs = 20;
  int warmup = 3;
  bool json = false;
  std::string data;  // a test_data_set_* folder; default: the model folder's first set, else random
  std::string plan_cache;  // SessionOptions::plan_cache_dir; "" for none
  bool no_plan_timing = false;  // SessionOptions::time_plans = false
  std::string provider = "cpu";
  std::string layout = "nhwc";  // nhwc: the channels-last pass runs (cpu); nchw: it does not
  int batch = 0;             // 0: the inputs as they are; N: N copies stacked along dim 0
  std::string memory_limit;  // "" = none
  int profile_top = -1;      // -1: no profile; N: time every node, show the N heaviest
  bool batch_given = false;    // --batch was on the command line
  bool profile_given = false;  // --profile was on the command line
};

constexpr int kMaxRuns = 1000000;
constexpr int kMaxBatch = 4096;
constexpr int kMaxProfileTop = 1000000;

// The first out-of-range option as "--runs must be 1..1000000, got 0"; "" when all are in range.
std::string CheckRanges(const BenchOptions& o) {
  auto outside = [](const char* option, int value, int lo, int hi) -> std::string {
    if (value >= lo && value <= hi) return "";
    return std::string(option) + " must be " + std::to_string(lo) + ".." + std::to_string(hi) + ", got " +
           std::to_string(value);
  };
  for (const std::string& e : {outside("--runs", o.runs, 1, kMaxRuns), outside("--warmup", o.warmup, 0, kMaxRuns),
                               o.batch_given ? outside("--batch", o.batch, 1, kMaxBatch) : std::string(),
                               o.profile_given ? outside("--profile", o.profile_top, 0, kMaxProfileTop) : std::string()}) {
    if (!e.empty()) return e;
  }
  return "";
}

// N copies of each input stacked along dim 0 (which must be 1).
Result<std::vector<Tensor>> Stack(const std::vector<Tensor>& inputs, int n) {
  std::vector<Tensor> out;
  for (const Tensor& t : inputs) {
    if (t.rank() == 0 || t.dim(0) != 1)
      return InvalidArgument("--batch needs inputs with a leading dimension of 1, got " + ShapeToString(t.shape()));
    Shape shape = t.shape();
    shape[0] = n;
    FF_ASSIGN_OR_RETURN(Tensor s, Tensor::Allocate(t.dtype(), shape));
    for (int i = 0; i < n; ++i) std::memcpy(static_cast<std::byte*>(s.raw()) + static_cast<size_t>(i) * t.bytes(), t.raw(), t.bytes());
    out.push_back(std::move(s));
  }
  return out;
}

// Inputs from the input_N.pb files of a test-data folder, N = 0, 1, 2... with no gap.
// Errors: NotFound (unreadable folder), InvalidArgument (no input_N.pb, a gap, an N given twice as in input_0.pb
// and input_00.pb, an N beyond int).
Result<std::vector<Tensor>> LoadSet(const fs::path& dir) {
  std::vector<std::pair<int, fs::path>> files;
  std::regex re("input_([0-9]+)\\.pb");
  const auto names = Env::Default()->ListDirectory(dir);
  if (!names.ok()) {
    const std::string why =
        names.status().code() == StatusCode::kNotFound ? std::strerror(ENOENT) : SystemReason(names.status());
    return NotFound("--data " + dir.string() + ": cannot read the folder: " + why);
  }
  for (const std::string& n : *names) {
    std::smatch m;
    if (!std::regex_match(n, m, re)) continue;
    int index = 0;
    const std::string digits = m[1].str();
    const auto [ptr, err] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
    if (err != std::errc() || ptr != digits.data() + digits.size())
      return InvalidArgument("--data " + dir.string() + ": input index out of range in " + n);
    files.emplace_back(index, dir / n);
  }
  if (files.empty()) return InvalidArgument("--data " + dir.string() + ": no input_N.pb files");
  std::sort(files.begin(), files.end());
  for (size_t i = 0; i < files.size(); ++i) {
    if (i > 0 && files[i].first == files[i - 1].first)  // input_0.pb and input_00.pb
      return InvalidArgument("--data " + dir.string() + ": " + files[i - 1].second.filename().string() + " and " +
                             files[i].second.filename().string() + " are both input " +
                             std::to_string(files[i].first));
    if (files[i].first != static_cast<int>(i))
      return InvalidArgument("--data " + dir.string() + ": " + files[i].second.filename().string() + " but no input_" +
                             std::to_string(i) + ".pb");
  }
  std::vector<Tensor> out;
  for (auto& [i, p] : files) {
    FF_ASSIGN_OR_RETURN(Tensor t, ReadTensorFile(p));
    out.push_back(std::move(t));
  }
  return out;
}

// Random inputs; dynamic dims become 1 (batch-like leading dims) or 64.
Result<std::vector<Tensor>> RandomInputs(const Session& s) {
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> d(-1.f, 1.f);
  std::vector<Tensor> out;
  for (const auto& in : s.inputs()) {
    Shape shape;
    for (size_t i = 0; i < in.dims.size(); ++i) shape.push_back(in.dims[i] >= 0 ? in.dims[i] : (i == 0 ? 1 : 64));
    FF_ASSIGN_OR_RETURN(Tensor t, Tensor::Allocate(in.dtype == DataType::kUndefined ? DataType::kFloat32 : in.dtype, shape));
    if (t.dtype() == DataType::kFloat32)
      for (auto& x : t.span<float>()) x = d(rng);
    out.push_back(std::move(t));
  }
  return out;
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

int RunBench(const BenchOptions& o) {
  if (const std::string e = CheckRanges(o); !e.empty()) {
    return ExitWithMessage("bench-model", InvalidArgument(e), ErrorOrigin::kUsage);
  }
  SessionOptions so;
  so.threads = o.threads;
  so.provider = o.provider;
  so.channels_last = o.layout == "nhwc";
  so.profile = o.profile_top >= 0;
  so.plan_cache_dir = o.plan_cache;
  so.time_plans = !o.no_plan_timing;
  if (o.no_plan_timing && !o.plan_cache.empty())
    std::fprintf(stderr, "facefuse bench-model: warning: --no-plan-timing: the plan cache in %s is not used\n",
                 o.plan_cache.c_str());
  if (o.provider == "reference" && (!o.plan_cache.empty() || o.layout != "nhwc"))
    std::fprintf(stderr,
                 "facefuse bench-model: warning: --provider reference has no plans or layouts: --plan-cache and "
                 "--layout are not used\n");
  auto budget = MakeMemoryBudget(o.memory_limit);
  if (!budget.ok()) return Exit("bench-model", budget.status(), ErrorOrigin::kUsage);
  so.memory_budget = *budget;
  auto t0 = std::chrono::steady_clock::now();
  auto session = Session::Open(o.model, so);
  double load_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (!session.ok()) return Exit("bench-model", session.status());
  fs::path data = o.data;
  if (data.empty()) {
    fs::path candidate = fs::path(o.model).parent_path() / "test_data_set_0";
    if (Env::Default()->IsDirectory(candidate)) data = candidate;
  }
  if ((*session)->outputs().empty()) {
    return Exit("bench-model", InvalidArgument(o.model + " has no graph outputs: there is nothing to time"));
  }
  auto inputs = data.empty() ? RandomInputs(**session) : LoadSet(data);
  if (inputs.ok() && o.batch > 0) inputs = Stack(*inputs, o.batch);
  if (!inputs.ok()) return Exit("bench-model", inputs.status());
  // Items per run: the --batch, else the batch of the inputs where the model leaves dim 0 open (a batch-N set).
  int items = std::max(1, o.batch);
  const auto& declared = (*session)->inputs();
  if (o.batch <= 0 && !declared.empty() && !declared[0].dims.empty() && declared[0].dims[0] < 0 &&
      !inputs->empty() && (*inputs)[0].rank() > 0)
    items = static_cast<int>(std::max<int64_t>(1, (*inputs)[0].dim(0)));
  // With --batch, the items go through RunInBatches: under a memory limit the
  // batch halves until it fits, and the batch that ran is reported.
  int batch_ran = o.batch;
  auto run_once = [&]() -> Status {
    if (o.batch <= 0) return (*session)->Run(*inputs).status();
    FF_ASSIGN_OR_RETURN(BatchedOutputs b, RunInBatches(**session, *inputs, batch_ran));
    batch_ran = b.batch_size;
    return Status::Ok();
  };
  // Start-up: Session::Open and the first run (which also times the kernels' plan choices).
  auto first = std::chrono::steady_clock::now();
  if (Status st = run_once(); !st.ok()) return Exit("bench-model", st);
  const double first_run_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - first).count();
  for (int i = 1; i < o.warmup; ++i) {
    Status st = run_once();
    if (!st.ok()) return Exit("bench-model", st);
  }
  (*session)->ResetProfile();  // the timed runs only
  std::vector<double> ms;
  for (int i = 0; i < o.runs; ++i) {
    auto s = std::chrono::steady_clock::now();
    Status st = run_once();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s).count());
    if (!st.ok()) return Exit("bench-model", st);
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  SessionStats st = (*session)->stats();
  if (!st.plan_cache_error.empty())
    std::fprintf(stderr, "facefuse bench-model: warning: the plan cache in %s was not saved: %s\n",
                 o.plan_cache.c_str(), st.plan_cache_error.c_str());
  nlohmann::json j = {{"model", o.model},
                      {"inputs", data.empty() ? "random" : data.string()},
                      {"threads", st.threads},
                      {"runs", ms.size()},
                      {"warmup", o.warmup},
                      {"load_ms", load_ms},
                      {"first_run_ms", first_run_ms},
                      {"first_result_ms", load_ms + first_run_ms},
                      {"plan_cache_hits", st.plan_cache_hits},
                      {"plans_timed", st.plans_timed},
                      {"plan_cache_error", st.plan_cache_error},
                      {"median_ms", Percentile(ms, 0.5)},
                      {"p90_ms", Percentile(ms, 0.9)},
                      {"min_ms", Percentile(ms, 0.0)},
                      {"peak_rss_bytes", static_cast<int64_t>(ru.ru_maxrss) * 1024},
                      {"weight_bytes", st.weight_bytes},
                      {"peak_activation_bytes", st.peak_activation_bytes},
                      {"nodes", st.nodes},
                      {"nodes_in_model", st.nodes_in_model},
                      {"items_per_run", items},
                      {"items_per_second", 1000.0 * items / Percentile(ms, 0.5)}};
  if (o.batch > 0) j["batch_ran"] = batch_ran;
  if (*budget) {
    j["memory_limit_bytes"] = (*budget)->limit_bytes();
    j["memory_budget_peak_bytes"] = (*budget)->peak_bytes();
  }
  if (so.profile) j["profile"] = ProfileJson((*session)->profile());
  if (o.json) {
    std::printf("%s\n", j.dump(1).c_str());
  } else {
    std::printf("%s: median %.3f ms, p90 %.3f ms (%zu runs, %d threads)\n", o.model.c_str(), Percentile(ms, 0.5),
                Percentile(ms, 0.9), ms.size(), st.threads);
    std::printf("  weights %.2f MB, peak activations %.2f MB, peak RSS %.1f MB, nodes %zu (model %zu)\n",
                static_cast<double>(st.weight_bytes) / 1e6, static_cast<double>(st.peak_activation_bytes) / 1e6,
                static_cast<double>(ru.ru_maxrss) / 1024.0, st.nodes, st.nodes_in_model);
    if (o.batch > 0)
      std::printf("  batch %d (ran as %d per run): %.1f items/s\n", o.batch, batch_ran, 1000.0 * items / Percentile(ms, 0.5));
    if (*budget)
      std::printf("  memory budget %s, peak claimed %s\n", FormatBytes((*budget)->limit_bytes()).c_str(),
                  FormatBytes((*budget)->peak_bytes()).c_str());
    if (so.profile) std::printf("%s", ProfileText((*session)->profile(), o.profile_top).c_str());
  }
  return 0;
}

}  // namespace

void AddBenchModelCommand(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<BenchOptions>();
  auto* cmd = app.add_subcommand("bench-model", "Measure a model's latency (median, p90) and memory");
  cmd->add_option("model", o->model, "model.onnx")->required()->check(NonEmptyPath());
  AddThreadsOption(cmd, o->threads);
  cmd->add_option("--runs", o->runs, "Timed runs (1..1000000)")->capture_default_str();
  cmd->add_option("--warmup", o->warmup, "Untimed warm-up runs (0..1000000; the first run is never timed with the others: it is reported as first_run_ms)")->capture_default_str();
  cmd->add_option("--plan-cache", o->plan_cache,
                  "A folder keeping timed plan choices between runs (plan-choices.tsv); default: none");
  cmd->add_flag("--no-plan-timing", o->no_plan_timing,
                "Take each kernel's default plan untimed (the shortest start-up); the plan cache is not used");
  cmd->add_option("--data", o->data, "A test_data_set_* folder with input_N.pb (default: beside the model, else random)");
  cmd->add_option("--provider", o->provider, "cpu or reference")
      ->capture_default_str()
      ->check(CLI::IsMember({"cpu", "reference"}));
  cmd->add_option("--layout", o->layout,
                  "Activation layout between convolutions on the cpu provider: nhwc (channels-last) or nchw")
      ->capture_default_str()
      ->check(CLI::IsMember({"nhwc", "nchw"}));
  auto* batch = cmd->add_option("--batch", o->batch,
                                "Stack N copies of the inputs along dim 0, N = 1..4096 (the model needs a dynamic batch)");
  AddMemoryLimitOption(cmd, o->memory_limit);
  auto* profile = cmd->add_option("--profile", o->profile_top,
                                  "Time every node over the timed runs (off unless given): per-op totals and the N "
                                  "heaviest nodes, N = 15 when no number follows (JSON: every node); before the "
                                  "model path, write --profile=N")
                      ->expected(0, 1)
                      ->default_str("15");
  AddJsonFlag(cmd, o->json, "Print one JSON object");
  cmd->callback([o, batch, profile, &exit_code] {
    o->batch_given = batch->count() > 0;
    o->profile_given = profile->count() > 0;
    exit_code = RunBench(*o);
  });
}

}  // namespace facefuse::cli
