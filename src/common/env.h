// Env: everything facefuse does with files and the wall clock, behind one
// interface, so that tests can stand in a file system that fails on purpose
// (a full disk, a refused permission, a rename that does not happen) and show
// that each caller returns a clean error and leaves nothing half written.
//
// Callers take an `Env*` (an argument or an option field) that defaults to
// Env::Default(), the real file system; there is no mutable global. Errors are
// Status values, never exceptions: a refusal by the operating system is
// IoError "cannot <verb> PATH: <strerror>" (ENOSPC reads "No space left on
// device", EACCES "Permission denied").
//
// Thread safety: Env::Default() may be used from any number of threads at
// once. A WritableFile or SequentialFile is used by one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "facefuse/status.h"

namespace facefuse {

// A file open for writing. The destructor closes it (an error then is lost:
// call Close() to see it).
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Writes all of `bytes` at the end of the file. Errors: IoError naming the
  // path and the reason (disk full: "No space left on device").
  virtual Status Append(std::span<const uint8_t> bytes) = 0;
  Status Append(std::string_view text) {
    return Append(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  }
  // Pushes what was written to the disk (fsync). Errors: IoError.
  virtual Status Sync() = 0;
  // Closes the file; later calls fail. Errors: IoError (a delayed write error).
  virtual Status Close() = 0;
  virtual const std::filesystem::path& path() const = 0;
};

// A file open for reading from start to end.
class SequentialFile {
 public:
  virtual ~SequentialFile() = default;
  // Reads up to `buffer.size()` bytes; returns how many (0 at the end of the
  // file). Errors: IoError naming the path and the reason.
  virtual Result<size_t> Read(std::span<uint8_t> buffer) = 0;
};

// A file open for reads at any offset (weights stored beside a model).
// Thread-safe: Read may be called from several threads at once.
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // The file's size in bytes. Errors: IoError "cannot read PATH: <reason>".
  virtual Result<uint64_t> Size() = 0;
  // Reads up to `buffer.size()` bytes from `offset`; returns how many (fewer
  // only at the end of the file). Errors: IoError "cannot read PATH: <reason>".
  virtual Result<size_t> Read(uint64_t offset, std::span<uint8_t> buffer) = 0;
};

enum class WriteMode {
  kCreateNew,  // a new file only: fails when anything (a symlink too) is at the path; symlinks never followed
  kTruncate,   // create or empty the file
  kAppend,     // create or add to the end of the file
};

enum class FileType { kMissing, kRegular, kDirectory, kOther };

// What Stat says about a path (symlinks followed).
struct FileInfo {
  FileType type = FileType::kMissing;
  uint64_t size = 0;    // bytes (regular files)
  uint64_t device = 0;  // with inode: the same file under two names
  uint64_t inode = 0;
};

class Env {
 public:
  virtual ~Env() = default;

  // The real file system and clock. Never null, never destroyed; thread-safe.
  static Env* Default();

  // Reads the whole file at `path` into `out`. It is opened without blocking
  // (a FIFO with no writer never hangs) and refused before reading when it is
  // not a regular file (InvalidArgument "PATH is not a regular file (a device,
  // FIFO or socket)") or holds more than `max_bytes` (InvalidArgument "PATH is
  // N bytes, over the limit of M bytes"). Errors: NotFound "PATH does not
  // exist"; IoError "cannot open PATH: <reason>" / "cannot read PATH: <reason>"
  // (Permission denied, Is a directory...).
  virtual Status ReadFile(const std::filesystem::path& path, uint64_t max_bytes, std::string* out) = 0;
  virtual Status ReadFile(const std::filesystem::path& path, uint64_t max_bytes, std::vector<uint8_t>* out) = 0;

