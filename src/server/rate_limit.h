// A request rate limit per caller: a token bucket for each principal (an API key's name, a token's sub, or the
// client address when the server has no authentication) holding up to `burst` requests and refilled at
// `per_second`. A request that finds the bucket empty is refused (429, Retry-After).
//
// Thread safety: Allow may be called from any thread at once.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace facefuse::server {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // `per_second` > 0 requests a second on average, up to `burst` (>= 1) at once.
  RateLimiter(double per_second, double burst, std::function<Clock::time_point()> now = [] { return Clock::now(); });

  // True when `caller` may make a request now (one is taken from its bucket); false when its bucket is empty, with
  // `*retry_after_s` (may be null) the whole seconds until one is there again (at least 1).
  bool Allow(const std::string& caller, int* retry_after_s = nullptr);

 private:
  struct Bucket {
    double tokens;
    Clock::time_point at;
  };

  double per_second_;
  double burst_;
  std::function<Clock::time_point()> now_;
  std::mutex mu_;
  std::map<std::string, Bucket> buckets_;
};

}  // namespace facefuse::server
