// Channels-last layout: 2-D convolutions run on NHWC activations
// (facefuse.NhwcConv), and the ops between them follow, so that the layout
// changes only where the graph leaves the convolutions' world.
//
// Every value keeps its name and its NCHW meaning. A node that converts
// writes the value's NHWC twin, "<name>_nhwc", instead; the NCHW value is
// made by a Transpose only if some node still reads it (or it is a graph
// output). A converted node reading an NCHW value gets a Transpose to NHWC.
//
// Which nodes convert, in graph order:
//   - Conv and FusedConv with 4-D constant float32 weights, always;
//   - ops that follow an NHWC input and do not care about the layout, or
//     whose axes can be renumbered: unary activations, PRelu and binary
//     elementwise ops (constant operands are relaid once), Concat (4-D constant inputs relaid too), Split,
//     Pad (constant pads), 2-D
//     MaxPool/AveragePool (facefuse.NhwcMaxPool/NhwcAveragePool) and Resize
//     (constant scales or sizes relaid, computed ones reordered by a Gather);
//   - Transpose and Shape reading an NHWC value are rewritten to read the
//     twin: a Transpose to NHWC then costs nothing (an Identity).
// A value a kept Transpose made has as twin one Transpose of that Transpose's
// input (the two permutations composed), or the input itself when they
// cancel: a model's NHWC image input transposed to NCHW (BlazeFace).
#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "runtime/ops/channels_last.h"
#include "runtime/passes/pass_util.h"
#include "runtime/passes/passes.h"

namespace facefuse::rt {
namespace {

constexpr std::array<int64_t, 4> kToLast = {0, 2, 3, 1};   // NCHW -> NHWC
constexpr std::array<int64_t, 4> kToFirst = {0, 3, 1, 2};  // NHWC -> NCHW

const std::unordered_set<std::string> kUnary = {"Relu",  "LeakyRelu", "Sigmoid", "Tanh",     "Clip",
                                                "Elu",   "HardSigmoid", "HardSwish", "Softplus", "Selu",
                                                "Abs",   "Neg",       "Identity"};
const std::unordered_set<std::string> kElementwise = {"Add", "Sub", "Mul", "Div", "Max", "Min", "PRelu"};

// What a node becomes.
enum class Rewrite {
  kKeep,          // stays as it is, reading NCHW values
  kConv,          // NhwcConv: X and Sum NHWC
  kPool,          // NhwcMaxPool / NhwcAveragePool
  kUnary,         // input 0 NHWC, the rest untouched
  kElementwise,   // every input NHWC or a relaid constant
  kConcat,        // every input NHWC or a 4-D constant (relaid), axis renumbered
  kSplit,         // X NHWC, axis renumbered, every part NHWC
  kPad,           // X NHWC, the 8 constant pads renumbered
  kResize,        // X NHWC, scales or sizes relaid (constant) or reordered by a Gather (computed)
  kTranspose,     // reads the twin with a composed permutation; writes NCHW
  kShape,         // reads the twin's shape, then gathers it back to NCHW order
};

class ChannelsLastRewriter {
 public:
  ChannelsLastRewriter(Graph& g, const PassContext& ctx) : g_(g), ctx_(ctx) {
    // value_infos may not list every value: new names also avoid the produced ones.
    for (const Node& n : g_.nodes)
      for (const std::string& o : n.outputs) produced_.insert(o);
    for (const ValueInfo& v : g_.inputs) produced_.insert(v.name);
  }

  Status Run() {
    std::vector<Node> nodes = std::move(g_.nodes);
    g_.nodes.clear();
    int converted = 0;
    for (Node& node : nodes) {
      const Rewrite how = Decide(node);
      if (how == Rewrite::kKeep) {
        for (const std::string& in : node.inputs) EnsureFirst(in);
        RecordTranspose(node);
        out_.push_back(std::move(node));
        continue;
      }
      ++converted;
      Convert(std::move(node), how);
    }
    for (const ValueInfo& o : g_.outputs) EnsureFirst(o.name);
    if (!failure_.ok()) return failure_;  // the graph is half rewritten: the caller drops it
    g_.nodes = std::move(out_);
    if (converted > 0)
      ctx_.Log("channels-last: " + std::to_string(converted) + " nodes on NHWC, " + std::to_string(transposes_) +
               " layout changes");
    return g_.TopologicalSort();
  }

 private:
  bool IsLast(const std::string& name) const { return twin_.count(name) != 0; }

  bool IsFloatOrUnknown(const std::string& name) const {
    const DataType t = g_.TypeOf(name);
    return t == DataType::kFloat32 || t == DataType::kUndefined;
  }

