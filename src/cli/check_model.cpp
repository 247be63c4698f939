// facefuse check-model DIR...: run ONNX backend-test cases and compare outputs.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "facefuse/runtime.h"
#include "runtime/loader/onnx_loader.h"
#include "cli/commands.h"
#include "cli/option_checks.h"

namespace facefuse::cli {
namespace fs = std::filesystem;
namespace {

struct CheckOptions {
  std::vector<std::string> dirs;
  double rtol = 1e-3;
  double atol = 1e-4;
  std::string provider = "cpu";
  int threads = 0;
  bool dump_passes = false;
  bool no_optimize = false;
};

void FindCases(const fs::path& dir, std::vector<fs::path>& out) {
  std::error_code ec;
  if (fs::exists(dir / "model.onnx", ec)) { out.push_back(dir); return; }
  std::vector<fs::path> subdirs;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_directory(ec)) subdirs.push_back(e.path());
  std::sort(subdirs.begin(), subdirs.end());
  for (const auto& d : subdirs) FindCases(d, out);
}

// Files "<prefix>_<N>.pb" in numeric order.
std::vector<fs::path> NumberedFiles(const fs::path& dir, const std::string& prefix) {
  std::vector<std::pair<int, fs::path>> found;
  std::regex re(prefix + "_([0-9]+)\\.pb");
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::smatch m;
    std::string name = e.path().filename().string();
    if (std::regex_match(name, m, re)) found.emplace_back(std::stoi(m[1]), e.path());
  }
  std::sort(found.begin(), found.end());
  std::vector<fs::path> files;
  for (auto& [i, p] : found) files.push_back(p);
  return files;
}

// Empty string when `got` matches `want` within tolerance; else why not.
std::string Compare(const Tensor& got, const Tensor& want, double rtol, double atol, double* max_abs) {
  if (got.dtype() != want.dtype())
    return "dtype " + DataTypeName(got.dtype()) + ", expected " + DataTypeName(want.dtype());
  if (got.shape() != want.shape())
    return "shape " + ShapeToString(got.shape()) + ", expected " + ShapeToString(want.shape());
  bool exact = !(want.dtype() == DataType::kFloat32 || want.dtype() == DataType::kFloat64);
  for (int64_t i = 0; i < want.size(); ++i) {
    double g = ElementAsDouble(got, i), w = ElementAsDouble(want, i);
    if (std::isnan(w) && std::isnan(g)) continue;
    if (std::isinf(w) && g == w) continue;
    double d = std::fabs(g - w);
    if (!std::isnan(d)) *max_abs = std::max(*max_abs, d);
    bool ok = exact ? g == w : d <= atol + rtol * std::fabs(w);
    if (!ok) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "element %lld: got %.7g, expected %.7g", static_cast<long long>(i), g, w);
      return buf;
    }
  }
  return "";
}

enum class Verdict { kPass, kFail, kUnsupported };

Verdict CheckCase(const fs::path& dir, const CheckOptions& o, std::string& detail) {
  SessionOptions so;
  so.provider = o.provider;
  so.threads = o.threads;
  so.optimize = !o.no_optimize;
  if (o.dump_passes) so.debug_log = [](std::string_view line) { std::printf("  pass: %.*s\n", static_cast<int>(line.size()), line.data()); };
  auto session = Session::Open(dir / "model.onnx", so);
  if (!session.ok()) {
    detail = session.status().ToString();
    return session.status().code() == StatusCode::kUnsupported ? Verdict::kUnsupported : Verdict::kFail;
  }
  std::vector<fs::path> sets;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_directory() && e.path().filename().string().rfind("test_data_set_", 0) == 0) sets.push_back(e.path());
  std::sort(sets.begin(), sets.end());
  if (sets.empty()) { detail = "no test_data_set_* folders"; return Verdict::kUnsupported; }
  double max_abs = 0;
  for (const auto& set : sets) {
    std::vector<Tensor> inputs;
    for (const auto& f : NumberedFiles(set, "input")) {
      auto t = rt::ReadTensorProtoFile(f);
      if (!t.ok()) {  // sequence/optional/map test data does not parse as a tensor
        detail = "test input is not a plain tensor: " + t.status().ToString();
        return Verdict::kUnsupported;
      }
      inputs.push_back(std::move(t).value());
    }
    auto outputs = (*session)->Run(inputs);
    if (!outputs.ok()) {
      detail = set.filename().string() + ": " + outputs.status().ToString();
      return outputs.status().code() == StatusCode::kUnsupported ? Verdict::kUnsupported : Verdict::kFail;
    }
    auto expected = NumberedFiles(set, "output");
    if (expected.size() != outputs->size()) {
      detail = set.filename().string() + ": " + std::to_string(outputs->size()) + " outputs, " +
               std::to_string(expected.size()) + " expected";
      return Verdict::kFail;
    }
    for (size_t j = 0; j < expected.size(); ++j) {
      auto want = rt::ReadTensorProtoFile(expected[j]);
      if (!want.ok()) {
        detail = want.status().ToString();
        return want.status().code() == StatusCode::kUnsupported ? Verdict::kUnsupported : Verdict::kFail;
      }
      std::string why = Compare((*outputs)[j], *want, o.rtol, o.atol, &max_abs);
      if (!why.empty()) {
        detail = set.filename().string() + " output " + std::to_string(j) + ": " + why;
        return Verdict::kFail;
      }
    }
  }
  char buf[96];
  std::snprintf(buf, sizeof buf, "%zu set(s), max_abs %.3g", sets.size(), max_abs);
  detail = buf;
  return Verdict::kPass;
}

int RunCheckModel(const CheckOptions& o) {
  std::vector<fs::path> cases;
  for (const auto& d : o.dirs) {
    std::error_code ec;
    if (!fs::is_directory(d, ec)) { std::fprintf(stderr, "check-model: %s is not a folder\n", d.c_str()); return 2; }
    FindCases(d, cases);
  }
  int passed = 0, failed = 0, skipped = 0;
  for (const auto& c : cases) {
    std::string detail;
    Verdict v = CheckCase(c, o, detail);
    const char* word = v == Verdict::kPass ? "PASS" : v == Verdict::kFail ? "FAIL" : "UNSUPPORTED";
    (v == Verdict::kPass ? passed : v == Verdict::kFail ? failed : skipped)++;
    std::printf("%s %s %s\n", word, c.string().c_str(), detail.c_str());
    std::fflush(stdout);
  }
  std::printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
  return failed > 0 ? 1 : 0;
}

}  // namespace

void AddCheckModelCommand(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<CheckOptions>();
  auto* cmd = app.add_subcommand("check-model", "Run ONNX backend-test cases (model.onnx + test_data_set_*) and compare outputs");
  cmd->add_option("dirs", opts->dirs, "Case folders, or folders searched recursively for cases")->required();
  cmd->add_option("--rtol", opts->rtol, "Relative tolerance")->capture_default_str();
  cmd->add_option("--atol", opts->atol, "Absolute tolerance")->capture_default_str();
  cmd->add_option("--provider", opts->provider, "cpu or reference")->capture_default_str();
  cmd->add_option("--threads", opts->threads, "Kernel threads (0 = all cores)")->check(ThreadCount());
  cmd->add_flag("--no-optimize", opts->no_optimize, "Skip the graph optimisation passes");
  cmd->add_flag("--dump-passes", opts->dump_passes, "Print what each optimisation pass changed");
  cmd->callback([opts, &exit_code] { exit_code = RunCheckModel(*opts); });
}

}  // namespace facefuse::cli
