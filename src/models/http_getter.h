// The network seam of the model downloader: one streaming HTTP(S) GET.
//
// DownloadFile talks to the network only through HttpGetter, so tests can point
// it at a local server (or substitute a fake) and nothing else in facefuse
// needs to know which HTTP library is used.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "facefuse/status.h"

namespace facefuse::models {

struct HttpResponseHead {
  int status = 0;               // final status after redirects (200, 206, 404, 416, ...)
  uint64_t content_length = 0;  // body bytes announced by the server; 0 when unknown
  std::string content_range;    // Content-Range header ("bytes 100-999/1000") or empty
};

// Receives the response head once, before any body bytes. Return false to abort.
using HeadHandler = std::function<bool(const HttpResponseHead& head)>;
// Receives the body in chunks, in order. Return false to abort.
using BodyHandler = std::function<bool(const char* data, size_t size)>;

class HttpGetter {
 public:
  virtual ~HttpGetter() = default;

  // GETs `url` (http:// or https://), following redirects. When range_start > 0
  // the request carries "Range: bytes=<range_start>-". Redirect responses are
  // not passed to the handlers; the final response is.
  // Returns OK when a final response was received completely (whatever its
  // status). When a handler returns false the exchange stops and Get returns
  // FailedPrecondition("aborted by handler"); the caller keeps its own reason.
  // Errors: Unavailable for network failures (connection refused, name
  // resolution, TLS, timeout, connection dropped mid-body), with the host in
  // the message; InvalidArgument for a malformed URL.
  // Thread safety: one Get at a time per object.
  virtual Status Get(const std::string& url, uint64_t range_start, const HeadHandler& on_head,
                     const BodyHandler& on_body) = 0;
};

struct HttpOptions {
  int connect_timeout_seconds = 15;
  int read_timeout_seconds = 60;  // per read; a stalled transfer fails after this long
  std::string user_agent = "facefuse/0.1.0";
};

// An HttpGetter backed by cpp-httplib (OpenSSL for https, the system CA store).
std::unique_ptr<HttpGetter> MakeHttplibGetter(const HttpOptions& options = {});

// Splits "scheme://host[:port]/path?query" into "scheme://host[:port]" and
// "/path?query" ("/" when absent). Errors: InvalidArgument when the scheme is
// not http or https or the host is empty.
Status SplitUrl(const std::string& url, std::string* origin, std::string* path);

}  // namespace facefuse::models
