// The CPU provider's float32 elementwise unary kernels (activations and unary
// math). Which implementation each op uses was measured on 1x64x80x80 with 2
// threads:
//   - memory-bound ops (Relu, LeakyRelu, Clip, HardSigmoid, Abs, Neg,
//     Reciprocal) run as own loops that gcc vectorises: 15-30% faster than the
//     oneDNN eltwise primitive;
//   - Erf runs as an own vectorisable rational approximation (max error
//     4.2e-7; scalar std::erf is ~100x slower and oneDNN has no erf);
//   - Sigmoid, Tanh, Elu, Softplus, Exp, Log and Sqrt run on oneDNN eltwise,
//     3-300x faster than libm loops (which gcc cannot vectorise here).
// Other dtypes and Not are left to the reference kernels.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "runtime/ops/activation.h"
#include "runtime/providers/cpu/cpu_kernels.h"
#include "runtime/providers/cpu/dnnl_util.h"

namespace facefuse::rt::cpu {
namespace {

// y[0..n) = f(x[0..n), a, b); x and y may be the same array.
using LoopFn = void (*)(const float* x, float* y, int64_t n, float a, float b);

template <float (*F)(float, float, float)>
void Loop(const float* x, float* y, int64_t n, float a, float b) {
  for (int64_t i = 0; i < n; ++i) y[i] = F(x[i], a, b);
}

inline float ReluFn(float v, float, float) { return v < 0.f ? 0.f : v; }
inline float LeakyReluFn(float v, float alpha, float) { return v < 0.f ? alpha * v : v; }
inline float ClipFn(float v, float lo, float hi) { return std::min(std::max(v, lo), hi); }
// The value first: std::min/std::max return their first argument for NaN, so NaN stays NaN as in the reference.
inline float HardSigmoidFn(float v, float alpha, float beta) { return std::max(std::min(alpha * v + beta, 1.f), 0.f); }
inline float AbsFn(float v, float, float) { return std::fabs(v); }
inline float NegFn(float v, float, float) { return -v; }
inline float ReciprocalFn(float v, float, float) { return 1.f / v; }

// erf(v) as x * P(x^2) / Q(x^2) on x = clamp(v, -4, 4) (erf is +-1 in float
// beyond); the coefficients are Eigen's. NaN stays NaN.
inline float ErfFn(float v, float, float) {
  const float x = std::min(std::max(v, -4.f), 4.f);
  const float x2 = x * x;
  float p = -2.72614225801306e-10f;
  p = p * x2 + 2.77068142495902e-08f;
  p = p * x2 - 2.10102402082508e-06f;
  p = p * x2 - 5.69250639462346e-05f;
  p = p * x2 - 7.34990630326855e-04f;
  p = p * x2 - 2.95459980854025e-03f;
  p = p * x2 - 1.60960333262415e-02f;
  float q = -1.45660718464996e-05f;
  q = q * x2 - 2.13374055278905e-04f;
  q = q * x2 - 1.68282697438203e-03f;
  q = q * x2 - 7.37332916720468e-03f;
  q = q * x2 - 1.42647390514189e-02f;
  return x * p / q;
}

// One op's kernel recipe: an own loop, or a oneDNN algorithm. alpha/beta are
// the fixed loop/oneDNN parameters; with from_node they come from the node's
// ActivationParams instead (LeakyRelu/Elu alpha, HardSigmoid alpha/beta, Clip
// min/max).
struct Entry {
  const char* op;
  LoopFn loop;
  dnnl::algorithm alg;
  float alpha;
  float beta;
  bool from_node;
};

using Alg = dnnl::algorithm;
const Entry kEntries[] = {
    {"Relu", Loop<ReluFn>, Alg::undef, 0.f, 0.f, false},
    {"LeakyRelu", Loop<LeakyReluFn>, Alg::undef, 0.f, 0.f, true},
    {"Clip", Loop<ClipFn>, Alg::undef, 0.f, 0.f, true},
    {"HardSigmoid", Loop<HardSigmoidFn>, Alg::undef, 0.f, 0.f, true},
    {"Abs", Loop<AbsFn>, Alg::undef, 0.f, 0.f, false},
    {"Neg", Loop<NegFn>, Alg::undef, 0.f, 0.f, false},
    {"Reciprocal", Loop<ReciprocalFn>, Alg::undef, 0.f, 0.f, false},
    {"Erf", Loop<ErfFn>, Alg::undef, 0.f, 0.f, false},
    {"Sigmoid", nullptr, Alg::eltwise_logistic, 0.f, 0.f, false},
    {"Tanh", nullptr, Alg::eltwise_tanh, 0.f, 0.f, false},
    {"Elu", nullptr, Alg::eltwise_elu, 0.f, 0.f, true},
    {"Softplus", nullptr, Alg::eltwise_soft_relu, 0.f, 0.f, false},
    {"Exp", nullptr, Alg::eltwise_exp, 0.f, 0.f, false},
    {"Log", nullptr, Alg::eltwise_log, 0.f, 0.f, false},
    {"Sqrt", nullptr, Alg::eltwise_sqrt, 0.f, 0.f, false},
};

// Fewer values than this run on the calling thread alone.
constexpr int64_t kMinParallel = 64 * 1024;

// Runs fn over chunks in parallel when n is large enough to pay for threads.
void ParallelLoop(LoopFn fn, const float* x, float* y, int64_t n, float a, float b, int threads) {
  constexpr int64_t kChunk = 16 * 1024;
  if (n < kMinParallel || threads <= 1) {
    fn(x, y, n, a, b);
    return;
  }
  const int64_t chunks = (n + kChunk - 1) / kChunk;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t begin = c * kChunk;
    fn(x + begin, y + begin, std::min(kChunk, n - begin), a, b);
  }
}

class EltwiseKernel final : public Kernel {
 public:
  EltwiseKernel(const Node& node, const Entry& entry, int threads) : node_(node), entry_(entry), threads_(threads) {}