  // A constant of rank <= 4, padded with leading 1s to NCHW.
  static Shape PaddedTo4d(const Tensor& c) {
    Shape padded(4 - c.shape().size(), 1);
    padded.insert(padded.end(), c.shape().begin(), c.shape().end());
    return padded;
  }

  // True when relaying changes no byte: no channel axis, or nothing but it.
  static bool RelaysInPlace(const Shape& padded) { return padded[1] == 1 || (padded[2] == 1 && padded[3] == 1); }

  // A constant that broadcasts against a 4-D value and can be relaid for NHWC.
  bool IsRelayableConstant(const std::string& name) const {
    auto it = g_.initializers.find(name);
    if (it == g_.initializers.end() || it->second.rank() > 4) return false;
    return RelaysInPlace(PaddedTo4d(it->second)) || it->second.dtype() == DataType::kFloat32;
  }

  bool OnlyInputZeroIsLast(const Node& n) const {
    if (n.inputs.empty() || !IsLast(n.inputs[0])) return false;
    for (size_t i = 1; i < n.inputs.size(); ++i)
      if (IsLast(n.inputs[i])) return false;
    return true;
  }

  Rewrite Decide(const Node& n) const {
    const bool onnx = n.domain.empty() || n.domain == "ai.onnx";
    if (n.outputs.empty()) return Rewrite::kKeep;
    if ((onnx && n.op_type == "Conv") || (n.domain == "facefuse" && n.op_type == "FusedConv")) {
      const Tensor* w = n.inputs.size() > 1 ? FloatInitializer(g_, n.inputs[1]) : nullptr;
      const bool sum_ok = !n.HasInput(3) || !g_.IsInitializer(n.inputs[3]);
      return w != nullptr && w->rank() == 4 && IsFloatOrUnknown(n.inputs[0]) && n.outputs.size() == 1 && sum_ok
                 ? Rewrite::kConv
                 : Rewrite::kKeep;
    }
    if (!onnx) return Rewrite::kKeep;
    bool any_last = false;
    for (const std::string& in : n.inputs) any_last = any_last || IsLast(in);
    if (!any_last) return Rewrite::kKeep;
    const std::string& op = n.op_type;
    if (kUnary.count(op)) return OnlyInputZeroIsLast(n) && n.outputs.size() == 1 ? Rewrite::kUnary : Rewrite::kKeep;
    if (kElementwise.count(op)) {
      for (const std::string& in : n.inputs)
        if (!IsLast(in) && !IsRelayableConstant(in)) return Rewrite::kKeep;
      return Rewrite::kElementwise;
    }
    if (op == "Concat") {
      for (const std::string& in : n.inputs)
        if (!IsLast(in) && !(IsRelayableConstant(in) && g_.initializers.at(in).rank() == 4)) return Rewrite::kKeep;
      return Rewrite::kConcat;
    }
    if (op == "Split") return OnlyInputZeroIsLast(n) ? Rewrite::kSplit : Rewrite::kKeep;
    if (op == "Pad") return OnlyInputZeroIsLast(n) && ConstantPads(n) ? Rewrite::kPad : Rewrite::kKeep;
    if (op == "MaxPool" || op == "AveragePool") {
      const bool one_output = n.outputs.size() == 1 || n.outputs[1].empty();
      return n.inputs.size() == 1 && one_output && n.GetInts("kernel_shape").size() == 2 ? Rewrite::kPool
                                                                                        : Rewrite::kKeep;
    }
    if (op == "Resize") return ResizeConverts(n) ? Rewrite::kResize : Rewrite::kKeep;
    if (op == "Transpose") return OnlyInputZeroIsLast(n) && n.GetInts("perm").size() == 4 ? Rewrite::kTranspose
                                                                                          : Rewrite::kKeep;
    if (op == "Shape") return !n.Has("start") && !n.Has("end") ? Rewrite::kShape : Rewrite::kKeep;
    return Rewrite::kKeep;
  }

  // The 8 pads of a 4-D Pad over every axis: its attribute (before opset 11) or a constant input.
  std::optional<std::vector<int64_t>> ConstantPads(const Node& n) const {
    if (n.HasInput(3)) return std::nullopt;  // axes
    std::vector<int64_t> pads = n.GetInts("pads");
    if (n.HasInput(1)) {
      auto it = g_.initializers.find(n.inputs[1]);
      if (it == g_.initializers.end() || it->second.dtype() != DataType::kInt64) return std::nullopt;
      const Tensor& t = it->second;
      pads.assign(t.data<int64_t>(), t.data<int64_t>() + t.size());
    }
    if (pads.size() != 8) return std::nullopt;
    return pads;
  }

