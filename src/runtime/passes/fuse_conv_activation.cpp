// Conv [-> Add] [-> activation] becomes facefuse:FusedConv, Y = act(Conv(X, W, B) + Sum).
//
// Each link needs the intermediate value to be read by exactly one node and not
// to be a graph output. The Add is fused as the residual Sum when its other
// operand is not constant and has the conv output's static shape (from the
// model's value infos); when the other operand is a constant broadcasting per
// output channel it is folded into the bias instead. Clip needs constant
// bounds, PRelu a constant slope with 1 or C values laid out along the channel
// axis, or of the conv output's full static shape with one value per channel
// (then a [C] copy is used). The fused node must pass FusedConv's validate, or nothing changes.
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "runtime/ops/op_def.h"
#include "runtime/passes/pass_util.h"
#include "runtime/passes/passes.h"

namespace facefuse::rt {
namespace {

constexpr bool kFusePRelu = false;

struct Activation {
  std::string kind;
  std::vector<float> params;
  std::string slope;           // PRelu's slope initializer
  bool compress_slope = false;  // the slope has Y's full shape, one value per channel: keep C values
};

// True when a constant of `shape` broadcast against a rank-`rank` NC... output varies at most along axis 1
// and has 1 or `channels` values.
bool IsPerChannel(const Shape& shape, int64_t rank, int64_t channels) {
  if (static_cast<int64_t>(shape.size()) > rank) return false;
  const int64_t offset = rank - static_cast<int64_t>(shape.size());
  for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d) {
    const int64_t dim = shape[static_cast<size_t>(d)];
    if (dim != 1 && !(d + offset == 1 && dim == channels)) return false;
  }
  return true;
}

// The scalar value of a float32 initializer, or `absent` when the input is not given.
std::optional<float> ConstantScalar(const Graph& g, const Node& n, size_t i, float absent) {
  if (!n.HasInput(i)) return absent;
  const Tensor* t = FloatInitializer(g, n.inputs[i]);
  if (t == nullptr || t->size() != 1) return std::nullopt;
  return t->data<float>()[0];
}

// The declared dims of a value, when every dim is a known size or a named symbol.
std::optional<std::vector<Dim>> StaticDims(const Graph& g, const std::string& name) {
  auto it = g.value_infos.find(name);
  if (it == g.value_infos.end() || !it->second.dims) return std::nullopt;
  for (const Dim& d : *it->second.dims)
    if (!d.known() && d.symbol.empty()) return std::nullopt;
  return it->second.dims;
}

// True when the value's declared dims are all known and equal `shape`.
bool HasStaticShape(const Graph& g, const std::string& name, const Shape& shape) {
  auto dims = StaticDims(g, name);
  if (!dims || dims->size() != shape.size()) return false;
  for (size_t i = 0; i < shape.size(); ++i)
    if ((*dims)[i].size != shape[i]) return false;
  return true;
}

// True for an [N, C, ...] tensor (N = 1) whose values depend only on the channel (an expanded PRelu slope).
bool IsChannelUniform(const Tensor& t, int64_t channels) {
  if (t.rank() < 2 || t.dim(0) != 1 || t.dim(1) != channels || channels == 0) return false;
  const int64_t inner = t.size() / channels;
  const float* v = t.data<float>();
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t k = 1; k < inner; ++k)
      if (v[c * inner + k] != v[c * inner]) return false;
  return true;
}

