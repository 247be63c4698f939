// facefuse check-model DIR...: run ONNX backend-test cases and compare outputs. A case is UNSUPPORTED only for
// an Unsupported error docs/ops.md lists (cli/op_limits.h); every other error is a FAIL, and a folder without a
// case is an error (exit 2).
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <charconv>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>
#include <system_error>
#include <vector>

#include "cli/op_limits.h"
#include "common/env.h"
#include "facefuse/runtime.h"
#include "common/read_file.h"
#include "facefuse/tensor_file.h"
#include "cli/commands.h"
#include "cli/common_flags.h"
#include "cli/exit_status.h"
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

// Deeper than this, a folder tree is taken for a symlink loop.
constexpr int kMaxCaseDepth = 32;

// Why listing a folder failed, in the system's words ("No such file or directory", "Permission denied").
std::string ListingFailure(const Status& listed) {
  return listed.code() == StatusCode::kNotFound ? std::strerror(ENOENT) : SystemReason(listed);
}

// Appends the case folders (those holding model.onnx) at or below `dir`, sorted. Errors: a folder that cannot be
// read, or a tree deeper than kMaxCaseDepth.
Status FindCases(const fs::path& dir, int depth, std::vector<fs::path>& out) {
  if (depth > kMaxCaseDepth) return InvalidArgument(dir.string() + ": folders nested deeper than " +
                                                    std::to_string(kMaxCaseDepth) + " (a symlink loop?)");
  Env* env = Env::Default();
  if (env->FileExists(dir / "model.onnx")) {
    out.push_back(dir);
    return Status::Ok();
  }
  std::vector<fs::path> subdirs;
  const auto names = env->ListDirectory(dir);
  if (!names.ok()) return IoError("cannot read folder " + dir.string() + ": " + ListingFailure(names.status()));
  for (const std::string& name : *names) {
    if (env->IsDirectory(dir / name)) subdirs.push_back(dir / name);
  }
  std::sort(subdirs.begin(), subdirs.end());
  for (const auto& d : subdirs) FF_RETURN_IF_ERROR(FindCases(d, depth + 1, out));
  return Status::Ok();
}

// The files "<prefix>_<N>.pb" in `dir`, in order of N, which must run 0, 1, 2, ... without a gap or a repeat.
// Errors name the file: an index that does not fit, a duplicate, a missing one.
Result<std::vector<fs::path>> NumberedFiles(const fs::path& dir, const std::string& prefix) {
  const std::string head = prefix + "_", tail = ".pb";
  std::vector<std::pair<size_t, fs::path>> found;
  const auto names = Env::Default()->ListDirectory(dir);
  if (!names.ok()) return IoError("cannot read folder " + dir.string() + ": " + ListingFailure(names.status()));
  for (const std::string& name : *names) {
    if (name.size() <= head.size() + tail.size() || name.compare(0, head.size(), head) != 0 ||
        name.compare(name.size() - tail.size(), tail.size(), tail) != 0)
      continue;
    const char* first = name.data() + head.size();
    const char* last = name.data() + name.size() - tail.size();
    if (!std::all_of(first, last, [](char c) { return c >= '0' && c <= '9'; })) continue;
    size_t index = 0;
    auto [ptr, err] = std::from_chars(first, last, index);
    if (err != std::errc() || ptr != last || index > 100000)
      return InvalidArgument((dir / name).string() + ": test data index out of range");
    found.emplace_back(index, dir / name);
  }
  std::sort(found.begin(), found.end());
  std::vector<fs::path> files;
  for (auto& [i, p] : found) {
    if (i < files.size()) return InvalidArgument(p.string() + " repeats index " + std::to_string(i));
    if (i > files.size())
      return InvalidArgument((dir / (head + std::to_string(files.size()) + tail)).string() + " is missing (" +
                             p.filename().string() + " exists)");
    files.push_back(p);
  }
  return files;
}