  // Resize(X, roi, scales, sizes) with X NHWC, no roi in use, and either
  // constant 4-value scales or sizes, or exactly one of them computed (then
  // it holds 4 values at run time, X being 4-D, and a Gather reorders it).
  bool ResizeConverts(const Node& n) const {
    if (!OnlyInputZeroIsLast(n) || n.Has("axes") || n.outputs.size() != 1) return false;
    if (n.GetString("coordinate_transformation_mode", "") == "tf_crop_and_resize") return false;
    const size_t count = n.inputs.size();
    if (count < 2 || count > 4) return false;
    int constant_sized = 0, computed = 0;
    for (size_t i = count == 2 ? 1 : 2; i < count; ++i) {  // opset 10's Resize(X, scales) has no roi
      if (!n.HasInput(i)) continue;
      auto it = g_.initializers.find(n.inputs[i]);
      if (it == g_.initializers.end()) {
        ++computed;
      } else if (it->second.size() == 4) {
        ++constant_sized;
      } else if (it->second.size() != 0) {
        return false;
      }
    }
    return constant_sized + computed == 1;
  }

  void Convert(Node n, Rewrite how) {
    switch (how) {
      case Rewrite::kConv:
        n.inputs[0] = Last(n.inputs[0]);
        if (n.HasInput(3)) n.inputs[3] = Last(n.inputs[3]);
        n.op_type = "NhwcConv";
        n.domain = "facefuse";
        break;
      case Rewrite::kPool:
        n.inputs[0] = Last(n.inputs[0]);
        n.outputs.resize(1);
        n.op_type = "Nhwc" + n.op_type;
        n.domain = "facefuse";
        break;
      case Rewrite::kUnary:
        n.inputs[0] = Last(n.inputs[0]);
        break;
      case Rewrite::kElementwise:
        for (std::string& in : n.inputs) in = IsLast(in) ? Last(in) : RelaidConstant(in);
        break;
      case Rewrite::kConcat: {
        for (std::string& in : n.inputs) in = IsLast(in) ? Last(in) : RelaidConstant(in);
        int64_t axis = n.GetInt("axis", 1);
        if (axis < 0) axis += 4;
        n.attrs["axis"].value = ChannelsLastAxis(axis);
        break;
      }
      case Rewrite::kSplit: {
        n.inputs[0] = Last(n.inputs[0]);
        int64_t axis = n.GetInt("axis", 0);
        if (axis < 0) axis += 4;
        n.attrs["axis"].value = ChannelsLastAxis(axis);
        break;
      }
      case Rewrite::kPad: {
        const std::vector<int64_t> nchw = *ConstantPads(n);
        std::vector<int64_t> nhwc(8);
        for (size_t i = 0; i < 4; ++i) {
          nhwc[i] = nchw[static_cast<size_t>(kToLast[i])];
          nhwc[i + 4] = nchw[static_cast<size_t>(kToLast[i]) + 4];
        }
        n.inputs[0] = Last(n.inputs[0]);
        if (std::all_of(nhwc.begin(), nhwc.end(), [](int64_t p) { return p == 0; })) {
          n.op_type = "Identity";  // pads nothing (PFLD's before its pools): no copy
          n.inputs.resize(1);
          n.attrs.clear();
        } else if (n.HasInput(1)) {
          n.inputs[1] = Int64Constant(n.inputs[1] + "_nhwc", nhwc);
        } else {
          n.attrs["pads"].value = nhwc;
        }
        break;
      }
      case Rewrite::kResize: {
        n.inputs[0] = Last(n.inputs[0]);
        const size_t first_sized = n.inputs.size() == 2 ? 1 : 2;
        for (size_t i = first_sized; i < n.inputs.size(); ++i) {
          if (!n.HasInput(i)) continue;
          auto it = g_.initializers.find(n.inputs[i]);
          if (it == g_.initializers.end()) {
            n.inputs[i] = GatheredToChannelsLast(n.inputs[i], n.name);
          } else if (it->second.size() == 4) {
            n.inputs[i] = PermutedVector(n.inputs[i]);
          }
        }
        break;
      }
      case Rewrite::kTranspose: {
        // out = transpose(nchw, p) = transpose(nhwc, q) with q[i] = kToFirst[p[i]].
        const std::vector<int64_t> p = n.GetInts("perm");
        std::vector<int64_t> q(4);
        bool identity = true;
        for (size_t i = 0; i < 4; ++i) {
          q[i] = p[i] >= 0 && p[i] < 4 ? kToFirst[static_cast<size_t>(p[i])] : p[i];
          identity = identity && q[i] == static_cast<int64_t>(i);
        }
        n.inputs[0] = Last(n.inputs[0]);
        if (identity) {
          n.op_type = "Identity";
          n.attrs.clear();
        } else {
          n.attrs["perm"].value = q;
        }
        out_.push_back(std::move(n));
        return;  // writes an NCHW (ordinary) value
      }
      case Rewrite::kShape: {
        const std::string shape_of_twin = NewValue(n.outputs[0] + "_nhwc", DataType::kInt64);
        Node gather;
        gather.name = n.name + "_to_nchw_order";
        gather.op_type = "Gather";
        gather.inputs = {shape_of_twin, Int64Constant(n.outputs[0] + "_nchw_order", {0, 3, 1, 2})};
        gather.outputs = {n.outputs[0]};
        gather.attrs["axis"].value = int64_t{0};
        n.inputs[0] = Last(n.inputs[0]);
        n.outputs[0] = shape_of_twin;
        out_.push_back(std::move(n));
        out_.push_back(std::move(gather));
        return;
      }
      case Rewrite::kKeep:
        break;
    }
    for (std::string& out : n.outputs) {
      if (out.empty()) continue;
      const std::string nchw = out;
      out = NewValue(nchw + "_nhwc", g_.TypeOf(nchw), PermutedDims(nchw));
      twin_[nchw] = out;
    }
    out_.push_back(std::move(n));
  }

