#include "runtime/ops/op_util.h"

#include <algorithm>

namespace facefuse::rt {

Status NodeError(const Node& node, const std::string& what) {
  return InvalidArgument(node.Describe() + ": " + what);
}

Status NodeUnsupported(const Node& node, const std::string& what) {
  return Unsupported(node.Describe() + ": " + what);
}

Status ExpectInputCount(const ValidateContext& ctx, size_t min, size_t max) {
  size_t n = ctx.node.NumInputs();
  if (n < min || n > max)
    return NodeError(ctx.node, "expects " + std::to_string(min) +
                                   (min == max ? "" : ".." + std::to_string(max)) + " inputs, got " +
                                   std::to_string(n));
  return Status::Ok();
}

Status ExpectInputType(const ValidateContext& ctx, size_t i, std::initializer_list<DataType> allowed) {
  DataType t = ctx.type(i);
  if (t == DataType::kUndefined) return Status::Ok();
  for (DataType a : allowed)
    if (a == t) return Status::Ok();
  std::string list;
  for (DataType a : allowed) list += (list.empty() ? "" : ", ") + DataTypeName(a);
  return NodeUnsupported(ctx.node, "input " + std::to_string(i) + " has dtype " + DataTypeName(t) +
                                       "; supported: " + list);
}

Status ExpectStringAttr(const Node& node, const std::string& attr, std::initializer_list<const char*> allowed) {
  if (!node.Has(attr)) return Status::Ok();
  std::string v = node.GetString(attr, "");
  std::string list;
  for (const char* a : allowed) {
    if (v == a) return Status::Ok();
    list += (list.empty() ? "" : ", ") + std::string(a);
  }
  return NodeUnsupported(node, "attribute " + attr + "='" + v + "' is not supported (supported: " + list + ")");
}

Result<Shape> BroadcastShapes(const Shape& a, const Shape& b) {
  size_t r = std::max(a.size(), b.size());
  Shape out(r);
  for (size_t i = 0; i < r; ++i) {
    int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    if (da == db || db == 1) out[i] = da;
    else if (da == 1) out[i] = db;
    else return InvalidArgument("shapes " + ShapeToString(a) + " and " + ShapeToString(b) + " do not broadcast");
  }
  return out;
}

Result<int64_t> NormalizeAxis(const Node& node, int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= std::max<int64_t>(rank, 1))
    return NodeError(node, "axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

Result<std::vector<int64_t>> ReadInt64s(const Node& node, const Tensor* t, const char* what, bool any_rank) {
  if (t == nullptr) return NodeError(node, std::string("missing ") + what);
  if (!any_rank && t->rank() > 1)
    return NodeError(node, std::string(what) + " must be a 1-D tensor, got shape " + ShapeToString(t->shape()));
  std::vector<int64_t> v(static_cast<size_t>(t->size()));
  if (t->dtype() == DataType::kInt64) {
    std::copy_n(t->data<int64_t>(), v.size(), v.begin());
  } else if (t->dtype() == DataType::kInt32) {
    std::copy_n(t->data<int32_t>(), v.size(), v.begin());
  } else {
    return NodeError(node, std::string(what) + " must be int64 or int32, got " + DataTypeName(t->dtype()));
  }
  return v;
}

Result<std::vector<float>> ReadFloats(const Node& node, const Tensor* t, const char* what) {
  if (t == nullptr) return NodeError(node, std::string("missing ") + what);
  if (t->rank() > 1)
    return NodeError(node, std::string(what) + " must be a 1-D tensor, got shape " + ShapeToString(t->shape()));
  std::vector<float> v(static_cast<size_t>(t->size()));
  switch (t->dtype()) {
    case DataType::kFloat32: std::copy_n(t->data<float>(), v.size(), v.begin()); break;
    case DataType::kFloat64: std::transform(t->data<double>(), t->data<double>() + v.size(), v.begin(),
                                            [](double d) { return static_cast<float>(d); }); break;
    case DataType::kInt64: std::transform(t->data<int64_t>(), t->data<int64_t>() + v.size(), v.begin(),
                                          [](int64_t d) { return static_cast<float>(d); }); break;
    case DataType::kInt32: std::transform(t->data<int32_t>(), t->data<int32_t>() + v.size(), v.begin(),
                                          [](int32_t d) { return static_cast<float>(d); }); break;
    default: return NodeError(node, std::string(what) + " has unsupported dtype " + DataTypeName(t->dtype()));
  }
  return v;
}

Status CheckOutputSize(const Node& node, size_t index, const OutputSpec& spec, uint64_t limit_bytes) {
  for (int64_t d : spec.shape)
    if (d < 0) return NodeError(node, "output " + std::to_string(index) + " has a negative dim " + ShapeToString(spec.shape));
  if (std::find(spec.shape.begin(), spec.shape.end(), 0) != spec.shape.end()) return Status::Ok();  // empty
  uint64_t bytes = DataTypeSize(spec.dtype);
  bool over = bytes > limit_bytes;
  for (size_t i = 0; i < spec.shape.size() && !over; ++i) {
    const uint64_t d = static_cast<uint64_t>(spec.shape[i]);
    over = bytes > limit_bytes / d;  // bytes * d > limit_bytes, without overflow
    bytes *= d;
  }
  if (!over) return Status::Ok();
  const std::string limit = limit_bytes % (uint64_t{1} << 20) == 0 ? std::to_string(limit_bytes >> 20) + " MB"
                                                                     : std::to_string(limit_bytes) + " bytes";
  return OutOfMemory(node.Describe() + ": output " + std::to_string(index) + " of shape " +
                     ShapeToString(spec.shape) + " is over the limit of " + limit + " per tensor");
}

std::vector<int64_t> Strides(const Shape& shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;) s[i - 1] = s[i] * shape[i];
  return s;
}

std::vector<int64_t> BroadcastStrides(const Shape& in, const Shape& out) {
  std::vector<int64_t> s(out.size(), 0);
  std::vector<int64_t> is = Strides(in);
  size_t off = out.size() - in.size();
  for (size_t i = 0; i < in.size(); ++i) s[i + off] = in[i] == 1 ? 0 : is[i];
  return s;
}

bool IsFloatType(DataType t) {
  return t == DataType::kFloat32 || t == DataType::kFloat64 || t == DataType::kFloat16;
}

bool IsIntType(DataType t) {
  switch (t) {
    case DataType::kInt8: case DataType::kInt16: case DataType::kInt32: case DataType::kInt64:
    case DataType::kUInt8: case DataType::kUInt16: case DataType::kUInt32: case DataType::kUInt64: return true;
    default: return false;
  }
}

}  // namespace facefuse::rt
