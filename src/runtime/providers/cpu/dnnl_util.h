// oneDNN helpers shared by the CPU provider's oneDNN-backed kernels (conv,
// pool, matmul, norm, softmax): the process-wide engine, a per-thread stream,
// memory-descriptor helpers, and DnnlCall, which turns dnnl::error (and
// std::bad_alloc) into a Status so no exception escapes a kernel.
//
// Thread safety: DnnlEngine() is safe to call from any thread; DnnlStream()
// returns a stream owned by the calling thread.
#pragma once

#include <new>
#include <string>
#include <type_traits>
#include <utility>

#include <oneapi/dnnl/dnnl.hpp>

#include "facefuse/status.h"
#include "facefuse/tensor.h"
#include "runtime/ir/graph.h"

namespace facefuse::rt::cpu {

// The CPU engine every oneDNN kernel uses (created on first use).
const dnnl::engine& DnnlEngine();
// A CPU stream owned by the calling thread (created on first use per thread).
dnnl::stream& DnnlStream();

// oneDNN dims of a facefuse shape; a rank-0 shape becomes {1}.
dnnl::memory::dims ToDnnlDims(const Shape& shape);
// The oneDNN data type of dtype; Unsupported for dtypes oneDNN cannot hold.
Result<dnnl::memory::data_type> ToDnnlType(DataType dtype);
// A dense row-major (NCHW for 4-D) descriptor of the shape.
dnnl::memory::desc PlainDesc(const Shape& shape, dnnl::memory::data_type dt = dnnl::memory::data_type::f32);
// A dense channels-last (NWC / NHWC / NDHWC) descriptor; `shape` is given in NC... order and has rank 3..5.
dnnl::memory::desc ChannelsLastDesc(const Shape& shape, dnnl::memory::data_type dt = dnnl::memory::data_type::f32);
// A memory object over caller-owned data (no copy). `data` must outlive it.
dnnl::memory WrapMemory(const dnnl::memory::desc& desc, const void* data);
// OK when `t` holds at least the bytes `desc` spans. oneDNN writes what its descriptor says, and ASan does not see
// those writes: a descriptor built from a geometry that disagrees with the shape inference gave the output (a
// malformed model) would write past the output's buffer. Errors: Internal naming the node and both sizes.
Status CheckFits(const Node& node, const dnnl::memory::desc& desc, const Tensor& t);

// The Status for a caught oneDNN error: Unsupported for dnnl_unimplemented,
// OutOfMemory for dnnl_out_of_memory, Internal otherwise; prefixed with the node.
Status DnnlErrorStatus(const Node& node, const dnnl::error& e);

// Runs fn() (returning void or Status) and returns its Status, or the Status
// of a dnnl::error / std::bad_alloc it threw.
template <typename F>
Status DnnlCall(const Node& node, F&& fn) {
  try {
    if constexpr (std::is_void_v<std::invoke_result_t<F>>) {
      std::forward<F>(fn)();
      return Status::Ok();
    } else {
      return std::forward<F>(fn)();
    }
  } catch (const dnnl::error& e) {
    return DnnlErrorStatus(node, e);
  } catch (const std::bad_alloc&) {
    return OutOfMemory(node.Describe() + ": out of memory in a oneDNN kernel");
  }
}

}  // namespace facefuse::rt::cpu
