// Narrow sibling convolutions become one: a detector's heads (YuNet's class,
// object, box and landmark heads, each a 1x1 convolution of 1 to 10 channels
// followed by a 3x3 depthwise one) read the same feature map, and each such
// convolution alone keeps a vector unit mostly idle.
//
//   1. Conv/FusedConv nodes reading the same X with the same attributes,
//      group 1, constant W of the same [*, Cin, kh, kw] and constant or no B,
//      no Sum or Slope input, each of at most kMaxMergedChannels outputs,
//      become one convolution (W and B concatenated along the output
//      channels) followed by a Split along the channel axis that gives every
//      sibling's output its old name.
//   2. A Split made here whose every part feeds one depthwise convolution
//      (W [C_i, 1, kh, kw], group C_i) alone, all with the same attributes
//      but group, moves below them: one depthwise convolution of the whole
//      map, then the Split. Repeated while it applies.
//
// Each output channel is computed from the same numbers as before; only the
// kernel's blocking (and so the summation order) may change.
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "runtime/passes/pass_util.h"
#include "runtime/passes/passes.h"

namespace facefuse::rt {
namespace {

// Siblings wider than this are left alone: they use the vector units well, and
// splitting their output would copy it.
constexpr int64_t kMaxMergedChannels = 32;

bool SameAttribute(const Attribute& a, const Attribute& b) {
  if (a.value.index() != b.value.index()) return false;
  return std::visit(
      [&b](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, Tensor>) {
          return false;  // never compared: not a convolution attribute
        } else {
          return x == std::get<T>(b.value);
        }
      },
      a.value);
}

// Equal attributes, `ignored` aside.
bool SameAttributes(const Node& a, const Node& b, const char* ignored) {
  auto skip = [ignored](const std::string& name) { return ignored != nullptr && name == ignored; };
  size_t count_a = 0, count_b = 0;
  for (const auto& [name, attr] : a.attrs) {
    if (skip(name)) continue;
    ++count_a;
    auto it = b.attrs.find(name);
    if (it == b.attrs.end() || !SameAttribute(attr, it->second)) return false;
  }
  for (const auto& entry : b.attrs) count_b += skip(entry.first) ? 0 : 1;
  return count_a == count_b;
}

// A convolution whose W (4-D) and B are constants and that has no Sum or Slope input; its W, or null.
const Tensor* ConstantConvWeights(const Graph& g, const Node& n) {
  if (!IsConvolution(n) || n.outputs.size() != 1 || n.inputs.size() < 2 || n.inputs.size() > 3) return nullptr;
  const Tensor* w = FloatInitializer(g, n.inputs[1]);
  if (w == nullptr || w->rank() != 4) return nullptr;
  if (n.HasInput(2)) {
    const Tensor* b = FloatInitializer(g, n.inputs[2]);
    if (b == nullptr || b->size() != w->dim(0)) return nullptr;
  }
  return w;
}

class SiblingMerger {
 public:
  SiblingMerger(Graph& g, const PassContext& ctx) : g_(g), ctx_(ctx) {}

  Status Run() {
    FF_RETURN_IF_ERROR(MergeSiblings());
    FF_RETURN_IF_ERROR(g_.TopologicalSort());
    for (bool moved = true; moved;) {
      FF_ASSIGN_OR_RETURN(moved, PushSplitBelowDepthwise());
      FF_RETURN_IF_ERROR(g_.TopologicalSort());
    }
    return Status::Ok();
  }

