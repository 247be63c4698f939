#include "common/atomic_file.h"

#include <unistd.h>

#include <array>
#include <atomic>
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

constexpr size_t kTempSuffix = 11;  // ".tmp-XXXXXX"

// The longest file name (in bytes) the folder of `dest` takes: its NAME_MAX, 255 when the system does not say.
size_t NameMaxBeside(const std::filesystem::path& dest) {
  const std::filesystem::path folder = dest.parent_path();
  const long limit = ::pathconf(folder.empty() ? "." : folder.c_str(), _PC_NAME_MAX);
  return limit > 0 ? static_cast<size_t>(limit) : 255;
}

// DEST itself, or DEST with its file name cut so that NAME.tmp-XXXXXX still fits the folder's name limit (a legal
// 255-byte output name would otherwise fail with "File name too long"). Same folder, so the rename stays atomic.
std::string TempBase(const std::filesystem::path& dest) {
  const std::string file = dest.filename().string();
  const std::filesystem::path folder = dest.parent_path();
  const size_t name_max = NameMaxBeside(dest);
  if (file.size() + kTempSuffix <= name_max) return dest.string();
  const std::string cut = file.substr(0, name_max > kTempSuffix ? name_max - kTempSuffix : 1);
  return (folder / cut).string();
}

}  // namespace

Status CheckOutputPath(const std::filesystem::path& path, const std::vector<std::filesystem::path>& inputs,
                       Env* env) {
  if (path.empty()) return InvalidArgument("the output path is empty");
  const FileInfo out = env->Stat(path);
  if (out.type == FileType::kDirectory)
    return InvalidArgument("cannot write " + path.string() + ": it is a folder; name a file in it");
  std::filesystem::path folder = path.parent_path();
  if (folder.empty()) folder = ".";
  if (!env->IsDirectory(folder))
    return InvalidArgument("cannot write " + path.string() + ": the folder " + folder.string() + " does not exist");
  // The temporary file's name is cut to fit (TempBase); the final name must fit as it is, or the rename at the
  // end of the work would fail.
  if (const size_t name_max = NameMaxBeside(path); path.filename().string().size() > name_max)
    return InvalidArgument("cannot write " + path.string() + ": its file name is " +
                           std::to_string(path.filename().string().size()) + " bytes, over the folder's limit of " +
                           std::to_string(name_max) + " bytes");
  if (Status writable = env->CheckWritableFolder(folder); !writable.ok())
    return InvalidArgument("cannot write " + path.string() + ": the folder " + folder.string() + " is not writable (" +
                           writable.message() + ")");
  if (out.type != FileType::kMissing) {
    for (const std::filesystem::path& input : inputs) {
      const FileInfo in = env->Stat(input);
      if (in.type != FileType::kMissing && in.device == out.device && in.inode == out.inode)
        return InvalidArgument("the output " + path.string() + " is the input " + input.string() +
                               ": writing it would destroy the input; choose another output file");
    }
  }
  return Status::Ok();
}

Result<PendingFile> PendingFile::Create(const std::filesystem::path& dest,
                                        const std::vector<std::filesystem::path>& inputs, Env* env) {
  FF_RETURN_IF_ERROR(CheckOutputPath(dest, inputs, env));
  InstallTempFileCleanup();
  static thread_local std::mt19937_64 random(std::random_device{}() ^ static_cast<uint64_t>(::getpid()));
  static const char kChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string name = TempBase(dest) + ".tmp-";
    for (int i = 0; i < 6; ++i) name += kChars[random() % (sizeof(kChars) - 1)];
    const int slot = Register(name);  // before the file exists: a signal never leaves it behind
    auto opened = env->NewWritableFile(name, WriteMode::kCreateNew);
    if (opened.ok()) {
      PendingFile file;
      file.env_ = env;
      file.dest_ = dest;
      file.temp_ = std::move(name);
      file.file_ = std::move(opened).value();
      file.slot_ = slot;
      return file;
    }
    Unregister(slot);
    if (opened.status().code() != StatusCode::kFailedPrecondition)  // anything but "already exists"
      return IoError("cannot create a temporary file beside " + dest.string() + ": " + SystemReason(opened.status()));
  }
  return IoError("cannot create a unique temporary file beside " + dest.string());
}

PendingFile::PendingFile(PendingFile&& other) noexcept
    : env_(other.env_),
      dest_(std::move(other.dest_)),
      temp_(std::move(other.temp_)),
      file_(std::move(other.file_)),
      slot_(other.slot_) {
  other.temp_.clear();
  other.slot_ = -1;
}

PendingFile::~PendingFile() { Discard(); }

void PendingFile::Discard() {
  file_.reset();  // closes it
  if (!temp_.empty()) (void)env_->RemoveFile(temp_);
  temp_.clear();
  Unregister(slot_);
  slot_ = -1;
}

Status PendingFile::Commit(std::span<const uint8_t> bytes) {
  if (!file_ || temp_.empty()) return Internal("the file for " + dest_.string() + " was already committed");
  // On failure the temporary file goes at once, and the error names the destination (the user's path).
  auto failed = [&](const std::string& what, const Status& s) {
    Discard();
    return IoError(what + dest_.string() + ": " + SystemReason(s));
  };
  if (Status s = file_->Append(bytes); !s.ok()) return failed("cannot write ", s);
  Status closed = file_->Close();
  file_.reset();
  if (!closed.ok()) return failed("cannot write ", closed);
  if (Status s = env_->RenameFile(temp_, dest_); !s.ok()) return failed("cannot move the new file into place at ", s);
  temp_.clear();
  Unregister(slot_);
  slot_ = -1;
  return Status::Ok();
}

Status WriteFileAtomically(const std::filesystem::path& path, std::span<const uint8_t> bytes, Env* env) {
  FF_ASSIGN_OR_RETURN(PendingFile file, PendingFile::Create(path, {}, env));
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
