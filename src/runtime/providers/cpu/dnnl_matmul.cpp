// MatMul and Gemm on oneDNN's matmul primitive (float32).
//
// Batched MatMul maps onto oneDNN's broadcasting batch dims; a 1-D operand is
// a [1, k] or [k, 1] matrix. Gemm's transA/transB are strided views, alpha is
// folded into B and beta * C becomes the (broadcast) bias. A constant B is
// scaled once and reordered into oneDNN's preferred packed layout once per
// input shape. Empty operands (a zero dim) run the reference kernel.
#include <map>
#include <string>
#include <vector>

#include "runtime/ops/matmul.h"
#include "runtime/ops/op_util.h"
#include "runtime/providers/cpu/cpu_kernels.h"
#include "runtime/providers/cpu/dnnl_util.h"

namespace facefuse::rt::cpu {
namespace {

using dnnl::memory;

// `t` scaled by `factor` into `scratch`, or t's own data when factor is 1.
const float* Scaled(const Tensor& t, float factor, std::vector<float>& scratch) {
  if (factor == 1.f) return t.data<float>();
  scratch.resize(static_cast<size_t>(t.size()));
  const float* src = t.data<float>();
  for (size_t i = 0; i < scratch.size(); ++i) scratch[i] = src[i] * factor;
  return scratch.data();
}

// A row-major [rows, cols] matrix, or the transpose view of a stored [cols, rows] one.
memory::desc MatrixDesc(int64_t rows, int64_t cols, bool transposed) {
  return memory::desc({rows, cols}, memory::data_type::f32, transposed ? memory::dims{1, rows} : memory::dims{cols, 1});
}

class DnnlMatMulKernel final : public Kernel {
 public:
  explicit DnnlMatMulKernel(const KernelRequest& req)
      : node_(req.node), def_(req.def), gemm_(req.node.op_type == "Gemm") {
    alpha_ = gemm_ ? node_.GetFloat("alpha", 1.f) : 1.f;
    beta_ = gemm_ ? node_.GetFloat("beta", 1.f) : 1.f;
    auto constant = [&](size_t i) -> const Tensor* {
      const Tensor* t = i < req.constant_inputs.size() ? req.constant_inputs[i] : nullptr;
      return t != nullptr && t->dtype() == DataType::kFloat32 ? t : nullptr;
    };
    if (const Tensor* b = constant(1)) {
      const_b_ = *b;
      Scaled(const_b_, alpha_, scaled_const_b_);
    }
    if (const Tensor* c = constant(2)) {
      const_c_ = *c;
      Scaled(const_c_, beta_, scaled_const_c_);
    }
  }

  Status Compute(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) override {
    const Tensor& a = *inputs[0];
    const Tensor& b = *inputs[1];
    const Tensor* c = gemm_ && inputs.size() > 2 ? inputs[2] : nullptr;
    Tensor& y = *outputs[0];
    // Input dtypes unknown when the kernel was created may turn out not to be float32.
    if (a.dtype() != DataType::kFloat32 || b.dtype() != DataType::kFloat32 || (c && c->dtype() != DataType::kFloat32))
      return def_.reference(node_, inputs, outputs);
    std::string key = ShapeToString(a.shape()) + ShapeToString(b.shape()) + (c ? ShapeToString(c->shape()) : "");
    auto it = plans_.find(key);
    if (it == plans_.end()) {
      FF_ASSIGN_OR_RETURN(Plan plan, MakePlan(a.shape(), b.shape(), c));
      it = plans_.emplace(key, std::move(plan)).first;
    }
    Plan& p = it->second;
    if (y.size() == 0) return Status::Ok();
    if (p.use_reference) return def_.reference(node_, inputs, outputs);
    FF_RETURN_IF_ERROR(CheckFits(node_, p.y_md, y));
    const bool b_is_const = !const_b_.empty() && b.raw() == const_b_.raw();
    const bool c_is_const = c && !const_c_.empty() && c->raw() == const_c_.raw();
    const float* b_data =
        b_is_const && !scaled_const_b_.empty() ? scaled_const_b_.data() : Scaled(b, alpha_, b_scratch_);
    const float* c_data = nullptr;
    if (c) c_data = c_is_const && !scaled_const_c_.empty() ? scaled_const_c_.data() : Scaled(*c, beta_, c_scratch_);
    return DnnlCall(node_, [&] {
      std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, WrapMemory(p.a_md, a.raw())},
                                              {DNNL_ARG_DST, WrapMemory(p.y_md, y.raw())}};
      if (p.pd.weights_desc() == p.b_md) {
        args[DNNL_ARG_WEIGHTS] = WrapMemory(p.b_md, b_data);
      } else if (b_is_const) {
        if (!p.packed_b) p.packed_b = Reorder(WrapMemory(p.b_md, b_data), p.pd.weights_desc());
        args[DNNL_ARG_WEIGHTS] = p.packed_b;
      } else {
        args[DNNL_ARG_WEIGHTS] = Reorder(WrapMemory(p.b_md, b_data), p.pd.weights_desc());
      }
      if (c) args[DNNL_ARG_BIAS] = WrapMemory(p.bias_md, c_data);
      p.primitive.execute(DnnlStream(), args);
      DnnlStream().wait();
    });
  }

