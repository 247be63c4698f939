#include "server/rate_limit.h"

#include <algorithm>
#include <cmath>

namespace facefuse::server {
namespace {

constexpr size_t kMaxCallers = 100000;  // past it, full buckets are forgotten (a caller then starts full again)

}  // namespace

RateLimiter::RateLimiter(double per_second, double burst, std::function<Clock::time_point()> now)
    : per_second_(per_second > 0 ? per_second : 1), burst_(std::max(1.0, burst)), now_(std::move(now)) {}

bool RateLimiter::Allow(const std::string& caller, int* retry_after_s) {
  const Clock::time_point now = now_();
  std::lock_guard lock(mu_);
  if (buckets_.size() >= kMaxCallers) {
    std::erase_if(buckets_, [this, now](const auto& entry) {
      const double refilled = std::chrono::duration<double>(now - entry.second.at).count() * per_second_;
      return entry.second.tokens + refilled >= burst_;
    });
  }
  auto [it, added] = buckets_.try_emplace(caller, Bucket{burst_, now});
  Bucket& bucket = it->second;
  const double elapsed = std::chrono::duration<double>(now - bucket.at).count();
  bucket.tokens = std::min(burst_, bucket.tokens + std::max(0.0, elapsed) * per_second_);
  bucket.at = now;
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return true;
  }
  if (retry_after_s != nullptr) *retry_after_s = std::max(1, static_cast<int>(std::ceil((1 - bucket.tokens) / per_second_)));
  return false;
}

}  // namespace facefuse::server
