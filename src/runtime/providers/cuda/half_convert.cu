// float32 -> float16 on the device: the weight conversion of the CUDA provider's FP16 path.
#include <cuda_fp16.h>
#include <cuda_runtime_api.h>

#include <memory>

#include "gpu/cuda/cuda_status.h"
#include "runtime/providers/cuda/half_convert.h"

namespace facefuse::rt {
using gpu::CudaCheck;

namespace {

__global__ void FloatToHalfKernel(const float* in, __half* out, size_t count) {
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < count;
       i += static_cast<size_t>(gridDim.x) * blockDim.x)
    out[i] = __float2half_rn(in[i]);
}

struct DeviceFree {
  void operator()(void* p) const { cudaFree(p); }
};

}  // namespace

Status ConvertToHalfOnDevice(const float* in, std::uint16_t* out, std::size_t count, int device_index) {
  if (count == 0) return Status::Ok();
  if (in == nullptr || out == nullptr) return InvalidArgument("ConvertToHalfOnDevice: null buffer");
  FF_RETURN_IF_ERROR(CudaCheck(cudaSetDevice(device_index), "cannot select CUDA device " + std::to_string(device_index)));
  void* d_in = nullptr;
  void* d_out = nullptr;
  FF_RETURN_IF_ERROR(CudaCheck(cudaMalloc(&d_in, count * sizeof(float)), "device buffer for float16 conversion"));
  std::unique_ptr<void, DeviceFree> in_guard(d_in);
  FF_RETURN_IF_ERROR(CudaCheck(cudaMalloc(&d_out, count * sizeof(__half)), "device buffer for float16 conversion"));
  std::unique_ptr<void, DeviceFree> out_guard(d_out);
  FF_RETURN_IF_ERROR(CudaCheck(cudaMemcpy(d_in, in, count * sizeof(float), cudaMemcpyHostToDevice), "upload"));
  const int threads = 256;
  const size_t wanted = (count + threads - 1) / threads;
  const int blocks = static_cast<int>(wanted < 65535 ? wanted : 65535);
  FloatToHalfKernel<<<blocks, threads>>>(static_cast<const float*>(d_in), static_cast<__half*>(d_out), count);
  FF_RETURN_IF_ERROR(CudaCheck(cudaGetLastError(), "float16 conversion launch"));
  FF_RETURN_IF_ERROR(CudaCheck(cudaMemcpy(out, d_out, count * sizeof(__half), cudaMemcpyDeviceToHost), "download"));
  return Status::Ok();
}

}  // namespace facefuse::rt
