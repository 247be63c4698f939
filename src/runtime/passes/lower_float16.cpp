// float16 lowering: a graph that computes in float16 is rewritten to compute
// in float32, behind the same float16 inputs and outputs. Runs before
// validation (most kernels are float32 only), whatever SessionOptions::optimize
// says. A graph without float16 values is left exactly as it is.
#include <algorithm>
#include <string>
#include <unordered_set>
#include <vector>

#include "common/float16.h"
#include "runtime/passes/pass_util.h"
#include "runtime/passes/passes.h"

namespace facefuse::rt {
namespace {

constexpr int64_t kFloat16Code = static_cast<int64_t>(DataType::kFloat16);
constexpr int64_t kFloat32Code = static_cast<int64_t>(DataType::kFloat32);

// Attributes that name an output dtype by its TensorProto code.
bool IsDtypeAttr(const Node& n, const std::string& attr) {
  return attr == "dtype" || (attr == "to" && IsOnnxOp(n, "Cast"));
}

bool HasFloat16(const Graph& g) {
  for (const auto& [name, t] : g.initializers)
    if (t.dtype() == DataType::kFloat16) return true;
  for (const auto* list : {&g.inputs, &g.outputs})
    for (const auto& v : *list)
      if (v.dtype == DataType::kFloat16) return true;
  for (const auto& [name, v] : g.value_infos)
    if (v.dtype == DataType::kFloat16) return true;
  for (const auto& n : g.nodes)
    for (const auto& [attr, a] : n.attrs) {
      if (const auto* t = std::get_if<Tensor>(&a.value); t && t->dtype() == DataType::kFloat16) return true;
      if (const auto* code = std::get_if<int64_t>(&a.value); code && *code == kFloat16Code && IsDtypeAttr(n, attr))
        return true;
    }
  return false;
}

// A float16 tensor as float32; `who` names it in errors.
Result<Tensor> Widen(const Tensor& t, const std::string& who) {
  if (t.size() > 0 && t.raw() == nullptr) return InvalidArgument(who + " is float16 but holds no data");
  auto wide = Float16ToFloat32(t);
  if (!wide.ok()) return wide.status().WithContext(who);
  return wide;
}

Node MakeCast(const std::string& name, const std::string& in, const std::string& out, int64_t to) {
  Node n;
  n.name = name;
  n.op_type = "Cast";
  n.inputs = {in};
  n.outputs = {out};
  n.attrs["to"] = Attribute{to};
  return n;
}

void RenameReads(Graph& g, const std::string& from, const std::string& to) {
  for (auto& n : g.nodes)
    for (auto& in : n.inputs)
      if (in == from) in = to;
}

}  // namespace

Status LowerFloat16(Graph& g, const PassContext& ctx) {
  if (!HasFloat16(g)) return Status::Ok();

  // The boundary, as the model declares it, before any type is rewritten.
  std::vector<ValueInfo> half_inputs, half_outputs;
  std::unordered_set<std::string> input_names;
  for (const auto& in : g.inputs) {
    input_names.insert(in.name);
    if (in.dtype == DataType::kFloat16) half_inputs.push_back(in);
  }
  std::unordered_set<std::string> seen_outputs;
  for (const auto& out : g.outputs) {
    const DataType t = out.dtype != DataType::kUndefined ? out.dtype : g.TypeOf(out.name);
    if (t == DataType::kFloat16 && !input_names.count(out.name) && seen_outputs.insert(out.name).second)
      half_outputs.push_back(out);
  }

  std::vector<std::string> names;
  for (const auto& [name, t] : g.initializers)
    if (t.dtype() == DataType::kFloat16) names.push_back(name);
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    Tensor& t = g.initializers[name];
    FF_ASSIGN_OR_RETURN(t, Widen(t, "float16 initializer '" + name + "'"));
    ctx.Log("float16: initializer '" + name + "' " + ShapeToString(t.shape()) + " to float32");
  }

