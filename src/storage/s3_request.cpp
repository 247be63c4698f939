#include "storage/s3_request.h"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <thread>

namespace facefuse::storage {
namespace {

constexpr size_t kMaxBufferedBody = size_t{1} << 20;
constexpr size_t kMaxErrorBody = size_t{64} << 10;

// What the callbacks of one transfer share.
struct Transfer {
  const S3Request* request = nullptr;
  CURL* curl = nullptr;
  S3Response response;
  std::FILE* file = nullptr;  // body_file, at body_offset
  uint64_t left = 0;          // bytes of the body still to send
  size_t body_sent = 0;
  uint64_t skip = 0;       // bytes of a 200 answer to a ranged GET still to drop
  bool skip_set = false;
  std::string error_body;  // the body of an answer that is not 2xx
  bool sink_started = false;
  bool sink_stopped = false;
  bool body_too_long = false;
};

bool IsSuccess(long status) { return status >= 200 && status < 300; }

// Bytes of a 2xx answer's body: to the sink, or kept. False stops the transfer.
bool OnBody(Transfer* t, const char* data, size_t n) {
  if (t->request->sink) {
    t->sink_started = true;
    if (t->request->sink(data, n)) return true;
    t->sink_stopped = true;
    return false;
  }
  if (t->response.body.size() + n > kMaxBufferedBody) {
    t->body_too_long = true;
    return false;
  }
  t->response.body.append(data, n);
  return true;
}

size_t OnWrite(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  long status = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
  if (!IsSuccess(status)) {
    t->error_body.append(data, std::min(n, kMaxErrorBody - std::min(kMaxErrorBody, t->error_body.size())));
    return n;
  }
  if (!t->skip_set) {  // the first bytes of the body: a whole object where a range was asked for?
    t->skip_set = true;
    t->skip = status == 200 ? t->request->skip_on_200 : 0;
  }
  if (t->skip > 0) {
    const size_t dropped = static_cast<size_t>(std::min<uint64_t>(t->skip, n));
    t->skip -= dropped;
    data += dropped;
    if (dropped == n) return n;
    return OnBody(t, data, n - dropped) ? n : 0;
  }
  return OnBody(t, data, n) ? n : 0;
}

size_t OnRead(char* buffer, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t want = static_cast<size_t>(std::min<uint64_t>(size * count, t->left));
  size_t got = 0;
  if (t->file != nullptr) {
    got = std::fread(buffer, 1, want, t->file);
    if (got < want) return CURL_READFUNC_ABORT;  // the file is shorter than it was, or unreadable
  } else {
    got = t->request->body.copy(buffer, want, t->body_sent);
    t->body_sent += got;
  }
  t->left -= got;
  return got;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::string line(data, size * count);
  std::string name = line.substr(0, line.find(':'));
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  if (name == "etag" && line.find(':') != std::string::npos) {
    std::string value = line.substr(line.find(':') + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    value.erase(value.find_last_not_of(" \t\r\n") + 1);
    t->response.etag = value;
  }
  return size * count;
}

Status StatusForAnswer(const S3Settings& s, long http_status, const std::string& body) {
  const std::string where = "the result store s3://" + s.bucket + " at " + s.endpoint;
  const std::string why = S3ErrorText(body, http_status);
  if (http_status == 401 || http_status == 403) {
    return PermissionDenied(where + " refused the request (" + why + "): check the credentials and the bucket's policy");
  }
  if (http_status == 404) return NotFound(where + ": " + why);
  if (http_status == 429 || http_status >= 500) return Unavailable(where + " is out of reach: " + why);
  return FailedPrecondition(where + " refused the request: " + why);
}

using CurlHandle = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;
using CurlHeaders = std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)>;

// One attempt. `started` says whether the sink got bytes (then no attempt may follow).
Result<S3Response> SendOnce(const S3Settings& s, const S3Request& request, double timeout_s, bool& started) {
  static std::once_flag global;
  std::call_once(global, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  CurlHandle curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) return OutOfMemory("cannot start a request to the result store");
  Transfer t;
  t.request = &request;
  t.curl = curl.get();
  std::unique_ptr<std::FILE, decltype(&std::fclose)> file(nullptr, &std::fclose);
  if (!request.body_file.empty()) {
    file.reset(std::fopen(request.body_file.c_str(), "rb"));
    if (!file || std::fseek(file.get(), static_cast<long>(request.body_offset), SEEK_SET) != 0) {
      return IoError("cannot read " + request.body_file.string() + " to store it");
    }
    t.file = file.get();
    t.left = request.body_length;
  } else {
    t.left = request.body.size();
  }
  std::string url = s.endpoint + "/" + s.bucket + (request.object.empty() ? "" : "/" + request.object);
  if (!request.query.empty()) url += "?" + request.query;
  const std::string sigv4 = "aws:amz:" + s.region + ":s3";
  curl_slist* list = curl_slist_append(nullptr, "x-amz-content-sha256: UNSIGNED-PAYLOAD");
  list = curl_slist_append(list, "Expect:");
  if (!s.session_token.empty()) list = curl_slist_append(list, ("x-amz-security-token: " + s.session_token).c_str());
  for (const std::string& header : request.headers) list = curl_slist_append(list, header.c_str());
  CurlHeaders headers(list, &curl_slist_free_all);
  char error[CURL_ERROR_SIZE] = {0};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_AWS_SIGV4, sigv4.c_str());
  curl_easy_setopt(c, CURLOPT_USERNAME, s.access_key_id.c_str());
  curl_easy_setopt(c, CURLOPT_PASSWORD, s.secret_access_key.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, s.connect_timeout_s);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, s.stall_timeout_s);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  if (timeout_s > 0) curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_s * 1000) + 1);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &OnWrite);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, &OnRead);
  curl_easy_setopt(c, CURLOPT_READDATA, &t);
  if (request.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (request.method == "PUT") {
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(t.left));
  } else if (request.method == "POST") {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t.left));
  } else if (request.method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  const CURLcode code = curl_easy_perform(c);
  started = t.sink_started;
  if (code == CURLE_WRITE_ERROR && t.sink_stopped) return Cancelled("the read of " + request.object + " was stopped");
  if (code == CURLE_WRITE_ERROR && t.body_too_long) return Internal("the result store's answer is over 1 MiB");
  if (code == CURLE_ABORTED_BY_CALLBACK || code == CURLE_READ_ERROR) {
    return IoError("cannot read " + request.body_file.string() + " to store it");
  }
  if (code != CURLE_OK) {
    return Unavailable("the result store at " + s.endpoint + " is out of reach: " +
                       (error[0] != '\0' ? std::string(error) : std::string(curl_easy_strerror(code))));
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &t.response.http_status);
  if (!IsSuccess(t.response.http_status)) return StatusForAnswer(s, t.response.http_status, t.error_body);
  curl_off_t length = 0;
  if (curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) == CURLE_OK && length > 0) {
    t.response.content_length = static_cast<uint64_t>(length);
  }
  return std::move(t.response);
}

}  // namespace