  // A kept 4-D Transpose of one value: its output is `from` permuted by `perm`.
  struct Transposed {
    std::string from;
    std::array<int64_t, 4> perm;
  };

  void RecordTranspose(const Node& n) {
    if (n.op_type != "Transpose" || (!n.domain.empty() && n.domain != "ai.onnx")) return;
    if (n.inputs.size() != 1 || n.outputs.size() != 1 || n.inputs[0].empty()) return;
    const std::vector<int64_t> p = n.GetInts("perm");
    if (p.size() != 4) return;
    std::array<int64_t, 4> perm{};
    std::array<bool, 4> seen{};
    for (size_t i = 0; i < 4; ++i) {
      if (p[i] < 0 || p[i] > 3 || seen[static_cast<size_t>(p[i])]) return;  // invalid: validation reports it
      seen[static_cast<size_t>(p[i])] = true;
      perm[i] = p[i];
    }
    transposed_[n.outputs[0]] = Transposed{n.inputs[0], perm};
  }

  // The NHWC twin of a value, adding a Transpose when the value is NCHW only. A value that a kept Transpose made
  // from X (perm p) has the twin transpose(X, q), q[i] = p[kToLast[i]]: one Transpose from X instead of a second
  // one after the first, and none when q is the identity. The latter is a model that takes NHWC input and
  // transposes it to NCHW itself (BlazeFace): its convolutions then read the input as it came.
  std::string Last(const std::string& name) {
    if (auto it = twin_.find(name); it != twin_.end()) return it->second;
    std::string from = name;
    std::array<int64_t, 4> perm = kToLast;
    if (auto t = transposed_.find(name); t != transposed_.end()) {
      from = t->second.from;
      for (size_t i = 0; i < 4; ++i) perm[i] = t->second.perm[static_cast<size_t>(kToLast[i])];
    }
    has_first_.insert(name);  // the NCHW value exists already
    // An initializer stays behind a node: the conversion's rules (a Sum that is no initializer) see twins as values.
    if (perm == std::array<int64_t, 4>{0, 1, 2, 3} && !g_.IsInitializer(from)) return twin_[name] = from;
    const std::string twin = NewValue(name + "_nhwc", g_.TypeOf(name), PermutedDims(name));
    AddTranspose(from, twin, perm);
    twin_[name] = twin;
    return twin;
  }

  // The NCHW value, adding a Transpose from its twin the first time an NCHW
  // reader needs a value that only exists as a twin.
  void EnsureFirst(const std::string& name) {
    auto it = twin_.find(name);
    if (it == twin_.end() || has_first_.count(name)) return;
    AddTranspose(it->second, name, kToFirst);
    has_first_.insert(name);
  }

  void AddTranspose(const std::string& from, const std::string& to, const std::array<int64_t, 4>& perm) {
    Node t;
    t.name = "layout:" + to;
    t.op_type = "Transpose";
    t.inputs = {from};
    t.outputs = {to};
    t.attrs["perm"].value = std::vector<int64_t>(perm.begin(), perm.end());
    out_.push_back(std::move(t));
    ++transposes_;
  }

