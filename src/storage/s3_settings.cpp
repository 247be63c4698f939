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

// `text` without one pair of matching quotes around it.
std::string Unquoted(const std::string& text) {
  if (text.size() >= 2 && (text.front() == '"' || text.front() == '\'') && text.back() == text.front()) {
    return text.substr(1, text.size() - 2);
  }
  return text;
}

bool IsVariableName(const std::string& name) {
  if (name.empty()) return false;
  for (const char c : name) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

// The NAME=VALUE lines of a credentials file. Messages name the line, never a value.
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
    const std::string name = equals == std::string::npos ? "" : Trim(line.substr(0, equals));
    if (!IsVariableName(name)) return InvalidArgument(where + " is not NAME=VALUE");
    bool known = false;
    for (const char* k : kNames) known = known || name == k;
    if (!known) return InvalidArgument(where + ": unknown name '" + name.substr(0, 40) + "' (AWS_ACCESS_KEY_ID, "
                                       "AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION, AWS_ENDPOINT_URL, ...)");
    values[name] = Unquoted(Trim(line.substr(equals + 1)));
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

bool ValidPrefix(const std::string& prefix) {
  if (prefix.empty()) return true;
  if (prefix.size() > kMaxS3PrefixLength || !IsPlainName(prefix, true)) return false;
  std::istringstream segments(prefix);
  std::string segment;
  int count = 0;
  while (std::getline(segments, segment, '/')) {
    if (segment.empty() || segment == "." || segment == "..") return false;
    ++count;
  }
  return count > 0 && prefix.back() != '/';
}

// The endpoint as it may be shown: user info ("user:password@") replaced.
std::string Shown(const std::string& endpoint) {
  const size_t scheme = endpoint.find("://"), at = endpoint.rfind('@');
  const std::string text = scheme != std::string::npos && at != std::string::npos && at > scheme
                               ? endpoint.substr(0, scheme + 3) + "***@" + endpoint.substr(at + 1)
                               : endpoint;
  return text.substr(0, 120);
}

// http(s)://HOST[:PORT] with a port of 1..65535.
bool ValidEndpoint(const std::string& endpoint) {
  const size_t scheme = endpoint.find("://");
  if (scheme == std::string::npos) return false;
  const std::string name = endpoint.substr(0, scheme), host = endpoint.substr(scheme + 3);
  if ((name != "http" && name != "https") || host.empty() || host.find_first_of("/?#@ \\") != std::string::npos) {
    return false;
  }
  const size_t colon = host.rfind(':');
  if (colon == std::string::npos || host.back() == ']') return host.front() != ':';
  const std::string port = host.substr(colon + 1);
  if (colon == 0 || port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  const int number = std::atoi(port.c_str());
  return number >= 1 && number <= 65535;
}

bool HasControlCharacter(const std::string& text) {
  for (const unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
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
  if (!ValidPrefix(s.prefix)) {
    return InvalidArgument("'" + shown + "': the prefix may hold letters, digits, '.', '_', '-' and single '/' "
                           "between segments other than . and .., " + std::to_string(kMaxS3PrefixLength) +
                           " characters at most");
  }
  std::map<std::string, std::string> file;
  if (!credentials_file.empty()) {
    FF_ASSIGN_OR_RETURN(file, ReadCredentialsFile(credentials_file));
  }
  // The first of `names` the file sets, else the first the environment sets: the file wins.
  const auto first_of = [&](std::initializer_list<const char*> names) -> std::string {
    for (const char* name : names) {
      if (const auto it = file.find(name); it != file.end() && !it->second.empty()) return it->second;
    }
    for (const char* name : names) {
      if (std::string value = env(name).value_or(""); !value.empty()) return value;
    }
    return "";
  };
  if (std::string region = first_of({"AWS_REGION", "AWS_DEFAULT_REGION"}); !region.empty()) s.region = region;
  s.endpoint = first_of({"FACEFUSE_S3_ENDPOINT", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"});
  if (s.endpoint.empty()) s.endpoint = "https://s3." + s.region + ".amazonaws.com";
  while (!s.endpoint.empty() && s.endpoint.back() == '/') s.endpoint.pop_back();
  if (!ValidEndpoint(s.endpoint)) {
    return InvalidArgument("the S3 endpoint '" + Shown(s.endpoint) + "' is not http(s)://HOST[:PORT] (a port of "
                           "1..65535, no user info: credentials go in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)");
  }
  if (!IsPlainName(s.region) || s.region.empty() || s.region.size() > 40) {
    return InvalidArgument("the S3 region '" + s.region.substr(0, 40) + "' is not a region name");
  }
  s.access_key_id = first_of({"AWS_ACCESS_KEY_ID"});
  s.secret_access_key = first_of({"AWS_SECRET_ACCESS_KEY"});
  s.session_token = first_of({"AWS_SESSION_TOKEN"});
  if (s.access_key_id.empty() || s.secret_access_key.empty()) {
    return InvalidArgument("the result store " + shown + " needs credentials: set AWS_ACCESS_KEY_ID and "
                           "AWS_SECRET_ACCESS_KEY, or give them in --results-credentials FILE");
  }
  for (const auto& [name, value] : {std::pair{"AWS_ACCESS_KEY_ID", &s.access_key_id},
                                    std::pair{"AWS_SECRET_ACCESS_KEY", &s.secret_access_key},
                                    std::pair{"AWS_SESSION_TOKEN", &s.session_token}}) {
    if (HasControlCharacter(*value)) return InvalidArgument(std::string(name) + " holds a control character");
  }
  return s;
}

}  // namespace facefuse::storage
