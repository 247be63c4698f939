// Session: load -> lower float16 to float32 -> validate every node -> optimise -> compile to steps with
// kernels -> run steps in order, placing intermediates in a planned arena.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <unordered_map>

#include "facefuse/runtime.h"
#include "runtime/exec/memory_planner.h"
#include "runtime/loader/onnx_loader.h"
#include "runtime/ops/op_def.h"
#include "runtime/ops/op_util.h"
#include "runtime/passes/passes.h"
#include "runtime/providers/provider.h"

namespace facefuse {
using namespace rt;

namespace {

struct Step {
  Node node;
  const OpDef* def = nullptr;
  std::unique_ptr<Kernel> kernel;
  std::string provider;
  std::vector<int> in;   // value ids, -1 for absent optional inputs
  std::vector<int> out;  // value ids, -1 for unused outputs
};

struct ArenaLayout {
  std::vector<int64_t> offset;  // per value id, -1 when not in the arena
  std::vector<size_t> bytes;    // per value id, planned size
  size_t total = 0;
};

TensorInfo ToTensorInfo(const ValueInfo& v) {
  TensorInfo t;
  t.name = v.name;
  t.dtype = v.dtype;
  if (v.dims) {
    t.has_shape = true;
    for (const auto& d : *v.dims) t.dims.push_back(d.known() ? d.size : -1);
  }
  return t;
}

}  // namespace

struct Session::Impl {
  SessionOptions options;
  int threads = 1;
  Graph graph;
  std::vector<TensorInfo> inputs, outputs;
  std::vector<std::unique_ptr<ExecutionProvider>> providers;
  std::vector<Step> steps;
  std::vector<Tensor> constants;  // by value id; empty when not constant
  std::vector<int> input_ids, output_ids;
  std::vector<int> last_use;      // by value id: last step reading it; INT_MAX for graph outputs
  std::vector<bool> is_output;
  std::vector<std::string> value_names;
  size_t nodes_in_model = 0;
  size_t weight_bytes = 0;

  std::mutex run_mutex;
  std::map<std::string, ArenaLayout> layouts;  // by input-shape signature
  std::shared_ptr<void> arena;
  size_t arena_bytes = 0;
  size_t peak_activation_bytes = 0;
  MemoryBudget::Reservation weights_claim;  // empty without a budget
  MemoryBudget::Reservation arena_claim;
  SessionProfile profile;  // filled when options.profile; guarded by run_mutex

  Status Prepare();
  Status Compile();
  Result<std::vector<Tensor>> Run(std::vector<Tensor> feeds);
  Result<std::vector<Tensor>> RunSteps(std::vector<Tensor> feeds);  // Run without the lock and the profile
  void ResetProfile();
  Status CheckFeed(size_t i, const Tensor& t) const;
  Status EnsureArena(size_t bytes);
  // A fresh tensor; with a budget, its bytes are claimed for as long as the
  // tensor (or a copy or reshape of it) lives.
  Result<Tensor> AllocateValue(DataType dtype, const Shape& shape, std::string_view what);
};

Status Session::Impl::Prepare() {
  nodes_in_model = graph.nodes.size();
  const OpRegistry& ops = OpRegistry::Global();
  PassContext ctx{ops, options.debug_log};
  FF_RETURN_IF_ERROR(LowerFloat16(graph, ctx));  // before validation: most kernels are float32 only
  for (const auto& node : graph.nodes) {
    const OpDef* def = ops.Find(node.domain, node.op_type);
    if (def == nullptr)
      return Unsupported(node.Describe() + ": op " + (node.domain.empty() ? "" : node.domain + ".") + node.op_type +
                         " is not supported by facefuse (see docs/ops.md)");
    std::vector<DataType> types;
    std::vector<const Tensor*> consts;
    for (const auto& in : node.inputs) {
      types.push_back(in.empty() ? DataType::kUndefined : graph.TypeOf(in));
      auto it = graph.initializers.find(in);
      consts.push_back(it == graph.initializers.end() ? nullptr : &it->second);
    }
    if (def->validate) FF_RETURN_IF_ERROR(def->validate(ValidateContext{node, graph.opset, types, consts}));
  }
  for (const auto& in : graph.inputs) inputs.push_back(ToTensorInfo(in));
  for (const auto& out : graph.outputs) outputs.push_back(ToTensorInfo(out));
  if (options.optimize) {
    FF_RETURN_IF_ERROR(RunDefaultPasses(graph, ctx));
  }
  FF_RETURN_IF_ERROR(Compile());
  if (options.memory_budget) {
    FF_ASSIGN_OR_RETURN(weights_claim, options.memory_budget->Reserve(weight_bytes, "the model's weights"));
  }
  return Status::Ok();
}

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
  size_t n = value_names.size();
  constants.assign(n, Tensor());
  weight_bytes = 0;
  for (const auto& [name, t] : graph.initializers) {
    constants[static_cast<size_t>(ids[name])] = t;
    weight_bytes += t.bytes();
  }
  last_use.assign(n, -1);
  is_output.assign(n, false);
  for (int id : output_ids) { is_output[static_cast<size_t>(id)] = true; last_use[static_cast<size_t>(id)] = INT_MAX; }

