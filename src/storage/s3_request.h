// One request to an S3-compatible store through libcurl, signed with libcurl's own AWS SigV4 (CURLOPT_AWS_SIGV4):
// the payload is sent as UNSIGNED-PAYLOAD, objects are addressed path-style (ENDPOINT/BUCKET/KEY).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "facefuse/status.h"
#include "storage/result_store.h"
#include "storage/s3_settings.h"

namespace facefuse::storage {

struct S3Request {
  std::string method = "GET";  // GET, HEAD, PUT, POST or DELETE
  std::string object;          // the object's name in the bucket (the prefix included); "": the bucket itself
  std::string query;           // already encoded, sorted by name, each name with '=' ("uploads=", "uploadId=X")
  std::vector<std::string> headers;  // "Name: value"
  std::string body;                  // PUT and POST, unless body_file is set
  std::filesystem::path body_file;   // PUT: bytes [body_offset, body_offset + body_length) of this file
  uint64_t body_offset = 0;
  uint64_t body_length = 0;
  ByteSink sink;  // where the body of a 2xx answer goes; empty: into S3Response::body (at most 1 MiB)
  // With a Range header: the bytes a store that ignores it and answers 200 (the whole object) sends before the
  // range, dropped here so that the sink gets the range only.
  uint64_t skip_on_200 = 0;
  int attempts = 0;       // 0: settings.attempts
  double timeout_s = 0;   // each attempt as a whole; 0: the settings' (see SendS3Request)
};

struct S3Response {
  long http_status = 0;
  std::string body;          // a 2xx answer's body without a sink
  std::string etag;          // the ETag header, quotes kept
  uint64_t content_length = 0;
};

// Sends `request`, again (after settings.first_retry_delay_s, doubling) up to settings.attempts in all while the
// store is out of reach, nothing was given to the sink yet and settings.request_deadline_s has not passed. An
// attempt without a body file or a sink (a HEAD, a list, a DELETE, a multipart start or end) is cut off at the
// deadline; a transfer of data only when it stalls (settings.stall_timeout_s). Thread-safe (one curl handle per
// call).
// Errors: Unavailable "the result store at ENDPOINT is out of reach: ..." (no connection, a timeout, a 5xx or
// 503 SlowDown); PermissionDenied for 401/403 with the store's code and message (wrong credentials); NotFound for
// 404; FailedPrecondition for any other answer, with its code and message; Cancelled when the sink stopped;
// IoError when body_file cannot be read.
Result<S3Response> SendS3Request(const S3Settings& settings, const S3Request& request);

// The store's <Code> and <Message> from an S3 error body, "CODE: MESSAGE" (the HTTP status when there are none),
// control characters replaced by spaces (the text goes into logs).
std::string S3ErrorText(const std::string& body, long http_status);

// `text` percent-encoded for a query value, all but A-Z a-z 0-9 - . _ ~, as SigV4's canonical query wants it
// (libcurl's curl_easy_escape).
std::string S3QueryValue(const std::string& text);

// The text of the first <name>...</name> in an S3 XML answer (at most 300 characters); "" when there is none.
std::string S3XmlField(const std::string& body, const std::string& name);

}  // namespace facefuse::storage
