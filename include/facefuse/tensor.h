// facefuse: dense tensors as they cross the public API and the runtime.
//
// A Tensor is a dtype, a shape, the device its data is on and a pointer to
// row-major (C order) data. It either owns its buffer (shared,
// reference-counted: copies alias the same bytes) or views memory owned by
// someone else (Tensor::View). Copying a Tensor never copies its data; use
// Clone() or CopyToDevice() for that. Tensors are on the host unless made by
// another device's Allocator (facefuse/device.h); the data of a non-host tensor
// is a device address the host must not dereference (data(), span(),
// ElementAsDouble are for host tensors).
//
// Thread safety: distinct Tensor objects may be used concurrently; writing the
// shared data from two threads at once is the caller's responsibility.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "facefuse/device.h"
#include "facefuse/status.h"

namespace facefuse {

// Values equal ONNX TensorProto.DataType so conversion is a cast.
enum class DataType : int32_t {
  kUndefined = 0,
  kFloat32 = 1,
  kUInt8 = 2,
  kInt8 = 3,
  kUInt16 = 4,
  kInt16 = 5,
  kInt32 = 6,
  kInt64 = 7,
  kString = 8,
  kBool = 9,
  kFloat16 = 10,
  kFloat64 = 11,
  kUInt32 = 12,
  kUInt64 = 13,
  kBFloat16 = 16,
};

// Bytes per element; 0 for kUndefined, kString and unknown codes.
size_t DataTypeSize(DataType t);
// "float32", "int64", ...; "dtype(<n>)" for codes facefuse does not know.
std::string DataTypeName(DataType t);

using Shape = std::vector<int64_t>;
// Product of dims (1 for a scalar). Precondition: dims are non-negative.
int64_t NumElements(const Shape& shape);
// "[1,3,640,640]".
std::string ShapeToString(const Shape& shape);

template <typename T> constexpr DataType DataTypeOf();
template <> constexpr DataType DataTypeOf<float>() { return DataType::kFloat32; }
template <> constexpr DataType DataTypeOf<double>() { return DataType::kFloat64; }
template <> constexpr DataType DataTypeOf<int64_t>() { return DataType::kInt64; }
template <> constexpr DataType DataTypeOf<int32_t>() { return DataType::kInt32; }
template <> constexpr DataType DataTypeOf<int16_t>() { return DataType::kInt16; }
template <> constexpr DataType DataTypeOf<int8_t>() { return DataType::kInt8; }
template <> constexpr DataType DataTypeOf<uint8_t>() { return DataType::kUInt8; }
template <> constexpr DataType DataTypeOf<uint16_t>() { return DataType::kUInt16; }
template <> constexpr DataType DataTypeOf<uint32_t>() { return DataType::kUInt32; }
template <> constexpr DataType DataTypeOf<uint64_t>() { return DataType::kUInt64; }
template <> constexpr DataType DataTypeOf<bool>() { return DataType::kBool; }

class Tensor {
 public:
  Tensor() = default;

  // Allocates zero-initialised, 64-byte aligned storage. Errors: InvalidArgument
  // for a negative dim, an unsized dtype or a byte count that overflows;
  // OutOfMemory when the allocation fails.
  static Result<Tensor> Allocate(DataType dtype, Shape shape);
  // The same on `allocator`'s device (zero-initialised there too); the tensor
  // keeps the allocator alive. Errors: as above, or the allocator's.
  static Result<Tensor> Allocate(DataType dtype, Shape shape, const std::shared_ptr<Allocator>& allocator);

  // A non-owning view of `data` on `device`, which must outlive every copy of
  // the view and hold at least NumElements(shape) * DataTypeSize(dtype) bytes.
  static Tensor View(DataType dtype, Shape shape, void* data, Device device = Device{});

  // A tensor over `data` (on `device`) whose lifetime `owner` controls: the
  // bytes stay valid while any copy of the tensor (or of `owner`) lives. For
  // buffers that need their own release (pinned or budgeted memory); `data`
  // must hold at least NumElements(shape) * DataTypeSize(dtype) bytes.
  static Tensor Adopt(DataType dtype, Shape shape, std::shared_ptr<void> owner, void* data, Device device = Device{});

  // A scalar or 1-D tensor from values (for tests and constants).
  template <typename T>
  static Result<Tensor> FromVector(const std::vector<T>& values, Shape shape);

  bool empty() const { return dtype_ == DataType::kUndefined; }
  DataType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int64_t rank() const { return static_cast<int64_t>(shape_.size()); }
  int64_t dim(int64_t i) const { return shape_[static_cast<size_t>(i)]; }
  int64_t size() const { return NumElements(shape_); }
  size_t bytes() const { return static_cast<size_t>(size()) * DataTypeSize(dtype_); }
  const Device& device() const { return device_; }
  // The allocator that made this tensor's buffer (alive while the buffer is);
  // nullptr for views and adopted buffers.
  Allocator* allocator() const { return allocator_; }

  void* raw() { return data_; }
  const void* raw() const { return data_; }
  template <typename T> T* data() { return static_cast<T*>(data_); }
  template <typename T> const T* data() const { return static_cast<const T*>(data_); }
  template <typename T> std::span<T> span() { return {data<T>(), static_cast<size_t>(size())}; }
  template <typename T> std::span<const T> span() const { return {data<T>(), static_cast<size_t>(size())}; }

  // Same bytes, another shape. Error if the element counts differ.
  Result<Tensor> Reshaped(Shape shape) const;
  // A deep copy that owns its buffer, on the same device (from the same
  // allocator; host memory for a host tensor). Errors: OutOfMemory, or
  // Unsupported for a non-host tensor without an allocator.
  Result<Tensor> Clone() const;
  // True when this tensor owns (shares ownership of) its buffer.
  bool owns_data() const { return owner_ != nullptr; }

 private:
  DataType dtype_ = DataType::kUndefined;
  Shape shape_;
  Device device_;
  Allocator* allocator_ = nullptr;  // kept alive by owner_
  std::shared_ptr<void> owner_;
  void* data_ = nullptr;
};

// A deep copy of `t` into memory from `to` (any pair of devices; between two
// non-host devices the bytes pass through the host). Errors: OutOfMemory,
// the allocators' copy errors, Unsupported when `t` is on a non-host device
// but was not made by an allocator (nothing can read it).
Result<Tensor> CopyToDevice(const Tensor& t, const std::shared_ptr<Allocator>& to);

template <typename T>
Result<Tensor> Tensor::FromVector(const std::vector<T>& values, Shape shape) {
  if (NumElements(shape) != static_cast<int64_t>(values.size()))
    return InvalidArgument("FromVector: " + std::to_string(values.size()) + " values for shape " +
                           ShapeToString(shape));
  auto t = Allocate(DataTypeOf<T>(), std::move(shape));
  if (!t.ok()) return t.status();
  T* out = t->template data<T>();
  for (size_t i = 0; i < values.size(); ++i) out[i] = values[i];
  return t;
}

// Element i of a numeric tensor as a double (float16 decoded, bool 0/1); NaN
// for dtypes without a numeric value (string, bfloat16). Precondition: 0 <= i < t.size().
double ElementAsDouble(const Tensor& t, int64_t i);

}  // namespace facefuse
