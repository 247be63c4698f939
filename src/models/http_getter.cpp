#include "models/http_getter.h"

#include <httplib.h>

#include <charconv>

namespace facefuse::models {
namespace {

uint64_t ParseLength(const std::string& value) {
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  return ec == std::errc() && end == value.data() + value.size() ? n : 0;
}

std::string DescribeError(httplib::Error error, const std::string& origin) {
  switch (error) {
    case httplib::Error::Connection:
      return "cannot connect to " + origin + " (connection refused, unknown host or no network)";
    case httplib::Error::ConnectionTimeout:
      return "timed out connecting to " + origin;
    case httplib::Error::Read:
      return "connection to " + origin + " dropped or stalled while reading";
    case httplib::Error::SSLConnection:
    case httplib::Error::SSLLoadingCerts:
    case httplib::Error::SSLServerVerification:
      return "TLS failure with " + origin + " (" + httplib::to_string(error) + ")";
    case httplib::Error::ExceedRedirectCount:
      return "too many redirects from " + origin;
    default:
      return "request to " + origin + " failed (" + httplib::to_string(error) + ")";
  }
}

class HttplibGetter : public HttpGetter {
 public:
  explicit HttplibGetter(HttpOptions options) : options_(std::move(options)) {}

  Status Get(const std::string& url, uint64_t range_start, const HeadHandler& on_head,
             const BodyHandler& on_body) override {
    std::string origin, path;
    FF_RETURN_IF_ERROR(SplitUrl(url, &origin, &path));
    httplib::Client client(origin);
    if (!client.is_valid()) return InvalidArgument("cannot create an HTTP client for " + origin);
    client.set_follow_location(true);
    client.set_connection_timeout(options_.connect_timeout_seconds, 0);
    client.set_read_timeout(options_.read_timeout_seconds, 0);
    httplib::Headers headers = {{"User-Agent", options_.user_agent}};
    if (range_start > 0) headers.emplace("Range", "bytes=" + std::to_string(range_start) + "-");
    auto result = client.Get(
        path, headers,
        [&](const httplib::Response& res) {
          HttpResponseHead head;
          head.status = res.status;
          head.content_length = ParseLength(res.get_header_value("Content-Length"));
          head.content_range = res.get_header_value("Content-Range");
          return on_head(head);
        },
        [&](const char* data, size_t size) { return on_body(data, size); });
    if (result) return Status::Ok();
    if (result.error() == httplib::Error::Canceled) return FailedPrecondition("aborted by handler");
    return Unavailable(DescribeError(result.error(), origin));
  }

 private:
  HttpOptions options_;
};

}  // namespace

Status SplitUrl(const std::string& url, std::string* origin, std::string* path) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return InvalidArgument("not a URL: " + url);
  std::string scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return InvalidArgument("unsupported URL scheme: " + url);
  size_t host_begin = scheme_end + 3;
  size_t path_begin = url.find_first_of("/?", host_begin);
  if (path_begin == host_begin || host_begin >= url.size()) return InvalidArgument("URL without host: " + url);
  *origin = url.substr(0, path_begin);
  *path = path_begin == std::string::npos ? "/" : url.substr(path_begin);
  if (!path->empty() && (*path)[0] == '?') path->insert(0, "/");
  return Status::Ok();
}

std::unique_ptr<HttpGetter> MakeHttplibGetter(const HttpOptions& options) {
  return std::make_unique<HttplibGetter>(options);
}

}  // namespace facefuse::models