std::optional<Activation> MatchActivation(const Graph& g, const Node& n, const std::string& conv_output, int64_t rank,
                                          int64_t channels) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  if (!n.domain.empty() && n.domain != "ai.onnx") return std::nullopt;
  const std::string& op = n.op_type;
  if (op == "Relu" || op == "Sigmoid" || op == "Tanh") return Activation{op, {}, "", false};
  if (op == "LeakyRelu") return Activation{op, {n.GetFloat("alpha", 0.01f)}, "", false};
  if (op == "Elu") return Activation{op, {n.GetFloat("alpha", 1.f)}, "", false};
  if (op == "HardSigmoid") return Activation{op, {n.GetFloat("alpha", 0.2f), n.GetFloat("beta", 0.5f)}, "", false};
  if (op == "Clip") {
    if (g.opset < 11) return Activation{op, {n.GetFloat("min", -kInf), n.GetFloat("max", kInf)}, "", false};
    auto lo = ConstantScalar(g, n, 1, -kInf), hi = ConstantScalar(g, n, 2, kInf);
    if (!lo || !hi) return std::nullopt;
    return Activation{op, {*lo, *hi}, "", false};
  }
  // PRelu stays a separate node unless the caller opts in: with oneDNN 2.6 the
  // prelu post-op has no jit/brgconv implementation for most of these shapes,
  // so a fused node ran the plain reference convolution (50-90x slower on
  // recognizer_512 and facemesh_468 than Conv + the vectorised PRelu kernel).
  if (op == "PRelu" && n.NumInputs() == 2 && kFusePRelu) {
    const Tensor* slope = FloatInitializer(g, n.inputs[1]);
    if (slope == nullptr) return std::nullopt;
    if (IsPerChannel(slope->shape(), rank, channels)) return Activation{op, {}, n.inputs[1], false};
    if (IsChannelUniform(*slope, channels) && HasStaticShape(g, conv_output, slope->shape()))
      return Activation{op, {}, n.inputs[1], true};
  }
  return std::nullopt;
}

bool SameStaticShape(const Graph& g, const std::string& a, const std::string& b) {
  auto da = StaticDims(g, a), db = StaticDims(g, b);
  if (!da || !db || da->size() != db->size()) return false;
  for (size_t i = 0; i < da->size(); ++i) {
    const Dim &x = (*da)[i], &y = (*db)[i];
    if (x.known() != y.known() || (x.known() ? x.size != y.size : x.symbol != y.symbol)) return false;
  }
  return true;
}

// Adds the per-channel constant `addend` to the conv's bias (a new initializer).
Status FoldAddIntoBias(Graph& g, Node& fused, const Tensor& addend, int64_t channels) {
  FF_ASSIGN_OR_RETURN(Tensor bias, Tensor::Allocate(DataType::kFloat32, {channels}));
  const Tensor* old = fused.HasInput(2) ? FloatInitializer(g, fused.inputs[2]) : nullptr;
  for (int64_t c = 0; c < channels; ++c)
    bias.data<float>()[c] = (old ? old->data<float>()[c] : 0.f) + addend.data<float>()[addend.size() == 1 ? 0 : c];
  const std::string name = FreshValueName(g, (fused.name.empty() ? fused.outputs[0] : fused.name) + "_add_folded_B");
  g.initializers[name] = std::move(bias);
  if (fused.inputs.size() < 3) fused.inputs.resize(3);
  fused.inputs[2] = name;
  return Status::Ok();
}

// A new [C] initializer with the first value of every channel of the [1, C, ...] slope `name`.
Result<std::string> AddChannelSlope(Graph& g, const std::string& name, int64_t channels) {
  const Tensor& full = g.initializers.at(name);
  FF_ASSIGN_OR_RETURN(Tensor slope, Tensor::Allocate(DataType::kFloat32, {channels}));
  const int64_t inner = full.size() / channels;
  for (int64_t c = 0; c < channels; ++c) slope.data<float>()[c] = full.data<float>()[c * inner];
  std::string slope_name = FreshValueName(g, name + "_per_channel");
  g.initializers[slope_name] = std::move(slope);
  return slope_name;
}

bool PassesValidate(const Graph& g, const OpDef& def, const Node& fused) {
  std::vector<DataType> types;
  std::vector<const Tensor*> consts;
  for (const auto& in : fused.inputs) {
    types.push_back(in.empty() ? DataType::kUndefined : g.TypeOf(in));
    auto it = g.initializers.find(in);
    consts.push_back(it == g.initializers.end() ? nullptr : &it->second);
  }
  return def.validate == nullptr || def.validate(ValidateContext{fused, g.opset, types, consts}).ok();
}

}  // namespace

