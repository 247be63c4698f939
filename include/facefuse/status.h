// facefuse: the error type used by every library API.
//
// Library code never throws across its public API and never aborts on bad
// input: every fallible function returns a Status, or a Result<T> that holds
// either a value or a non-OK Status.
//
// Thread safety: Status and Result are plain values; distinct objects may be
// used from distinct threads without synchronisation.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <optional>
#include <utility>
#include <variant>

namespace facefuse {

enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument,   // the caller passed something malformed (bad shape, bad file)
  kNotFound,          // a file, model, input or face that should exist does not
  kUnsupported,       // well-formed but not implemented (op, attribute, dtype)
  kOutOfMemory,       // an allocation failed
  kFailedPrecondition,// the object is not in a state that allows the call
  kIoError,           // the operating system refused a read or write
  kInternal,          // a bug in facefuse: please report it
  kUnavailable,       // a resource (GPU, NVML, network) is not present
  kCancelled,         // the caller (or a signal) asked the work to stop
  kUnauthenticated,   // a request without valid credentials (no key, a wrong key, an expired token)
  kPermissionDenied,  // valid credentials that may not do this
  kResourceExhausted, // a quota or rate limit is used up: retry later
};

// The code named `name` (StatusCodeName's text); nothing for another name.
std::optional<StatusCode> StatusCodeFromName(std::string_view name);

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "InvalidArgument: <message>", or "OK".
  std::string ToString() const;

  // Returns a copy whose message is "<context>: <message>". OK stays OK.
  Status WithContext(std::string_view context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status Unsupported(std::string m) { return {StatusCode::kUnsupported, std::move(m)}; }
inline Status OutOfMemory(std::string m) { return {StatusCode::kOutOfMemory, std::move(m)}; }
inline Status FailedPrecondition(std::string m) { return {StatusCode::kFailedPrecondition, std::move(m)}; }
inline Status IoError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
inline Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
inline Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status Cancelled(std::string m) { return {StatusCode::kCancelled, std::move(m)}; }
inline Status Unauthenticated(std::string m) { return {StatusCode::kUnauthenticated, std::move(m)}; }
inline Status PermissionDenied(std::string m) { return {StatusCode::kPermissionDenied, std::move(m)}; }
inline Status ResourceExhausted(std::string m) { return {StatusCode::kResourceExhausted, std::move(m)}; }

// Result<T>: a T or a non-OK Status (a small std::expected).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}                    // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {              // NOLINT: implicit by design
    if (std::get<Status>(v_).ok()) v_ = Status(StatusCode::kInternal, "Result built from an OK status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  // The error; OK when the result holds a value.
  Status status() const { return ok() ? Status() : std::get<Status>(v_); }

  // Precondition: ok().
  T& value() & { assert(ok()); return std::get<T>(v_); }
  const T& value() const& { assert(ok()); return std::get<T>(v_); }
  T&& value() && { assert(ok()); return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace facefuse

#define FF_CONCAT_INNER(a, b) a##b
#define FF_CONCAT(a, b) FF_CONCAT_INNER(a, b)

// Evaluates `expr` (a Status); returns it from the enclosing function if not OK.
#define FF_RETURN_IF_ERROR(expr)                          \
  do {                                                    \
    ::facefuse::Status ff_status_ = (expr);               \
    if (!ff_status_.ok()) return ff_status_;              \
  } while (0)

// `lhs = value of expr` (a Result<T>), or returns its Status from the enclosing function.
#define FF_ASSIGN_OR_RETURN(lhs, expr) FF_ASSIGN_OR_RETURN_IMPL(FF_CONCAT(ff_result_, __LINE__), lhs, expr)
#define FF_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.status();            \
  lhs = std::move(tmp).value()
