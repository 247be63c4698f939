// ResultStore over a folder: the default, where a job's result stays in its folder in the data dir.
#include <fstream>
#include <system_error>
#include <utility>

#include "storage/result_key.h"
#include "storage/result_store.h"

namespace facefuse::storage {
namespace {

namespace fs = std::filesystem;

class FolderResultStore : public ResultStore {
 public:
  explicit FolderResultStore(fs::path root) : root_(std::move(root)) {}

  std::string Describe() const override { return "the data dir " + root_.string(); }

  Status Put(const std::string& key, const fs::path& file) override {
    FF_RETURN_IF_ERROR(CheckResultKey(key));
    const fs::path target = root_ / key;
    std::error_code error;
    if (fs::equivalent(file, target, error)) return Status::Ok();
    fs::create_directories(target.parent_path(), error);
    if (!error) fs::rename(file, target, error);
    if (error) return IoError("cannot keep " + file.string() + " as " + target.string() + ": " + error.message());
    return Status::Ok();
  }

  Result<uint64_t> Size(const std::string& key) const override {
    FF_RETURN_IF_ERROR(CheckResultKey(key));
    std::error_code error;
    const uint64_t size = fs::file_size(root_ / key, error);
    if (error) return NotFound("no result " + key + " in " + Describe());
    return size;
  }

  Status Read(const std::string& key, uint64_t offset, uint64_t length, const ByteSink& sink) const override {
    FF_RETURN_IF_ERROR(CheckResultKey(key));
    const Status read = ReadFileRange(root_ / key, offset, length, sink);
    if (read.code() == StatusCode::kNotFound) return NotFound("no result " + key + " in " + Describe());
    return read;
  }

  Status Remove(const std::string& key) override {
    FF_RETURN_IF_ERROR(CheckResultKey(key));
    std::error_code error;
    fs::remove(root_ / key, error);
    if (error) return IoError("cannot remove " + (root_ / key).string() + ": " + error.message());
    return Status::Ok();
  }

  Status Health() const override {
    std::error_code error;
    if (!fs::is_directory(root_, error)) return Unavailable(Describe() + " is not a folder");
    return Status::Ok();
  }

 private:
  fs::path root_;
};

}  // namespace

Status ReadFileRange(const fs::path& path, uint64_t offset, uint64_t length, const ByteSink& sink) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot open " + path.string());
  in.seekg(static_cast<std::streamoff>(offset));
  char buffer[64 * 1024];
  while (length > 0 && in) {
    in.read(buffer, static_cast<std::streamsize>(std::min<uint64_t>(length, sizeof buffer)));
    const auto got = static_cast<size_t>(in.gcount());
    if (got == 0) break;
    if (!sink(buffer, got)) return Cancelled("the read of " + path.string() + " was stopped");
    length -= got;
  }
  if (length > 0) return IoError(path.string() + " ended " + std::to_string(length) + " bytes early");
  return Status::Ok();
}

std::unique_ptr<ResultStore> NewFolderResultStore(fs::path root) {
  return std::make_unique<FolderResultStore>(std::move(root));
}

}  // namespace facefuse::storage
