#include "models/models_dir.h"

#include <algorithm>
#include <cstdlib>

#include "common/paths.h"
#include "models/downloader.h"
#include "models/enum_names.h"

namespace facefuse::models {
namespace {

namespace fs = std::filesystem;

const char* NonEmpty(const char* value) { return value && *value ? value : nullptr; }

// The repository's models/ folder, independent of $FACEFUSE_MODELS_DIR (which
// BundledModelsDir() honours).
fs::path RepositoryModelsDir() { return FACEFUSE_BUNDLED_MODELS_DIR; }

// The chosen directory, unless something other than a folder is there (a missing one is fine: download creates it).
Result<ModelsDir> Chosen(ModelsDir dir) {
  const FileInfo info = EnvOrDefault(dir.env)->Stat(dir.path);
  if (info.type != FileType::kMissing && info.type != FileType::kDirectory)
    return InvalidArgument(dir.source + ": " + dir.path.string() + " is a file, not a folder");
  return dir;
}

}  // namespace

Result<ModelsDir> ResolveModelsDir(std::string_view flag, const EnvLookup& env) {
  if (!flag.empty()) return Chosen({fs::path(flag), "--models-dir"});
  if (const char* v = NonEmpty(env("FACEFUSE_MODELS_DIR"))) return Chosen({fs::path(v), "FACEFUSE_MODELS_DIR"});
  if (const char* v = NonEmpty(env("XDG_DATA_HOME")); v && fs::path(v).is_absolute()) {
    return Chosen({fs::path(v) / "facefuse" / "models", "XDG_DATA_HOME"});
  }
  if (const char* v = NonEmpty(env("HOME"))) {
    return Chosen({fs::path(v) / ".local" / "share" / "facefuse" / "models", "HOME"});
  }
  return FailedPrecondition(
      "no models directory: pass --models-dir DIR or set FACEFUSE_MODELS_DIR (neither XDG_DATA_HOME nor HOME is set)");
}

Result<ModelsDir> ResolveModelsDir(std::string_view flag) {
  return ResolveModelsDir(flag, [](const char* name) { return static_cast<const char*>(std::getenv(name)); });
}

std::vector<fs::path> SearchFolders(const ModelEntry& entry, const ModelsDir& dir) {
  std::vector<fs::path> folders = {dir.path};
  if (entry.bundled) {
    for (const fs::path& extra : {BundledModelsDir(), RepositoryModelsDir()}) {
      if (std::find(folders.begin(), folders.end(), extra) == folders.end()) folders.push_back(extra);
    }
  }
  return folders;
}

std::string_view InstallStateName(InstallState state) {
  static constexpr std::string_view kNames[] = {"missing",    "partial",    "incomplete",
                                                "wrong size", "unverified", "installed"};
  return EnumName(state, kNames);
}

Installation InspectInstallation(const ModelEntry& entry, const ModelsDir& dir) {
  Installation found;
  Env* env = EnvOrDefault(dir.env);
  for (const fs::path& folder : SearchFolders(entry, dir)) {
    fs::path candidate = folder / entry.file_name;
    const FileInfo info = env->Stat(candidate);
    if (info.type != FileType::kRegular) continue;
    found.path = candidate;
    found.size_bytes = info.size;
    if (found.size_bytes == 0 || (SizePinned(entry) && found.size_bytes < entry.size_bytes)) {
      found.state = InstallState::kIncomplete;
    } else if (SizePinned(entry) && found.size_bytes > entry.size_bytes) {
      found.state = InstallState::kWrongSize;
    } else {
      found.state = SizePinned(entry) ? InstallState::kInstalled : InstallState::kUnverified;
    }
    return found;
  }
  if (const fs::path part = PartPath(DownloadPath(entry, dir)); env->FileExists(part)) {
    found.state = InstallState::kPartial;
    found.path = part;
    found.size_bytes = env->FileSizeOrZero(part);
  }
  return found;
}

Result<fs::path> FindInstalledModel(const ModelEntry& entry, const ModelsDir& dir) {
  const Installation found = InspectInstallation(entry, dir);
  if (Usable(found.state)) return found.path;
  if (found.state == InstallState::kMissing || found.state == InstallState::kPartial) {
    return NotFound(MissingModelMessage(entry, dir));
  }
  std::string m = "model " + std::string(entry.name) + " at " + found.path.string() + " is " +
                  std::string(InstallStateName(found.state)) + ": " + std::to_string(found.size_bytes) + " bytes";
  if (SizePinned(entry)) m += ", the catalog says " + std::to_string(entry.size_bytes);
  m += " (an interrupted copy or download?); ";
  if (Downloadable(entry)) {
    m += "run `facefuse models download " + std::string(entry.name) + "` to replace it";
  } else if (!entry.archive_member.empty()) {
    m += "replace it with " + std::string(entry.archive_member) + " extracted from " + std::string(entry.url);
  } else {
    m += "replace it with a complete copy";
  }
  return FailedPrecondition(m);
}

fs::path DownloadPath(const ModelEntry& entry, const ModelsDir& dir) { return dir.path / entry.file_name; }

std::string MissingModelMessage(const ModelEntry& entry, const ModelsDir& dir) {
  std::string m = "model " + std::string(entry.name) + " (" + std::string(ModelKindName(entry.kind)) +
                  ") is not installed: put " + std::string(entry.file_name) + " into " + dir.path.string() +
                  "/ (models directory, from " + dir.source + ")";
  if (Downloadable(entry)) {
    m += "; run `facefuse models download " + std::string(entry.name) + "` or fetch it by hand from " +
         std::string(entry.url);
  } else if (!entry.archive_member.empty()) {
    m += "; extract " + std::string(entry.archive_member) + " from " + std::string(entry.url) + " and save it as " +
         std::string(entry.file_name);
  }
  if (!HashPinned(entry)) m += " (its sha256 is not pinned in the catalog)";
  return m;
}

Result<fs::path> ResolveModel(const std::string& name_or_path, const ModelsDir& dir) {
  if (name_or_path.empty()) return InvalidArgument("empty model name");
  if (const ModelEntry* entry = FindModel(name_or_path)) return FindInstalledModel(*entry, dir);
  fs::path path(name_or_path);
  if (EnvOrDefault(dir.env)->IsRegularFile(path)) return path;
  if (EnvOrDefault(dir.env)->IsDirectory(path))
    return InvalidArgument(name_or_path + " is a folder, not a model file (name the .onnx file in it)");
  if (!path.has_parent_path()) {
    if (const ModelEntry* entry = FindModelByFileName(name_or_path)) return FindInstalledModel(*entry, dir);
    if (path.extension() != ".onnx") {
      return NotFound("unknown model " + name_or_path +
                      ": not a catalog name (see `facefuse models list`) and no such file");
    }
  }
  return NotFound("model file " + name_or_path + " does not exist");
}

}  // namespace facefuse::models
