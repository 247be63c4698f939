// One run of a compiled session: check the feeds, run the steps in order
// (outputs in the planned arena, on the heap, or on their provider's device),
// return the graph outputs; the first run of each input-shape signature
// records the lifetimes the arena is planned from.
#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "facefuse/device.h"
#include "runtime/exec/memory_planner.h"
#include "runtime/exec/session_impl.h"
#include "runtime/ops/op_util.h"
#include "runtime/passes/pass_util.h"

namespace facefuse {
using namespace rt;

Status Session::Impl::CheckFeed(size_t i, const Tensor& t) const {
  const TensorInfo& info = inputs[i];
  if (t.empty()) return InvalidArgument("input '" + info.name + "' is missing");
  if (!t.device().is_host())
    return InvalidArgument("input '" + info.name + "' must be a host tensor, got one on " + DeviceName(t.device()));
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

// True when the step's output specs are a function of its input shapes: the
// op does not size outputs from data, and every input that is not a constant
// has rank 2 or more (shape-like inputs, which infer may read, have rank 0 or 1).
bool Session::Impl::SpecsFollowFromShapes(const Step& step, std::span<const Tensor* const> in_ptrs) const {
  if (step.def == nullptr || step.def->output_shape_from_data) return false;
  for (size_t k = 0; k < step.in.size(); ++k) {
    const int id = step.in[k];
    if (id >= 0 && constants[static_cast<size_t>(id)].empty() && in_ptrs[k]->rank() < 2) return false;
  }
  return true;
}

namespace {

// True when every input's shape is fixed by the feeds' shapes (`fixed`: per
// value id, for constants, feeds and the outputs of steps whose specs are).
bool InputShapesFixed(const Step& step, const std::vector<char>& fixed) {
  for (int id : step.in)
    if (id >= 0 && !fixed[static_cast<size_t>(id)]) return false;
  return true;
}

// Values of at most this many bytes are kept when they follow from the feeds' shapes (shape arithmetic is a few
// int64s; a ConstantOfShape of an activation's shape is left to run).
constexpr size_t kMaxFixedValueBytes = 4096;

// True when the values of the step's outputs follow from the feeds' shapes (`value_fixed`: per value id, for
// constants and the outputs of such steps; `shape_fixed` as for InputShapesFixed): a Shape of a value whose shape
// does, or a host step reading only such values. Graph outputs are left out: the caller owns what Run returns.
bool OutputValuesFixed(const Step& step, std::span<Tensor* const> outputs, const std::vector<char>& value_fixed,
                       const std::vector<char>& shape_fixed, const std::vector<bool>& is_output) {
  if (step.in.empty() || step.output_allocator != nullptr || !step.device.is_host()) return false;
  const bool shape_op = IsOnnxOp(step.node, "Shape");
  for (int id : step.in) {
    if (id < 0) continue;
    if (!(shape_op ? shape_fixed : value_fixed)[static_cast<size_t>(id)]) return false;
  }
  size_t bytes = 0;
  for (size_t j = 0; j < step.out.size(); ++j) {
    if (step.out[j] >= 0 && is_output[static_cast<size_t>(step.out[j])]) return false;
    bytes += outputs[j]->bytes();
  }
  return bytes <= kMaxFixedValueBytes;
}

// The step input (slot) whose arena buffer output `j` may take on a recording
// run, or -1: the kernel allows it, the input is a recorded arena buffer
// (`record_index` by root value id into `recorded`) that dies at this step
// (aliases included), no other slot of the step reads it, and it has the
// output's size and type.
int ReusableInput(const Step& step, size_t j, int s, std::span<const Tensor* const> in_ptrs, const OutputSpec& spec,
                  const std::vector<int>& root, const std::vector<int>& record_index,
                  const std::vector<BufferLifetime>& recorded) {
  const int k = step.kernel->OutputMayReuseInput(j);
  if (k < 0 || static_cast<size_t>(k) >= step.in.size() || step.in[static_cast<size_t>(k)] < 0) return -1;
  const int r = root[static_cast<size_t>(step.in[static_cast<size_t>(k)])];
  const int buffer = record_index[static_cast<size_t>(r)];
  if (buffer < 0 || recorded[static_cast<size_t>(buffer)].last_step != s) return -1;
  for (size_t m = 0; m < step.in.size(); ++m)
    if (static_cast<int>(m) != k && step.in[m] >= 0 && root[static_cast<size_t>(step.in[m])] == r) return -1;
  const Tensor& in = *in_ptrs[static_cast<size_t>(k)];
  const size_t bytes = static_cast<size_t>(NumElements(spec.shape)) * DataTypeSize(spec.dtype);
  return in.dtype() == spec.dtype && in.bytes() == bytes ? k : -1;
}

}  // namespace

Status Session::Impl::EnsureArena(size_t bytes) {
  if (bytes <= arena_bytes) return Status::Ok();
  if (options.memory_budget) {
    if (arena_claim.empty()) {
      FF_ASSIGN_OR_RETURN(arena_claim, options.memory_budget->Reserve(bytes, "the activation arena", options.memory_wait));
    } else {
      FF_RETURN_IF_ERROR(arena_claim.Resize(bytes, options.memory_wait));
    }
  }
  // The host allocator: 64-byte aligned, and huge pages for a large arena (the first run writing it pays a page
  // fault per page).
  std::shared_ptr<Allocator> host = HostAllocator();
  Result<void*> p = host->Allocate(bytes);
  if (!p.ok()) {
    if (!arena_claim.empty()) (void)arena_claim.Resize(arena_bytes);  // back to what is really held
    return OutOfMemory("cannot allocate a " + std::to_string(bytes) + "-byte activation arena");
  }
  arena = std::shared_ptr<void>(*p, [host](void* q) { host->Free(q); });
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
  for (auto& provider : providers) FF_RETURN_IF_ERROR(provider->BeginRun());

  const size_t n = value_names.size();
  std::vector<Tensor> values = constants;
  std::vector<int> root(n);
  for (size_t i = 0; i < n; ++i) root[i] = static_cast<int>(i);
  for (size_t i = 0; i < feeds.size(); ++i) values[static_cast<size_t>(input_ids[i])] = feeds[i];

  auto layout_it = layouts.find(signature);
  const bool recording = layout_it == layouts.end();
  ArenaLayout* layout = recording ? nullptr : &layout_it->second;
  std::vector<BufferLifetime> recorded;
  std::vector<std::optional<std::vector<OutputSpec>>> recorded_specs(recording ? steps.size() : 0);
  std::vector<char> shape_fixed;  // recording: per value id, its shape follows from the feeds' shapes
  std::vector<char> value_fixed;  // recording: per value id, its value follows from the feeds' shapes
  std::vector<std::vector<Tensor>> recorded_fixed(recording ? steps.size() : 0);
  if (recording) {
    shape_fixed.assign(n, 0);
    value_fixed.assign(n, 0);
    for (size_t i = 0; i < n; ++i) shape_fixed[i] = value_fixed[i] = !constants[i].empty();
    for (int id : input_ids) shape_fixed[static_cast<size_t>(id)] = 1;
  }
  auto release_inputs = [&](const Step& step, size_t s) {
    for (int id : step.in)
      if (id >= 0 && last_use[static_cast<size_t>(id)] == static_cast<int>(s) && constants[static_cast<size_t>(id)].empty())
        values[static_cast<size_t>(id)] = Tensor();
  };
  std::vector<int> recorded_value;
  std::vector<int> record_index(n, -1);
  std::vector<int> recorded_reuse(recording ? n : 0, -1);
  std::byte* arena_base = static_cast<std::byte*>(arena.get());

  std::vector<const Tensor*> in_ptrs;
  std::vector<Tensor*> out_ptrs;
  std::vector<OutputSpec> specs;
  std::vector<Tensor> scratch_outputs;
  for (size_t s = 0; s < steps.size(); ++s) {
    Step& step = steps[s];
    if (layout && !layout->fixed_outputs[s].empty()) {  // values that follow from these feed shapes
      for (size_t j = 0; j < step.out.size(); ++j)
        if (step.out[j] >= 0) values[static_cast<size_t>(step.out[j])] = layout->fixed_outputs[s][j];
      release_inputs(step, s);
      continue;
    }
    in_ptrs.clear();
    for (size_t k = 0; k < step.in.size(); ++k) {
      int id = step.in[k];
      if (id < 0) { in_ptrs.push_back(nullptr); continue; }
      const Tensor& t = values[static_cast<size_t>(id)];
      if (t.empty()) return Internal(step.node.Describe() + ": input '" + value_names[static_cast<size_t>(id)] + "' has no value");
      if (t.device() != step.device)
        return Internal(step.node.Describe() + ": input '" + value_names[static_cast<size_t>(id)] + "' is on " +
                        DeviceName(t.device()) + ", not on " + DeviceName(step.device));
      in_ptrs.push_back(&t);
    }
    const std::vector<OutputSpec>* step_specs = &specs;
    if (layout && layout->specs[s]) {
      step_specs = &*layout->specs[s];
    } else {
      specs.assign(step.out.size(), OutputSpec{});
      FF_RETURN_IF_ERROR(step.def->infer(step.node, in_ptrs, specs));
      if (recording && InputShapesFixed(step, shape_fixed) && SpecsFollowFromShapes(step, in_ptrs)) {
        recorded_specs[s] = specs;
        for (int id : step.out)
          if (id >= 0) shape_fixed[static_cast<size_t>(id)] = 1;
      }
    }
    scratch_outputs.assign(step.out.size(), Tensor());
    out_ptrs.clear();
    bool any_compute = false;
    for (size_t j = 0; j < step.out.size(); ++j) {
      int id = step.out[j];
      const OutputSpec& spec = (*step_specs)[j];
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
      if (id >= 0 && !is_output[static_cast<size_t>(id)]) {
        int k = -1;
        if (layout) {
          k = layout->reused_input[static_cast<size_t>(id)];
        } else if (step.kernel) {
          k = ReusableInput(step, j, static_cast<int>(s), in_ptrs, spec, root, record_index, recorded);
          // A value kept for later runs (fixed_outputs), or a view of one (an alias step that is not kept, e.g.
          // a Reshape to a fed shape), must not be written over on them.
          if (k >= 0 && value_fixed[static_cast<size_t>(root[static_cast<size_t>(step.in[static_cast<size_t>(k)])])])
            k = -1;
        }
        if (k >= 0) {  // the output takes input k's bytes; its buffer now lives as long as the output
          FF_ASSIGN_OR_RETURN(*slot, in_ptrs[static_cast<size_t>(k)]->Reshaped(spec.shape));
          const int r = root[static_cast<size_t>(step.in[static_cast<size_t>(k)])];
          root[static_cast<size_t>(id)] = r;
          if (recording) {
            auto& life = recorded[static_cast<size_t>(record_index[static_cast<size_t>(r)])];
            const int lu = last_use[static_cast<size_t>(id)];
            life.last_step = std::max(life.last_step, lu < 0 ? static_cast<int>(s) : lu);
            recorded_reuse[static_cast<size_t>(id)] = k;
          }
          out_ptrs.push_back(slot);
          continue;
        }
      }
      FF_RETURN_IF_ERROR(CheckOutputSize(step.node, j, spec, options.max_tensor_bytes));
      size_t bytes = static_cast<size_t>(NumElements(spec.shape)) * DataTypeSize(spec.dtype);
      bool planned = layout && id >= 0 && layout->offset[static_cast<size_t>(id)] >= 0 &&
                     bytes <= layout->bytes[static_cast<size_t>(id)];
      if (planned) {
        *slot = Tensor::View(spec.dtype, spec.shape, arena_base + layout->offset[static_cast<size_t>(id)]);
      } else if (step.output_allocator) {  // off the host: neither planned nor budgeted
        FF_ASSIGN_OR_RETURN(*slot, Tensor::Allocate(spec.dtype, spec.shape, step.output_allocator));
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
    if (recording && OutputValuesFixed(step, out_ptrs, value_fixed, shape_fixed, is_output)) {
      for (size_t j = 0; j < step.out.size(); ++j) {
        FF_ASSIGN_OR_RETURN(Tensor kept, out_ptrs[j]->Clone());  // its own bytes: the arena's are reused
        recorded_fixed[s].push_back(std::move(kept));
        if (step.out[j] >= 0) value_fixed[static_cast<size_t>(step.out[j])] = 1;
      }
    }
    release_inputs(step, s);
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
    if (plan_cache) (void)plan_cache->SaveIfChanged();  // a cache that cannot be written only costs time later
    ArenaPlan plan = PlanArena(recorded);
    ArenaLayout l;
    l.offset.assign(n, -1);
    l.bytes.assign(n, 0);
    for (size_t i = 0; i < recorded.size(); ++i) {
      l.offset[static_cast<size_t>(recorded_value[i])] = static_cast<int64_t>(plan.offsets[i]);
      l.bytes[static_cast<size_t>(recorded_value[i])] = recorded[i].bytes;
    }
    l.total = plan.total_bytes;
    l.specs = std::move(recorded_specs);
    l.reused_input = std::move(recorded_reuse);
    l.fixed_outputs = std::move(recorded_fixed);
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

}  // namespace facefuse