Status FuseConvActivation(Graph& g, const PassContext& ctx) {
  const OpDef* fused_def = ctx.ops.Find("facefuse", "FusedConv");
  if (fused_def == nullptr) {
    ctx.Log("conv fusion: skipped (facefuse.FusedConv is not registered)");
    return Status::Ok();
  }
  const ValueUses uses(g);
  std::vector<bool> removed(g.nodes.size(), false);
  size_t fused_count = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& conv = g.nodes[i];
    if (!IsOnnxOp(conv, "Conv") || conv.outputs.size() != 1 || !conv.HasInput(1)) continue;
    const Tensor* w = FloatInitializer(g, conv.inputs[1]);
    if (w == nullptr || w->rank() < 3 || (conv.HasInput(2) && !FloatInitializer(g, conv.inputs[2]))) continue;
    const int64_t rank = w->rank(), channels = w->dim(0);

    Node fused = conv;
    fused.domain = "facefuse";
    fused.op_type = "FusedConv";
    fused.inputs.resize(5);
    std::vector<size_t> chain;  // absorbed nodes, in order
    std::string log = "fuse: " + conv.Describe();
    std::string value = conv.outputs[0];
    Activation act;

    // A node another chain absorbed is gone (a residual Add of two convolutions' outputs goes to the first).
    auto consumer = [&](const std::string& v) {
      const int n = uses.SoleConsumer(v);
      return n >= 0 && removed[static_cast<size_t>(n)] ? -1 : n;
    };
    int next = consumer(value);
    if (next >= 0 && IsOnnxOp(g.nodes[static_cast<size_t>(next)], "Add")) {
      const Node& add = g.nodes[static_cast<size_t>(next)];
      const bool lhs = add.inputs.size() == 2 && add.inputs[0] == value;
      const std::string other = add.inputs.size() == 2 ? add.inputs[lhs ? 1 : 0] : "";
      const Tensor* addend = FloatInitializer(g, other);
      bool absorbed = false;
      if (addend != nullptr && IsPerChannel(addend->shape(), rank, channels)) {
        FF_RETURN_IF_ERROR(FoldAddIntoBias(g, fused, *addend, channels));
        absorbed = true;
      } else if (!other.empty() && !g.IsInitializer(other) && other != value && SameStaticShape(g, other, value)) {
        fused.inputs[3] = other;
        absorbed = true;
      }
      if (absorbed) {
        chain.push_back(static_cast<size_t>(next));
        log += " + " + add.Describe();
        value = add.outputs[0];
        next = consumer(value);
      }
    }
    if (next >= 0 && g.nodes[static_cast<size_t>(next)].outputs.size() == 1) {
      const Node& node = g.nodes[static_cast<size_t>(next)];
      if (auto matched = MatchActivation(g, node, conv.outputs[0], rank, channels)) {
        act = *matched;
        chain.push_back(static_cast<size_t>(next));
        log += " + " + node.Describe();
        value = node.outputs[0];
      }
    }
    if (chain.empty()) continue;
    if (act.compress_slope) { FF_ASSIGN_OR_RETURN(act.slope, AddChannelSlope(g, act.slope, channels)); }
    fused.inputs[4] = act.slope;
    fused.inputs.resize(fused.NumInputs());
    fused.attrs["activation"].value = act.kind;
    fused.attrs["activation_params"].value = act.params;
    fused.outputs = {value};
    if (!PassesValidate(g, *fused_def, fused)) continue;
    ctx.Log(log + " -> FusedConv" + (act.kind.empty() ? "" : " (" + act.kind + ")"));
    // The fused node takes the place of the last absorbed node, where every input it reads exists.
    removed[i] = true;
    for (size_t k = 0; k + 1 < chain.size(); ++k) removed[chain[k]] = true;
    g.nodes[chain.back()] = std::move(fused);
    ++fused_count;
  }
  std::vector<Node> kept;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (!removed[i]) kept.push_back(std::move(g.nodes[i]));
  g.nodes = std::move(kept);
  ctx.Log("conv fusion: " + std::to_string(fused_count) + " Conv chain(s) fused into FusedConv");
  return Status::Ok();
}

}  // namespace facefuse::rt
