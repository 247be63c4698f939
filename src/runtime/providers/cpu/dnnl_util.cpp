#include "runtime/providers/cpu/dnnl_util.h"

#include <algorithm>

namespace facefuse::rt::cpu {

const dnnl::engine& DnnlEngine() {
  static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream& DnnlStream() {
  thread_local dnnl::stream stream(DnnlEngine());
  return stream;
}

dnnl::memory::dims ToDnnlDims(const Shape& shape) {
  if (shape.empty()) return {1};
  return dnnl::memory::dims(shape.begin(), shape.end());
}

Result<dnnl::memory::data_type> ToDnnlType(DataType dtype) {
  switch (dtype) {
    case DataType::kFloat32:
      return dnnl::memory::data_type::f32;
    case DataType::kFloat16:
      return dnnl::memory::data_type::f16;
    case DataType::kBFloat16:
      return dnnl::memory::data_type::bf16;
    case DataType::kInt32:
      return dnnl::memory::data_type::s32;
    case DataType::kInt8:
      return dnnl::memory::data_type::s8;
    case DataType::kUInt8:
      return dnnl::memory::data_type::u8;
    default:
      return Unsupported("oneDNN has no data type for " + DataTypeName(dtype));
  }
}

dnnl::memory::desc PlainDesc(const Shape& shape, dnnl::memory::data_type dt) {
  dnnl::memory::dims dims = ToDnnlDims(shape);
  dnnl::memory::dims strides(dims.size(), 1);
  for (size_t i = dims.size() - 1; i > 0; --i) strides[i - 1] = strides[i] * std::max<dnnl::memory::dim>(dims[i], 1);
  return dnnl::memory::desc(dims, dt, strides);
}

dnnl::memory::desc ChannelsLastDesc(const Shape& shape, dnnl::memory::data_type dt) {
  using tag = dnnl::memory::format_tag;
  tag t = shape.size() == 3 ? tag::nwc : shape.size() == 4 ? tag::nhwc : tag::ndhwc;
  return dnnl::memory::desc(ToDnnlDims(shape), dt, t);
}

dnnl::memory WrapMemory(const dnnl::memory::desc& desc, const void* data) {
  return dnnl::memory(desc, DnnlEngine(), const_cast<void*>(data));
}

Status CheckFits(const Node& node, const dnnl::memory::desc& desc, const Tensor& t) {
  if (desc.get_size() <= t.bytes()) return Status::Ok();
  return Internal(node.Describe() + ": the output holds " + std::to_string(t.bytes()) + " bytes, the kernel would write " +
                  std::to_string(desc.get_size()) + " (its shape disagrees with the one inferred)");
}

Status DnnlErrorStatus(const Node& node, const dnnl::error& e) {
  std::string message = node.Describe() + ": oneDNN: " + e.what();
  if (e.status == dnnl_unimplemented) return Unsupported(std::move(message));
  if (e.status == dnnl_out_of_memory) return OutOfMemory(std::move(message));
  return Internal(std::move(message));
}

}  // namespace facefuse::rt::cpu
