// facefuse bench-model MODEL.onnx: latency percentiles and memory of one model.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>

#include "facefuse/runtime.h"
#include "runtime/loader/onnx_loader.h"
#include "cli/commands.h"

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
  std::string provider = "cpu";
};

// Inputs from input_N.pb files of a test-data folder.
Result<std::vector<Tensor>> LoadSet(const fs::path& dir) {
  std::vector<std::pair<int, fs::path>> files;
  std::regex re("input_([0-9]+)\\.pb");
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::smatch m;
    std::string n = e.path().filename().string();
    if (std::regex_match(n, m, re)) files.emplace_back(std::stoi(m[1]), e.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<Tensor> out;
  for (auto& [i, p] : files) {
    FF_ASSIGN_OR_RETURN(Tensor t, rt::ReadTensorProtoFile(p));
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
  SessionOptions so;
  so.threads = o.threads;
  so.provider = o.provider;
  auto t0 = std::chrono::steady_clock::now();
  auto session = Session::Open(o.model, so);
  double load_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (!session.ok()) { std::fprintf(stderr, "bench-model: %s\n", session.status().ToString().c_str()); return 1; }
  fs::path data = o.data;
  if (data.empty()) {
    fs::path candidate = fs::path(o.model).parent_path() / "test_data_set_0";
    if (fs::is_directory(candidate)) data = candidate;
  }
  auto inputs = data.empty() ? RandomInputs(**session) : LoadSet(data);
  if (!inputs.ok()) { std::fprintf(stderr, "bench-model: %s\n", inputs.status().ToString().c_str()); return 1; }
  for (int i = 0; i < o.warmup; ++i) {
    auto r = (*session)->Run(*inputs);
    if (!r.ok()) { std::fprintf(stderr, "bench-model: %s\n", r.status().ToString().c_str()); return 1; }
  }
  std::vector<double> ms;
  for (int i = 0; i < std::max(1, o.runs); ++i) {
    auto s = std::chrono::steady_clock::now();
    auto r = (*session)->Run(*inputs);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s).count());
    if (!r.ok()) { std::fprintf(stderr, "bench-model: %s\n", r.status().ToString().c_str()); return 1; }
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  SessionStats st = (*session)->stats();
  nlohmann::json j = {{"model", o.model},
                      {"inputs", data.empty() ? "random" : data.string()},
                      {"threads", o.threads},
                      {"runs", ms.size()},
                      {"warmup", o.warmup},
                      {"load_ms", load_ms},
                      {"median_ms", Percentile(ms, 0.5)},
                      {"p90_ms", Percentile(ms, 0.9)},
                      {"min_ms", Percentile(ms, 0.0)},
                      {"peak_rss_bytes", static_cast<int64_t>(ru.ru_maxrss) * 1024},
                      {"weight_bytes", st.weight_bytes},
                      {"peak_activation_bytes", st.peak_activation_bytes},
                      {"nodes", st.nodes},
                      {"nodes_in_model", st.nodes_in_model}};
  if (o.json) {
    std::printf("%s\n", j.dump(1).c_str());
  } else {
    std::printf("%s: median %.3f ms, p90 %.3f ms (%zu runs, %d threads)\n", o.model.c_str(), Percentile(ms, 0.5),
                Percentile(ms, 0.9), ms.size(), o.threads);
    std::printf("  weights %.2f MB, peak activations %.2f MB, peak RSS %.1f MB, nodes %zu (model %zu)\n",
                static_cast<double>(st.weight_bytes) / 1e6, static_cast<double>(st.peak_activation_bytes) / 1e6,
                static_cast<double>(ru.ru_maxrss) / 1024.0, st.nodes, st.nodes_in_model);
  }
  return 0;
}

}  // namespace

void AddBenchModelCommand(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<BenchOptions>();
  auto* cmd = app.add_subcommand("bench-model", "Measure a model's latency (median, p90) and memory");
  cmd->add_option("model", o->model, "model.onnx")->required();
  cmd->add_option("--threads", o->threads, "Kernel threads (0 = all cores)");
  cmd->add_option("--runs", o->runs, "Timed runs")->capture_default_str();
  cmd->add_option("--warmup", o->warmup, "Untimed warm-up runs")->capture_default_str();
  cmd->add_option("--data", o->data, "A test_data_set_* folder with input_N.pb (default: beside the model, else random)");
  cmd->add_option("--provider", o->provider, "cpu or reference")->capture_default_str();
  cmd->add_flag("--json", o->json, "Print one JSON object");
  cmd->callback([o, &exit_code] { exit_code = RunBench(*o); });
}

}  // namespace facefuse::cli
