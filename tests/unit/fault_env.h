// FaultEnv: the real file system with failures on demand, the way
// MemoryBudget makes allocations fail: the N-th write stops half way with
// ENOSPC (a full disk), renames fail, opens for writing are refused (EACCES),
// reads at an offset fail (EIO), and the clock can be set. Errors read exactly as the real Env's do
// ("cannot write PATH: No space left on device").
//
// Thread-safe: the counters are atomic and the settings are read under a lock.
#pragma once

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

#include "common/env.h"

namespace facefuse::testing_env {

// A test fixture with an empty folder of its own, `dir_`, removed after the test:
// <tmp>/facefuse_<prefix>_<pid>_<test name>.
class TempDirTest : public ::testing::Test {
 protected:
  explicit TempDirTest(std::string prefix) : prefix_(std::move(prefix)) {}
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("facefuse_" + prefix_ + "_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;

 private:
  std::string prefix_;
};


class FaultEnv : public EnvWrapper {
 public:
  FaultEnv() : EnvWrapper(Env::Default()) {}

  // The `n`-th Append from now on (1 = the next one), on any file, writes the
  // first half of its bytes and then fails with `err`; later writes succeed.
  void FailNthWrite(int n, int err = ENOSPC) {
    fail_write_at_ = writes_.load() + n;
    write_errno_ = err;
  }
  // Every RenameFile fails with `err` (nothing is moved) while set.
  void FailRenames(int err = EACCES) { rename_errno_ = err; }
  // Every NewWritableFile fails with `err` (nothing is created) while set.
  void FailWritableOpens(int err = EACCES) { open_errno_ = err; }
  // Every RandomAccessFile::Read fails with `err` while set (files still open).
  void FailRangedReads(int err = EIO) { ranged_read_errno_ = err; }
  // Now() returns `t` from now on.
  void SetNow(std::chrono::system_clock::time_point t) {
    std::lock_guard lock(mutex_);
    now_ = t;
  }

  int writes() const { return writes_.load(); }
  int renames() const { return renames_.load(); }

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::filesystem::path& p, WriteMode mode) override {
    if (const int err = open_errno_.load(); err != 0)
      return IoError("cannot open " + p.string() + ": " + std::strerror(err));
    FF_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, target()->NewWritableFile(p, mode));
    return std::unique_ptr<WritableFile>(new FaultyFile(this, std::move(file)));
  }

  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::filesystem::path& p) override {
    FF_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> file, target()->NewRandomAccessFile(p));
    return std::unique_ptr<RandomAccessFile>(new FaultyRangedFile(this, p, std::move(file)));
  }

  Status RenameFile(const std::filesystem::path& from, const std::filesystem::path& to) override {
    ++renames_;
    if (const int err = rename_errno_.load(); err != 0)
      return IoError("cannot rename " + from.string() + " to " + to.string() + ": " + std::strerror(err));
    return target()->RenameFile(from, to);
  }

  std::chrono::system_clock::time_point Now() override {
    std::lock_guard lock(mutex_);
    return now_ ? *now_ : target()->Now();
  }

 private:
  class FaultyFile : public WritableFile {
   public:
    FaultyFile(FaultEnv* env, std::unique_ptr<WritableFile> file) : env_(env), file_(std::move(file)) {}
    Status Append(std::span<const uint8_t> bytes) override {
      if (env_->writes_.fetch_add(1) + 1 == env_->fail_write_at_.load()) {
        (void)file_->Append(bytes.first(bytes.size() / 2));  // a full disk takes part of a write
        return IoError("cannot write " + path().string() + ": " + std::strerror(env_->write_errno_.load()));
      }
      return file_->Append(bytes);
    }
    Status Sync() override { return file_->Sync(); }
    Status Close() override { return file_->Close(); }
    const std::filesystem::path& path() const override { return file_->path(); }

   private:
    FaultEnv* env_;
    std::unique_ptr<WritableFile> file_;
  };

  class FaultyRangedFile : public RandomAccessFile {
   public:
    FaultyRangedFile(FaultEnv* env, std::filesystem::path path, std::unique_ptr<RandomAccessFile> file)
        : env_(env), path_(std::move(path)), file_(std::move(file)) {}
    Result<uint64_t> Size() override { return file_->Size(); }
    Result<size_t> Read(uint64_t offset, std::span<uint8_t> buffer) override {
      if (const int err = env_->ranged_read_errno_.load(); err != 0)
        return IoError("cannot read " + path_.string() + ": " + std::strerror(err));
      return file_->Read(offset, buffer);
    }

   private:
    FaultEnv* env_;
    std::filesystem::path path_;
    std::unique_ptr<RandomAccessFile> file_;
  };

  std::atomic<int> writes_{0};
  std::atomic<int> renames_{0};
  std::atomic<int> fail_write_at_{-1};
  std::atomic<int> write_errno_{ENOSPC};
  std::atomic<int> rename_errno_{0};
  std::atomic<int> open_errno_{0};
  std::atomic<int> ranged_read_errno_{0};
  std::mutex mutex_;
  std::optional<std::chrono::system_clock::time_point> now_;
};

}  // namespace facefuse::testing_env
