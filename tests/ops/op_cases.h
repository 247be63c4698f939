// Cases for test-ops: every op, run on the reference kernel and on each
// provider, outputs compared element by element, with sentinel bytes around
// every output buffer to catch out-of-bounds writes.
//
// Each op family adds its cases in its own cases_<family>.cpp. Choose shapes
// that hit SIMD tails (odd sizes, 1, 7, 17, 33, 65 channels...), broadcasting
// corners and every attribute value the op supports.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "facefuse/tensor.h"
#include "runtime/ir/graph.h"

namespace facefuse::rt::testing {

struct OpCase {
  std::string name;               // unique, e.g. "Conv/3x3_pad1_c17"
  Node node;                      // inputs/outputs named by MakeNode
  std::vector<Tensor> inputs;     // empty Tensor() for an absent optional input
  std::vector<bool> constant;     // per input: offered to the kernel as a constant (weights)
  int64_t opset = 17;
  double rtol = 1e-4;
  double atol = 1e-5;
};

// A node named after `op` with n_in inputs "in0".. and n_out outputs "out0"..
Node MakeNode(const std::string& op, size_t n_in, size_t n_out, const std::string& domain = "");
// Set attributes on a node.
void SetAttr(Node& n, const std::string& name, int64_t v);
void SetAttr(Node& n, const std::string& name, float v);
void SetAttr(Node& n, const std::string& name, const std::string& v);
void SetAttr(Node& n, const std::string& name, const std::vector<int64_t>& v);
void SetAttr(Node& n, const std::string& name, const std::vector<float>& v);
void SetAttr(Node& n, const std::string& name, const Tensor& v);

// An OpCase with default tolerances and no constant inputs.
OpCase MakeCase(std::string name, Node node, std::vector<Tensor> inputs, int64_t opset = 17);

// Deterministic random tensors.
Tensor RandomFloat(const Shape& shape, uint32_t seed, float lo = -1.f, float hi = 1.f);
Tensor RandomInt64(const Shape& shape, uint32_t seed, int64_t lo, int64_t hi);
Tensor RandomBool(const Shape& shape, uint32_t seed);
Tensor Int64s(const std::vector<int64_t>& v);           // 1-D
Tensor Int64Scalar(int64_t v);                          // rank 0
Tensor Floats(const std::vector<float>& v, const Shape& shape);

// Per family; defined in cases_<family>.cpp.
std::vector<OpCase> ActivationCases();
std::vector<OpCase> UnaryMathCases();
std::vector<OpCase> CastCases();
std::vector<OpCase> BinaryCases();
std::vector<OpCase> ReduceCases();
std::vector<OpCase> ConvCases();       // Conv, ConvTranspose, FusedConv
std::vector<OpCase> MatMulCases();
std::vector<OpCase> PoolCases();
std::vector<OpCase> NormCases();
std::vector<OpCase> SoftmaxCases();
std::vector<OpCase> ShapeCases();
std::vector<OpCase> MovementCases();
std::vector<OpCase> ResizeCases();
std::vector<OpCase> SelectCases();
std::vector<OpCase> ChannelsLastCases();  // NhwcConv, NhwcMaxPool, NhwcAveragePool

}  // namespace facefuse::rt::testing
