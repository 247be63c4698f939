// Writes the seed corpus for fuzz_model_loader: small valid ONNX models built in code (never fixture copies), one
// file per model, plus a libFuzzer dictionary of op, attribute and field names.
//
//   make_seed_corpus OUT_DIR [DICT_FILE]
#include <onnx/onnx_pb.h>

#include <cstdio>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace {

namespace fs = std::filesystem;
using onnx::TensorProto;

class ModelBuilder {
 public:
  explicit ModelBuilder(int64_t opset = 13) {
    model_.set_ir_version(8);
    model_.set_producer_name("facefuse-fuzz-seed");
    auto* op = model_.add_opset_import();
    op->set_domain("");
    op->set_version(opset);
    model_.mutable_graph()->set_name("seed");
  }

  // dims: -1 is a dynamic dim.
  ModelBuilder& Input(const std::string& name, std::vector<int64_t> dims, int32_t type = TensorProto::FLOAT) {
    SetType(model_.mutable_graph()->add_input(), name, dims, type);
    return *this;
  }
  ModelBuilder& Output(const std::string& name, std::vector<int64_t> dims, int32_t type = TensorProto::FLOAT) {
    SetType(model_.mutable_graph()->add_output(), name, dims, type);
    return *this;
  }
  onnx::NodeProto* Node(const std::string& op, std::initializer_list<std::string> inputs,
                        std::initializer_list<std::string> outputs) {
    auto* n = model_.mutable_graph()->add_node();
    n->set_op_type(op);
    n->set_name(op + "_" + std::to_string(model_.graph().node_size()));
    for (const auto& i : inputs) n->add_input(i);
    for (const auto& o : outputs) n->add_output(o);
    return n;
  }
  // Float initializer in raw_data (or float_data when typed is true), values 0.1, 0.2, ...
  ModelBuilder& Floats(const std::string& name, std::vector<int64_t> dims, bool typed = false) {
    auto* t = Init(name, dims, TensorProto::FLOAT);
    int64_t n = 1;
    for (int64_t d : dims) n *= d;
    std::vector<float> v(static_cast<size_t>(n));
    for (size_t i = 0; i < v.size(); ++i) v[i] = 0.1f * static_cast<float>(i + 1);
    if (typed) {
      for (float x : v) t->add_float_data(x);
    } else {
      t->set_raw_data(v.data(), v.size() * sizeof(float));
    }
    return *this;
  }
  ModelBuilder& Int64s(const std::string& name, std::vector<int64_t> dims, std::vector<int64_t> values) {
    auto* t = Init(name, dims, TensorProto::INT64);
    for (int64_t x : values) t->add_int64_data(x);
    return *this;
  }
  const onnx::ModelProto& model() const { return model_; }

 private:
  static void SetType(onnx::ValueInfoProto* v, const std::string& name, const std::vector<int64_t>& dims,
                      int32_t type) {
    v->set_name(name);
    auto* tt = v->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(type);
    auto* shape = tt->mutable_shape();
    for (int64_t d : dims) {
      auto* dim = shape->add_dim();
      if (d < 0) dim->set_dim_param("N");
      else dim->set_dim_value(d);
    }
  }
  TensorProto* Init(const std::string& name, const std::vector<int64_t>& dims, int32_t type) {
    auto* t = model_.mutable_graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(type);
    for (int64_t d : dims) t->add_dims(d);
    return t;
  }
  onnx::ModelProto model_;
};

void SetInts(onnx::NodeProto* n, const std::string& name, std::vector<int64_t> values) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t v : values) a->add_ints(v);
}
void SetInt(onnx::NodeProto* n, const std::string& name, int64_t value) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}
void SetFloat(onnx::NodeProto* n, const std::string& name, float value) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(value);
}
void SetString(onnx::NodeProto* n, const std::string& name, const std::string& value) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(value);
}

