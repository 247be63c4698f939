#include "tests/ops/op_cases.h"

#include <random>

namespace facefuse::rt::testing {

Node MakeNode(const std::string& op, size_t n_in, size_t n_out, const std::string& domain) {
  Node n;
  n.op_type = op;
  n.domain = domain;
  n.name = op + "_under_test";
  for (size_t i = 0; i < n_in; ++i) n.inputs.push_back("in" + std::to_string(i));
  for (size_t i = 0; i < n_out; ++i) n.outputs.push_back("out" + std::to_string(i));
  return n;
}

OpCase MakeCase(std::string name, Node node, std::vector<Tensor> inputs, int64_t opset) {
  OpCase c;
  c.name = std::move(name);
  c.node = std::move(node);
  c.inputs = std::move(inputs);
  c.opset = opset;
  return c;
}

void SetAttr(Node& n, const std::string& name, int64_t v) { n.attrs[name].value = v; }
void SetAttr(Node& n, const std::string& name, float v) { n.attrs[name].value = v; }
void SetAttr(Node& n, const std::string& name, const std::string& v) { n.attrs[name].value = v; }
void SetAttr(Node& n, const std::string& name, const std::vector<int64_t>& v) { n.attrs[name].value = v; }
void SetAttr(Node& n, const std::string& name, const std::vector<float>& v) { n.attrs[name].value = v; }
void SetAttr(Node& n, const std::string& name, const Tensor& v) { n.attrs[name].value = v; }

Tensor RandomFloat(const Shape& shape, uint32_t seed, float lo, float hi) {
  Tensor t = Tensor::Allocate(DataType::kFloat32, shape).value();
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  for (auto& x : t.span<float>()) x = d(rng);
  return t;
}

Tensor RandomInt64(const Shape& shape, uint32_t seed, int64_t lo, int64_t hi) {
  Tensor t = Tensor::Allocate(DataType::kInt64, shape).value();
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int64_t> d(lo, hi);
  for (auto& x : t.span<int64_t>()) x = d(rng);
  return t;
}

Tensor RandomBool(const Shape& shape, uint32_t seed) {
  Tensor t = Tensor::Allocate(DataType::kBool, shape).value();
  std::mt19937 rng(seed);
  for (auto& x : t.span<bool>()) x = (rng() & 1) != 0;
  return t;
}

Tensor Int64s(const std::vector<int64_t>& v) {
  return Tensor::FromVector(v, {static_cast<int64_t>(v.size())}).value();
}

Tensor Int64Scalar(int64_t v) { return Tensor::FromVector(std::vector<int64_t>{v}, {}).value(); }

Tensor Floats(const std::vector<float>& v, const Shape& shape) { return Tensor::FromVector(v, shape).value(); }

}  // namespace facefuse::rt::testing
