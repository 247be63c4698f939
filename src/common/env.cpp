#include "common/env.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace facefuse {
namespace {

namespace fs = std::filesystem;

std::string Reason(int err) { return std::strerror(err); }

Status IoErrorFor(const char* verb, const fs::path& path, int err) {
  return IoError(std::string("cannot ") + verb + " " + path.string() + ": " + Reason(err));
}

// Closes a descriptor when the scope ends.
struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

template <class Bytes>
Status ReadRegular(const fs::path& path, uint64_t max_bytes, Bytes* out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) return NotFound(path.string() + " does not exist");
    return IoErrorFor("open", path, err);
  }
  FdCloser closer{fd};
  struct stat st{};
  if (::fstat(fd, &st) != 0) return IoErrorFor("read", path, errno);
  if (S_ISDIR(st.st_mode)) return IoErrorFor("read", path, EISDIR);
  if (!S_ISREG(st.st_mode)) return InvalidArgument(path.string() + " is not a regular file (a device, FIFO or socket)");
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size > max_bytes)
    return InvalidArgument(path.string() + " is " + std::to_string(size) + " bytes, over the limit of " +
                           std::to_string(max_bytes) + " bytes");
  Bytes& bytes = *out;
  bytes.resize(static_cast<size_t>(size));
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoErrorFor("read", path, errno);
    if (n == 0) break;  // the file shrank while being read
    done += static_cast<size_t>(n);
  }
  bytes.resize(done);
  return Status::Ok();
}

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(fs::path path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  Status Append(std::span<const uint8_t> bytes) override {
    if (fd_ < 0) return IoErrorFor("write", path_, EBADF);
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return IoErrorFor("write", path_, errno);
      done += static_cast<size_t>(n);
    }
    return Status::Ok();
  }

  Status Sync() override {
    if (fd_ < 0) return IoErrorFor("write", path_, EBADF);
    // EINVAL/EROFS: a file that cannot be synced (/dev/null and the like) has nothing to lose.
    if (::fsync(fd_) != 0 && errno != EINVAL && errno != EROFS) return IoErrorFor("write", path_, errno);
    return Status::Ok();
  }

  Status Close() override {
    if (fd_ < 0) return IoErrorFor("close", path_, EBADF);
    const int closed = ::close(fd_);
    fd_ = -1;
    return closed == 0 ? Status::Ok() : IoErrorFor("write", path_, errno);
  }

  const fs::path& path() const override { return path_; }

 private:
  fs::path path_;
  int fd_;
};

