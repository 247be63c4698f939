// FLOPs of one run from ONNX shape inference: 2 x multiply-accumulates of the
// matrix ops (Conv, ConvTranspose, Gemm, MatMul). Element-wise work, norms and
// resizes are not counted, as is usual for network cost figures.
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <unordered_map>
#include <vector>

#include "tools/standins/standins.h"

namespace facefuse::standins {
namespace {

using Dims = std::vector<int64_t>;

int64_t Product(const Dims& d, size_t from = 0) {
  int64_t p = 1;
  for (size_t i = from; i < d.size(); ++i) p *= d[i];
  return p;
}

int64_t IntAttr(const onnx::NodeProto& n, const std::string& name, int64_t dflt) {
  for (const auto& a : n.attribute())
    if (a.name() == name) return a.i();
  return dflt;
}

}  // namespace

Result<uint64_t> CountFlops(const onnx::ModelProto& model) {
  onnx::ModelProto inferred = model;
  try {
    onnx::ShapeInferenceOptions opts;
    opts.check_type = true;
    opts.error_mode = 1;
    onnx::shape_inference::InferShapes(inferred, onnx::OpSchemaRegistry::Instance(), opts);
  } catch (const std::exception& e) {
    return InvalidArgument(std::string("shape inference failed: ") + e.what());
  }
  std::unordered_map<std::string, Dims> shapes;
  auto note = [&shapes](const onnx::ValueInfoProto& v) {
    if (!v.type().has_tensor_type() || !v.type().tensor_type().has_shape()) return;
    Dims d;
    for (const auto& dim : v.type().tensor_type().shape().dim()) {
      if (!dim.has_dim_value()) return;
      d.push_back(dim.dim_value());
    }
    shapes[v.name()] = std::move(d);
  };
  const auto& g = inferred.graph();
  for (const auto& v : g.input()) note(v);
  for (const auto& v : g.output()) note(v);
  for (const auto& v : g.value_info()) note(v);
  for (const auto& t : g.initializer()) shapes[t.name()] = Dims(t.dims().begin(), t.dims().end());

  auto shape_of = [&shapes](const onnx::NodeProto& n, const std::string& value) -> Result<Dims> {
    auto it = shapes.find(value);
    if (it == shapes.end())
      return InvalidArgument("no inferred shape for '" + value + "' of node " + n.name() + " (" + n.op_type() + ")");
    return it->second;
  };

  uint64_t macs = 0;
  for (const auto& n : g.node()) {
    const std::string& op = n.op_type();
    if (op == "Conv") {
      // Every output element takes C_in/group x kernel MACs.
      FF_ASSIGN_OR_RETURN(Dims w, shape_of(n, n.input(1)));
      FF_ASSIGN_OR_RETURN(Dims y, shape_of(n, n.output(0)));
      macs += static_cast<uint64_t>(Product(y) * Product(w, 1));
    } else if (op == "ConvTranspose") {
      // Every input element scatters into C_out/group x kernel outputs.
      FF_ASSIGN_OR_RETURN(Dims x, shape_of(n, n.input(0)));
      FF_ASSIGN_OR_RETURN(Dims w, shape_of(n, n.input(1)));
      macs += static_cast<uint64_t>(Product(x) * Product(w, 1));
    } else if (op == "Gemm") {
      FF_ASSIGN_OR_RETURN(Dims a, shape_of(n, n.input(0)));
      FF_ASSIGN_OR_RETURN(Dims y, shape_of(n, n.output(0)));
      if (a.size() != 2) return InvalidArgument("Gemm " + n.name() + " input is not 2-D");
      const int64_t k = IntAttr(n, "transA", 0) ? a[0] : a[1];
      macs += static_cast<uint64_t>(Product(y) * k);
    } else if (op == "MatMul") {
      FF_ASSIGN_OR_RETURN(Dims a, shape_of(n, n.input(0)));
      FF_ASSIGN_OR_RETURN(Dims y, shape_of(n, n.output(0)));
      if (a.empty()) return InvalidArgument("MatMul " + n.name() + " has a scalar input");
      macs += static_cast<uint64_t>(Product(y) * a.back());
    }
  }
  return macs * 2;
}

}  // namespace facefuse::standins
