#include "models/downloader.h"

#include <charconv>
#include <cstring>
#include <memory>

#include "models/sha256.h"

namespace facefuse::models {
namespace {

namespace fs = std::filesystem;

// "bytes 100-999/1000" -> first = 100, total = 1000; "bytes */1000" -> total = 1000.
// Unparsable fields stay UINT64_MAX / 0.
void ParseContentRange(const std::string& value, uint64_t* first, uint64_t* total) {
  *first = UINT64_MAX;
  *total = 0;
  const char* p = value.c_str();
  const char* end = p + value.size();
  if (value.rfind("bytes ", 0) != 0) return;
  p += 6;
  if (p < end && *p != '*') std::from_chars(p, end, *first);
  if (const char* slash = std::strchr(p, '/')) std::from_chars(slash + 1, end, *total);
}

bool IsHex64(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// What one transfer attempt into the .part ended with.
struct Transfer {
  Status status;              // OK: the .part holds the whole body
  bool bad_content = false;   // the server's file is not the pinned one
  bool restart = false;       // the .part cannot be resumed; truncate it and try again
  uint64_t resumed_from = 0;  // bytes of the .part kept from before this attempt
};

Status CloseFile(WritableFile& f) {
  Status synced = f.Sync();
  Status closed = f.Close();
  return synced.ok() ? closed : synced;
}

// Streams `url` into `part`, resuming from its current size.
Transfer FetchIntoPart(const std::string& url, const fs::path& part, uint64_t pinned_size, HttpGetter& http,
                       const ProgressCallback& progress, Env* env) {
  Transfer t;
  uint64_t offset = env->FileSizeOrZero(part);
  if (pinned_size != 0 && offset > pinned_size) offset = 0;  // cannot be a prefix of the pinned file
  if (pinned_size != 0 && offset == pinned_size) {           // complete already: only verification is left
    t.resumed_from = offset;
    return t;
  }
  auto opened = env->NewWritableFile(part, offset > 0 ? WriteMode::kAppend : WriteMode::kTruncate);
  if (!opened.ok()) {
    t.status = opened.status();
    return t;
  }
  std::unique_ptr<WritableFile> out = std::move(opened).value();
  uint64_t written = offset, total = pinned_size;
  bool part_complete = false;
  Status reason;  // why a handler aborted
  auto on_head = [&](const HttpResponseHead& head) {
    uint64_t range_first = 0, range_total = 0;
    ParseContentRange(head.content_range, &range_first, &range_total);
    uint64_t announced = 0;
    if (head.status == 416 && offset > 0) {
      part_complete = range_total == 0 || range_total == offset;  // else the .part is longer than the file
      t.restart = !part_complete;
      return false;
    }
    if (head.status == 404 || head.status == 410) {
      reason = NotFound("HTTP " + std::to_string(head.status) + " (no such file on the server)");
      return false;
    }
    if (head.status == 206 && offset > 0) {
      if (range_first != offset) {
        t.restart = true;  // the server sent another range than asked for
        return false;
      }
      announced = range_total != 0 ? range_total : (head.content_length ? offset + head.content_length : 0);
    } else if (head.status == 200) {
      if (offset > 0) {  // Range ignored: the body is the whole file
        out.reset();
        auto truncated = env->NewWritableFile(part, WriteMode::kTruncate);
        if (!truncated.ok()) {
          reason = truncated.status();
          return false;
        }
        out = std::move(truncated).value();
        offset = written = 0;
      }
      announced = head.content_length;
    } else {
      reason = Unavailable("HTTP " + std::to_string(head.status));
      return false;
    }
    if (pinned_size != 0 && announced != 0 && announced != pinned_size) {
      t.bad_content = true;
      reason = InvalidArgument("server announces " + std::to_string(announced) + " bytes, catalog pins " +
                               std::to_string(pinned_size));
      return false;
    }
    if (total == 0) total = announced;
    return true;
  };
  auto on_body = [&](const char* data, size_t size) {
    if (Status s = out->Append(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(data), size)); !s.ok()) {
      reason = s;
      return false;
    }
    written += size;
    if (total != 0 && written > total) {
      t.bad_content = pinned_size != 0;
      std::string what = "server sent more than " + std::to_string(total) + " bytes";
      reason = t.bad_content ? InvalidArgument(what) : Unavailable(what);
      return false;
    }
    if (progress) progress(written, total);
    return true;
  };
  Status got = http.Get(url, offset, on_head, on_body);
  Status closed = out ? CloseFile(*out) : Status::Ok();
  if (written == 0) (void)env->RemoveFile(part);  // leave no empty .part behind (e.g. when offline)
  t.resumed_from = offset;
  if (part_complete || t.restart) return t;
  if (!reason.ok()) {
    t.status = reason;
  } else if (!got.ok()) {
    t.status = written == 0 ? got
                            : Status(got.code(), got.message() + " (kept " + std::to_string(written) + " bytes in " +
                                                     part.filename().string() + " to resume from)");
  } else if (!closed.ok()) {
    t.status = closed;
  } else if (total != 0 && written != total) {
    t.status = Unavailable("transfer ended after " + std::to_string(written) + " of " + std::to_string(total) +
                           " bytes; run again to resume");
  }
  return t;
}

// Checks the finished .part against the pins; fills size and sha256.
Status VerifyPart(const fs::path& part, const DownloadRequest& request, DownloadResult* result, bool* bad) {
  Env* env = EnvOrDefault(request.env);
  result->size_bytes = env->FileSizeOrZero(part);
  if (request.expected_size != 0 && result->size_bytes != request.expected_size) {
    *bad = true;
    return InvalidArgument("size " + std::to_string(result->size_bytes) + " bytes, catalog pins " +
                           std::to_string(request.expected_size));
  }
  FF_ASSIGN_OR_RETURN(result->sha256, Sha256OfFile(part, env));
  if (!request.expected_sha256.empty() && result->sha256 != request.expected_sha256) {
    *bad = true;
    return InvalidArgument("sha256 " + result->sha256 + " does not match the pinned " + request.expected_sha256);
  }
  return Status::Ok();
}

}  // namespace

fs::path PartPath(const fs::path& destination) { return fs::path(destination.string() + ".part"); }
fs::path RejectedPath(const fs::path& destination) { return fs::path(destination.string() + ".rejected"); }

Result<DownloadResult> DownloadFile(const DownloadRequest& request, HttpGetter& http,
                                    const ProgressCallback& progress) {
  if (request.urls.empty()) return InvalidArgument("no download URL for " + request.destination.string());
  if (!request.expected_sha256.empty() && !IsHex64(request.expected_sha256)) {
    return InvalidArgument("pinned sha256 is not 64 lower-case hex digits: " + request.expected_sha256);
  }
  const fs::path part = PartPath(request.destination);
  Env* env = EnvOrDefault(request.env);
  FF_RETURN_IF_ERROR(
      env->CreateDirectories(request.destination.parent_path().empty() ? "." : request.destination.parent_path()));

  std::string failures;
  Status last;
  for (const std::string& url : request.urls) {
    Transfer t = FetchIntoPart(url, part, request.expected_size, http, progress, env);
    if (t.restart) {  // unusable .part: start this URL again from byte 0
      (void)env->RemoveFile(part);
      t = FetchIntoPart(url, part, request.expected_size, http, progress, env);
      if (t.restart) t.status = Unavailable("the server answers range requests inconsistently");
    }
    DownloadResult result{request.destination, url, "", 0, t.resumed_from, !request.expected_sha256.empty()};
    Status s = t.status;
    bool bad = t.bad_content;
    if (s.ok()) s = VerifyPart(part, request, &result, &bad);
    if (s.ok()) {
      FF_RETURN_IF_ERROR(env->RenameFile(part, request.destination));
      return result;
    }
    if (bad) {
      if (env->RenameFile(part, RejectedPath(request.destination)).ok()) s = s.WithContext("content rejected, kept as " + RejectedPath(request.destination).string());
    }
    failures += (failures.empty() ? "" : "; ") + url + ": " + s.message();
    last = s;
  }
  std::string message = "could not download " + request.destination.filename().string() + ": " + failures;
  if (last.code() == StatusCode::kUnavailable) {
    message += ". Offline? Put " + request.destination.filename().string() + " into " +
               request.destination.parent_path().string() + "/ by hand (from " + request.urls.front() + ")";
  }
  return Status(last.code(), message);
}

}  // namespace facefuse::models
