// MatMul and Gemm cases: vectors, batch broadcasting, odd sizes for SIMD
// tails, constant (prepacked) and runtime B, every Gemm attribute and C shape.
#include "tests/ops/op_cases.h"

namespace facefuse::rt::testing {
namespace {

OpCase MatMulCase(const std::string& name, const Shape& a, const Shape& b, bool constant_b) {
  OpCase c{"MatMul/" + name, MakeNode("MatMul", 2, 1), {RandomFloat(a, 1), RandomFloat(b, 2)}, {false, constant_b}};
  return c;
}

OpCase GemmCase(const std::string& name, int64_t m, int64_t k, int64_t n, bool trans_a, bool trans_b,
                const Shape* c_shape, float alpha, float beta, bool constant_b) {
  OpCase c{"Gemm/" + name, MakeNode("Gemm", c_shape ? 3 : 2, 1), {}, {false, constant_b, constant_b}};
  c.inputs.push_back(RandomFloat(trans_a ? Shape{k, m} : Shape{m, k}, 3));
  c.inputs.push_back(RandomFloat(trans_b ? Shape{n, k} : Shape{k, n}, 4));
  if (c_shape) c.inputs.push_back(RandomFloat(*c_shape, 5));
  SetAttr(c.node, "transA", int64_t{trans_a});
  SetAttr(c.node, "transB", int64_t{trans_b});
  SetAttr(c.node, "alpha", alpha);
  SetAttr(c.node, "beta", beta);
  return c;
}

}  // namespace

std::vector<OpCase> MatMulCases() {
  std::vector<OpCase> cases;
  for (bool constant : {false, true}) {
    std::string suffix = constant ? "_constB" : "";
    cases.push_back(MatMulCase("2d_7x17x33" + suffix, {7, 17}, {17, 33}, constant));
    cases.push_back(MatMulCase("2d_1x65x1" + suffix, {1, 65}, {65, 1}, constant));
    cases.push_back(MatMulCase("vec_mat" + suffix, {17}, {17, 7}, constant));
    cases.push_back(MatMulCase("mat_vec" + suffix, {7, 17}, {17}, constant));
    cases.push_back(MatMulCase("vec_vec" + suffix, {33}, {33}, constant));
    cases.push_back(MatMulCase("batch3d" + suffix, {3, 7, 17}, {3, 17, 5}, constant));
    cases.push_back(MatMulCase("batch_b2d" + suffix, {2, 3, 7, 17}, {17, 65}, constant));
    cases.push_back(MatMulCase("batch_bcast" + suffix, {2, 1, 7, 9}, {1, 3, 9, 5}, constant));
    cases.push_back(MatMulCase("batch_vec" + suffix, {4, 7, 9}, {9}, constant));
    cases.push_back(MatMulCase("vec_batch" + suffix, {9}, {4, 9, 7}, constant));
  }
  cases.push_back(MatMulCase("k0", {3, 0}, {0, 5}, false));
  cases.push_back(MatMulCase("m0", {0, 4}, {4, 5}, false));

  const Shape c_mn{7, 33}, c_n{33}, c_1n{1, 33}, c_m1{7, 1}, c_scalar{}, c_1{1}, c_65{65};
  cases.push_back(GemmCase("plain", 7, 17, 33, false, false, nullptr, 1.f, 1.f, false));
  cases.push_back(GemmCase("transA", 7, 17, 33, true, false, &c_mn, 1.f, 1.f, false));
  cases.push_back(GemmCase("transB_constB", 7, 17, 33, false, true, &c_n, 1.f, 1.f, true));
  cases.push_back(GemmCase("transAB", 7, 17, 33, true, true, &c_1n, 0.5f, 2.f, false));
  cases.push_back(GemmCase("alpha_beta_constB", 7, 17, 33, false, false, &c_m1, 0.25f, 0.35f, true));
  cases.push_back(GemmCase("scalar_c", 7, 17, 33, false, true, &c_scalar, 1.f, -1.f, false));
  cases.push_back(GemmCase("one_elem_c", 1, 65, 1, false, false, &c_1, 2.f, 1.f, true));
  cases.push_back(GemmCase("linear_65", 5, 65, 65, false, true, &c_65, 1.f, 1.f, true));
  cases.push_back(GemmCase("k0", 3, 0, 5, false, false, &c_1, 1.f, 1.f, false));
  return cases;
}

}  // namespace facefuse::rt::testing
