// Static shapes: each node's output shapes as its OpDef's infer gives them
// from the graph inputs' declared dims (the session refuses inputs that do not
// match those). The fusion pass needs them to know that a residual Add adds
// two tensors of one shape; most exported face models carry no value_info, and
// many leave the batch or the image size open.
//
// An open dim (a named symbol, or a dim without a name) is followed by
// sampling: the shapes are inferred for kSamples.size() assignments of values
// to the open dims (each open dim its own value), and an output dim is
//   - a number when it is the same in every sample,
//   - the input's symbol when it takes that symbol's values in every sample,
//   - else a derived symbol named by its sampled values ("~a,b,c"), so two dims
//     are the same symbol only when they agree in every sample.
// Samples are an odd and an even size apart so that floor/ceil arithmetic
// (strides, pads) separates expressions that differ anywhere near them. Two
// values that agree here yet differ at run time would make a fused Sum's shape
// differ from the convolution's; the FusedConv kernel checks that and reports
// the node, so the worst case is an error, never a wrong result.
#include <algorithm>
#include <array>
#include <string>
#include <unordered_map>
#include <vector>

#include "runtime/passes/pass_util.h"
#include "runtime/passes/passes.h"

namespace facefuse::rt {
namespace {

constexpr std::array<int64_t, 3> kSamples = {97, 113, 128};
constexpr int64_t kSymbolStep = 4;             // open dim k takes sample + kSymbolStep * k
constexpr size_t kMaxStandInBytes = size_t{1} << 30;  // larger sampled inputs are not inferred

using Samples = std::array<Shape, kSamples.size()>;

struct Known {
  DataType dtype;
  Samples shapes;
};

// Zeroed host memory the stand-in inputs point into: infer reads the values of
// rank 0 and 1 inputs only (op_def.h), and those are always initializers here,
// so nothing should read it; if an infer did, it would read zeros, never out
// of bounds. Pages never read cost nothing (calloc).
class ZeroBuffer {
 public:
  const void* At(size_t bytes) {
    if (bytes > buffer_.bytes()) {
      auto t = Tensor::Allocate(DataType::kUInt8, {static_cast<int64_t>(std::max<size_t>(bytes, 1))});
      if (!t.ok()) return nullptr;
      buffer_ = std::move(t).value();
    }
    return buffer_.raw();
  }

 private:
  Tensor buffer_;
};

// "~a,b,c": dim `d`'s value in each sample, the name of a derived symbol.
std::string SampleKey(const Samples& s, size_t d) {
  std::string key;
  for (const Shape& shape : s) key += (key.empty() ? "~" : ",") + std::to_string(shape[d]);
  return key;
}

// The dims of one output from its sampled shapes; `symbols` maps an input
// symbol's SampleKey to its name.
std::vector<Dim> DimsFromSamples(const Samples& s, const std::unordered_map<std::string, std::string>& symbols) {
  std::vector<Dim> dims;
  for (size_t d = 0; d < s[0].size(); ++d) {
    if (std::all_of(s.begin(), s.end(), [&](const Shape& shape) { return shape[d] == s[0][d]; })) {
      dims.push_back(Dim{s[0][d], {}});
      continue;
    }
    const std::string key = SampleKey(s, d);
    auto it = symbols.find(key);
    dims.push_back(Dim{-1, it != symbols.end() ? it->second : key});
  }
  return dims;
}

// Points inputs[i] at the initializer, or at a zero stand-in of the shape the
// value has in sample `s`; false when an input is unknown, shape-like (rank 0
// or 1: infer may read it) or too large to stand in for.
bool SampleInputs(const Graph& g, const Node& node, const std::unordered_map<std::string, Known>& known, size_t s,
                  ZeroBuffer& zeros, std::vector<Tensor>& stand_ins, std::vector<const Tensor*>& inputs) {
  stand_ins.assign(node.inputs.size(), Tensor());
  inputs.assign(node.inputs.size(), nullptr);
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    const std::string& name = node.inputs[i];
    if (name.empty()) continue;
    if (auto init = g.initializers.find(name); init != g.initializers.end()) {
      inputs[i] = &init->second;
      continue;
    }
    auto it = known.find(name);
    if (it == known.end() || it->second.shapes[s].size() <= 1) return false;
    const Shape& shape = it->second.shapes[s];
    const size_t bytes = static_cast<size_t>(NumElements(shape)) * DataTypeSize(it->second.dtype);
    const void* data = bytes <= kMaxStandInBytes ? zeros.At(bytes) : nullptr;
    if (data == nullptr) return false;
    stand_ins[i] = Tensor::View(it->second.dtype, shape, const_cast<void*>(data));
    inputs[i] = &stand_ins[i];
  }
  return true;
}

}  // namespace