  size_t casts = 0, attrs = 0;
  for (auto& n : g.nodes) {
    for (auto& [attr, a] : n.attrs) {
      if (auto* t = std::get_if<Tensor>(&a.value); t && t->dtype() == DataType::kFloat16) {
        FF_ASSIGN_OR_RETURN(*t, Widen(*t, n.Describe() + " attribute '" + attr + "'"));
        ctx.Log("float16: " + n.Describe() + " attribute '" + attr + "' to float32");
        ++attrs;
      } else if (auto* code = std::get_if<int64_t>(&a.value); code && *code == kFloat16Code && IsDtypeAttr(n, attr)) {
        *code = kFloat32Code;
        ctx.Log("float16: " + n.Describe() + " " + attr + "=float16 to float32");
        ++attrs;
      }
    }
    // A Cast between float types is now float32 to float32: a view, not a copy.
    if (IsOnnxOp(n, "Cast") && n.GetInt("to", 0) == kFloat32Code && n.HasInput(0)) {
      const DataType from = g.TypeOf(n.inputs[0]);
      if (from == DataType::kFloat16 || from == DataType::kFloat32) {
        ctx.Log("float16: " + n.Describe() + " (" + DataTypeName(from) + " to float32) becomes Identity");
        n.op_type = "Identity";
        n.attrs.clear();
        ++casts;
      }
    }
  }

  size_t types = 0;
  for (auto& [name, v] : g.value_infos)
    if (v.dtype == DataType::kFloat16) v.dtype = DataType::kFloat32, ++types;
  if (types) ctx.Log("float16: " + std::to_string(types) + " value type(s) to float32");

  // Each float16 graph input is read through a Cast to float32 ...
  size_t boundary = half_inputs.size();
  std::vector<Node> entry;
  for (const auto& in : half_inputs) {
    const std::string wide = FreshValueName(g, in.name + "_float32");
    RenameReads(g, in.name, wide);
    g.value_infos[wide] = ValueInfo{wide, DataType::kFloat32, in.dims};
    entry.push_back(MakeCast(in.name + "_to_float32", in.name, wide, kFloat32Code));
    ctx.Log("float16: input '" + in.name + "' stays float16; Cast to float32 '" + wide + "' added");
  }
  g.nodes.insert(g.nodes.begin(), std::make_move_iterator(entry.begin()), std::make_move_iterator(entry.end()));

  // ... and each float16 graph output is its float32 value cast back.
  for (const auto& out : half_outputs) {
    const std::string wide = FreshValueName(g, out.name + "_float32");
    bool produced = false;
    for (auto& n : g.nodes)
      for (auto& o : n.outputs)
        if (o == out.name) o = wide, produced = true;
    if (auto it = g.initializers.find(out.name); it != g.initializers.end()) {
      g.initializers[wide] = it->second;
      g.initializers.erase(out.name);
      produced = true;
    }
    if (!produced) continue;  // the session reports an output no node produces
    RenameReads(g, out.name, wide);
    g.value_infos[wide] = ValueInfo{wide, DataType::kFloat32, out.dims};
    g.value_infos[out.name] = ValueInfo{out.name, DataType::kFloat16, out.dims};
    g.nodes.push_back(MakeCast(out.name + "_to_float16", wide, out.name, kFloat16Code));
    ++boundary;
    ctx.Log("float16: output '" + out.name + "' stays float16; Cast from float32 '" + wide + "' added");
  }

  ctx.Log("float16 lowering: " + std::to_string(names.size()) + " initializer(s), " + std::to_string(attrs) +
          " attribute(s) and " + std::to_string(types) + " value type(s) to float32, " + std::to_string(casts) +
          " float Cast(s) to Identity, " + std::to_string(boundary) + " boundary Cast(s) added");
  return Status::Ok();
}

}  // namespace facefuse::rt
