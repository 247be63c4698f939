// Compile: values get integer ids; each node gets a kernel from the first
// provider of the registry's chain for SessionOptions::provider that supports
// it; a value read on another device than the one it lives on is copied there
// (weights once, here; other values by a copy step before the reader).
#include <climits>
#include <map>
#include <unordered_map>
#include <utility>

#include "runtime/exec/copy_step.h"
#include "runtime/exec/session_impl.h"
#include "runtime/providers/registry.h"

namespace facefuse {
using namespace rt;

namespace {

// Where each value lives and the copies already made of it, for one Compile
// of a session whose value names, constants and steps it extends.
class DevicePlacement {
 public:
  DevicePlacement(std::vector<std::string>& value_names, std::vector<Tensor>& constants, std::vector<Step>& steps)
      : names_(value_names), constants_(constants), steps_(steps), device_(value_names.size()) {}

  void Place(int id, Device device) { device_[static_cast<size_t>(id)] = device; }
  bool OnHost(int id) const { return device_[static_cast<size_t>(id)].is_host(); }

  // The id of value `id` on `allocator`'s device: itself when it is there, a
  // copy made earlier, a weight copied now, or the output of a new copy step
  // appended to the session's steps.
  Result<int> On(int id, const std::shared_ptr<Allocator>& allocator) {
    const Device to = allocator->device();
    const Device from = device_[static_cast<size_t>(id)];
    if (from == to) return id;
    const auto key = std::make_pair(id, DeviceName(to));
    if (auto it = copies_.find(key); it != copies_.end()) return it->second;
    const std::string name = names_[static_cast<size_t>(id)];  // a copy: AddValue grows names_
    const int copy = AddValue(name + "@" + DeviceName(to), to);
    copies_.emplace(key, copy);
    if (!constants_[static_cast<size_t>(id)].empty()) {
      FF_ASSIGN_OR_RETURN(constants_[static_cast<size_t>(copy)], CopyToDevice(constants_[static_cast<size_t>(id)], allocator));
      return copy;
    }
    Step step;
    step.node.name = "copy " + name + " to " + DeviceName(to);
    step.node.op_type = to.is_host() ? "CopyToHost" : "CopyToDevice";
    step.node.domain = "facefuse";
    step.node.inputs = {name};
    step.node.outputs = {names_[static_cast<size_t>(copy)]};
    step.def = &CopyOpDef();
    step.kernel = MakeCopyKernel(allocator);
    step.provider = "copy";
    step.device = from;
    if (!to.is_host()) step.output_allocator = allocator;
    step.in = {id};
    step.out = {copy};
    steps_.push_back(std::move(step));
    return copy;
  }

 private:
  // A value the model does not name (not in the name -> id map).
  int AddValue(std::string name, Device device) {
    names_.push_back(std::move(name));
    constants_.emplace_back();
    device_.push_back(device);
    return static_cast<int>(names_.size()) - 1;
  }

  std::vector<std::string>& names_;
  std::vector<Tensor>& constants_;
  std::vector<Step>& steps_;
  std::vector<Device> device_;                       // by value id; host for inputs and weights
  std::map<std::pair<int, std::string>, int> copies_;  // (value id, device name) -> the copy's id
};

}  // namespace

Status Session::Impl::Compile() {
  std::unordered_map<std::string, int> ids;
  auto id_of = [&](const std::string& name) {
    auto [it, inserted] = ids.emplace(name, static_cast<int>(value_names.size()));
    if (inserted) value_names.push_back(name);
    return it->second;
  };
  for (const auto& in : graph.inputs) input_ids.push_back(id_of(in.name));
  for (const auto& [name, t] : graph.initializers) id_of(name);
  for (const auto& node : graph.nodes) {
    for (const auto& n : node.inputs) if (!n.empty()) id_of(n);
    for (const auto& n : node.outputs) if (!n.empty()) id_of(n);
  }
  for (const auto& out : graph.outputs) {
    if (!ids.count(out.name)) return InvalidArgument("graph output '" + out.name + "' is produced by no node");
    output_ids.push_back(ids[out.name]);
  }
  constants.assign(value_names.size(), Tensor());
  weight_bytes = 0;
  for (const auto& [name, t] : graph.initializers) {
    constants[static_cast<size_t>(ids[name])] = t;
    weight_bytes += t.bytes();
  }

  // The provider asked for, then each fallback (cpu, then reference).
  FF_ASSIGN_OR_RETURN(std::vector<ProviderRegistration> chain, ProviderRegistry::Global().FallbackChain(options.provider));
  providers.clear();
  for (const auto& registration : chain) providers.push_back(registration.make(ProviderConfig{threads}));

  const OpRegistry& ops = OpRegistry::Global();
  DevicePlacement placement(value_names, constants, steps);
  steps.clear();
  steps.reserve(graph.nodes.size());
  for (const auto& node : graph.nodes) {
    Step step;
    step.node = node;
    step.def = ops.Find(node.domain, node.op_type);
    if (step.def == nullptr) return Internal("a pass produced unknown op " + node.op_type);
    std::vector<DataType> types;
    std::vector<const Tensor*> consts;
    for (const auto& in : node.inputs) {
      step.in.push_back(in.empty() ? -1 : ids[in]);
      types.push_back(in.empty() ? DataType::kUndefined : graph.TypeOf(in));
      auto it = graph.initializers.find(in);
      consts.push_back(it == graph.initializers.end() ? nullptr : &it->second);
    }
    for (const auto& out : node.outputs) step.out.push_back(out.empty() ? -1 : ids[out]);
    KernelRequest req{step.node, *step.def, graph.opset, types, consts, threads, plan_cache.get(), options.time_plans};
    ExecutionProvider* chosen = nullptr;
    for (auto& p : providers) {
      auto k = p->CreateKernel(req);
      if (!k.ok()) return k.status().WithContext(node.Describe());
      if (*k) {
        step.kernel = std::move(k).value();
        step.provider = std::string(p->name());
        chosen = p.get();
        break;
      }
    }
    if (!step.kernel) return Unsupported(node.Describe() + ": no provider can run it");
    step.device = chosen->device();
    if (!step.device.is_host()) step.output_allocator = chosen->allocator();
    for (int& id : step.in) {
      if (id >= 0) { FF_ASSIGN_OR_RETURN(id, placement.On(id, chosen->allocator())); }
    }
    for (int id : step.out)
      if (id >= 0) placement.Place(id, step.device);
    steps.push_back(std::move(step));
  }
  // Graph outputs are returned on the host.
  for (int& id : output_ids) {
    if (!placement.OnHost(id)) { FF_ASSIGN_OR_RETURN(id, placement.On(id, HostAllocator())); }
  }

  const size_t n = value_names.size();
  last_use.assign(n, -1);
  is_output.assign(n, false);
  for (int id : output_ids) { is_output[static_cast<size_t>(id)] = true; last_use[static_cast<size_t>(id)] = INT_MAX; }
  for (size_t s = 0; s < steps.size(); ++s)
    for (int id : steps[s].in)
      if (id >= 0 && last_use[static_cast<size_t>(id)] != INT_MAX) last_use[static_cast<size_t>(id)] = static_cast<int>(s);
  return Status::Ok();
}

}  // namespace facefuse
