// WithCachedHealth: a ResultStore decorator whose Health() is cached and checked by one caller at a time.
#include <mutex>
#include <utility>

#include "storage/result_store.h"

namespace facefuse::storage {
namespace {

class CachedHealthStore : public ResultStore {
 public:
  CachedHealthStore(std::shared_ptr<ResultStore> inner, std::chrono::milliseconds max_age)
      : inner_(std::move(inner)), max_age_(max_age) {}

  std::string Describe() const override { return inner_->Describe(); }
  Status Put(const std::string& key, const std::filesystem::path& file) override { return inner_->Put(key, file); }
  Result<uint64_t> Size(const std::string& key) const override { return inner_->Size(key); }
  Status Read(const std::string& key, uint64_t offset, uint64_t length, const ByteSink& sink) const override {
    return inner_->Read(key, offset, length, sink);
  }
  Status Remove(const std::string& key) override { return inner_->Remove(key); }

  Status Health() const override {
    {
      std::lock_guard lock(mu_);
      const bool fresh = checked_ && std::chrono::steady_clock::now() - checked_at_ < max_age_;
      if (fresh || checking_) return last_;
      checking_ = true;
    }
    Status now = inner_->Health();
    std::lock_guard lock(mu_);
    last_ = now;
    checked_ = true;
    checked_at_ = std::chrono::steady_clock::now();
    checking_ = false;
    return now;
  }

 private:
  std::shared_ptr<ResultStore> inner_;
  std::chrono::milliseconds max_age_;
  mutable std::mutex mu_;
  mutable Status last_;  // OK until the first check ends
  mutable bool checked_ = false;
  mutable bool checking_ = false;
  mutable std::chrono::steady_clock::time_point checked_at_;
};

}  // namespace

std::shared_ptr<ResultStore> WithCachedHealth(std::shared_ptr<ResultStore> store, std::chrono::milliseconds max_age) {
  return std::make_shared<CachedHealthStore>(std::move(store), max_age);
}

}  // namespace facefuse::storage