class PosixSequentialFile final : public SequentialFile {
 public:
  PosixSequentialFile(fs::path path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixSequentialFile() override { ::close(fd_); }

  Result<size_t> Read(std::span<uint8_t> buffer) override {
    for (;;) {
      const ssize_t n = ::read(fd_, buffer.data(), buffer.size());
      if (n >= 0) return static_cast<size_t>(n);
      if (errno != EINTR) return IoErrorFor("read", path_, errno);
    }
  }

 private:
  fs::path path_;
  int fd_;
};

class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(fs::path path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixRandomAccessFile() override { ::close(fd_); }

  Result<uint64_t> Size() override {
    struct stat st{};
    if (::fstat(fd_, &st) != 0) return IoErrorFor("read", path_, errno);
    return static_cast<uint64_t>(st.st_size);
  }

  Result<size_t> Read(uint64_t offset, std::span<uint8_t> buffer) override {
    size_t done = 0;
    while (done < buffer.size()) {
      const ssize_t n = ::pread(fd_, buffer.data() + done, buffer.size() - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return IoErrorFor("read", path_, errno);
      if (n == 0) break;  // the end of the file
      done += static_cast<size_t>(n);
    }
    return done;
  }

 private:
  fs::path path_;
  int fd_;
};

// Opens `path` read-only: NotFound when nothing is there, IoError "cannot open PATH: <reason>" otherwise.
Result<int> OpenForReading(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) return fd;
  const int err = errno;
  if (err == ENOENT) return NotFound(path.string() + " does not exist");
  return IoErrorFor("open", path, err);
}

class PosixEnv final : public Env {
 public:
  Status ReadFile(const fs::path& path, uint64_t max_bytes, std::string* out) override {
    return ReadRegular(path, max_bytes, out);
  }
  Status ReadFile(const fs::path& path, uint64_t max_bytes, std::vector<uint8_t>* out) override {
    return ReadRegular(path, max_bytes, out);
  }

  Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const fs::path& path) override {
    FF_ASSIGN_OR_RETURN(const int fd, OpenForReading(path));
    return std::unique_ptr<SequentialFile>(new PosixSequentialFile(path, fd));
  }

  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const fs::path& path) override {
    FF_ASSIGN_OR_RETURN(const int fd, OpenForReading(path));
    return std::unique_ptr<RandomAccessFile>(new PosixRandomAccessFile(path, fd));
  }

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const fs::path& path, WriteMode mode) override {
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC;
    if (mode == WriteMode::kCreateNew) flags |= O_EXCL | O_NOFOLLOW;
    if (mode == WriteMode::kTruncate) flags |= O_TRUNC;
    if (mode == WriteMode::kAppend) flags |= O_APPEND;
    const int fd = ::open(path.c_str(), flags, 0666);
    if (fd < 0) {
      const int err = errno;
      if (err == EEXIST && mode == WriteMode::kCreateNew) return FailedPrecondition(path.string() + " already exists");
      return IoErrorFor("open", path, err);
    }
    return std::unique_ptr<WritableFile>(new PosixWritableFile(path, fd));
  }

  Status RenameFile(const fs::path& from, const fs::path& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0)
      return IoError("cannot rename " + from.string() + " to " + to.string() + ": " + Reason(errno));
    return Status::Ok();
  }

  Status RemoveFile(const fs::path& path) override {
    if (::unlink(path.c_str()) == 0) return Status::Ok();
    const int err = errno;
    if (err == ENOENT) return NotFound(path.string() + " does not exist");
    return IoErrorFor("remove", path, err);
  }

  Status CreateDirectories(const fs::path& path) override {
    std::error_code ec;
    fs::create_directories(path, ec);
    if (ec) return IoError("cannot create " + path.string() + ": " + ec.message());
    return Status::Ok();
  }

  Result<std::vector<std::string>> ListDirectory(const fs::path& path) override {
    DIR* dir = ::opendir(path.c_str());
    if (!dir) {
      const int err = errno;
      if (err == ENOENT) return NotFound(path.string() + " does not exist");
      return IoErrorFor("list", path, err);
    }
    std::vector<std::string> names;
    while (const dirent* entry = ::readdir(dir)) {
      const std::string_view name = entry->d_name;
      if (name != "." && name != "..") names.emplace_back(name);
    }
    ::closedir(dir);
    return names;
  }

  FileInfo Stat(const fs::path& path) override {
    struct stat st{};
    FileInfo info;
    if (::stat(path.c_str(), &st) != 0) return info;
    info.type = S_ISREG(st.st_mode)   ? FileType::kRegular
                : S_ISDIR(st.st_mode) ? FileType::kDirectory
                                      : FileType::kOther;
    info.size = static_cast<uint64_t>(st.st_size);
    info.device = static_cast<uint64_t>(st.st_dev);
    info.inode = static_cast<uint64_t>(st.st_ino);
    return info;
  }

  Status CheckWritableFolder(const fs::path& path) override {
    if (::access(path.c_str(), W_OK | X_OK) != 0) return IoError(Reason(errno));
    // access() passes for root where nothing can be created (/proc, /sys): a probe file, removed at once, says.
    std::string probe = (path / ".facefuse-probe-XXXXXX").string();
    const int fd = ::mkstemp(probe.data());
    if (fd < 0) return IoError(Reason(errno));
    ::close(fd);
    ::unlink(probe.c_str());
    return Status::Ok();
  }

  std::chrono::system_clock::time_point Now() override { return std::chrono::system_clock::now(); }
};

}  // namespace

Status WriteStringToFile(Env* env, const fs::path& path, std::string_view text) {
  auto failed = [&path](const Status& s) { return IoError("cannot write " + path.string() + ": " + SystemReason(s)); };
  auto file = env->NewWritableFile(path, WriteMode::kTruncate);
  if (!file.ok()) return failed(file.status());
  if (Status s = (*file)->Append(text); !s.ok()) return failed(s);
  if (Status s = (*file)->Close(); !s.ok()) return failed(s);
  return Status::Ok();
}

Status ReadFileToEnd(Env* env, const fs::path& path, uint64_t max_bytes, std::string* out) {
  FF_ASSIGN_OR_RETURN(std::unique_ptr<SequentialFile> file, env->NewSequentialFile(path));
  out->clear();
  uint8_t chunk[4096];
  for (;;) {
    FF_ASSIGN_OR_RETURN(const size_t n, file->Read(chunk));
    if (n == 0) return Status::Ok();
    if (out->size() + n > max_bytes)
      return InvalidArgument(path.string() + " holds more than " + std::to_string(max_bytes) + " bytes");
    out->append(reinterpret_cast<const char*>(chunk), n);
  }
}

std::string SystemReason(const Status& status) {
  const size_t colon = status.message().rfind(": ");
  return colon == std::string::npos ? status.message() : status.message().substr(colon + 2);
}

Env* Env::Default() {
  static PosixEnv* const env = new PosixEnv();  // never destroyed: usable from static destructors and other threads
  return env;
}

}  // namespace facefuse
