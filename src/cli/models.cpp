// facefuse models list|download|verify|path: the model catalog.
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "cli/commands.h"
#include "cli/common_flags.h"
#include "cli/exit_status.h"
#include "cli/option_checks.h"
#include "common/env.h"
#include "models/catalog.h"
#include "models/downloader.h"
#include "models/models_dir.h"
#include "models/sha256.h"

namespace facefuse::cli {
namespace {

namespace fs = std::filesystem;
using models::ModelEntry;

struct ModelsOptions {
  std::string models_dir;  // --models-dir
  std::string name;        // NAME argument of download / verify / path
  bool force = false;      // download --force
};

std::string HumanSize(uint64_t bytes) {
  if (bytes == 0) return "?";
  char buf[32];
  if (bytes >= (1u << 20)) {
    std::snprintf(buf, sizeof buf, "%.1f MB", bytes / 1048576.0);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f kB", bytes / 1024.0);
  }
  return buf;
}

const ModelEntry* FindOrComplain(const std::string& name) {
  const ModelEntry* entry = models::FindModel(name);
  if (!entry) std::fprintf(stderr, "models: unknown model %s (see `facefuse models list`)\n", name.c_str());
  return entry;
}

// The STATUS column: "bundled" for a usable copy from the repository's models/, else the state's name.
std::string ListStatus(const ModelEntry& e, const models::Installation& found, const models::ModelsDir& dir) {
  if (models::Usable(found.state) && e.bundled && found.path.parent_path() != dir.path) return "bundled";
  return std::string(models::InstallStateName(found.state));
}

// A models directory that does not exist holds nothing: said once on stderr (download creates it).
void WarnIfMissing(const models::ModelsDir& dir) {
  if (!dir.env->IsDirectory(dir.path))
    Warn("models", "the models directory " + dir.path.string() + " (from " + dir.source + ") does not exist");
}

int RunList(const models::ModelsDir& dir) {
  WarnIfMissing(dir);
  std::printf("models directory: %s (from %s)\n", dir.path.c_str(), dir.source.c_str());
  std::printf("%-24s %-11s %9s  %-10s %s\n", "NAME", "KIND", "SIZE", "STATUS", "LICENCE");
  std::vector<std::string> problems;  // one line per file that cannot be used, printed below the table
  bool any_unverified = false;
  for (const ModelEntry& e : models::Catalog()) {
    const models::Installation found = models::InspectInstallation(e, dir);
    std::printf("%-24s %-11s %9s  %-10s %s\n", std::string(e.name).c_str(),
                std::string(models::ModelKindName(e.kind)).c_str(), HumanSize(e.size_bytes).c_str(),
                ListStatus(e, found, dir).c_str(), std::string(e.licence).c_str());
    any_unverified = any_unverified || found.state == models::InstallState::kUnverified;
    if (found.state == models::InstallState::kIncomplete || found.state == models::InstallState::kWrongSize) {
      problems.push_back(models::FindInstalledModel(e, dir).status().message());
    }
  }
  if (any_unverified) {
    std::printf("unverified: the catalog pins no size for these files; `facefuse models verify` hashes them\n");
  }
  for (const std::string& p : problems) std::printf("%s\n", p.c_str());
  return 0;
}

// Prints progress on stderr at most every 200 ms, and a final newline.
class ProgressPrinter {
 public:
  explicit ProgressPrinter(std::string name) : name_(std::move(name)) {}
  ~ProgressPrinter() {
    if (printed_) std::fprintf(stderr, "\n");
  }
  void operator()(uint64_t received, uint64_t total) {
    auto now = std::chrono::steady_clock::now();
    if (printed_ && now - last_ < std::chrono::milliseconds(200) && received != total) return;
    last_ = now;
    printed_ = true;
    if (total != 0) {
      std::fprintf(stderr, "\r%s: %s / %s (%3.0f%%)", name_.c_str(), HumanSize(received).c_str(),
                   HumanSize(total).c_str(), 100.0 * received / total);
    } else {
      std::fprintf(stderr, "\r%s: %s", name_.c_str(), HumanSize(received).c_str());
    }
    std::fflush(stderr);
  }