  providers.clear();
  if (options.provider == "cpu") providers.push_back(MakeCpuProvider(threads));
  else if (options.provider != "reference")
    return InvalidArgument("unknown provider '" + options.provider + "' (known: cpu, reference)");
  providers.push_back(MakeReferenceProvider());

  const OpRegistry& ops = OpRegistry::Global();
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
    KernelRequest req{step.node, *step.def, graph.opset, types, consts, threads};
    for (auto& p : providers) {
      auto k = p->CreateKernel(req);
      if (!k.ok()) return k.status().WithContext(node.Describe());
      if (*k) {
        step.kernel = std::move(k).value();
        step.provider = std::string(p->name());
        break;
      }
    }
    if (!step.kernel) return Unsupported(node.Describe() + ": no provider can run it");
    int s = static_cast<int>(steps.size());
    for (int id : step.in)
      if (id >= 0 && last_use[static_cast<size_t>(id)] != INT_MAX) last_use[static_cast<size_t>(id)] = s;
    steps.push_back(std::move(step));
  }
  return Status::Ok();
}

Status Session::Impl::CheckFeed(size_t i, const Tensor& t) const {
  const TensorInfo& info = inputs[i];
  if (t.empty()) return InvalidArgument("input '" + info.name + "' is missing");
  if (info.dtype != DataType::kUndefined && t.dtype() != info.dtype)
    return InvalidArgument("input '" + info.name + "' must be " + DataTypeName(info.dtype) + ", got " +
                           DataTypeName(t.dtype()));
  if (!info.has_shape) return Status::Ok();
  std::string want = "[";
  for (size_t d = 0; d < info.dims.size(); ++d) want += (d ? "," : "") + (info.dims[d] < 0 ? std::string("?") : std::to_string(info.dims[d]));
  want += "]";
  if (t.rank() != static_cast<int64_t>(info.dims.size()))
    return InvalidArgument("input '" + info.name + "' must have shape " + want + ", got " + ShapeToString(t.shape()));
  for (size_t d = 0; d < info.dims.size(); ++d)
    if (info.dims[d] >= 0 && info.dims[d] != t.shape()[d])
      return InvalidArgument("input '" + info.name + "' must have shape " + want + ", got " + ShapeToString(t.shape()));
  return Status::Ok();
}

Status Session::Impl::EnsureArena(size_t bytes) {
  if (bytes <= arena_bytes) return Status::Ok();
  if (options.memory_budget) {
    if (arena_claim.empty()) {
      FF_ASSIGN_OR_RETURN(arena_claim, options.memory_budget->Reserve(bytes, "the activation arena", options.memory_wait));
    } else {
      FF_RETURN_IF_ERROR(arena_claim.Resize(bytes, options.memory_wait));
    }
  }
  void* p = std::aligned_alloc(64, (bytes + 63) / 64 * 64);
  if (p == nullptr) {
    if (!arena_claim.empty()) (void)arena_claim.Resize(arena_bytes);  // back to what is really held
    return OutOfMemory("cannot allocate a " + std::to_string(bytes) + "-byte activation arena");
  }
  arena = std::shared_ptr<void>(p, [](void* q) { std::free(q); });
  arena_bytes = bytes;
  return Status::Ok();
}

