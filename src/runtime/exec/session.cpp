// Session: load -> lower float16 to float32 -> validate every node -> optimise -> compile to steps with
// kernels (compile.cpp) -> run steps in order, placing intermediates in a planned arena (run_steps.cpp).
#include <omp.h>

#include <algorithm>
#include <map>
#include <mutex>

#include "facefuse/runtime.h"
#include "runtime/exec/session_impl.h"
#include "runtime/loader/onnx_loader.h"
#include "runtime/ops/op_def.h"
#include "runtime/passes/passes.h"

namespace facefuse {
using namespace rt;

namespace {

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

Status Session::Impl::Prepare() {
  nodes_in_model = graph.nodes.size();
  const OpRegistry& ops = OpRegistry::Global();
  PassContext ctx{ops, options.debug_log, options.channels_last && options.provider == "cpu"};
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
    // Every op produces its first output; the kernels and the shape inference rely on it.
    if (node.outputs.empty() || node.outputs[0].empty())
      return InvalidArgument(node.Describe() + ": the node has no output (every " + node.op_type + " has one)");
  }
  for (const auto& in : graph.inputs) inputs.push_back(ToTensorInfo(in));
  for (const auto& out : graph.outputs) outputs.push_back(ToTensorInfo(out));
  if (options.optimize) {
    FF_RETURN_IF_ERROR(RunDefaultPasses(graph, ctx));
  }
  // Memory-only without a folder, and when nothing is timed (the folder is then neither read nor written).
  plan_cache = std::make_unique<PlanCache>(options.time_plans ? options.plan_cache_dir : std::filesystem::path());
  FF_RETURN_IF_ERROR(Compile());
  if (options.memory_budget) {
    FF_ASSIGN_OR_RETURN(weights_claim, options.memory_budget->Reserve(weight_bytes, "the model's weights"));
  }
  return Status::Ok();
}

Session::Session(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Session::~Session() = default;

Result<std::unique_ptr<Session>> Session::OpenWith(const SessionOptions& options,
                                                   const std::function<Status(Impl&)>& load) {
  try {
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    // More kernel threads than 4x the cores only oversubscribes; tens of thousands exhaust the thread stacks.
    const int max_threads = 4 * omp_get_num_procs();
    if (options.threads < 0 || options.threads > max_threads)
      return InvalidArgument("SessionOptions::threads is " + std::to_string(options.threads) + ": use 0 (all cores) to " +
                             std::to_string(max_threads) + " (4x the " + std::to_string(omp_get_num_procs()) + " cores)");
    impl->threads = options.threads > 0 ? options.threads : omp_get_num_procs();
    FF_RETURN_IF_ERROR(load(*impl));
    FF_RETURN_IF_ERROR(impl->Prepare());
    impl->ResetProfile();
    return std::unique_ptr<Session>(new Session(std::move(impl)));
  } catch (const std::exception& e) {
    return Internal(std::string("unexpected exception while loading: ") + e.what());
  }
}

Result<std::unique_ptr<Session>> Session::OpenFromBytes(std::span<const uint8_t> bytes, const std::filesystem::path& base_dir,
                                                        const SessionOptions& options) {
  return OpenWith(options, [&](Impl& impl) -> Status {
    FF_ASSIGN_OR_RETURN(impl.graph, LoadOnnxModelFromBytes(bytes, base_dir));
    return Status::Ok();
  });
}

Result<std::unique_ptr<Session>> Session::Open(const std::filesystem::path& model, const SessionOptions& options) {
  Status read_error;  // ReadFileBytes names the file itself
  auto s = OpenWith(options, [&](Impl& impl) -> Status {
    // The file's bytes live only while the graph is parsed from them: a large model is not held twice more
    // (bytes and graph) while its weights are prepacked.
    auto bytes = ReadFileBytes(model);
    if (!bytes.ok()) return read_error = bytes.status();
    FF_ASSIGN_OR_RETURN(impl.graph,
                        LoadOnnxModelFromBytes({reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size()},
                                               model.has_parent_path() ? model.parent_path() : std::filesystem::path(".")));
    return Status::Ok();
  });
  if (!s.ok() && !read_error.ok()) return read_error;
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
  s.nodes = static_cast<size_t>(std::count_if(impl_->steps.begin(), impl_->steps.end(),
                                              [](const Step& st) { return st.provider != "copy"; }));
  s.nodes_in_model = impl_->nodes_in_model;
  std::map<std::string, size_t> by;
  for (const auto& st : impl_->steps) by[st.provider]++;
  for (const auto& [k, v] : by) s.kernels_by_provider.emplace_back(k, v);
  s.plan_cache_hits = impl_->plan_cache->hits();
  s.plans_timed = impl_->plan_cache->recorded();
  s.plan_cache_error = impl_->plan_cache->last_save_error();
  s.threads = impl_->threads;
  return s;
}

}  // namespace facefuse
