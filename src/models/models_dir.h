// Where model files live, and how a model name or path becomes a file.
//
// Downloaded models live in one models directory, chosen in this order:
//   1. --models-dir DIR (the `flag` argument)
//   2. $FACEFUSE_MODELS_DIR
//   3. $XDG_DATA_HOME/facefuse/models   (only when XDG_DATA_HOME is an absolute path)
//   4. $HOME/.local/share/facefuse/models
// Bundled models (ModelEntry::bundled) are also found in the repository's
// models/ folder, so they work on a fresh clone with no download.
//
// Thread safety: every function is thread-safe; ResolveModelsDir reads the
// environment through `env` (getenv by default), which must not be modified
// concurrently.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/env.h"
#include "facefuse/status.h"
#include "models/catalog.h"

namespace facefuse::models {

struct ModelsDir {
  std::filesystem::path path;  // the directory (may not exist yet)
  std::string source;          // what chose it: "--models-dir", "FACEFUSE_MODELS_DIR", "XDG_DATA_HOME", "HOME"
  Env* env = Env::Default();   // how its files (and the bundled folders) are looked at; not owned
};

// Returns the value of an environment variable, or nullptr when unset.
using EnvLookup = std::function<const char*(const char* name)>;

// Chooses the models directory (order above). An empty `flag` or an empty
// variable counts as unset.
// Errors: FailedPrecondition when nothing is set (no flag, no variables, no HOME);
// InvalidArgument "SOURCE: DIR is a file, not a folder" when something other
// than a folder is at the chosen path (a missing folder is accepted).
Result<ModelsDir> ResolveModelsDir(std::string_view flag, const EnvLookup& env);
Result<ModelsDir> ResolveModelsDir(std::string_view flag);  // reads the process environment

// The folders searched for `entry`, in order: dir.path, then for bundled
// entries BundledModelsDir() and the repository's models/ (duplicates removed).
std::vector<std::filesystem::path> SearchFolders(const ModelEntry& entry, const ModelsDir& dir);

// What the search folders hold for an entry, judged by the file's size only
// (no hashing: `facefuse models verify` checks the sha256).
enum class InstallState {
  kMissing,     // no file (and no interrupted download)
  kPartial,     // no file, but an interrupted download (DownloadPath + ".part") to resume
  kIncomplete,  // the file is empty, or smaller than the catalog's size
  kWrongSize,   // the file is larger than the catalog's size
  kUnverified,  // a non-empty file, but the catalog pins no size to check it against
  kInstalled,   // a file of exactly the catalog's size
};

// "missing", "partial", "incomplete", "wrong size", "unverified", "installed".
std::string_view InstallStateName(InstallState state);

struct Installation {
  InstallState state = InstallState::kMissing;
  std::filesystem::path path;  // the file found (the .part file for kPartial); empty when kMissing
  uint64_t size_bytes = 0;     // its size
};

// The first regular file for `entry` in SearchFolders, and its state. A bad
// file is reported, not skipped: a broken copy in the models directory hides a
// bundled one until it is removed or downloaded again.
Installation InspectInstallation(const ModelEntry& entry, const ModelsDir& dir);

// True for the states whose file may be used (kInstalled, kUnverified).
inline bool Usable(InstallState state) { return state == InstallState::kInstalled || state == InstallState::kUnverified; }

// The usable file for `entry` (InspectInstallation). Errors: NotFound with
// MissingModelMessage(entry, dir) when there is none (kMissing, kPartial);
// FailedPrecondition naming the file, its size, the catalog's size and the
// command that replaces it when it is kIncomplete or kWrongSize.
Result<std::filesystem::path> FindInstalledModel(const ModelEntry& entry, const ModelsDir& dir);

// Where `facefuse models download` puts `entry`: dir.path / entry.file_name.
std::filesystem::path DownloadPath(const ModelEntry& entry, const ModelsDir& dir);

// Turns a model argument into an existing file. `name_or_path` is either
//   - a catalog name ("inswapper_128"): FindInstalledModel;
//   - a file path ("x/y.onnx", "~" is not expanded): returned if it is a regular file;
//   - a bare catalog file name ("inswapper_128.onnx") that is not in the current
//     directory: resolved as that catalog entry.
// Errors: NotFound whose message says which file to put where, the download
// command and the URL (catalog models), or that the path does not exist / the
// name is unknown (with a pointer to `facefuse models list`); InvalidArgument
// when the path is a folder.
Result<std::filesystem::path> ResolveModel(const std::string& name_or_path, const ModelsDir& dir);

// A message for a missing catalog model: which file to put into which folder,
// and how to get it (download command and URL, or the archive to extract it from).
std::string MissingModelMessage(const ModelEntry& entry, const ModelsDir& dir);

}  // namespace facefuse::models
