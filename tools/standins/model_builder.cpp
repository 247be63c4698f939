#include "tools/standins/model_builder.h"

#include <cmath>

namespace facefuse::standins {
namespace {

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t Fnv1a(const std::string& s) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001B3ull;
  return h;
}

void SetType(onnx::ValueInfoProto* v, const std::string& name, const std::vector<int64_t>& dims, int32_t type) {
  v->set_name(name);
  auto* tt = v->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(type);
  auto* shape = tt->mutable_shape();
  for (int64_t d : dims) {
    if (d < 0) shape->add_dim()->set_dim_param("N");  // dynamic
    else shape->add_dim()->set_dim_value(d);
  }
}

}  // namespace

onnx::AttributeProto AttrInt(const std::string& name, int64_t v) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(onnx::AttributeProto::INT);
  a.set_i(v);
  return a;
}

onnx::AttributeProto AttrInts(const std::string& name, const std::vector<int64_t>& v) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a.add_ints(x);
  return a;
}

onnx::AttributeProto AttrFloat(const std::string& name, float v) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(onnx::AttributeProto::FLOAT);
  a.set_f(v);
  return a;
}

onnx::AttributeProto AttrString(const std::string& name, const std::string& v) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(onnx::AttributeProto::STRING);
  a.set_s(v);
  return a;
}

ModelBuilder::ModelBuilder(onnx::ModelProto* model, uint64_t seed, bool shapes_only)
    : model_(model), graph_(model->mutable_graph()), seed_(seed), shapes_only_(shapes_only) {}

void ModelBuilder::Input(const std::string& name, const std::vector<int64_t>& dims, int32_t elem_type) {
  SetType(graph_->add_input(), name, dims, elem_type);
}

void ModelBuilder::Output(const std::string& name, const std::vector<int64_t>& dims, int32_t elem_type) {
  SetType(graph_->add_output(), name, dims, elem_type);
}

void StartModel(onnx::ModelProto* model) {
  model->Clear();
  model->set_ir_version(8);
  auto* opset = model->add_opset_import();
  opset->set_domain("");
  opset->set_version(kOpset);
}

std::string ModelBuilder::Fresh(const std::string& hint) { return hint + "_" + std::to_string(++counter_); }

std::string ModelBuilder::Op(const std::string& op_type, const std::vector<std::string>& inputs,
                             const std::vector<onnx::AttributeProto>& attrs, const std::string& out) {
  auto* n = graph_->add_node();
  const std::string name = out.empty() ? Fresh(op_type) : out;
  n->set_op_type(op_type);
  n->set_name(name);
  for (const auto& i : inputs) n->add_input(i);
  n->add_output(name);
  for (const auto& a : attrs) *n->add_attribute() = a;
  return name;
}

std::string ModelBuilder::Floats(const std::string& hint, const std::vector<int64_t>& dims,
                                 const std::vector<float>& values) {
  auto* t = graph_->add_initializer();
  const std::string name = Fresh(hint);
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) t->add_dims(d);
  t->set_raw_data(values.data(), values.size() * sizeof(float));
  return name;
}

std::string ModelBuilder::Scalar(float v) { return Floats("c", {}, {v}); }

std::string ModelBuilder::Int64s(const std::string& hint, const std::vector<int64_t>& values) {
  auto* t = graph_->add_initializer();
  const std::string name = Fresh(hint);
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::INT64);
  t->add_dims(static_cast<int64_t>(values.size()));
  for (int64_t v : values) t->add_int64_data(v);
  return name;
}

std::string ModelBuilder::Random(const std::string& hint, const std::vector<int64_t>& dims, float stddev) {
  auto* t = graph_->add_initializer();
  const std::string name = Fresh(hint);
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  int64_t n = 1;
  for (int64_t d : dims) {
    t->add_dims(d);
    n *= d;
  }
  if (shapes_only_) return name;
  // Uniform in [-a, a] has standard deviation a / sqrt(3).
  const float a = stddev * std::sqrt(3.0f);
  std::string* raw = t->mutable_raw_data();
  raw->resize(static_cast<size_t>(n) * sizeof(float));
  auto* out = reinterpret_cast<float*>(raw->data());
  uint64_t state = seed_ ^ Fnv1a(name);
  for (int64_t i = 0; i < n; ++i) {
    const double u = static_cast<double>(SplitMix64(state) >> 11) * 0x1.0p-53;  // [0,1)
    out[i] = static_cast<float>((2.0 * u - 1.0) * a);
  }
  return name;
}

std::string ModelBuilder::Conv(const std::string& x, int64_t cin, int64_t cout, int64_t k, int64_t stride,
                               int64_t pad, float gain) {
  const float stddev = gain / std::sqrt(static_cast<float>(cin * k * k));
  const std::string w = Random("conv_w", {cout, cin, k, k}, stddev);
  const std::string b = Random("conv_b", {cout}, 0.01f);
  return Op("Conv", {x, w, b},
            {AttrInts("kernel_shape", {k, k}), AttrInts("strides", {stride, stride}),
             AttrInts("pads", {pad, pad, pad, pad})});
}

std::string ModelBuilder::ReflectPad(const std::string& x, int64_t p) {
  const std::string pads = Int64s("pads", {0, 0, p, p, 0, 0, p, p});
  return Op("Pad", {x, pads}, {AttrString("mode", "reflect")});
}

std::string ModelBuilder::LeakyRelu(const std::string& x, float alpha) {
  return Op("LeakyRelu", {x}, {AttrFloat("alpha", alpha)});
}

std::string ModelBuilder::Upsample2x(const std::string& x, bool linear) {
  const std::string scales = Floats("scales", {4}, {1.f, 1.f, 2.f, 2.f});
  return Op("Resize", {x, "", scales}, {AttrString("mode", linear ? "linear" : "nearest")});
}

std::string ModelBuilder::Downsample2x(const std::string& x) {
  const std::string scales = Floats("scales", {4}, {1.f, 1.f, 0.5f, 0.5f});
  return Op("Resize", {x, "", scales}, {AttrString("mode", "linear")});
}

std::string ModelBuilder::InstanceNormExpanded(const std::string& x) {
  const auto axes = AttrInts("axes", {2, 3});
  const std::string mean = Op("ReduceMean", {x}, {axes});
  const std::string centred = Op("Sub", {x, mean});
  const std::string var = Op("ReduceMean", {Op("Mul", {centred, centred})}, {axes});
  const std::string std_dev = Op("Sqrt", {Op("Add", {var, Scalar(1e-5f)})});
  return Op("Div", {centred, std_dev});
}

std::string ModelBuilder::Linear(const std::string& v, int64_t in, int64_t out, float gain, bool as_channels) {
  const std::string w = Random("gemm_w", {in, out}, gain / std::sqrt(static_cast<float>(in)));
  const std::string b = Random("gemm_b", {out}, 0.01f);
  const std::string y = Op("Gemm", {v, w, b});
  if (!as_channels) return y;
  return Op("Reshape", {y, Int64s("shape", {1, out, 1, 1})});
}

std::string ModelBuilder::ConsumeAsZero(const std::string& x, const std::string& unused) {
  const std::string sum = Op("ReduceSum", {unused}, {AttrInt("keepdims", 1)});
  return Op("Add", {x, Op("Mul", {sum, Scalar(0.0f)})});
}

}  // namespace facefuse::standins
