// Resumable, verified download of one model file.
//
// How a download proceeds (DownloadFile):
//   - Bytes go to "<destination>.part" in the destination's folder (created if
//     missing). An existing .part is resumed with "Range: bytes=<size>-":
//       206 with a matching Content-Range  -> append;
//       200 (the server ignored the Range) -> restart from byte 0;
//       416 (nothing left to send)         -> the .part is taken as complete.
//   - Then the size (when pinned, else as announced by the server) and the
//     sha256 (when pinned) of the .part are checked, and only a verified .part is
//     renamed onto the destination (atomic rename in one folder). An existing
//     destination is therefore replaced only by a verified file.
//   - A network failure keeps the .part, so the next call resumes it.
//   - Content that fails verification (wrong size or sha256) is moved to
//     "<destination>.rejected" (replacing an older one) for inspection and is
//     never resumed from; nothing the user had is deleted.
//   - URLs are tried in order until one delivers a verified file.
//   - Without a pinned sha256 the file is accepted by size alone;
//     DownloadResult::sha256 is the computed value so the caller can show it.
//
// Thread safety: DownloadFile may run concurrently for different destinations;
// two concurrent downloads of the same destination are not supported.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "common/env.h"
#include "facefuse/status.h"
#include "models/http_getter.h"

namespace facefuse::models {

struct DownloadRequest {
  std::vector<std::string> urls;      // tried in order; at least one
  std::filesystem::path destination;  // final file path
  uint64_t expected_size = 0;         // 0: not pinned
  std::string expected_sha256;        // 64 lower-case hex digits; empty: not pinned
  Env* env = Env::Default();          // every file access (.part, rename, folder); not owned
};

// Called as bytes arrive: `received` bytes of the file are on disk (a resumed
// prefix included), `total` is the expected file size (pinned, else announced
// by the server; 0 when unknown). Called on the downloading thread.
using ProgressCallback = std::function<void(uint64_t received, uint64_t total)>;

struct DownloadResult {
  std::filesystem::path path;  // the destination
  std::string url;             // the URL that delivered the file
  std::string sha256;          // computed sha256 of the file
  uint64_t size_bytes = 0;
  uint64_t resumed_from = 0;  // bytes reused from an earlier .part; 0 for a fresh download
  bool hash_pinned = false;   // true when sha256 was checked against request.expected_sha256
};

// Downloads request.urls[i] to request.destination as described above, using
// `http` for all network access.
// Errors (the code of the last URL's failure; the message lists every URL's):
//   Unavailable     no URL could be reached or a transfer broke off; the message
//                   says which file to put where to install it by hand;
//   NotFound        the server answered 404/410;
//   InvalidArgument the content failed verification (moved to .rejected), or the
//                   request is malformed (no URLs, bad sha256 text);
//   IoError         the .part or the destination could not be written or renamed.
Result<DownloadResult> DownloadFile(const DownloadRequest& request, HttpGetter& http,
                                    const ProgressCallback& progress = {});

std::filesystem::path PartPath(const std::filesystem::path& destination);      // "<destination>.part"
std::filesystem::path RejectedPath(const std::filesystem::path& destination);  // "<destination>.rejected"

}  // namespace facefuse::models
