// Where an S3 result store is and how to sign in: `--results s3://BUCKET/PREFIX`, with the endpoint, region and
// credentials from the environment (the AWS names) or a file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "facefuse/status.h"

namespace facefuse::storage {

struct S3Settings {
  std::string endpoint;  // "scheme://host[:port]", no path; objects are addressed path-style: ENDPOINT/BUCKET/KEY
  std::string region = "us-east-1";
  std::string bucket;
  std::string prefix;  // "" or "a/b": objects are BUCKET/PREFIX/KEY
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // temporary credentials only
  uint64_t part_bytes = uint64_t{8} << 20;  // a larger file goes up in parts of this size (S3's least: 5 MiB)
  int attempts = 4;                         // per request, when the store is out of reach
  double first_retry_delay_s = 0.5;         // doubled before each further attempt
  double request_deadline_s = 30;  // one request with its attempts and waits (a large body's transfer excepted)
  double health_timeout_s = 3;     // Health(): one attempt, this long at most
  long connect_timeout_s = 5;
  long stall_timeout_s = 15;  // a transfer slower than 1 KiB/s for this long is given up
};

// The longest prefix S3SettingsFor takes: object keys are at most 1024 bytes, and the job's part follows it.
constexpr size_t kMaxS3PrefixLength = 512;

// Reads a variable of the environment (nothing when unset).
using EnvLookup = std::function<std::optional<std::string>(const char* name)>;

// The process environment.
EnvLookup ProcessEnvironment();

// The settings for `url` ("s3://BUCKET" or "s3://BUCKET/PREFIX"). From `env`: FACEFUSE_S3_ENDPOINT, else
// AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL (default https://s3.REGION.amazonaws.com); AWS_REGION, else
// AWS_DEFAULT_REGION; AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN. A `credentials_file` (may be
// empty) holds NAME=VALUE lines with the same names (blank lines and # comments skipped); its values win.
// Values may be quoted ("..." or '...'). Errors: InvalidArgument for a URL that is not s3://BUCKET[/PREFIX]
// (bucket 3-63 of a-z 0-9 . -; prefix of letters, digits . _ - and single '/' between segments other than . and
// .., at most kMaxS3PrefixLength), an endpoint that is not http(s)://HOST[:PORT] (user info is never echoed),
// missing credentials or ones holding control characters, or an unknown name or a line that is not NAME=VALUE
// in the file (its value never echoed); NotFound / IoError when the file cannot be read.
Result<S3Settings> S3SettingsFor(std::string_view url, const std::filesystem::path& credentials_file,
                                 const EnvLookup& env);

}  // namespace facefuse::storage