  Status Compute(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) override {
    const Tensor& x = *inputs[0];
    Tensor& y = *outputs[0];
    if (x.dtype() != DataType::kFloat32 || y.dtype() != DataType::kFloat32 || y.size() != x.size())
      return Internal(node_.Describe() + ": the CPU eltwise kernel expects float32 input and output of equal size");
    float a = entry_.alpha, b = entry_.beta;
    if (entry_.from_node) {
      FF_ASSIGN_OR_RETURN(std::vector<float> p, ActivationParams(node_, inputs));
      if (p.size() > 0) a = p[0];
      if (p.size() > 1) b = p[1];
    }
    const int64_t n = x.size();
    if (n == 0) return Status::Ok();
    if (entry_.loop != nullptr) {
      ParallelLoop(entry_.loop, x.data<float>(), y.data<float>(), n, a, b, threads_);
      return Status::Ok();
    }
    return DnnlCall(node_, [&] { RunDnnl(x.data<float>(), y.data<float>(), n, a, b); });
  }

 private:
  // The primitive for (n, a, b), built when they change.
  struct Cached {
    int64_t n;
    float a, b;
    dnnl::memory::desc desc;
    dnnl::eltwise_forward primitive;
  };

  void RunDnnl(const float* x, float* y, int64_t n, float a, float b) {
    // Below kMinParallel values the primitive runs on the calling thread: a few microseconds of work, where a
    // parallel region waits for the worker's wake-up, and on a busy core that is a scheduler slice (YuNet's six
    // Sigmoids on [1,6400,1] and smaller, 2 threads, a busy process on one core: 2.6 ms in all).
    if (n >= kMinParallel) return Execute(x, y, n, a, b);
    const int threads = omp_get_max_threads();
    omp_set_num_threads(1);
    struct Restore {
      int threads;
      ~Restore() { omp_set_num_threads(threads); }  // also when Execute throws dnnl::error
    } restore{threads};
    Execute(x, y, n, a, b);
  }

  void Execute(const float* x, float* y, int64_t n, float a, float b) {
    if (!cache_ || cache_->n != n || cache_->a != a || cache_->b != b) {
      dnnl::memory::desc desc({n}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::a);
      dnnl::eltwise_forward::desc op(dnnl::prop_kind::forward_inference, entry_.alg, desc, a, b);
      dnnl::eltwise_forward primitive(dnnl::eltwise_forward::primitive_desc(op, DnnlEngine()));
      cache_ = Cached{n, a, b, desc, primitive};
    }
    dnnl::stream& stream = DnnlStream();
    cache_->primitive.execute(stream, {{DNNL_ARG_SRC, WrapMemory(cache_->desc, x)},
                                       {DNNL_ARG_DST, WrapMemory(cache_->desc, y)}});
    stream.wait();
  }

  Node node_;  // a copy: kernels outlive graph rewrites
  const Entry& entry_;
  int threads_;
  std::optional<Cached> cache_;
};

}  // namespace

void RegisterEltwiseKernels(CpuKernelTable& t) {
  for (const Entry& entry : kEntries) {
    t.Add("", entry.op, [&entry](const KernelRequest& req) -> Result<std::unique_ptr<Kernel>> {
      if (req.input_types.empty() || req.input_types[0] != DataType::kFloat32) return std::unique_ptr<Kernel>();
      return std::unique_ptr<Kernel>(new EltwiseKernel(req.node, entry, req.threads));
    });
  }
}

}  // namespace facefuse::rt::cpu