Status InferStaticShapes(Graph& g, const PassContext& ctx) {
  std::unordered_map<std::string, Known> known;
  std::unordered_map<std::string, std::string> symbols;  // "~a,b,c" -> input symbol
  std::unordered_map<std::string, int64_t> open_dims;    // input symbol -> its index k
  for (const auto& in : g.inputs) {
    if (!in.dims || in.dtype == DataType::kUndefined) continue;
    Known k{in.dtype, {}};
    for (size_t d = 0; d < in.dims->size(); ++d) {
      const Dim& dim = (*in.dims)[d];
      if (dim.known()) {
        for (Shape& shape : k.shapes) shape.push_back(dim.size);
        continue;
      }
      const std::string symbol = dim.symbol.empty() ? in.name + ":" + std::to_string(d) : dim.symbol;
      const int64_t index = open_dims.emplace(symbol, static_cast<int64_t>(open_dims.size())).first->second;
      for (size_t s = 0; s < kSamples.size(); ++s) k.shapes[s].push_back(kSamples[s] + kSymbolStep * index);
      symbols[SampleKey(k.shapes, d)] = symbol;
    }
    known[in.name] = std::move(k);
  }
  if (known.empty()) return Status::Ok();
  // With no open dim the sampled shapes are the shapes every run has (the session refuses other input shapes),
  // so a Shape of a value becomes an initializer, and constant folding can take the arithmetic on it after
  // (a flatten's Shape -> Gather -> Unsqueeze -> Concat -> Reshape runs as nodes otherwise, on every run).
  const bool exact = open_dims.empty();
  ZeroBuffer zeros;
  size_t added = 0, folded = 0;
  // Records the output shapes of `node` as infer gives them in every sample.
  auto infer_outputs = [&](const Node& node) {
    const OpDef* def = ctx.ops.Find(node.domain, node.op_type);
    if (def == nullptr || def->infer == nullptr || def->output_shape_from_data) return;
    std::array<std::vector<OutputSpec>, kSamples.size()> specs;
    std::vector<Tensor> stand_ins;
    std::vector<const Tensor*> inputs;
    for (size_t s = 0; s < kSamples.size(); ++s) {
      specs[s].resize(node.outputs.size());
      // A failing infer is the session's to report, at run time.
      if (!SampleInputs(g, node, known, s, zeros, stand_ins, inputs) || !def->infer(node, inputs, specs[s]).ok())
        return;
    }
    for (size_t j = 0; j < node.outputs.size(); ++j) {
      const std::string& name = node.outputs[j];
      if (name.empty() || specs[0][j].dtype == DataType::kUndefined) continue;
      Known k{specs[0][j].dtype, {}};
      bool same_rank = true;
      for (size_t s = 0; s < kSamples.size(); ++s) {
        k.shapes[s] = specs[s][j].shape;
        same_rank &= k.shapes[s].size() == k.shapes[0].size();
      }
      if (!same_rank) continue;
      ValueInfo& info = g.value_infos[name];
      if (!info.dims) {  // the model's own (or an earlier pass's) dims stay
        info.name = name;
        if (info.dtype == DataType::kUndefined) info.dtype = k.dtype;
        info.dims = DimsFromSamples(k.shapes, symbols);
        ++added;
      }
      known[name] = std::move(k);
    }
  };
  std::vector<Node> kept;
  kept.reserve(g.nodes.size());
  for (Node& node : g.nodes) {
    if (exact && IsOnnxOp(node, "Shape") && node.NumInputs() == 1 && node.outputs.size() == 1) {
      if (auto it = known.find(node.inputs[0]); it != known.end()) {
        FF_ASSIGN_OR_RETURN(Tensor value, FoldShape(node, it->second.shapes[0]));
        ctx.Log("static shapes: fold " + node.Describe() + " -> " + ShapeToString(value.shape()));
        g.initializers[node.outputs[0]] = std::move(value);
        ++folded;
        continue;
      }
    }
    infer_outputs(node);
    kept.push_back(std::move(node));
  }
  g.nodes = std::move(kept);
  if (folded > 0) ctx.Log("static shapes: " + std::to_string(folded) + " Shape node(s) folded into initializers");
  if (added > 0) ctx.Log("static shapes: " + std::to_string(added) + " values given their shapes from the inputs'");
  return Status::Ok();
}

}  // namespace facefuse::rt