 private:
  // Step 1. Errors: OutOfMemory (the graph is then half rewritten: the caller drops it).
  Status MergeSiblings() {
    std::map<std::string, std::vector<size_t>> by_input;
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      const Node& n = g_.nodes[i];
      const Tensor* w = ConstantConvWeights(g_, n);
      if (w != nullptr && n.GetInt("group", 1) == 1 && w->dim(0) <= kMaxMergedChannels && !n.inputs[0].empty())
        by_input[n.inputs[0]].push_back(i);
    }
    std::vector<bool> removed(g_.nodes.size(), false);
    std::vector<Node> added;
    for (const auto& [x, candidates] : by_input) {
      std::vector<bool> taken(candidates.size(), false);
      for (size_t a = 0; a < candidates.size(); ++a) {
        if (taken[a]) continue;
        std::vector<size_t> group = {candidates[a]};
        for (size_t b = a + 1; b < candidates.size(); ++b) {
          if (!taken[b] && Compatible(g_.nodes[candidates[a]], g_.nodes[candidates[b]], nullptr)) {
            group.push_back(candidates[b]);
            taken[b] = true;
          }
        }
        if (group.size() < 2) continue;
        for (size_t i : group) removed[i] = true;
        FF_RETURN_IF_ERROR(Merge(group, x, /*depthwise=*/false, added));
      }
    }
    Replace(removed, added);
    return Status::Ok();
  }

  // Step 2, once over the Splits made so far; true when one moved. Errors: as MergeSiblings.
  Result<bool> PushSplitBelowDepthwise() {
    const ValueUses uses(g_);
    std::map<std::string, size_t> producer;
    for (size_t i = 0; i < g_.nodes.size(); ++i)
      for (const std::string& o : g_.nodes[i].outputs) producer[o] = i;
    for (size_t s = 0; s < g_.nodes.size(); ++s) {
      const Node& split = g_.nodes[s];
      if (!IsOnnxOp(split, "Split") || split.outputs.empty() || !made_splits_.count(split.outputs[0])) continue;
      std::vector<size_t> group;
      for (const std::string& part : split.outputs) {
        const int reader = uses.SoleConsumer(part);
        if (reader < 0) break;
        const Node& d = g_.nodes[static_cast<size_t>(reader)];
        const Tensor* w = ConstantConvWeights(g_, d);
        if (w == nullptr || d.inputs[0] != part || w->dim(1) != 1 || d.GetInt("group", 1) != w->dim(0)) break;
        if (!group.empty() && !Compatible(g_.nodes[group[0]], d, "group")) break;
        group.push_back(static_cast<size_t>(reader));
      }
      if (group.size() != split.outputs.size()) continue;
      std::vector<bool> removed(g_.nodes.size(), false);
      removed[s] = true;
      for (size_t i : group) removed[i] = true;
      std::vector<Node> added;
      FF_RETURN_IF_ERROR(Merge(group, split.inputs[0], /*depthwise=*/true, added));
      made_splits_.erase(split.outputs[0]);
      Replace(removed, added);
      return true;
    }
    return false;
  }

  bool Compatible(const Node& a, const Node& b, const char* ignored_attr) const {
    if (a.op_type != b.op_type || a.domain != b.domain) return false;
    const Tensor& wa = g_.initializers.at(a.inputs[1]);
    const Tensor& wb = g_.initializers.at(b.inputs[1]);
    for (size_t d = 1; d < 4; ++d)
      if (wa.dim(static_cast<int64_t>(d)) != wb.dim(static_cast<int64_t>(d))) return false;
    return SameAttributes(a, b, ignored_attr);
  }