std::vector<std::pair<std::string, onnx::ModelProto>> Seeds() {
  std::vector<std::pair<std::string, onnx::ModelProto>> seeds;
  auto unary = [&](const std::string& op) {
    ModelBuilder b;
    b.Input("X", {1, 3, 4, 4});
    b.Node(op, {"X"}, {"Y"});
    b.Output("Y", {1, 3, 4, 4});
    seeds.emplace_back("unary_" + op, b.model());
  };
  for (const char* op : {"Relu", "Sigmoid", "Tanh", "Exp", "Sqrt", "Abs", "Neg", "Identity", "Softplus", "Erf"})
    unary(op);
  auto binary = [&](const std::string& op) {
    ModelBuilder b;
    b.Input("A", {1, 3, 4, 4}).Floats("B", {3, 1, 1});
    b.Node(op, {"A", "B"}, {"Y"});
    b.Output("Y", {1, 3, 4, 4});
    seeds.emplace_back("binary_" + op, b.model());
  };
  for (const char* op : {"Add", "Sub", "Mul", "Div", "Pow", "Max", "Min"}) binary(op);
  {
    ModelBuilder b;
    b.Input("A", {-1, 3}).Input("B", {-1, 3});
    b.Node("Add", {"A", "B"}, {"Y"});
    b.Output("Y", {-1, 3});
    seeds.emplace_back("two_inputs_dynamic", b.model());
  }
  {
    ModelBuilder b;
    b.Input("X", {2, 3}).Floats("W", {2, 3}, /*typed=*/true);
    b.Input("W", {2, 3});  // graph input with a default value
    b.Node("Mul", {"X", "W"}, {"Y"});
    b.Output("Y", {2, 3});
    seeds.emplace_back("typed_initializer_as_input", b.model());
  }
  {
    ModelBuilder b;
    b.Input("X", {1, 2, 5, 5}).Floats("W", {4, 2, 3, 3}).Floats("B", {4});
    auto* conv = b.Node("Conv", {"X", "W", "B"}, {"C"});
    SetInts(conv, "kernel_shape", {3, 3});
    SetInts(conv, "pads", {1, 1, 1, 1});
    SetInts(conv, "strides", {1, 1});
    b.Floats("scale", {4}).Floats("bias", {4}).Floats("mean", {4}).Floats("var", {4});
    auto* bn = b.Node("BatchNormalization", {"C", "scale", "bias", "mean", "var"}, {"N"});
    SetFloat(bn, "epsilon", 1e-5f);
    b.Node("Relu", {"N"}, {"R"});
    auto* pool = b.Node("MaxPool", {"R"}, {"P"});
    SetInts(pool, "kernel_shape", {2, 2});
    SetInts(pool, "strides", {2, 2});
    b.Output("P", {1, 4, 2, 2});
    seeds.emplace_back("conv_bn_relu_pool", b.model());
  }
  {
    ModelBuilder b;
    b.Input("X", {1, 4, 3, 3}).Floats("W", {4, 1, 3, 3});
    auto* conv = b.Node("Conv", {"X", "W"}, {"C"});
    SetInt(conv, "group", 4);
    SetInts(conv, "pads", {1, 1, 1, 1});
    b.Node("Add", {"C", "X"}, {"S"});
    b.Floats("lo", {}).Floats("hi", {});
    b.Node("Clip", {"S", "lo", "hi"}, {"Y"});
    b.Output("Y", {1, 4, 3, 3});
    seeds.emplace_back("depthwise_residual_clip", b.model());
  }
  {
    ModelBuilder b;
    b.Input("X", {2, 8}).Floats("W", {8, 4}).Floats("B", {4});
    b.Node("MatMul", {"X", "W"}, {"M"});
    b.Node("Add", {"M", "B"}, {"A"});
    auto* sm = b.Node("Softmax", {"A"}, {"Y"});
    SetInt(sm, "axis", -1);
    b.Output("Y", {2, 4});
    seeds.emplace_back("matmul_softmax", b.model());
  }
  {
    ModelBuilder b;
    b.Input("X", {2, 8}).Floats("W", {4, 8}).Floats("C", {4});
    auto* gemm = b.Node("Gemm", {"X", "W", "C"}, {"Y"});
    SetInt(gemm, "transB", 1);
    b.Output("Y", {2, 4});
    seeds.emplace_back("gemm", b.model());
  }
  {
    // Shape subgraph: Shape -> Gather -> Unsqueeze -> Concat -> Reshape (constant folding territory).
    ModelBuilder b;
    b.Input("X", {-1, 3, 4});
    b.Node("Shape", {"X"}, {"S"});
    b.Int64s("idx", {}, {0});
    auto* g = b.Node("Gather", {"S", "idx"}, {"N"});
    SetInt(g, "axis", 0);
    b.Int64s("axes", {1}, {0});
    b.Node("Unsqueeze", {"N", "axes"}, {"N1"});
    b.Int64s("rest", {1}, {12});
    auto* cat = b.Node("Concat", {"N1", "rest"}, {"NS"});
    SetInt(cat, "axis", 0);
    b.Node("Reshape", {"X", "NS"}, {"Y"});
    b.Output("Y", {-1, 12});
    seeds.emplace_back("shape_subgraph_reshape", b.model());
  }
  {
    ModelBuilder b;
    b.Input("X", {1, 2, 3, 4});
    auto* t = b.Node("Transpose", {"X"}, {"T"});
    SetInts(t, "perm", {0, 2, 3, 1});
    auto* f = b.Node("Flatten", {"T"}, {"Y"});
    SetInt(f, "axis", 1);
    b.Output("Y", {1, 24});
    seeds.emplace_back("transpose_flatten", b.model());
  }
  {
    ModelBuilder b;
    b.Input("X", {1, 2, 4, 4});
    b.Floats("roi", {0}).Floats("scales", {4});
    auto* r = b.Node("Resize", {"X", "roi", "scales"}, {"Y"});
    SetString(r, "mode", "nearest");
    b.Output("Y", {1, 2, 8, 8});
    seeds.emplace_back("resize_nearest", b.model());
  }
  {
    ModelBuilder b;
    b.Input("X", {1, 6, 4});
    b.Int64s("split", {2}, {2, 4});
    auto* s = b.Node("Split", {"X", "split"}, {"A", "B"});
    SetInt(s, "axis", 1);
    auto* rm = b.Node("ReduceMean", {"B"}, {"M"});
    SetInts(rm, "axes", {1});
    SetInt(rm, "keepdims", 1);
    b.Output("A", {1, 2, 4}).Output("M", {1, 1, 4});
    seeds.emplace_back("split_reduce", b.model());
  }
  {
    ModelBuilder b;
    b.Input("X", {1, 3, 4, 4});
    auto* c = b.Node("Constant", {}, {"K"});
    auto* a = c->add_attribute();
    a->set_name("value");
    a->set_type(onnx::AttributeProto::TENSOR);
    auto* t = a->mutable_t();
    t->set_data_type(TensorProto::FLOAT);
    t->add_float_data(2.0f);
    b.Node("Mul", {"X", "K"}, {"M"});
    b.Node("GlobalAveragePool", {"M"}, {"G"});
    SetInt(b.Node("Cast", {"G"}, {"Y"}), "to", TensorProto::INT64);
    b.Output("Y", {1, 3, 1, 1}, TensorProto::INT64);
    seeds.emplace_back("constant_gap_cast", b.model());
  }
  {
    ModelBuilder b;
    b.Input("X", {1, 5});
    b.Int64s("k", {1}, {2});
    auto* topk = b.Node("TopK", {"X", "k"}, {"V", "I"});
    SetInt(topk, "axis", 1);
    b.Output("V", {1, 2}).Output("I", {1, 2}, TensorProto::INT64);
    seeds.emplace_back("topk", b.model());
  }
  {
    ModelBuilder b(11);
    b.Input("X", {1, 1, 4, 4});
    b.Node("Pad", {"X", "pads"}, {"Y"});
    b.Int64s("pads", {8}, {0, 0, 1, 1, 0, 0, 1, 1});
    b.Output("Y", {1, 1, 6, 6});
    seeds.emplace_back("pad_opset11", b.model());
  }
  return seeds;
}

