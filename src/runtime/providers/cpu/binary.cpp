// CPU kernels for the binary/broadcast ops (Add, Sub, Mul, Div, Pow, Min, Max,
// Equal, Greater, Less, And, PRelu, Where): one broadcast engine.
//
// The output shape is collapsed: size-1 dims are dropped and adjacent dims
// merge wherever every input has the same broadcast pattern across them. What
// is left is rows of a contiguous innermost dim in which each input is either
// a vector (stride 1) or a scalar (stride 0), so the common cases are a single
// tight loop that gcc vectorises:
//   same shape             -> 1 row, vector op vector
//   scalar / rank-0 input  -> 1 row, vector op scalar
//   [N,C,H,W] op [C,1,1]   -> N*C rows of H*W, vector op scalar per row
// and any other broadcast walks the outer dims with strides, row by row.
// Element semantics come from ops/binary_functors.h, shared with the reference.
#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "common/parallel_for.h"
#include "runtime/ops/binary_functors.h"
#include "runtime/providers/cpu/cpu_kernels.h"

namespace facefuse::rt::cpu {
namespace {

constexpr int64_t kParallelMin = 1 << 16;  // output elements below which one thread is faster
constexpr int64_t kBlock = 1 << 14;        // elements per parallel work item within a row

// Collapsed broadcast geometry of N inputs against an output shape.
template <size_t N>
struct BroadcastPlan {
  std::vector<int64_t> dims;                    // collapsed output dims, innermost last; never empty
  std::array<std::vector<int64_t>, N> strides;  // per input and collapsed dim; 0 where broadcast
};

// Precondition: every input shape broadcasts to `out`.
template <size_t N>
BroadcastPlan<N> MakePlan(const Shape& out, const std::array<const Shape*, N>& in) {
  std::array<std::vector<int64_t>, N> full;
  for (size_t k = 0; k < N; ++k) full[k] = BroadcastStrides(*in[k], out);
  BroadcastPlan<N> p;
  for (size_t d = 0; d < out.size(); ++d) {
    if (out[d] == 1) continue;
    bool merge = !p.dims.empty();
    for (size_t k = 0; k < N && merge; ++k) merge = p.strides[k].back() == full[k][d] * out[d];
    if (merge) {
      p.dims.back() *= out[d];
      for (size_t k = 0; k < N; ++k) p.strides[k].back() = full[k][d];
    } else {
      p.dims.push_back(out[d]);
      for (size_t k = 0; k < N; ++k) p.strides[k].push_back(full[k][d]);
    }
  }
  if (p.dims.empty()) {  // a single element
    p.dims.push_back(1);
    for (size_t k = 0; k < N; ++k) p.strides[k].push_back(0);
  }
  return p;
}

// Calls row(out_offset, in_offsets, length) for every contiguous piece of the
// output (a row of the innermost dim, or a block of one); in parallel on
// `threads` threads when the output is large. Innermost strides are 0 or 1.
template <size_t N, typename Row>
void ForEachRow(const BroadcastPlan<N>& p, int threads, Row&& row) {
  const size_t outer_rank = p.dims.size() - 1;
  const int64_t inner = p.dims.back();
  int64_t rows = 1;
  for (size_t d = 0; d < outer_rank; ++d) rows *= p.dims[d];
  const bool parallel = threads > 1 && rows * inner >= kParallelMin;
  if (outer_rank == 1 && inner < kBlock) {  // short rows ([H*W, C] by [C] on NHWC): a work item takes many
    const int64_t rows_per_item = kBlock / inner;
    ParallelFor((rows + rows_per_item - 1) / rows_per_item, parallel, threads, [&](int64_t item) {
      const int64_t end = std::min(rows, (item + 1) * rows_per_item);
      for (int64_t r = item * rows_per_item; r < end; ++r) {
        std::array<int64_t, N> off;
        for (size_t k = 0; k < N; ++k) off[k] = r * p.strides[k][0];
        row(r * inner, off, inner);
      }
    });
    return;
  }
  const int64_t blocks_per_row = (inner + kBlock - 1) / kBlock;
  const int64_t items = rows * blocks_per_row;
  ParallelFor(items, parallel, threads, [&](int64_t item) {
    const int64_t r = item / blocks_per_row;
    const int64_t start = (item % blocks_per_row) * kBlock;
    std::array<int64_t, N> off{};
    int64_t rest = r;
    for (size_t d = outer_rank; d-- > 0;) {
      const int64_t i = rest % p.dims[d];
      rest /= p.dims[d];
      for (size_t k = 0; k < N; ++k) off[k] += i * p.strides[k][d];
    }
    for (size_t k = 0; k < N; ++k) off[k] += start * p.strides[k][outer_rank];
    row(r * inner + start, off, std::min(kBlock, inner - start));
  });
}

// An input along a row: contiguous elements, or one element repeated (held by
// value, so the compiler knows stores to the output cannot change it).
template <typename T>
struct VectorOperand {
  const T* p;
  T operator[](int64_t i) const { return p[i]; }
};
template <typename T>
struct ScalarOperand {
  T v;
  T operator[](int64_t) const { return v; }
};

// Calls f(operand) with the operand type matching an innermost stride (1 or 0).
template <typename T, typename F>
void WithOperand(const T* p, int64_t stride, F&& f) {
  if (stride != 0)
    f(VectorOperand<T>{p});
  else
    f(ScalarOperand<T>{*p});
}

// out = fn(a, b) along one row.
template <typename Out, typename A, typename B, typename Fn>
void BinaryRow(Out* o, const A* a, int64_t sa, const B* b, int64_t sb, int64_t n, Fn fn) {
  WithOperand(a, sa, [&](auto av) {
    WithOperand(b, sb, [&](auto bv) {
      for (int64_t i = 0; i < n; ++i) o[i] = fn(av[i], bv[i]);
    });
  });
}

// Input shapes equal `shapes` (updated to them when not).
bool SameShapes(std::span<const Tensor* const> inputs, std::vector<Shape>& shapes) {
  bool same = shapes.size() == inputs.size();
  for (size_t i = 0; i < inputs.size() && same; ++i) same = inputs[i]->shape() == shapes[i];
  if (!same) {
    shapes.clear();
    for (const Tensor* t : inputs) shapes.push_back(t->shape());
  }
  return same;
}

// Binary ops, and Min/Max folded left to right: out = f(in0, in1), then out = f(out, in_k).
template <BinaryOp op>
class BinaryKernel final : public Kernel {
 public:
  explicit BinaryKernel(const KernelRequest& req) : node_(req.node), threads_(req.threads) {}