  // A copy of a constant that broadcasts against NCHW, laid out to broadcast
  // against NHWC (rank 4: leading 1s, then the channel axis last).
  std::string RelaidConstant(const std::string& name) {
    if (auto it = relaid_.find(name); it != relaid_.end()) return it->second;
    const Tensor& c = g_.initializers.at(name);
    const Shape padded = PaddedTo4d(c);
    // IsRelayableConstant admitted it: a reshape, or a float32 relayout.
    Result<Tensor> relaid = RelaysInPlace(padded) ? c.Reshaped(ToChannelsLast(padded)) : c.Reshaped(padded);
    if (relaid.ok() && !RelaysInPlace(padded)) relaid = CopyToChannelsLast(*relaid);
    const std::string relaid_name = NewValue(name + "_nhwc", c.dtype());
    g_.initializers[relaid_name] = Keep(std::move(relaid));
    relaid_[name] = relaid_name;
    return relaid_name;
  }

  // A 4-value constant (Resize's scales or sizes) in NHWC order.
  std::string PermutedVector(const std::string& name) {
    const Tensor& c = g_.initializers.at(name);
    Tensor permuted = Keep(Tensor::Allocate(c.dtype(), c.shape()));
    if (permuted.empty()) return name;  // out of memory: Run() fails
    const size_t item = DataTypeSize(c.dtype());
    for (size_t i = 0; i < 4; ++i)
      std::memcpy(static_cast<std::byte*>(permuted.raw()) + i * item,
                  static_cast<const std::byte*>(c.raw()) + static_cast<size_t>(kToLast[i]) * item, item);
    const std::string permuted_name = NewValue(name + "_nhwc", c.dtype());
    g_.initializers[permuted_name] = std::move(permuted);
    return permuted_name;
  }

  // A computed 4-value vector in NCHW order (Resize's scales or sizes), reordered to NHWC by a Gather added now.
  std::string GatheredToChannelsLast(const std::string& name, const std::string& reader) {
    Node gather;
    gather.name = reader + "_" + name + "_to_nhwc_order";
    gather.op_type = "Gather";
    gather.inputs = {name, Int64Constant(name + "_nhwc_order", {0, 2, 3, 1})};
    gather.outputs = {NewValue(name + "_nhwc", g_.TypeOf(name))};
    gather.attrs["axis"].value = int64_t{0};
    const std::string reordered = gather.outputs[0];
    out_.push_back(std::move(gather));
    return reordered;
  }

  std::string Int64Constant(const std::string& base, const std::vector<int64_t>& values) {
    const std::string name = NewValue(base, DataType::kInt64);
    g_.initializers[name] = Keep(Tensor::FromVector(values, Shape{static_cast<int64_t>(values.size())}));
    return name;
  }

  // The tensor, or an empty one after recording the first failure (an allocation: Run() returns it).
  Tensor Keep(Result<Tensor> t) {
    if (t.ok()) return std::move(t).value();
    if (failure_.ok()) failure_ = t.status();
    return Tensor();
  }

  std::optional<std::vector<Dim>> PermutedDims(const std::string& name) const {
    auto it = g_.value_infos.find(name);
    if (it == g_.value_infos.end() || !it->second.dims || it->second.dims->size() != 4) return std::nullopt;
    const std::vector<Dim>& d = *it->second.dims;
    return std::vector<Dim>{d[0], d[2], d[3], d[1]};
  }

  // A fresh value name near `base`, recorded with its type so later names avoid it.
  std::string NewValue(const std::string& base, DataType dtype, std::optional<std::vector<Dim>> dims = std::nullopt) {
    std::string name = base;
    for (int i = 1; g_.value_infos.count(name) || g_.initializers.count(name) || produced_.count(name); ++i)
      name = base + "_" + std::to_string(i);
    g_.value_infos[name] = ValueInfo{name, dtype, std::move(dims)};
    return name;
  }

  Graph& g_;
  const PassContext& ctx_;
  std::vector<Node> out_;
  std::unordered_map<std::string, std::string> twin_;    // NCHW name -> NHWC twin
  std::unordered_set<std::string> has_first_;            // values with a twin whose NCHW value exists too
  std::unordered_map<std::string, std::string> relaid_;  // constant -> its NHWC-broadcasting copy
  std::unordered_map<std::string, Transposed> transposed_;  // output of a kept 4-D Transpose -> what it permutes
  std::unordered_set<std::string> produced_;
  int transposes_ = 0;
  Status failure_;  // the first failed allocation
};

}  // namespace

Status ConvertToChannelsLast(Graph& g, const PassContext& ctx) {
  return ChannelsLastRewriter(g, ctx).Run();
}

}  // namespace facefuse::rt