const char* kDictionaryWords[] = {
    "Relu", "Sigmoid", "Tanh", "Add", "Sub", "Mul", "Div", "Conv", "ConvTranspose", "MatMul", "Gemm",
    "BatchNormalization", "InstanceNormalization", "LayerNormalization", "MaxPool", "AveragePool",
    "GlobalAveragePool", "Reshape", "Flatten", "Transpose", "Concat", "Split", "Slice", "Gather", "Shape",
    "Unsqueeze", "Squeeze", "Resize", "Upsample", "Softmax", "Clip", "PRelu", "LeakyRelu", "HardSigmoid", "Pad",
    "Cast", "Identity", "Constant", "ConstantOfShape", "Expand", "Tile", "TopK", "NonZero", "ReduceMean",
    "ReduceSum", "ReduceMax", "Exp", "Log", "Sqrt", "Pow", "Erf", "Where", "Equal", "Range", "Dropout",
    "kernel_shape", "pads", "strides", "dilations", "group", "axis", "axes", "perm", "keepdims", "mode", "value",
    "epsilon", "alpha", "beta", "transA", "transB", "auto_pad", "SAME_UPPER", "nearest", "linear", "to",
    "location", "offset", "length", "ai.onnx", "facefuse"};

bool WriteBytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: %s OUT_DIR [DICT_FILE]\n", argv[0]);
    return 2;
  }
  const fs::path out_dir = argv[1];
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) {
    std::fprintf(stderr, "cannot create %s: %s\n", out_dir.c_str(), ec.message().c_str());
    return 1;
  }
  int written = 0;
  for (const auto& [name, model] : Seeds()) {
    std::string bytes;
    if (!model.SerializeToString(&bytes) || !WriteBytes(out_dir / (name + ".onnx"), bytes)) {
      std::fprintf(stderr, "cannot write seed %s\n", name.c_str());
      return 1;
    }
    ++written;
  }
  if (argc == 3) {
    std::string dict;
    for (const char* w : kDictionaryWords) dict += "\"" + std::string(w) + "\"\n";
    if (!WriteBytes(argv[2], dict)) {
      std::fprintf(stderr, "cannot write dictionary %s\n", argv[2]);
      return 1;
    }
  }
  std::printf("wrote %d seed models to %s\n", written, out_dir.c_str());
  return 0;
}
