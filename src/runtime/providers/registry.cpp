#include "runtime/providers/registry.h"

#include "facefuse/runtime.h"

namespace facefuse::rt {
namespace {

void RegisterBuiltIns(ProviderRegistry& registry) {
  ProviderRegistration cpu;
  cpu.name = "cpu";
  cpu.make = [](const ProviderConfig& config) { return MakeCpuProvider(config.threads); };
  cpu.supports_op = CpuProviderHasKernel;
  cpu.fallback = "reference";
  (void)registry.Register(std::move(cpu));

  ProviderRegistration reference;
  reference.name = "reference";
  reference.make = [](const ProviderConfig&) { return MakeReferenceProvider(); };
  reference.supports_op = [](std::string_view, std::string_view) { return true; };
  (void)registry.Register(std::move(reference));
}

}  // namespace

ProviderRegistry& ProviderRegistry::Global() {
  static ProviderRegistry* const global = [] {
    auto* r = new ProviderRegistry();
    RegisterBuiltIns(*r);
    return r;
  }();
  return *global;
}

Status ProviderRegistry::Register(ProviderRegistration registration) {
  if (registration.name.empty()) return InvalidArgument("a provider needs a name");
  if (!registration.make) return InvalidArgument("provider '" + registration.name + "' has no factory");
  std::lock_guard<std::mutex> lock(mu_);
  if (FindLocked(registration.name))
    return FailedPrecondition("provider '" + registration.name + "' is already registered");
  entries_.push_back(std::move(registration));
  return Status::Ok();
}

bool ProviderRegistry::Unregister(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->name != name) continue;
    entries_.erase(it);
    return true;
  }
  return false;
}

std::optional<ProviderRegistration> ProviderRegistry::FindLocked(std::string_view name) const {
  for (const auto& e : entries_)
    if (e.name == name) return e;
  return std::nullopt;
}

std::optional<ProviderRegistration> ProviderRegistry::Find(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mu_);
  return FindLocked(name);
}

std::vector<std::string> ProviderRegistry::Names() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> names;
  for (const auto& e : entries_) names.push_back(e.name);
  return names;
}

Result<std::vector<ProviderRegistration>> ProviderRegistry::FallbackChain(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::optional<ProviderRegistration> first = FindLocked(name);
  if (!first) {
    std::string known;
    for (const auto& e : entries_) known += (known.empty() ? "" : ", ") + e.name;
    return InvalidArgument("unknown provider '" + std::string(name) + "' (known: " + known + ")");
  }
  std::vector<ProviderRegistration> chain{std::move(*first)};
  while (!chain.back().fallback.empty()) {
    const std::string& next = chain.back().fallback;
    if (chain.size() > entries_.size())
      return Internal("provider '" + std::string(name) + "': its fallbacks loop");
    std::optional<ProviderRegistration> fallback = FindLocked(next);
    if (!fallback) return Internal("provider '" + chain.back().name + "' falls back to unregistered '" + next + "'");
    chain.push_back(std::move(*fallback));
  }
  return chain;
}

}  // namespace facefuse::rt

namespace facefuse {

std::vector<std::string> RegisteredProviders() { return rt::ProviderRegistry::Global().Names(); }

}  // namespace facefuse