Result<Tensor> Session::Impl::AllocateValue(DataType dtype, const Shape& shape, std::string_view what) {
  if (!options.memory_budget) return Tensor::Allocate(dtype, shape);
  struct Budgeted {
    Tensor buffer;
    MemoryBudget::Reservation claim;
  };
  const uint64_t bytes = static_cast<uint64_t>(NumElements(shape)) * DataTypeSize(dtype);
  FF_ASSIGN_OR_RETURN(MemoryBudget::Reservation claim, options.memory_budget->Reserve(bytes, what, options.memory_wait));
  FF_ASSIGN_OR_RETURN(Tensor buffer, Tensor::Allocate(dtype, shape));
  void* data = buffer.raw();
  auto holder = std::make_shared<Budgeted>(Budgeted{std::move(buffer), std::move(claim)});
  return Tensor::Adopt(dtype, shape, std::move(holder), data);
}

Result<std::vector<Tensor>> Session::Impl::Run(std::vector<Tensor> feeds) {
  std::lock_guard<std::mutex> lock(run_mutex);
  if (!options.profile) return RunSteps(std::move(feeds));
  const auto start = std::chrono::steady_clock::now();
  auto result = RunSteps(std::move(feeds));
  profile.run_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ++profile.runs;
  return result;
}

Result<std::vector<Tensor>> Session::Impl::RunSteps(std::vector<Tensor> feeds) {
  if (feeds.size() != inputs.size())
    return InvalidArgument("the model has " + std::to_string(inputs.size()) + " inputs, got " + std::to_string(feeds.size()));
  std::string signature;
  for (size_t i = 0; i < feeds.size(); ++i) {
    FF_RETURN_IF_ERROR(CheckFeed(i, feeds[i]));
    signature += ShapeToString(feeds[i].shape()) + DataTypeName(feeds[i].dtype()) + ";";
  }
  omp_set_num_threads(threads);

  const size_t n = value_names.size();
  std::vector<Tensor> values = constants;
  std::vector<int> root(n);
  for (size_t i = 0; i < n; ++i) root[i] = static_cast<int>(i);
  for (size_t i = 0; i < feeds.size(); ++i) values[static_cast<size_t>(input_ids[i])] = feeds[i];

  auto layout_it = layouts.find(signature);
  const bool recording = layout_it == layouts.end();
  ArenaLayout* layout = recording ? nullptr : &layout_it->second;
  std::vector<BufferLifetime> recorded;
  std::vector<int> recorded_value;
  std::vector<int> record_index(n, -1);
  std::byte* arena_base = static_cast<std::byte*>(arena.get());

  std::vector<const Tensor*> in_ptrs;
  std::vector<Tensor*> out_ptrs;
  std::vector<OutputSpec> specs;
  std::vector<Tensor> scratch_outputs;
  for (size_t s = 0; s < steps.size(); ++s) {
    Step& step = steps[s];
    in_ptrs.clear();
    for (size_t k = 0; k < step.in.size(); ++k) {
      int id = step.in[k];
      if (id < 0) { in_ptrs.push_back(nullptr); continue; }
      const Tensor& t = values[static_cast<size_t>(id)];
      if (t.empty()) return Internal(step.node.Describe() + ": input '" + value_names[static_cast<size_t>(id)] + "' has no value");
      in_ptrs.push_back(&t);
    }
    specs.assign(step.out.size(), OutputSpec{});
    FF_RETURN_IF_ERROR(step.def->infer(step.node, in_ptrs, specs));
    scratch_outputs.assign(step.out.size(), Tensor());
    out_ptrs.clear();
    bool any_compute = false;
    for (size_t j = 0; j < step.out.size(); ++j) {
      int id = step.out[j];
      const OutputSpec& spec = specs[j];
      Tensor* slot = id >= 0 ? &values[static_cast<size_t>(id)] : &scratch_outputs[j];
      if (spec.alias_of >= 0) {
        if (static_cast<size_t>(spec.alias_of) >= in_ptrs.size() || in_ptrs[static_cast<size_t>(spec.alias_of)] == nullptr)
          return Internal(step.node.Describe() + ": bad alias");
        FF_ASSIGN_OR_RETURN(*slot, in_ptrs[static_cast<size_t>(spec.alias_of)]->Reshaped(spec.shape));
        if (id >= 0) {
          int r = root[static_cast<size_t>(step.in[static_cast<size_t>(spec.alias_of)])];
          root[static_cast<size_t>(id)] = r;
          int lu = last_use[static_cast<size_t>(id)];
          if (recording && record_index[static_cast<size_t>(r)] >= 0) {
            auto& life = recorded[static_cast<size_t>(record_index[static_cast<size_t>(r)])];
            life.last_step = std::max(life.last_step, lu);
          }
        }
        out_ptrs.push_back(slot);
        continue;
      }
      any_compute = true;
      FF_RETURN_IF_ERROR(CheckOutputSize(step.node, j, spec, options.max_tensor_bytes));
      size_t bytes = static_cast<size_t>(NumElements(spec.shape)) * DataTypeSize(spec.dtype);
      bool planned = layout && id >= 0 && layout->offset[static_cast<size_t>(id)] >= 0 &&
                     bytes <= layout->bytes[static_cast<size_t>(id)];
      if (planned) {
        *slot = Tensor::View(spec.dtype, spec.shape, arena_base + layout->offset[static_cast<size_t>(id)]);
      } else {
        FF_ASSIGN_OR_RETURN(*slot, AllocateValue(spec.dtype, spec.shape, "output " + std::to_string(j) + " of " + step.node.Describe()));
        if (recording && id >= 0 && !is_output[static_cast<size_t>(id)]) {
          record_index[static_cast<size_t>(id)] = static_cast<int>(recorded.size());
          int lu = last_use[static_cast<size_t>(id)];
          recorded.push_back({bytes, static_cast<int>(s), lu < 0 ? static_cast<int>(s) : lu});
          recorded_value.push_back(id);
        }
      }
      out_ptrs.push_back(slot);
    }
    if (any_compute) {
      const auto kernel_start = options.profile ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point();
      Status st = step.kernel->Compute(in_ptrs, out_ptrs);
      if (!st.ok()) return st.WithContext(step.node.Describe() + " [" + step.provider + "]");
      if (options.profile) {
        NodeProfile& p = profile.nodes[s];
        p.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - kernel_start).count();
        p.shapes.clear();
        for (const Tensor* t : in_ptrs) p.shapes += (p.shapes.empty() ? "" : " ") + (t ? ShapeToString(t->shape()) : std::string("-"));
      }
    }
    for (int id : step.in)
      if (id >= 0 && last_use[static_cast<size_t>(id)] == static_cast<int>(s) && constants[static_cast<size_t>(id)].empty())
        values[static_cast<size_t>(id)] = Tensor();
  }

  std::vector<Tensor> result;
  result.reserve(output_ids.size());
  for (int id : output_ids) {
    Tensor& t = values[static_cast<size_t>(id)];
    if (t.empty()) return Internal("graph output '" + value_names[static_cast<size_t>(id)] + "' was not computed");
    bool fresh = t.owns_data() && root[static_cast<size_t>(id)] == id && constants[static_cast<size_t>(id)].empty();
    for (size_t i = 0; i < input_ids.size() && fresh; ++i) fresh = input_ids[i] != id;
    if (fresh) {
      result.push_back(t);
    } else {
      FF_ASSIGN_OR_RETURN(Tensor c, AllocateValue(t.dtype(), t.shape(), "graph output '" + value_names[static_cast<size_t>(id)] + "'"));
      if (t.bytes() > 0) std::memcpy(c.raw(), t.raw(), t.bytes());
      result.push_back(std::move(c));
    }
  }

  if (recording) {
    ArenaPlan plan = PlanArena(recorded);
    ArenaLayout l;
    l.offset.assign(n, -1);
    l.bytes.assign(n, 0);
    for (size_t i = 0; i < recorded.size(); ++i) {
      l.offset[static_cast<size_t>(recorded_value[i])] = static_cast<int64_t>(plan.offsets[i]);
      l.bytes[static_cast<size_t>(recorded_value[i])] = recorded[i].bytes;
    }
    l.total = plan.total_bytes;
    // Without room for the arena, later runs of this shape keep allocating
    // tensor by tensor (each one admitted against the budget): slower, but
    // they fit wherever this run did.
    if (EnsureArena(l.total).ok()) {
      peak_activation_bytes = std::max(peak_activation_bytes, l.total);
      layouts.emplace(signature, std::move(l));
    }
  }
  return result;
}

