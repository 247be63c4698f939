#include "facefuse/tensor.h"

#include "common/float16.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace facefuse {

size_t DataTypeSize(DataType t) {
  switch (t) {
    case DataType::kFloat32: case DataType::kInt32: case DataType::kUInt32: return 4;
    case DataType::kUInt8: case DataType::kInt8: case DataType::kBool: return 1;
    case DataType::kUInt16: case DataType::kInt16: case DataType::kFloat16: case DataType::kBFloat16: return 2;
    case DataType::kInt64: case DataType::kFloat64: case DataType::kUInt64: return 8;
    default: return 0;
  }
}

std::string DataTypeName(DataType t) {
  switch (t) {
    case DataType::kUndefined: return "undefined";
    case DataType::kFloat32: return "float32";
    case DataType::kUInt8: return "uint8";
    case DataType::kInt8: return "int8";
    case DataType::kUInt16: return "uint16";
    case DataType::kInt16: return "int16";
    case DataType::kInt32: return "int32";
    case DataType::kInt64: return "int64";
    case DataType::kString: return "string";
    case DataType::kBool: return "bool";
    case DataType::kFloat16: return "float16";
    case DataType::kFloat64: return "float64";
    case DataType::kUInt32: return "uint32";
    case DataType::kUInt64: return "uint64";
    case DataType::kBFloat16: return "bfloat16";
  }
  return "dtype(" + std::to_string(static_cast<int>(t)) + ")";
}

int64_t NumElements(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string ShapeToString(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

double ElementAsDouble(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DataType::kFloat32: return t.data<float>()[i];
    case DataType::kFloat64: return t.data<double>()[i];
    case DataType::kFloat16: return HalfToFloat(t.data<uint16_t>()[i]);
    case DataType::kInt64: return static_cast<double>(t.data<int64_t>()[i]);
    case DataType::kInt32: return t.data<int32_t>()[i];
    case DataType::kInt16: return t.data<int16_t>()[i];
    case DataType::kInt8: return t.data<int8_t>()[i];
    case DataType::kUInt8: return t.data<uint8_t>()[i];
    case DataType::kUInt16: return t.data<uint16_t>()[i];
    case DataType::kUInt32: return t.data<uint32_t>()[i];
    case DataType::kUInt64: return static_cast<double>(t.data<uint64_t>()[i]);
    case DataType::kBool: return t.data<bool>()[i] ? 1 : 0;
    default: return NAN;
  }
}

Result<Tensor> Tensor::Allocate(DataType dtype, Shape shape) { return Allocate(dtype, std::move(shape), HostAllocator()); }

Result<Tensor> Tensor::Allocate(DataType dtype, Shape shape, const std::shared_ptr<Allocator>& allocator) {
  size_t elem = DataTypeSize(dtype);
  if (elem == 0) return InvalidArgument("cannot allocate a tensor of dtype " + DataTypeName(dtype));
  uint64_t count = 1;
  for (int64_t d : shape) {
    if (d < 0) return InvalidArgument("negative dimension in shape " + ShapeToString(shape));
    if (d != 0 && count > std::numeric_limits<uint64_t>::max() / static_cast<uint64_t>(d))
      return InvalidArgument("shape " + ShapeToString(shape) + " overflows");
    count *= static_cast<uint64_t>(d);
  }
  if (count > (uint64_t{1} << 40) / elem)
    return OutOfMemory("tensor of shape " + ShapeToString(shape) + " is larger than 1 TiB");
  const size_t bytes = static_cast<size_t>(count) * elem;
  FF_ASSIGN_OR_RETURN(void* p, allocator->Allocate(bytes > 0 ? bytes : 1));
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.device_ = allocator->device();
  t.allocator_ = allocator.get();
  t.owner_ = std::shared_ptr<void>(p, [keep = allocator](void* q) { keep->Free(q); });
  t.data_ = p;
  return t;
}

Tensor Tensor::View(DataType dtype, Shape shape, void* data, Device device) {
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.device_ = device;
  t.data_ = data;
  return t;
}

Tensor Tensor::Adopt(DataType dtype, Shape shape, std::shared_ptr<void> owner, void* data, Device device) {
  Tensor t = View(dtype, std::move(shape), data, device);
  t.owner_ = std::move(owner);
  return t;
}

Result<Tensor> Tensor::Reshaped(Shape shape) const {
  if (NumElements(shape) != size())
    return InvalidArgument("cannot reshape " + ShapeToString(shape_) + " to " + ShapeToString(shape));
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

Result<Tensor> Tensor::Clone() const {
  if (device_.is_host()) {
    auto t = Allocate(dtype_, shape_);
    if (!t.ok()) return t;
    if (bytes() > 0) std::memcpy(t->raw(), data_, bytes());
    return t;
  }
  if (allocator_ == nullptr)
    return Unsupported("cannot copy a " + DeviceName(device_) + " tensor that no allocator made");
  FF_ASSIGN_OR_RETURN(Tensor t, Allocate(dtype_, shape_, allocator_->shared_from_this()));
  if (bytes() > 0) FF_RETURN_IF_ERROR(allocator_->Copy(t.raw(), data_, bytes(), CopyDirection::kDeviceToDevice));
  return t;
}

Result<Tensor> CopyToDevice(const Tensor& t, const std::shared_ptr<Allocator>& to) {
  const Device from = t.device();
  if (!from.is_host() && t.allocator() == nullptr)
    return Unsupported("cannot copy a " + DeviceName(from) + " tensor that no allocator made");
  if (!from.is_host() && !to->device().is_host() && from != to->device()) {
    FF_ASSIGN_OR_RETURN(Tensor staged, CopyToDevice(t, HostAllocator()));
    return CopyToDevice(staged, to);
  }
  FF_ASSIGN_OR_RETURN(Tensor copy, Tensor::Allocate(t.dtype(), t.shape(), to));
  if (t.bytes() == 0) return copy;
  if (from.is_host()) {
    FF_RETURN_IF_ERROR(to->Copy(copy.raw(), t.raw(), t.bytes(), to->device().is_host() ? CopyDirection::kDeviceToDevice
                                                                                        : CopyDirection::kHostToDevice));
  } else {
    const CopyDirection direction = to->device().is_host() ? CopyDirection::kDeviceToHost : CopyDirection::kDeviceToDevice;
    FF_RETURN_IF_ERROR(t.allocator()->Copy(copy.raw(), t.raw(), t.bytes(), direction));
  }
  return copy;
}

}  // namespace facefuse
