#include "job/redis_client.h"

#include <hiredis/hiredis.h>

#include <charconv>

namespace facefuse::job {
namespace {

timeval ToTimeval(std::chrono::milliseconds ms) {
  return timeval{static_cast<time_t>(ms.count() / 1000), static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
}

RedisReply Flatten(const redisReply* reply) {
  RedisReply out;
  switch (reply->type) {
    case REDIS_REPLY_NIL: out.nil = true; break;
    case REDIS_REPLY_INTEGER: out.integer = reply->integer; break;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS: out.text.assign(reply->str, reply->len); break;
    case REDIS_REPLY_ARRAY:
      for (size_t i = 0; i < reply->elements; ++i) {
        const redisReply* item = reply->element[i];
        out.items.emplace_back(item->type == REDIS_REPLY_STRING ? std::string(item->str, item->len) : std::string());
      }
      break;
    default: break;
  }
  return out;
}

}  // namespace

Status ParseRedisAddress(const std::string& address, std::string* host, int* port) {
  const size_t colon = address.rfind(':');
  int value = 0;
  if (colon == std::string::npos || colon == 0) return InvalidArgument("--redis takes HOST:PORT, got \"" + address + "\"");
  const char* first = address.data() + colon + 1;
  const char* last = address.data() + address.size();
  const auto [end, ec] = std::from_chars(first, last, value);
  if (ec != std::errc() || end != last || value < 1 || value > 65535) {
    return InvalidArgument("--redis takes HOST:PORT with a port in 1..65535, got \"" + address + "\"");
  }
  *host = address.substr(0, colon);
  *port = value;
  return Status::Ok();
}

Result<std::unique_ptr<RedisClient>> RedisClient::Connect(const std::string& host, int port,
                                                          std::chrono::milliseconds timeout) {
  std::unique_ptr<RedisClient> client(new RedisClient(host, port, timeout));
  std::lock_guard lock(client->mu_);
  FF_RETURN_IF_ERROR(client->Reconnect());
  return client;
}

RedisClient::~RedisClient() {
  if (context_ != nullptr) redisFree(context_);
}

std::string RedisClient::address() const { return host_ + ":" + std::to_string(port_); }

Status RedisClient::Reconnect() {
  if (context_ != nullptr) redisFree(context_);
  context_ = redisConnectWithTimeout(host_.c_str(), port_, ToTimeval(timeout_));
  if (context_ == nullptr) return Unavailable("cannot connect to Redis at " + address() + ": out of memory");
  if (context_->err != 0) {
    const std::string reason = context_->errstr;
    redisFree(context_);
    context_ = nullptr;
    return Unavailable("cannot connect to Redis at " + address() + ": " + reason);
  }
  redisSetTimeout(context_, ToTimeval(timeout_));
  return Status::Ok();
}

Result<RedisReply> RedisClient::Command(const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const std::string& arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  std::lock_guard lock(mu_);
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (context_ == nullptr || context_->err != 0) FF_RETURN_IF_ERROR(Reconnect());
    auto* reply = static_cast<redisReply*>(
        redisCommandArgv(context_, static_cast<int>(argv.size()), argv.data(), lengths.data()));
    if (reply == nullptr) continue;  // the connection broke: once more on a new one
    std::unique_ptr<redisReply, void (*)(void*)> owned(reply, freeReplyObject);
    if (reply->type == REDIS_REPLY_ERROR) {
      return Internal("Redis at " + address() + " refused " + args.front() + ": " + std::string(reply->str, reply->len));
    }
    return Flatten(reply);
  }
  return Unavailable("Redis at " + address() + " does not answer: " + std::string(context_ != nullptr ? context_->errstr : "no connection"));
}

}  // namespace facefuse::job
