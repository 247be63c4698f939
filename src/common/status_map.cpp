#include "common/status_map.h"

#include <array>

namespace facefuse {
namespace {

constexpr int kHttpOk = 200;
constexpr int kHttpBadRequest = 400;
constexpr int kHttpInternalError = 500;

constexpr std::array<StatusMapping, 13> kMappings{{
    {StatusCode::kOk, kExitOk, kHttpOk},
    {StatusCode::kInvalidArgument, kExitFailure, kHttpBadRequest},  // a malformed input file or value
    {StatusCode::kNotFound, kExitFailure, 404},                     // a missing file or model, no face found
    {StatusCode::kUnsupported, kExitFailure, 501},                  // well-formed but not implemented
    {StatusCode::kOutOfMemory, kExitFailure, 503},                  // over the memory budget: retry later or smaller
    {StatusCode::kFailedPrecondition, kExitFailure, 409},
    {StatusCode::kIoError, kExitFailure, kHttpInternalError},
    {StatusCode::kInternal, kExitFailure, kHttpInternalError},
    {StatusCode::kUnavailable, kExitFailure, 503},  // no GPU, no NVML, no network
    {StatusCode::kCancelled, kExitCancelled, 409},  // stopped by the user: the job is cancelled, not failed
    {StatusCode::kUnauthenticated, kExitFailure, 401},    // no key, a wrong key, an expired token
    {StatusCode::kPermissionDenied, kExitFailure, 403},
    {StatusCode::kResourceExhausted, kExitFailure, 429},  // over a rate limit: retry later
}};

const StatusMapping* Find(StatusCode code) {
  for (const StatusMapping& row : kMappings)
    if (row.code == code) return &row;
  return nullptr;
}

}  // namespace

std::span<const StatusMapping> StatusMappings() { return kMappings; }

int ExitCodeFor(const Status& status, ErrorOrigin origin) {
  if (status.ok()) return kExitOk;
  if (origin == ErrorOrigin::kUsage) return kExitUsage;
  const StatusMapping* row = Find(status.code());
  return row != nullptr ? row->exit_code : kExitFailure;
}

int HttpStatusFor(const Status& status, ErrorOrigin origin) {
  if (status.ok()) return kHttpOk;
  if (origin == ErrorOrigin::kUsage) return kHttpBadRequest;
  const StatusMapping* row = Find(status.code());
  return row != nullptr ? row->http_status : kHttpInternalError;
}

}  // namespace facefuse
