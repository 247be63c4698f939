// Operator definitions: one OpDef per ONNX op (plus facefuse's fused ops).
//
// An OpDef owns everything about an op that does not depend on where it runs:
//   validate  - load-time check of attributes, input count and input dtypes,
//               so an unsupported attribute value or dtype is reported before
//               the first run, naming the node;
//   infer     - output dtypes and shapes from the actual input tensors (values
//               are available, so Reshape/Expand/Range/NonZero can read them);
//   reference - the plain, obviously-correct kernel every provider is tested
//               against. It must never read out of bounds or abort.
//
// Providers (src/runtime/providers/*) add faster kernels for the same OpDef.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "facefuse/status.h"
#include "facefuse/tensor.h"
#include "runtime/ir/graph.h"

namespace facefuse::rt {

// What validate sees: the node, the model's opset for the node's domain and
// the dtypes of its inputs (kUndefined when unknown or absent).
struct ValidateContext {
  const Node& node;
  int64_t opset;
  std::span<const DataType> input_types;
  // Constant inputs (initializers) by input index, nullptr when not constant.
  std::span<const Tensor* const> constant_inputs;

  DataType type(size_t i) const { return i < input_types.size() ? input_types[i] : DataType::kUndefined; }
  const Tensor* constant(size_t i) const { return i < constant_inputs.size() ? constant_inputs[i] : nullptr; }
};

// What infer produces for one output.
struct OutputSpec {
  DataType dtype = DataType::kUndefined;
  Shape shape;
  // >= 0: the output is input `alias_of` reinterpreted with `shape` (same bytes,
  // no kernel runs). Only for ops whose output data equals the input data.
  int alias_of = -1;
};

using ValidateFn = Status (*)(const ValidateContext& ctx);
// inputs[i] is nullptr for an absent optional input. outputs.size() equals the
// node's output count.
using InferFn = Status (*)(const Node& node, std::span<const Tensor* const> inputs,
                           std::span<OutputSpec> outputs);
// Outputs are allocated by the caller with the shapes infer gave.
using ComputeFn = Status (*)(const Node& node, std::span<const Tensor* const> inputs,
                             std::span<Tensor* const> outputs);

struct OpDef {
  std::string_view op_type;
  std::string_view domain;  // "" for the default ONNX domain, "facefuse" for fused ops
  ValidateFn validate = nullptr;
  InferFn infer = nullptr;
  ComputeFn reference = nullptr;
  // For docs/ops.md: dtypes supported and what is not (attribute values, modes).
  std::string_view dtypes;
  std::string_view limits;
  // True when an output's shape depends on the values of an input of any
  // rank (NonZero). Other ops may read values only of inputs of rank 0 or 1
  // (shapes, axes, pads, scales, counts) to infer shapes; the session reuses
  // their output specs for the same input shapes.
  bool output_shape_from_data = false;
};

class OpRegistry {
 public:
  // The process-wide registry with every built-in op. Thread-safe after first use.
  static const OpRegistry& Global();

  // nullptr when the op is unknown.
  const OpDef* Find(std::string_view domain, std::string_view op_type) const;
  const std::vector<OpDef>& all() const { return defs_; }

  void Add(const OpDef& def) { defs_.push_back(def); }

 private:
  std::vector<OpDef> defs_;
};

// Each op family registers itself; see all_ops.cpp for the list.
void RegisterActivationOps(OpRegistry& r);   // activation.cpp
void RegisterUnaryMathOps(OpRegistry& r);    // unary_math.cpp
void RegisterBinaryOps(OpRegistry& r);       // binary.cpp
void RegisterReduceOps(OpRegistry& r);       // reduce.cpp
void RegisterConvOps(OpRegistry& r);         // conv.cpp
void RegisterNormOps(OpRegistry& r);         // norm.cpp
void RegisterMatMulOps(OpRegistry& r);       // matmul.cpp
void RegisterPoolOps(OpRegistry& r);         // pool.cpp
void RegisterShapeOps(OpRegistry& r);        // shape_ops.cpp
void RegisterMovementOps(OpRegistry& r);     // movement.cpp
void RegisterResizeOps(OpRegistry& r);       // resize.cpp
void RegisterSoftmaxOps(OpRegistry& r);      // softmax.cpp
void RegisterSelectOps(OpRegistry& r);       // select.cpp (TopK, NonZero)
void RegisterCastOps(OpRegistry& r);         // cast.cpp (Cast, Identity, Dropout)
void RegisterFusedOps(OpRegistry& r);        // fused.cpp (FusedConv)
void RegisterChannelsLastOps(OpRegistry& r); // channels_last_ops.cpp (NhwcConv, NhwcMaxPool, NhwcAveragePool)

}  // namespace facefuse::rt