  // One convolution over `x` for the nodes of `group` (concatenated W and B),
  // then a Split giving each node's output; appended to `added`.
  Status Merge(const std::vector<size_t>& group, const std::string& x, bool depthwise, std::vector<Node>& added) {
    const Node& first = g_.nodes[group[0]];
    std::vector<int64_t> sizes;
    std::vector<const Tensor*> weights, biases;
    std::string names;
    for (size_t i : group) {
      const Node& n = g_.nodes[i];
      weights.push_back(&g_.initializers.at(n.inputs[1]));
      biases.push_back(n.HasInput(2) ? &g_.initializers.at(n.inputs[2]) : nullptr);
      sizes.push_back(weights.back()->dim(0));
      names += (names.empty() ? "" : "+") + n.name;
    }
    const std::string base = "merged:" + first.outputs[0];
    FF_ASSIGN_OR_RETURN(Tensor w, Concatenated(weights, nullptr));
    FF_ASSIGN_OR_RETURN(Tensor b, Concatenated(biases, &sizes));
    FF_ASSIGN_OR_RETURN(Tensor split_sizes, Tensor::FromVector(sizes, Shape{static_cast<int64_t>(sizes.size())}));
    Node conv = first;
    conv.name = base;
    conv.inputs = {x, NewInitializer(base + "_w", std::move(w)), NewInitializer(base + "_b", std::move(b))};
    int64_t total = 0;
    for (int64_t s : sizes) total += s;
    if (depthwise) conv.attrs["group"].value = total;
    conv.outputs = {NewValue(base, first.outputs[0], total)};

    Node split;
    split.name = "split:" + first.outputs[0];
    split.op_type = "Split";
    split.attrs["axis"].value = int64_t{1};
    split.inputs = {conv.outputs[0]};
    if (g_.opset >= 13) {
      split.inputs.push_back(NewInitializer(base + "_split", std::move(split_sizes)));
    } else {
      split.attrs["split"].value = sizes;
    }
    for (size_t i : group) split.outputs.push_back(g_.nodes[i].outputs[0]);
    made_splits_.insert(split.outputs[0]);
    ctx_.Log("merge convolutions: " + std::to_string(group.size()) + (depthwise ? " depthwise" : "") +
              " convolutions of " + std::to_string(total) + " channels in all (" + names + ") -> " + conv.name +
             " + Split");
    added.push_back(std::move(conv));
    added.push_back(std::move(split));
    return Status::Ok();
  }

  // The tensors stacked along dim 0; null entries (absent biases) are zeros of `sizes[k]` values.
  static Result<Tensor> Concatenated(const std::vector<const Tensor*>& parts, const std::vector<int64_t>* sizes) {
    int64_t rows = 0;
    for (size_t k = 0; k < parts.size(); ++k) rows += parts[k] ? parts[k]->dim(0) : (*sizes)[k];
    Shape shape = parts[0] ? parts[0]->shape() : Shape{rows};
    for (const Tensor* p : parts)
      if (p) shape = p->shape();
    shape[0] = rows;
    FF_ASSIGN_OR_RETURN(Tensor out, Tensor::Allocate(DataType::kFloat32, shape));  // zeroed
    float* dst = out.data<float>();
    for (size_t k = 0; k < parts.size(); ++k) {
      const int64_t count = parts[k] ? parts[k]->size() : (*sizes)[k];
      if (parts[k]) std::memcpy(dst, parts[k]->data<float>(), static_cast<size_t>(count) * sizeof(float));
      dst += count;
    }
    return out;
  }

  std::string NewInitializer(const std::string& base, Tensor t) {
    const std::string name = FreshValueName(g_, base);
    g_.initializers[name] = std::move(t);
    return name;
  }

  // A value like `like` (its type and dims) with `channels` channels.
  std::string NewValue(const std::string& base, const std::string& like, int64_t channels) {
    const std::string name = FreshValueName(g_, base);
    ValueInfo info{name, DataType::kFloat32, std::nullopt};
    if (auto it = g_.value_infos.find(like); it != g_.value_infos.end() && it->second.dims &&
                                             it->second.dims->size() == 4) {
      info.dims = it->second.dims;
      (*info.dims)[1] = Dim{channels, ""};
    }
    g_.value_infos[name] = std::move(info);
    return name;
  }

  // Drops the removed nodes and puts `added` where the first removed one was (the caller sorts the graph).
  void Replace(const std::vector<bool>& removed, std::vector<Node>& added) {
    std::vector<Node> nodes;
    nodes.reserve(g_.nodes.size() + added.size());
    bool placed = false;
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      if (!removed[i]) {
        nodes.push_back(std::move(g_.nodes[i]));
        continue;
      }
      if (!placed) {
        for (Node& n : added) nodes.push_back(std::move(n));
        placed = true;
      }
    }
    g_.nodes = std::move(nodes);
  }

  Graph& g_;
  const PassContext& ctx_;
  // The Splits made here, by their first output: a value name is unique in the graph, a node name need not be.
  std::set<std::string> made_splits_;
};

}  // namespace

Status MergeSiblingConvs(Graph& g, const PassContext& ctx) { return SiblingMerger(g, ctx).Run(); }

}  // namespace facefuse::rt