  // Opens `path` for reading from its start. Errors: NotFound, IoError.
  virtual Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::filesystem::path& path) = 0;

  // Opens `path` for reads at any offset. Errors: NotFound, IoError "cannot
  // open PATH: <reason>".
  virtual Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::filesystem::path& path) = 0;

  // Opens `path` for writing (mode above; new files get 0666 less the umask).
  // Errors: FailedPrecondition "PATH already exists" for kCreateNew when
  // something is there; IoError "cannot open PATH: <reason>" otherwise.
  virtual Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::filesystem::path& path,
                                                                WriteMode mode) = 0;

  // Moves `from` over `to` (atomic within one folder; a symlink at `to` is
  // replaced, not followed). Errors: IoError "cannot rename FROM to TO: <reason>".
  virtual Status RenameFile(const std::filesystem::path& from, const std::filesystem::path& to) = 0;
  // Removes a file. Errors: NotFound when there is none; IoError.
  virtual Status RemoveFile(const std::filesystem::path& path) = 0;
  // Creates `path` and its missing parents. Errors: IoError naming the path.
  virtual Status CreateDirectories(const std::filesystem::path& path) = 0;
  // The names in the folder `path` (not "." or ".."), in no particular order.
  // Errors: NotFound, IoError.
  virtual Result<std::vector<std::string>> ListDirectory(const std::filesystem::path& path) = 0;

  // Type, size and identity of `path`, symlinks followed (kMissing when
  // nothing can be found there).
  virtual FileInfo Stat(const std::filesystem::path& path) = 0;
  // OK when new files may be created in the folder `path`. Errors: IoError
  // whose message is the system's reason alone (Permission denied, Read-only
  // file system...), for the caller to put after the folder's name. The
  // default Env also creates and at once removes a probe file there, as the
  // permission bits pass for root where nothing can be created (/proc).
  virtual Status CheckWritableFolder(const std::filesystem::path& path) = 0;

  // The wall clock (timestamps in reports and file names).
  virtual std::chrono::system_clock::time_point Now() = 0;

  // Conveniences over Stat.
  bool FileExists(const std::filesystem::path& path) { return Stat(path).type != FileType::kMissing; }
  bool IsRegularFile(const std::filesystem::path& path) { return Stat(path).type == FileType::kRegular; }
  bool IsDirectory(const std::filesystem::path& path) { return Stat(path).type == FileType::kDirectory; }
  // Whether `a` and `b` name the same existing file (the same device and inode).
  bool IsSameFile(const std::filesystem::path& a, const std::filesystem::path& b) {
    const FileInfo x = Stat(a), y = Stat(b);
    return x.type != FileType::kMissing && y.type != FileType::kMissing && x.device == y.device && x.inode == y.inode;
  }
  // The file's size, 0 when it is missing or not a regular file.
  uint64_t FileSizeOrZero(const std::filesystem::path& path) {
    const FileInfo info = Stat(path);
    return info.type == FileType::kRegular ? info.size : 0;
  }
};

// Writes `text` to `path` through `env`, created or truncated: not atomic, for
// files no reader races with (reports, summaries). Errors: IoError "cannot
// write PATH: <reason>" whatever step failed (open, write, close).
Status WriteStringToFile(Env* env, const std::filesystem::path& path, std::string_view text);

// Reads `path` from start to end through a SequentialFile, for files whose
// size is known only once read: /proc files report 0 bytes, so ReadFile would
// return nothing. Errors: as NewSequentialFile and SequentialFile::Read;
// InvalidArgument "PATH holds more than M bytes" past `max_bytes`.
Status ReadFileToEnd(Env* env, const std::filesystem::path& path, uint64_t max_bytes, std::string* out);

// The system's reason at the end of an Env error message ("cannot write PATH:
// No space left on device" -> "No space left on device"), for a caller that
// words the error around its own path.
std::string SystemReason(const Status& status);

// `env` itself, or Env::Default() when it is null (for option structs whose
// Env field was left unset).
inline Env* EnvOrDefault(Env* env) { return env ? env : Env::Default(); }

// An Env that passes every call to another one: the base for test Envs that
// change a few calls. Does not own `target`.
class EnvWrapper : public Env {
 public:
  explicit EnvWrapper(Env* target) : target_(target) {}
  Env* target() const { return target_; }

  Status ReadFile(const std::filesystem::path& p, uint64_t max, std::string* out) override {
    return target_->ReadFile(p, max, out);
  }
  Status ReadFile(const std::filesystem::path& p, uint64_t max, std::vector<uint8_t>* out) override {
    return target_->ReadFile(p, max, out);
  }
  Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::filesystem::path& p) override {
    return target_->NewSequentialFile(p);
  }
  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::filesystem::path& p) override {
    return target_->NewRandomAccessFile(p);
  }
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::filesystem::path& p, WriteMode mode) override {
    return target_->NewWritableFile(p, mode);
  }
  Status RenameFile(const std::filesystem::path& from, const std::filesystem::path& to) override {
    return target_->RenameFile(from, to);
  }
  Status RemoveFile(const std::filesystem::path& p) override { return target_->RemoveFile(p); }
  Status CreateDirectories(const std::filesystem::path& p) override { return target_->CreateDirectories(p); }
  Result<std::vector<std::string>> ListDirectory(const std::filesystem::path& p) override {
    return target_->ListDirectory(p);
  }
  FileInfo Stat(const std::filesystem::path& p) override { return target_->Stat(p); }
  Status CheckWritableFolder(const std::filesystem::path& p) override { return target_->CheckWritableFolder(p); }
  std::chrono::system_clock::time_point Now() override { return target_->Now(); }

 private:
  Env* target_;
};

}  // namespace facefuse