  // Y may be A's memory when A has Y's size (so A is not broadcast): each element of Y is written after the
  // element of A at the same index is read, and a later input (Min/Max) is never A's memory (the session's rule).
  int OutputMayReuseInput(size_t output) const override { return output == 0 ? 0 : -1; }

  Status Compute(std::span<const Tensor* const> given, std::span<Tensor* const> outputs) override {
    Tensor& out = *outputs[0];
    if (out.size() == 0) return Status::Ok();
    std::vector<const Tensor*> inputs(given.begin(), given.end());
    Tensor second;
    if (inputs.size() == 2) {
      FF_ASSIGN_OR_RETURN(second, SecondOperandView(node_, op, *inputs[0], *inputs[1]));
      inputs[1] = &second;
    }
    if (inputs.size() == 1) {  // Min/Max of one input
      std::memcpy(out.raw(), inputs[0]->raw(), out.bytes());
      return Status::Ok();
    }
    if (!SameShapes(inputs, shapes_)) {
      plans_.clear();
      for (size_t k = 1; k < inputs.size(); ++k)
        plans_.push_back(MakePlan<2>(out.shape(), {k == 1 ? &shapes_[0] : &out.shape(), &shapes_[k]}));
    }
    return DispatchOperand<op>(node_, inputs[0]->dtype(), [&](auto a_tag) {
      using A = decltype(a_tag);
      return DispatchSecondOperand<op, A>(node_, inputs[1]->dtype(), [&](auto b_tag) {
        using B = decltype(b_tag);
        using Out = decltype(BinaryFn<op>{}(A{}, B{}));
        Run<Out, A, B>(inputs[0]->data<A>(), inputs[1]->data<B>(), plans_[0], out.data<Out>());
        if constexpr (IsVariadic(op)) {
          for (size_t k = 2; k < inputs.size(); ++k)
            Run<A, A, A>(out.data<A>(), inputs[k]->data<A>(), plans_[k - 1], out.data<A>());
        }
        return Status::Ok();
      });
    });
  }

