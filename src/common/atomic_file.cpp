#include "common/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <mutex>
#include <random>

namespace facefuse {
namespace {

// A fixed table of paths the signal handler may read at any moment: a slot is
// written while its state is kWriting and only read by the handler once kReady.
constexpr size_t kSlots = 16;
constexpr size_t kPathMax = 4096;
enum SlotState : int { kFree = 0, kWriting = 1, kReady = 2 };
struct Slot {
  std::atomic<int> state{kFree};
  char path[kPathMax] = {};
};
std::array<Slot, kSlots> g_slots;

void UnlinkRegistered() {
  for (Slot& slot : g_slots) {
    if (slot.state.load() == kReady) ::unlink(slot.path);  // async-signal-safe
  }
}

void UnlinkTempFilesAndReraise(int sig) {
  UnlinkRegistered();
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

// Registers `path`; returns the slot index, or -1 when the table is full or the path too long (the file is then
// still removed on every failure path, only not on a signal).
int Register(const std::string& path) {
  if (path.size() + 1 > kPathMax) return -1;
  for (size_t i = 0; i < kSlots; ++i) {
    int expected = kFree;
    if (g_slots[i].state.compare_exchange_strong(expected, kWriting)) {
      std::memcpy(g_slots[i].path, path.c_str(), path.size() + 1);
      g_slots[i].state.store(kReady);
      return static_cast<int>(i);
    }
  }
  return -1;
}

void Unregister(int slot) {
  if (slot >= 0) g_slots[static_cast<size_t>(slot)].state.store(kFree);
}

std::string Reason(int err) { return std::strerror(err); }

constexpr size_t kTempSuffix = 11;  // ".tmp-XXXXXX"

// DEST itself, or DEST with its file name cut so that NAME.tmp-XXXXXX still fits the folder's name limit (a legal
// 255-byte output name would otherwise fail with "File name too long"). Same folder, so the rename stays atomic.
std::string TempBase(const std::filesystem::path& dest) {
  const std::string file = dest.filename().string();
  std::filesystem::path folder = dest.parent_path();
  const long limit = ::pathconf(folder.empty() ? "." : folder.c_str(), _PC_NAME_MAX);
  const size_t name_max = limit > 0 ? static_cast<size_t>(limit) : 255;
  if (file.size() + kTempSuffix <= name_max) return dest.string();
  const std::string cut = file.substr(0, name_max > kTempSuffix ? name_max - kTempSuffix : 1);
  return (folder / cut).string();
}

}  // namespace

Status CheckOutputPath(const std::filesystem::path& path, const std::vector<std::filesystem::path>& inputs) {
  if (path.empty()) return InvalidArgument("the output path is empty");
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return InvalidArgument("cannot write " + path.string() + ": it is a folder; name a file in it");
  std::filesystem::path folder = path.parent_path();
  if (folder.empty()) folder = ".";
  if (!std::filesystem::is_directory(folder, ec))
    return InvalidArgument("cannot write " + path.string() + ": the folder " + folder.string() + " does not exist");
  if (::access(folder.c_str(), W_OK | X_OK) != 0)
    return InvalidArgument("cannot write " + path.string() + ": the folder " + folder.string() + " is not writable (" +
                           Reason(errno) + ")");
  struct stat out{};
  if (::stat(path.c_str(), &out) == 0) {
    for (const std::filesystem::path& input : inputs) {
      struct stat in{};
      if (::stat(input.c_str(), &in) == 0 && in.st_dev == out.st_dev && in.st_ino == out.st_ino)
        return InvalidArgument("the output " + path.string() + " is the input " + input.string() +
                               ": writing it would destroy the input; choose another output file");
    }
  }
  return Status::Ok();
}

Result<PendingFile> PendingFile::Create(const std::filesystem::path& dest,
                                        const std::vector<std::filesystem::path>& inputs) {
  FF_RETURN_IF_ERROR(CheckOutputPath(dest, inputs));
  InstallTempFileCleanup();
  static thread_local std::mt19937_64 random(std::random_device{}() ^ static_cast<uint64_t>(::getpid()));
  static const char kChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string name = TempBase(dest) + ".tmp-";
    for (int i = 0; i < 6; ++i) name += kChars[random() % (sizeof(kChars) - 1)];
    const int slot = Register(name);  // before the file exists: a signal never leaves it behind
    const int fd = ::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd >= 0) {
      PendingFile file;
      file.dest_ = dest;
      file.temp_ = std::move(name);
      file.fd_ = fd;
      file.slot_ = slot;
      return file;
    }
    const int err = errno;
    Unregister(slot);
    if (err != EEXIST) return Internal("cannot create a temporary file beside " + dest.string() + ": " + Reason(err));
  }
  return Internal("cannot create a unique temporary file beside " + dest.string());
}

PendingFile::PendingFile(PendingFile&& other) noexcept
    : dest_(std::move(other.dest_)), temp_(std::move(other.temp_)), fd_(other.fd_), slot_(other.slot_) {
  other.temp_.clear();
  other.fd_ = other.slot_ = -1;
}

PendingFile::~PendingFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!temp_.empty()) ::unlink(temp_.c_str());
  Unregister(slot_);
}

Status PendingFile::Commit(std::span<const uint8_t> bytes) {
  if (fd_ < 0 || temp_.empty()) return Internal("the file for " + dest_.string() + " was already committed");
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Internal("cannot write " + dest_.string() + ": " + Reason(errno));
    done += static_cast<size_t>(n);
  }
  const int closed = ::close(fd_);
  fd_ = -1;
  if (closed != 0) return Internal("cannot write " + dest_.string() + ": " + Reason(errno));
  if (::rename(temp_.c_str(), dest_.c_str()) != 0)
    return Internal("cannot move the new file into place at " + dest_.string() + ": " + Reason(errno));
  temp_.clear();
  Unregister(slot_);
  slot_ = -1;
  return Status::Ok();
}

Status WriteFileAtomically(const std::filesystem::path& path, std::span<const uint8_t> bytes) {
  FF_ASSIGN_OR_RETURN(PendingFile file, PendingFile::Create(path));
  return file.Commit(bytes);
}

void InstallTempFileCleanup() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) {
      struct sigaction old{};
      if (::sigaction(sig, nullptr, &old) != 0 || old.sa_handler != SIG_DFL || (old.sa_flags & SA_SIGINFO)) continue;
      struct sigaction action{};
      action.sa_handler = UnlinkTempFilesAndReraise;
      sigemptyset(&action.sa_mask);
      ::sigaction(sig, &action, nullptr);
    }
  });
}

std::vector<std::string> RegisteredTempFiles() {
  std::vector<std::string> paths;
  for (const Slot& slot : g_slots)
    if (slot.state.load() == kReady) paths.emplace_back(slot.path);
  return paths;
}

}  // namespace facefuse