Session::Session(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Session::~Session() = default;

Result<std::unique_ptr<Session>> Session::OpenFromBytes(std::span<const uint8_t> bytes, const std::filesystem::path& base_dir,
                                                        const SessionOptions& options) {
  try {
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    // More kernel threads than 4x the cores only oversubscribes; tens of thousands exhaust the thread stacks.
    const int max_threads = 4 * omp_get_num_procs();
    if (options.threads < 0 || options.threads > max_threads)
      return InvalidArgument("SessionOptions::threads is " + std::to_string(options.threads) + ": use 0 (all cores) to " +
                             std::to_string(max_threads) + " (4x the " + std::to_string(omp_get_num_procs()) + " cores)");
    impl->threads = options.threads > 0 ? options.threads : omp_get_num_procs();
    FF_ASSIGN_OR_RETURN(impl->graph, LoadOnnxModelFromBytes(bytes, base_dir));
    FF_RETURN_IF_ERROR(impl->Prepare());
    impl->ResetProfile();
    return std::unique_ptr<Session>(new Session(std::move(impl)));
  } catch (const std::exception& e) {
    return Internal(std::string("unexpected exception while loading: ") + e.what());
  }
}

Result<std::unique_ptr<Session>> Session::Open(const std::filesystem::path& model, const SessionOptions& options) {
  auto bytes = ReadFileBytes(model);
  if (!bytes.ok()) return bytes.status();
  auto s = OpenFromBytes({reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size()},
                         model.has_parent_path() ? model.parent_path() : std::filesystem::path("."), options);
  if (!s.ok()) return s.status().WithContext(model.string());
  return s;
}

const std::vector<TensorInfo>& Session::inputs() const { return impl_->inputs; }
const std::vector<TensorInfo>& Session::outputs() const { return impl_->outputs; }

Result<std::vector<Tensor>> Session::Run(const std::vector<Tensor>& inputs) {
  try {
    return impl_->Run(inputs);
  } catch (const std::exception& e) {
    return Internal(std::string("unexpected exception while running: ") + e.what());
  }
}

Result<std::vector<Tensor>> Session::Run(const std::vector<std::pair<std::string, Tensor>>& named_inputs) {
  std::vector<Tensor> ordered(impl_->inputs.size());
  for (const auto& named : named_inputs) {
    const std::string& name = named.first;  // not a structured binding: clang 14 cannot capture those in lambdas
    const Tensor& t = named.second;
    auto it = std::find_if(impl_->inputs.begin(), impl_->inputs.end(), [&](const TensorInfo& i) { return i.name == name; });
    if (it == impl_->inputs.end()) {
      std::string known;
      for (const auto& i : impl_->inputs) known += (known.empty() ? "" : ", ") + i.name;
      return InvalidArgument("the model has no input named '" + name + "' (inputs: " + known + ")");
    }
    ordered[static_cast<size_t>(it - impl_->inputs.begin())] = t;
  }
  return Run(ordered);
}

void Session::Impl::ResetProfile() {
  profile = SessionProfile{};
  if (!options.profile) return;
  profile.nodes.resize(steps.size());
  for (size_t i = 0; i < steps.size(); ++i) {
    profile.nodes[i].node = steps[i].node.name;
    profile.nodes[i].op_type = steps[i].node.op_type;
    profile.nodes[i].provider = steps[i].provider;
  }
}

SessionProfile Session::profile() const {
  std::lock_guard<std::mutex> lock(impl_->run_mutex);
  return impl_->profile;
}

void Session::ResetProfile() {
  std::lock_guard<std::mutex> lock(impl_->run_mutex);
  impl_->ResetProfile();
}

SessionStats Session::stats() const {
  std::lock_guard<std::mutex> lock(impl_->run_mutex);
  SessionStats s;
  s.weight_bytes = impl_->weight_bytes;
  s.peak_activation_bytes = impl_->peak_activation_bytes;
  s.nodes = impl_->steps.size();
  s.nodes_in_model = impl_->nodes_in_model;
  std::map<std::string, size_t> by;
  for (const auto& st : impl_->steps) by[st.provider]++;
  for (const auto& [k, v] : by) s.kernels_by_provider.emplace_back(k, v);
  return s;
}

}  // namespace facefuse
