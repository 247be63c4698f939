// A connection to a Redis server (hiredis), for the job store and queue that several `facefuse serve` replicas
// share (job/redis_job_store.h). Commands go as argument vectors (no format strings: ids and JSON pass as they are).
//
// Thread safety: Command may be called from any thread; calls take turns on the one connection. A connection that
// broke is opened again on the next call.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "facefuse/status.h"

struct redisContext;

namespace facefuse::job {

// A reply flattened: nil, a string (bulk or status), an integer, or an array of strings (nil elements empty).
struct RedisReply {
  bool nil = false;
  std::string text;
  long long integer = 0;
  std::vector<std::string> items;
};

class RedisClient {
 public:
  // Connects to `host`:`port`. `timeout` bounds the connect and every reply (a blocking command's own wait must be
  // shorter). Errors: Unavailable naming the address and the reason.
  static Result<std::unique_ptr<RedisClient>> Connect(const std::string& host, int port,
                                                      std::chrono::milliseconds timeout = std::chrono::seconds(5));
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // Runs one command. Errors: Unavailable when the server cannot be reached (after one reconnect); Internal with
  // Redis's message for an error reply.
  Result<RedisReply> Command(const std::vector<std::string>& args);

  // "HOST:PORT".
  std::string address() const;

 private:
  RedisClient(std::string host, int port, std::chrono::milliseconds timeout)
      : host_(std::move(host)), port_(port), timeout_(timeout) {}
  Status Reconnect();  // with mu_ held

  std::string host_;
  int port_;
  std::chrono::milliseconds timeout_;
  std::mutex mu_;
  redisContext* context_ = nullptr;
};

// "HOST:PORT" -> host and port. Errors: InvalidArgument for text without a port in 1..65535.
Status ParseRedisAddress(const std::string& address, std::string* host, int* port);

}  // namespace facefuse::job