 private:
  std::string name_;
  std::chrono::steady_clock::time_point last_;
  bool printed_ = false;
};

int RunDownload(const ModelsOptions& o, const models::ModelsDir& dir) {
  const ModelEntry* e = FindOrComplain(o.name);
  if (!e) return kExitFailure;
  if (auto installed = models::FindInstalledModel(*e, dir); installed.ok() && (e->bundled || !o.force)) {
    std::printf("%s is %s: %s%s\n", o.name.c_str(), e->bundled ? "bundled with facefuse" : "already installed",
                installed->c_str(), e->bundled ? "" : " (use --force to download it again)");
    return 0;
  }
  if (!models::Downloadable(*e)) {
    std::fprintf(stderr, "models: %s cannot be downloaded directly: extract %s from %s and save it as %s\n",
                 o.name.c_str(), std::string(e->archive_member).c_str(), std::string(e->url).c_str(),
                 models::DownloadPath(*e, dir).c_str());
    return kExitFailure;
  }
  models::DownloadRequest request;
  request.urls.emplace_back(e->url);
  if (!e->mirror_url.empty()) request.urls.emplace_back(e->mirror_url);
  request.destination = models::DownloadPath(*e, dir);
  request.expected_size = e->size_bytes;
  request.expected_sha256 = std::string(e->sha256);
  if (!models::HashPinned(*e)) {
    std::fprintf(stderr,
                 "models: note: the sha256 of %s is not pinned in the catalog; the file is checked by size "
                 "only\n",
                 o.name.c_str());
  }
  auto http = models::MakeHttplibGetter();
  auto printer = std::make_shared<ProgressPrinter>(o.name);
  auto result = models::DownloadFile(request, *http, [printer](uint64_t r, uint64_t t) { (*printer)(r, t); });
  printer.reset();
  if (!result.ok()) return Exit("models", result.status());
  std::printf("%s -> %s (%s%s)\nsha256 %s%s\n", o.name.c_str(), result->path.c_str(),
              HumanSize(result->size_bytes).c_str(), result->resumed_from ? ", resumed" : "", result->sha256.c_str(),
              result->hash_pinned ? " (matches the catalog)" : " (NOT pinned: compare it with a trusted source)");
  return 0;
}

// Verifies one entry; returns false on a mismatch, an incomplete or wrong-size
// file, or (when `required`) a missing file.
bool VerifyOne(const ModelEntry& e, const models::ModelsDir& dir, bool required) {
  auto path = models::FindInstalledModel(e, dir);
  if (!path.ok() && path.status().code() == StatusCode::kNotFound) {
    if (required) std::fprintf(stderr, "models: %s\n", path.status().message().c_str());
    return !required;
  }
  if (!path.ok()) {  // present but unusable (empty, truncated, too large): no need to hash it
    std::printf("%-9s %-24s %s\n", "BAD", std::string(e.name).c_str(), path.status().message().c_str());
    return false;
  }
  auto sha = models::Sha256OfFile(*path);
  if (!sha.ok()) {
    std::printf("ERROR     %-24s %s\n", std::string(e.name).c_str(), sha.status().ToString().c_str());
    return false;
  }
  const uint64_t size = Env::Default()->FileSizeOrZero(*path);
  if (models::HashPinned(e)) {
    bool ok = *sha == e.sha256 && (!models::SizePinned(e) || size == e.size_bytes);
    std::printf("%-9s %-24s %s\n", ok ? "ok" : "MISMATCH", std::string(e.name).c_str(), path->c_str());
    if (!ok) std::printf("          expected sha256 %s, got %s\n", std::string(e.sha256).c_str(), sha->c_str());
    return ok;
  }
  std::printf("%-9s %-24s %s\n          sha256 %s (not pinned in the catalog; nothing to compare)\n", "unpinned",
              std::string(e.name).c_str(), path->c_str(), sha->c_str());
  return true;
}

int RunVerify(const ModelsOptions& o, const models::ModelsDir& dir) {
  WarnIfMissing(dir);
  if (!o.name.empty()) {
    const ModelEntry* e = FindOrComplain(o.name);
    return e && VerifyOne(*e, dir, /*required=*/true) ? kExitOk : kExitFailure;
  }
  bool all_ok = true;
  int checked = 0;
  for (const ModelEntry& e : models::Catalog()) {
    const models::InstallState state = models::InspectInstallation(e, dir).state;
    if (state == models::InstallState::kMissing || state == models::InstallState::kPartial) continue;
    ++checked;
    all_ok = VerifyOne(e, dir, /*required=*/false) && all_ok;
  }
  std::printf("%d of %zu catalog models present (models directory %s)%s\n", checked, models::Catalog().size(),
              dir.path.c_str(), all_ok ? "" : "; MISMATCHES or incomplete files found");
  return all_ok ? kExitOk : kExitFailure;
}

int RunPath(const ModelsOptions& o, const models::ModelsDir& dir) {
  auto path = models::ResolveModel(o.name, dir);
  if (!path.ok()) {
    return ExitWithMessage("models", path.status());
  }
  std::printf("%s\n", path->c_str());
  return 0;
}

}  // namespace

void AddModelsCommand(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ModelsOptions>();
  auto* cmd = app.add_subcommand("models", "List, download, verify and locate models of the catalog");
  AddModelsDirOption(cmd, o->models_dir,
                     "Models directory (default: $FACEFUSE_MODELS_DIR, else $XDG_DATA_HOME/facefuse/models, "
                     "else ~/.local/share/facefuse/models)");
  cmd->require_subcommand(1);
  cmd->fallthrough();
  auto with_dir = [o, &exit_code](int (*run)(const ModelsOptions&, const models::ModelsDir&)) {
    return [o, &exit_code, run] {
      auto dir = models::ResolveModelsDir(o->models_dir);
      // A --models-dir that is a file is a usage error, as the other option checks.
      exit_code = dir.ok() ? run(*o, *dir)
                           : Exit("models", dir.status(),
                                  dir.status().code() == StatusCode::kInvalidArgument ? ErrorOrigin::kUsage
                                                                                      : ErrorOrigin::kRuntime);
    };
  };
  cmd->add_subcommand("list", "Show every catalog model with its status (installed, bundled, missing)")
      ->callback(with_dir([](const ModelsOptions&, const models::ModelsDir& d) { return RunList(d); }));
  auto* download = cmd->add_subcommand("download", "Download a model into the models directory (resumable)");
  download->add_option("name", o->name, "Catalog name")->required();
  download->add_flag("--force", o->force, "Download again even if the model is installed");
  download->callback(with_dir(&RunDownload));
  auto* verify = cmd->add_subcommand("verify", "Check installed models against the catalog sha256");
  verify->add_option("name", o->name, "Catalog name (default: every installed model)");
  verify->callback(with_dir(&RunVerify));
  auto* path = cmd->add_subcommand("path", "Print the file a model name or path resolves to");
  path->add_option("name", o->name, "Catalog name or model file")->required();
  path->callback(with_dir(&RunPath));
}

}  // namespace facefuse::cli