 private:
  struct Plan {
    bool use_reference = false;
    memory::desc a_md, b_md, bias_md, y_md;
    dnnl::matmul::primitive_desc pd;
    dnnl::matmul primitive;
    memory packed_b;  // the constant B in pd.weights_desc(), after first use
  };

  // The oneDNN descriptors and primitive for these input shapes.
  Result<Plan> MakePlan(const Shape& a, const Shape& b, const Tensor* c) {
    Plan p;
    memory::desc y_md;
    if (gemm_) {
      FF_ASSIGN_OR_RETURN(GemmDims d, ComputeGemmDims(node_, a, b, c));
      p.a_md = MatrixDesc(d.m, d.k, d.trans_a);
      p.b_md = MatrixDesc(d.k, d.n, d.trans_b);
      p.y_md = PlainDesc({d.m, d.n});
      if (c) {
        Shape c2 = c->shape();
        while (c2.size() < 2) c2.insert(c2.begin(), 1);
        p.bias_md = PlainDesc(c2);
      }
    } else {
      FF_ASSIGN_OR_RETURN(MatMulDims d, ComputeMatMulDims(node_, a, b));
      auto with = [](Shape batch, int64_t rows, int64_t cols) {
        batch.push_back(rows);
        batch.push_back(cols);
        return batch;
      };
      p.a_md = PlainDesc(with(d.a_batch, d.m, d.k));
      p.b_md = PlainDesc(with(d.b_batch, d.k, d.n));
      p.y_md = PlainDesc(with(d.batch, d.m, d.n));
    }
    // oneDNN does not take zero-sized dims.
    p.use_reference = NumElements(a) == 0 || NumElements(b) == 0 || p.y_md.get_size() == 0;
    if (p.use_reference) return p;
    FF_RETURN_IF_ERROR(DnnlCall(node_, [&] {
      // A constant B may take oneDNN's packed layout; a runtime B stays plain.
      memory::desc weights = const_b_.empty() ? p.b_md
                                              : memory::desc(p.b_md.dims(), memory::data_type::f32,
                                                             memory::format_tag::any);
      auto desc = c ? dnnl::matmul::desc(p.a_md, weights, p.bias_md, p.y_md)
                    : dnnl::matmul::desc(p.a_md, weights, p.y_md);
      p.pd = dnnl::matmul::primitive_desc(desc, DnnlEngine());
      p.primitive = dnnl::matmul(p.pd);
    }));
    return p;
  }

  // A copy of `from` in layout `to`; throws dnnl::error.
  static memory Reorder(const memory& from, const memory::desc& to) {
    memory packed(to, DnnlEngine());
    dnnl::reorder(from, packed).execute(DnnlStream(), const_cast<memory&>(from), packed);
    DnnlStream().wait();
    return packed;
  }

  Node node_;
  const OpDef& def_;
  bool gemm_;
  float alpha_ = 1.f, beta_ = 1.f;
  Tensor const_b_, const_c_;            // the constant B and C, if any
  std::vector<float> scaled_const_b_;   // alpha * constant B, when alpha != 1
  std::vector<float> scaled_const_c_;   // beta * constant C, when beta != 1
  std::vector<float> b_scratch_, c_scratch_;
  std::map<std::string, Plan> plans_;   // by input shapes
};

// float32 only (inputs of unknown dtype are checked again at run time).
Result<std::unique_ptr<Kernel>> MakeMatMulKernel(const KernelRequest& req) {
  for (DataType t : req.input_types)
    if (t != DataType::kFloat32 && t != DataType::kUndefined) return std::unique_ptr<Kernel>();
  return std::unique_ptr<Kernel>(new DnnlMatMulKernel(req));
}

}  // namespace

void RegisterDnnlMatMulKernels(CpuKernelTable& t) {
  t.Add("", "MatMul", MakeMatMulKernel);
  t.Add("", "Gemm", MakeMatMulKernel);
}

}  // namespace facefuse::rt::cpu
