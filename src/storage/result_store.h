// Where the service keeps the results of its jobs: a folder (the data dir, the default) or an S3-compatible
// bucket (storage/s3_result_store.h), so that any replica can answer GET /v1/jobs/{id}/result whichever ran the job.
// An object is named by a key "JOB_FOLDER/FILE_NAME" (e.g. "job-3f2a9c/result.jpg").
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "facefuse/status.h"

namespace facefuse::storage {

// Takes the bytes of a read as they arrive; returns false to stop the read (the client went away).
using ByteSink = std::function<bool(const char* data, size_t size)>;

// Thread safety: every method may be called from any number of threads at once.
class ResultStore {
 public:
  virtual ~ResultStore() = default;

  // Where the results go, for messages: "the data dir DIR" or "s3://BUCKET/PREFIX at ENDPOINT".
  virtual std::string Describe() const = 0;

  // Keeps the finished file at `file` as the object `key`; `file` may be gone afterwards (an S3 store removes the
  // local copy once the object is stored). Errors: Unavailable when the store is out of reach (worth another
  // attempt); PermissionDenied when it refuses the credentials; IoError when `file` cannot be read.
  virtual Status Put(const std::string& key, const std::filesystem::path& file) = 0;

  // The object's size in bytes. Errors: NotFound when there is no such object; Unavailable; PermissionDenied.
  virtual Result<uint64_t> Size(const std::string& key) const = 0;

  // Gives bytes [offset, offset + length) of the object to `sink`, in order. Errors: NotFound; Unavailable;
  // PermissionDenied; Cancelled when the sink stopped the read; IoError when fewer bytes came than asked for.
  virtual Status Read(const std::string& key, uint64_t offset, uint64_t length, const ByteSink& sink) const = 0;

  // Removes the object; no object is not an error. Errors: Unavailable; PermissionDenied.
  virtual Status Remove(const std::string& key) = 0;

  // OK when the store can be used now. Errors: the reason it cannot (Unavailable, PermissionDenied, NotFound for a
  // missing bucket).
  virtual Status Health() const = 0;
};

// `store` with its Health() answered from the last check while it is younger than `max_age`, and checked by one
// caller at a time: while a check runs, the others get the last answer (OK before the first). So readiness probes,
// however many, cost the store at most one request per `max_age` and never queue behind a store that hangs.
std::shared_ptr<ResultStore> WithCachedHealth(std::shared_ptr<ResultStore> store, std::chrono::milliseconds max_age);

// Gives bytes [offset, offset + length) of the file at `path` to `sink` in 64 KiB pieces: what the folder store
// reads, and what the job API sends of a job's other files. Errors: NotFound when it cannot be opened; Cancelled
// when the sink stopped; IoError when the file ends first.
Status ReadFileRange(const std::filesystem::path& path, uint64_t offset, uint64_t length, const ByteSink& sink);

// The results kept in `root` (the data dir): the object "KEY" is the file root/KEY, where the job wrote it. Put
// moves a file from elsewhere into place; Remove deletes the file (retention removes the job's folder as well).
std::unique_ptr<ResultStore> NewFolderResultStore(std::filesystem::path root);

}  // namespace facefuse::storage
