#include "storage/s3_settings.h"

#include <cstdlib>
#include <map>
#include <sstream>

#include "common/read_file.h"
#include "storage/result_key.h"

namespace facefuse::storage {
namespace {

constexpr const char* kNames[] = {"FACEFUSE_S3_ENDPOINT", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL",
                                  "AWS_REGION",           "AWS_DEFAULT_REGION",  "AWS_ACCESS_KEY_ID",
                                  "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"};

std::string Trim(const std::string& text) {
  const size_t first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

// The NAME=VALUE lines of a credentials file.
Result<std::map<std::string, std::string>> ReadCredentialsFile(const std::filesystem::path& path) {
  FF_ASSIGN_OR_RETURN(std::string text, ReadRegularFile<std::string>(path, 64 << 10));
  std::map<std::string, std::string> values;
  std::istringstream lines(text);
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    line = Trim(line);
    if (line.empty() || line[0] == '#') continue;
    const size_t equals = line.find('=');
    const std::string where = path.string() + " line " + std::to_string(number);
    if (equals == std::string::npos) return InvalidArgument(where + " is not NAME=VALUE");
    const std::string name = Trim(line.substr(0, equals));
    bool known = false;
    for (const char* k : kNames) known = known || name == k;
    if (!known) return InvalidArgument(where + ": unknown name '" + name.substr(0, 40) + "' (AWS_ACCESS_KEY_ID, "
                                       "AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION, AWS_ENDPOINT_URL, ...)");
    values[name] = Trim(line.substr(equals + 1));
  }
  return values;
}

bool ValidBucket(const std::string& bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  for (const char c : bucket) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) return false;
  }
  return true;
}

bool ValidEndpoint(const std::string& endpoint) {
  const size_t scheme = endpoint.find("://");
  if (scheme == std::string::npos) return false;
  const std::string name = endpoint.substr(0, scheme), host = endpoint.substr(scheme + 3);
  return (name == "http" || name == "https") && !host.empty() && host.find_first_of("/?#@ ") == std::string::npos;
}

}  // namespace

EnvLookup ProcessEnvironment() {
  return [](const char* name) -> std::optional<std::string> {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
  };
}

Result<S3Settings> S3SettingsFor(std::string_view url, const std::filesystem::path& credentials_file,
                                 const EnvLookup& env) {
  const std::string shown(url.substr(0, 120));
  if (url.rfind("s3://", 0) != 0) return InvalidArgument("'" + shown + "' is not an s3://BUCKET[/PREFIX] URL");
  const std::string rest(url.substr(5));
  S3Settings s;
  s.bucket = rest.substr(0, rest.find('/'));
  if (rest.find('/') != std::string::npos) s.prefix = rest.substr(rest.find('/') + 1);
  while (!s.prefix.empty() && s.prefix.back() == '/') s.prefix.pop_back();
  if (!ValidBucket(s.bucket)) {
    return InvalidArgument("'" + shown + "': the bucket name must be 3 to 63 of a-z, 0-9, '.' and '-'");
  }
  if (!IsPlainName(s.prefix, true) || s.prefix.find("//") != std::string::npos || s.prefix.rfind('/', 0) == 0) {
    return InvalidArgument("'" + shown + "': the prefix may hold letters, digits, '.', '_', '-' and single '/'");
  }
  std::map<std::string, std::string> file;
  if (!credentials_file.empty()) {
    FF_ASSIGN_OR_RETURN(file, ReadCredentialsFile(credentials_file));
  }
  const auto lookup = [&](const char* name) -> std::string {
    if (const auto it = file.find(name); it != file.end()) return it->second;
    return env(name).value_or("");
  };
  const auto first_of = [&](std::initializer_list<const char*> names) -> std::string {
    for (const char* name : names) {
      if (std::string value = lookup(name); !value.empty()) return value;
    }
    return "";
  };
  if (std::string region = first_of({"AWS_REGION", "AWS_DEFAULT_REGION"}); !region.empty()) s.region = region;
  s.endpoint = first_of({"FACEFUSE_S3_ENDPOINT", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"});
  if (s.endpoint.empty()) s.endpoint = "https://s3." + s.region + ".amazonaws.com";
  while (!s.endpoint.empty() && s.endpoint.back() == '/') s.endpoint.pop_back();
  if (!ValidEndpoint(s.endpoint)) {
    return InvalidArgument("the S3 endpoint '" + s.endpoint.substr(0, 120) + "' is not http(s)://HOST[:PORT]");
  }
  if (!IsPlainName(s.region) || s.region.empty()) return InvalidArgument("the S3 region '" + s.region.substr(0, 40) + "' is not a region name");
  s.access_key_id = lookup("AWS_ACCESS_KEY_ID");
  s.secret_access_key = lookup("AWS_SECRET_ACCESS_KEY");
  s.session_token = lookup("AWS_SESSION_TOKEN");
  if (s.access_key_id.empty() || s.secret_access_key.empty()) {
    return InvalidArgument("the result store " + shown + " needs credentials: set AWS_ACCESS_KEY_ID and "
                           "AWS_SECRET_ACCESS_KEY, or give them in --results-credentials FILE");
  }
  return s;
}

}  // namespace facefuse::storage
