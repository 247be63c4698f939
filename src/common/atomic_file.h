// Writing a file so that readers only ever see the old file or the complete
// new one: the bytes go to a fresh temporary file beside the destination,
// which is renamed over it on success and removed on failure or when the
// process is stopped by SIGINT, SIGTERM, SIGHUP or SIGQUIT.
//
// The temporary file is DEST.tmp-XXXXXX (its file name cut short when a long
// DEST would push it past the folder's name limit; unique, created with O_EXCL and
// O_NOFOLLOW, so a planted file or symlink is never opened or overwritten).
// rename() replaces a symlink at DEST itself, never the file it points to.
//
// Every file operation goes through an Env (Env::Default() unless one is
// given), so tests can make the write or the rename fail.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/env.h"
#include "facefuse/status.h"

namespace facefuse {

// Checks that `path` can receive a new file before any work is done for it:
// it is not a folder, its folder exists and is writable, its file name fits
// the folder's NAME_MAX (pathconf), and it is not the same file (device and
// inode, symlinks followed) as any of `inputs`.
// Errors: InvalidArgument naming the path and the reason.
Status CheckOutputPath(const std::filesystem::path& path, const std::vector<std::filesystem::path>& inputs = {},
                       Env* env = Env::Default());

// A new file on its way to `dest`: the temporary file exists from Create()
// (so a job can claim its output before it computes anything) until Commit()
// renames it into place or the object is destroyed, which removes it. While
// it exists it is registered for removal on SIGINT/SIGTERM/SIGHUP/SIGQUIT (see
// InstallTempFileCleanup). Move-only; one thread at a time.
class PendingFile {
 public:
  // Checks `dest` with CheckOutputPath(dest, inputs) and creates the
  // temporary file through `env` (not owned; must outlive the object).
  // Errors: InvalidArgument from the check, IoError when the file cannot be
  // created (naming the system's reason).
  static Result<PendingFile> Create(const std::filesystem::path& dest,
                                    const std::vector<std::filesystem::path>& inputs = {},
                                    Env* env = Env::Default());
  PendingFile(PendingFile&& other) noexcept;
  PendingFile& operator=(PendingFile&&) = delete;
  PendingFile(const PendingFile&) = delete;
  PendingFile& operator=(const PendingFile&) = delete;
  ~PendingFile();

  // The temporary file's path (empty after Commit).
  const std::string& temp_path() const { return temp_; }

  // Writes `bytes` and renames the file over the destination. Errors:
  // IoError for a failed write (disk full) or rename, naming the destination
  // and the reason; the destination is then untouched and the temporary file
  // removed. Precondition: called at most once.
  Status Commit(std::span<const uint8_t> bytes);

 private:
  PendingFile() = default;
  // Removes the temporary file (if any) and forgets it.
  void Discard();
  Env* env_ = nullptr;
  std::filesystem::path dest_;
  std::string temp_;
  std::unique_ptr<WritableFile> file_;
  int slot_ = -1;
};

// PendingFile::Create(path, {}, env) then Commit(bytes).
Status WriteFileAtomically(const std::filesystem::path& path, std::span<const uint8_t> bytes,
                           Env* env = Env::Default());

// Installs SIGINT, SIGTERM, SIGHUP and SIGQUIT handlers that unlink every registered
// temporary file, then re-raise the signal with the default action (the
// process dies of it as before). A signal whose handler is not the default
// one (a server's own) is left alone. Idempotent; PendingFile::Create calls it.
void InstallTempFileCleanup();

// The temporary files currently registered (for tests).
std::vector<std::string> RegisteredTempFiles();

}  // namespace facefuse
