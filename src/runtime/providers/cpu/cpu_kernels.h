// The CPU provider's kernel table. Each file in this folder registers the
// kernels of one op family; a factory returns nullptr to leave a node to the
// reference kernel (e.g. an unusual dtype or attribute).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "runtime/providers/provider.h"

namespace facefuse::rt::cpu {

using KernelFactory = std::function<Result<std::unique_ptr<Kernel>>(const KernelRequest&)>;

struct CpuKernelTable {
  std::map<std::string, KernelFactory> by_op;  // key: "domain:op_type", "" domain for ONNX
  void Add(const std::string& domain, const std::string& op, KernelFactory f) { by_op[domain + ":" + op] = std::move(f); }
};

void RegisterEltwiseKernels(CpuKernelTable& t);     // eltwise.cpp: activations and unary math
void RegisterBinaryKernels(CpuKernelTable& t);      // binary.cpp: Add, Sub, Mul, Div, Where, ...
void RegisterReduceKernels(CpuKernelTable& t);      // reduce.cpp: ReduceMean/Sum/Max, ArgMax
void RegisterDnnlConvKernels(CpuKernelTable& t);    // dnnl_conv.cpp: Conv, ConvTranspose, FusedConv
void RegisterDnnlMatMulKernels(CpuKernelTable& t);  // dnnl_matmul.cpp: MatMul, Gemm
void RegisterDnnlPoolKernels(CpuKernelTable& t);    // dnnl_pool.cpp: MaxPool, AveragePool, Global*
void RegisterNormKernels(CpuKernelTable& t);        // norm.cpp: Batch/Instance/LayerNormalization
void RegisterSoftmaxKernels(CpuKernelTable& t);     // softmax.cpp: Softmax, LogSoftmax
void RegisterMovementKernels(CpuKernelTable& t);    // movement.cpp: Transpose, Concat, Slice, Gather, ...
void RegisterResizeKernels(CpuKernelTable& t);      // resize.cpp: Resize, Upsample

}  // namespace facefuse::rt::cpu