 private:
  template <typename Out, typename A, typename B>
  void Run(const A* a, const B* b, const BroadcastPlan<2>& plan, Out* o) {
    const int64_t sa = plan.strides[0].back(), sb = plan.strides[1].back();
    ForEachRow(plan, threads_, [&](int64_t o_off, const std::array<int64_t, 2>& off, int64_t n) {
      BinaryRow(o + o_off, a + off[0], sa, b + off[1], sb, n, BinaryFn<op>{});
    });
  }

  Node node_;
  int threads_;
  std::vector<Shape> shapes_;
  std::vector<BroadcastPlan<2>> plans_;  // plans_[k - 1] combines the running result with input k
};

class WhereKernel final : public Kernel {
 public:
  explicit WhereKernel(const KernelRequest& req) : node_(req.node), threads_(req.threads) {}

  Status Compute(std::span<const Tensor* const> inputs, std::span<Tensor* const> outputs) override {
    Tensor& out = *outputs[0];
    if (out.size() == 0) return Status::Ok();
    if (!SameShapes(inputs, shapes_)) plan_ = MakePlan<3>(out.shape(), {&shapes_[0], &shapes_[1], &shapes_[2]});
    return DispatchBySize(node_, out.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const bool* c = inputs[0]->data<bool>();
      const T* x = inputs[1]->data<T>();
      const T* y = inputs[2]->data<T>();
      T* o = out.data<T>();
      const int64_t sc = plan_.strides[0].back(), sx = plan_.strides[1].back(), sy = plan_.strides[2].back();
      ForEachRow(plan_, threads_, [&](int64_t o_off, const std::array<int64_t, 3>& off, int64_t n) {
        WithOperand(c + off[0], sc, [&](auto cv) {
          WithOperand(x + off[1], sx, [&](auto xv) {
            WithOperand(y + off[2], sy, [&](auto yv) {
              for (int64_t i = 0; i < n; ++i) o[o_off + i] = cv[i] ? xv[i] : yv[i];
            });
          });
        });
      });
      return Status::Ok();
    });
  }

 private:
  Node node_;
  int threads_;
  std::vector<Shape> shapes_;
  BroadcastPlan<3> plan_;
};

template <typename K>
KernelFactory Factory() {
  return
      [](const KernelRequest& req) -> Result<std::unique_ptr<Kernel>> { return std::unique_ptr<Kernel>(new K(req)); };
}

}  // namespace

void RegisterBinaryKernels(CpuKernelTable& t) {
  t.Add("", "Add", Factory<BinaryKernel<BinaryOp::kAdd>>());
  t.Add("", "Sub", Factory<BinaryKernel<BinaryOp::kSub>>());
  t.Add("", "Mul", Factory<BinaryKernel<BinaryOp::kMul>>());
  t.Add("", "Div", Factory<BinaryKernel<BinaryOp::kDiv>>());
  t.Add("", "Pow", Factory<BinaryKernel<BinaryOp::kPow>>());
  t.Add("", "Min", Factory<BinaryKernel<BinaryOp::kMin>>());
  t.Add("", "Max", Factory<BinaryKernel<BinaryOp::kMax>>());
  t.Add("", "Equal", Factory<BinaryKernel<BinaryOp::kEqual>>());
  t.Add("", "Greater", Factory<BinaryKernel<BinaryOp::kGreater>>());
  t.Add("", "Less", Factory<BinaryKernel<BinaryOp::kLess>>());
  t.Add("", "And", Factory<BinaryKernel<BinaryOp::kAnd>>());
  t.Add("", "PRelu", Factory<BinaryKernel<BinaryOp::kPRelu>>());
  t.Add("", "Where", Factory<WhereKernel>());
}

}  // namespace facefuse::rt::cpu
