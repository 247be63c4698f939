// The execution-provider registry: which providers a session can be opened
// with, the device each runs on, how to make one, and which provider takes
// the nodes it leaves (its fallback).
//
// Built in: "cpu" (host; falls back to "reference") and "reference" (host;
// every op, no fallback). There is no "cuda" registration yet: the CUDA
// provider (providers/cuda/) will register itself here, only in a build with
// CUDA and with a device present.
//
// Thread safety: every method is thread-safe; lookups return copies, so a
// registration removed meanwhile stays usable by whoever looked it up.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "facefuse/device.h"
#include "facefuse/status.h"
#include "runtime/providers/provider.h"

namespace facefuse::rt {

// What a provider's factory is given.
struct ProviderConfig {
  int threads = 1;  // kernel threads, already resolved (> 0)
};

struct ProviderRegistration {
  std::string name;
  Device device;  // where its kernels run
  // Makes a provider; never null.
  std::function<std::unique_ptr<ExecutionProvider>(const ProviderConfig&)> make;
  // Whether it has its own kernel for the op (it may still leave some dtypes
  // or attribute values to its fallback).
  std::function<bool(std::string_view domain, std::string_view op_type)> supports_op;
  // The registered provider that takes what this one leaves; "" for none.
  std::string fallback;
};

class ProviderRegistry {
 public:
  // The process-wide registry, with the built-in providers.
  static ProviderRegistry& Global();

  // Adds a provider. Errors: InvalidArgument for an empty name or a missing
  // factory, FailedPrecondition when the name is taken.
  Status Register(ProviderRegistration registration);
  // Removes a provider (for tests); false when it was not registered.
  bool Unregister(std::string_view name);

  std::optional<ProviderRegistration> Find(std::string_view name) const;
  // Names in registration order.
  std::vector<std::string> Names() const;
  // `name` followed by its fallback, the fallback's fallback, ...: the order
  // in which a session offers each node to providers. Errors: InvalidArgument
  // for an unknown name ("unknown provider 'x' (known: cpu, reference)"),
  // Internal for a fallback that is not registered or loops.
  Result<std::vector<ProviderRegistration>> FallbackChain(std::string_view name) const;

 private:
  ProviderRegistry() = default;
  std::optional<ProviderRegistration> FindLocked(std::string_view name) const;

  mutable std::mutex mu_;
  std::vector<ProviderRegistration> entries_;  // guarded by mu_
};

}  // namespace facefuse::rt