std::string S3ErrorText(const std::string& body, long http_status) {
  const std::string code = S3XmlField(body, "Code"), message = S3XmlField(body, "Message");
  if (code.empty() && message.empty()) return "HTTP " + std::to_string(http_status);
  std::string text = code + (message.empty() ? "" : ": " + message);
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return text;
}

std::string S3QueryValue(const std::string& text) {
  std::unique_ptr<char, decltype(&curl_free)> escaped(
      curl_easy_escape(nullptr, text.data(), static_cast<int>(text.size())), &curl_free);
  return escaped ? std::string(escaped.get()) : std::string();
}

std::string S3XmlField(const std::string& body, const std::string& name) {
  const size_t open = body.find("<" + name + ">");
  if (open == std::string::npos) return "";
  const size_t from = open + name.size() + 2, close = body.find("</" + name + ">", from);
  return close == std::string::npos ? "" : body.substr(from, std::min<size_t>(close - from, 300));
}

Result<S3Response> SendS3Request(const S3Settings& settings, const S3Request& request) {
  const auto start = std::chrono::steady_clock::now();
  const auto elapsed_s = [&start] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  const bool carries_data = !request.body_file.empty() || static_cast<bool>(request.sink);
  const int attempts = request.attempts > 0 ? request.attempts : settings.attempts;
  double delay_s = settings.first_retry_delay_s;
  for (int attempt = 1;; ++attempt) {
    bool started = false;
    const double left_s = std::max(0.001, settings.request_deadline_s - elapsed_s());
    const double timeout_s = request.timeout_s > 0 ? request.timeout_s : carries_data ? 0 : left_s;
    Result<S3Response> answer = SendOnce(settings, request, timeout_s, started);
    if (answer.ok() || answer.status().code() != StatusCode::kUnavailable || started || attempt >= attempts ||
        elapsed_s() + delay_s >= settings.request_deadline_s) {
      return answer;
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(delay_s));
    delay_s *= 2;
  }
}

}  // namespace facefuse::storage