// What kind of non-tensor value ("sequence", "optional", "map", "sparse tensor") the model declares as graph
// input or output `name`; "" when it is a tensor or the model cannot be read.
std::string NonTensorKind(const fs::path& model, const std::string& name) {
  auto bytes = ReadRegularFile<std::string>(model, std::numeric_limits<int>::max());
  onnx::ModelProto proto;
  if (!bytes.ok() || !proto.ParseFromString(*bytes)) return "";
  for (const auto* values : {&proto.graph().input(), &proto.graph().output()}) {
    for (const auto& v : *values) {
      if (v.name() != name) continue;
      switch (v.type().value_case()) {
        case onnx::TypeProto::kSequenceType: return "sequence";
        case onnx::TypeProto::kOptionalType: return "optional";
        case onnx::TypeProto::kMapType: return "map";
        case onnx::TypeProto::kSparseTensorType: return "sparse tensor";
        default: return "";
      }
    }
  }
  return "";
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

struct CaseResult {
  Verdict verdict;
  std::string detail;  // the rest of the case's output line
};

// The verdict for an error: UNSUPPORTED only for an Unsupported error that docs/ops.md lists (the line names the
// limit), FAIL for anything else. `where` prefixes the detail (e.g. the test set).
CaseResult FromError(const Status& s, const std::string& where) {
  if (s.code() == StatusCode::kUnsupported) {
    if (auto limit = ListedLimit(s.message())) return {Verdict::kUnsupported, where + s.ToString() + " [" + *limit + "]"};
    return {Verdict::kFail, where + s.ToString() + " [not a limit docs/ops.md lists]"};
  }
  return {Verdict::kFail, where + s.ToString()};
}

// Reads the test data file for graph `role` ("input" or "output") `info` of the case's model (nullptr when the
// model has fewer). A value the model declares as a sequence, optional or map gives Unsupported (a listed limit)
// without reading the file; an unreadable file (corrupt, truncated) gives the reader's error, which names it.
Result<Tensor> ReadTestTensor(const fs::path& file, const fs::path& model, const char* role, const TensorInfo* info) {
  if (info != nullptr && info->dtype == DataType::kUndefined) {
    const std::string kind = NonTensorKind(model, info->name);
    if (!kind.empty())
      return Unsupported(file.string() + ": graph " + role + " '" + info->name + "' is not a tensor (" + kind + ")");
  }
  return ReadTensorFile(file);
}

CaseResult CheckCase(const fs::path& dir, const CheckOptions& o) {
  SessionOptions so;
  so.provider = o.provider;
  so.threads = o.threads;
  so.optimize = !o.no_optimize;
  if (o.dump_passes) so.debug_log = [](std::string_view line) { std::printf("  pass: %.*s\n", static_cast<int>(line.size()), line.data()); };
  const fs::path model = dir / "model.onnx";
  auto session = Session::Open(model, so);
  if (!session.ok()) return FromError(session.status(), "");
  std::vector<fs::path> sets;
  const auto names = Env::Default()->ListDirectory(dir);
  if (!names.ok())
    return {Verdict::kFail, "cannot read folder " + dir.string() + ": " + ListingFailure(names.status())};
  for (const std::string& name : *names) {
    if (name.rfind("test_data_set_", 0) == 0 && Env::Default()->IsDirectory(dir / name)) sets.push_back(dir / name);
  }
  std::sort(sets.begin(), sets.end());
  if (sets.empty()) return {Verdict::kFail, dir.string() + " has no test_data_set_* folder"};
  const auto& input_infos = (*session)->inputs();
  const auto& output_infos = (*session)->outputs();
  double max_abs = 0;
  for (const auto& set : sets) {
    const std::string where = set.filename().string() + ": ";
    auto input_files = NumberedFiles(set, "input");
    if (!input_files.ok()) return FromError(input_files.status(), where);
    auto expected = NumberedFiles(set, "output");
    if (!expected.ok()) return FromError(expected.status(), where);
    if (expected->empty()) return {Verdict::kFail, (set / "output_0.pb").string() + " is missing: nothing to compare"};
    std::vector<Tensor> inputs;
    for (size_t i = 0; i < input_files->size(); ++i) {
      auto t = ReadTestTensor((*input_files)[i], model, "input", i < input_infos.size() ? &input_infos[i] : nullptr);
      if (!t.ok()) return FromError(t.status(), where);
      inputs.push_back(std::move(t).value());
    }
    auto outputs = (*session)->Run(inputs);
    if (!outputs.ok()) return FromError(outputs.status(), where);
    if (expected->size() != outputs->size())
      return {Verdict::kFail, where + std::to_string(outputs->size()) + " outputs, " +
                                  std::to_string(expected->size()) + " expected"};
    for (size_t j = 0; j < expected->size(); ++j) {
      auto want = ReadTestTensor((*expected)[j], model, "output", j < output_infos.size() ? &output_infos[j] : nullptr);
      if (!want.ok()) return FromError(want.status(), where);
      std::string why = Compare((*outputs)[j], *want, o.rtol, o.atol, &max_abs);
      if (!why.empty()) return {Verdict::kFail, where + "output " + std::to_string(j) + ": " + why};
    }
  }
  char buf[96];
  std::snprintf(buf, sizeof buf, "%zu set(s), max_abs %.3g", sets.size(), max_abs);
  return {Verdict::kPass, buf};
}

int RunCheckModel(const CheckOptions& o) {
  std::vector<fs::path> cases;
  for (const auto& d : o.dirs) {
    if (!Env::Default()->IsDirectory(d))
      return ExitWithMessage("check-model", InvalidArgument(d + " is not a folder"), ErrorOrigin::kUsage);
    const size_t before = cases.size();
    Status found = FindCases(d, 0, cases);
    if (!found.ok()) return Exit("check-model", found, ErrorOrigin::kUsage);
    if (cases.size() == before) {
      return ExitWithMessage("check-model", NotFound("no test case (a folder with model.onnx) in " + d),
                             ErrorOrigin::kUsage);
    }
  }
  int passed = 0, failed = 0, skipped = 0;
  for (const auto& c : cases) {
    CaseResult r = CheckCase(c, o);
    const char* word = r.verdict == Verdict::kPass ? "PASS" : r.verdict == Verdict::kFail ? "FAIL" : "UNSUPPORTED";
    (r.verdict == Verdict::kPass ? passed : r.verdict == Verdict::kFail ? failed : skipped)++;
    std::printf("%s %s %s\n", word, c.string().c_str(), r.detail.c_str());
    std::fflush(stdout);
  }
  std::printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
  return failed > 0 ? kExitFailure : kExitOk;
}

}  // namespace

void AddCheckModelCommand(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<CheckOptions>();
  auto* cmd = app.add_subcommand("check-model", "Run ONNX backend-test cases (model.onnx + test_data_set_*) and compare outputs; UNSUPPORTED only for limits docs/ops.md lists");
  cmd->add_option("dirs", opts->dirs, "Case folders, or folders searched recursively for cases")->required();
  cmd->add_option("--rtol", opts->rtol, "Relative tolerance")->capture_default_str()->check(FiniteIn(0, 1e6));
  cmd->add_option("--atol", opts->atol, "Absolute tolerance")->capture_default_str()->check(FiniteIn(0, 1e6));
  cmd->add_option("--provider", opts->provider, "cpu or reference")
      ->capture_default_str()
      ->check(CLI::IsMember({"cpu", "reference"}));
  AddThreadsOption(cmd, opts->threads);
  cmd->add_flag("--no-optimize", opts->no_optimize, "Skip the graph optimisation passes");
  cmd->add_flag("--dump-passes", opts->dump_passes, "Print what each optimisation pass changed");
  cmd->callback([opts, &exit_code] { exit_code = RunCheckModel(*opts); });
}

}  // namespace facefuse::cli
