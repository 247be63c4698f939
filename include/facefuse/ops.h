// facefuse: the runtime's operator support table (what `facefuse ops` prints into docs/ops.md).
//
// Thread safety: every function is thread-safe (the table is built once and never changes).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace facefuse {

// One operator the runtime runs.
struct OperatorInfo {
  std::string domain;   // "" for the default ONNX domain (ai.onnx), "facefuse" for facefuse's fused ops
  std::string op_type;  // e.g. "Conv"
  std::string dtypes;   // the dtypes it takes, as docs/ops.md words them (e.g. "float32 float16 int8..int64")
  std::string limits;   // what it does not support (attribute values, modes); "" when nothing
  // The execution providers with their own kernel for it: always "reference", then "cpu" where the CPU provider
  // has one (it may still leave some dtypes or attribute values to the reference kernel).
  std::vector<std::string> kernels;
};

// Every operator, in the runtime's registration order.
std::vector<OperatorInfo> ListOperators();

// The operator `op_type` of `domain` ("" and "ai.onnx" both name the default domain); nullopt when the runtime
// does not have it.
std::optional<OperatorInfo> FindOperator(std::string_view domain, std::string_view op_type);

}  // namespace facefuse
