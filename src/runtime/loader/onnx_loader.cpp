#include "runtime/loader/onnx_loader.h"

#include "common/read_file.h"

#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <functional>
#include <limits>
#include <sstream>
#include <unordered_map>

namespace facefuse::rt {
namespace fs = std::filesystem;
namespace {

constexpr int64_t kMaxTensorBytes = int64_t{1} << 34;  // 16 GiB: nothing in a face model comes close

bool SupportedStorageType(int32_t t) {
  switch (static_cast<DataType>(t)) {
    case DataType::kFloat32: case DataType::kUInt8: case DataType::kInt8: case DataType::kUInt16:
    case DataType::kInt16: case DataType::kInt32: case DataType::kInt64: case DataType::kBool:
    case DataType::kFloat16: case DataType::kFloat64: case DataType::kUInt32: case DataType::kUInt64:
    case DataType::kBFloat16: return true;
    default: return false;
  }
}

// Reads `bytes` of external data into the tensor `allocate` returns, which is called only once the file is known
// to hold them (a corrupt model cannot make us allocate what it does not have).
Status ReadExternal(const onnx::TensorProto& p, const fs::path& base_dir, Env* env, size_t bytes,
                    const std::function<Result<void*>()>& allocate) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto& kv : p.external_data()) {
    if (kv.key() == "location") {
      location = kv.value();
    } else if (kv.key() == "offset" || kv.key() == "length") {
      int64_t& field = kv.key() == "offset" ? offset : length;
      const char* end = kv.value().data() + kv.value().size();
      auto [ptr, ec] = std::from_chars(kv.value().data(), end, field);
      if (ec != std::errc() || ptr != end || field < 0)
        return InvalidArgument("external data " + kv.key() + " '" + kv.value() + "' is not a non-negative integer");
    }
  }
  if (location.empty()) return InvalidArgument("external data without a location");
  if (base_dir.empty()) return InvalidArgument("external data '" + location + "' but the model has no folder");
  fs::path rel(location);
  if (rel.is_absolute() || location.find("..") != std::string::npos)
    return InvalidArgument("external data location '" + location + "' must be a relative path inside the model folder");
  if (length >= 0 && static_cast<size_t>(length) != bytes)
    return InvalidArgument("external data length " + std::to_string(length) + " does not match dims (" +
                           std::to_string(bytes) + " bytes)");
  fs::path file = base_dir / rel;
  auto in = env->NewRandomAccessFile(file);
  if (!in.ok()) return NotFound("external data file " + file.string() + " cannot be opened");
  const Result<uint64_t> size = (*in)->Size();
  if (!size.ok()) return IoError("cannot read the size of external data file " + file.string());
  if (static_cast<uint64_t>(offset) > *size || bytes > *size - static_cast<uint64_t>(offset))
    return InvalidArgument("external data file " + file.string() + " is too short for offset " +
                           std::to_string(offset) + " + " + std::to_string(bytes) + " bytes");
  FF_ASSIGN_OR_RETURN(void* dst, allocate());
  const Result<size_t> read = (*in)->Read(static_cast<uint64_t>(offset), {static_cast<uint8_t*>(dst), bytes});
  if (!read.ok() || *read != bytes) return IoError("reading " + file.string() + " failed");
  return Status::Ok();
}

// Copies n typed-field values (the caller has checked the count) into the tensor's storage type.
template <typename Src, typename Dst>
void CopyTyped(const google::protobuf::RepeatedField<Src>& src, int64_t n, Dst* dst) {
  for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<Dst>(src.Get(static_cast<int>(i)));
}

// The typed field a dtype's values are stored in when there is no raw_data, and how many it holds.
struct TypedField {
  const char* name;
  int64_t count;
};

TypedField StoredField(const onnx::TensorProto& p, DataType dt) {
  switch (dt) {
    case DataType::kFloat32: return {"float_data", p.float_data_size()};
    case DataType::kFloat64: return {"double_data", p.double_data_size()};
    case DataType::kInt64: return {"int64_data", p.int64_data_size()};
    case DataType::kUInt64: case DataType::kUInt32: return {"uint64_data", p.uint64_data_size()};
    default: return {"int32_data", p.int32_data_size()};  // int32 and narrower, float16/bfloat16 bits, bool
  }
}

Result<Tensor> TensorFromProto(const onnx::TensorProto& p, const fs::path& base_dir, Env* env) {
  const std::string who = "tensor '" + p.name() + "'";
  if (!SupportedStorageType(p.data_type()))
    return Unsupported(who + " has unsupported data type " + DataTypeName(static_cast<DataType>(p.data_type())));
  if (p.has_segment()) return Unsupported(who + " uses segments");
  DataType dt = static_cast<DataType>(p.data_type());
  Shape shape(p.dims().begin(), p.dims().end());
  int64_t count = 1;
  for (int64_t d : shape) {
    if (d < 0) return InvalidArgument(who + " has a negative dimension " + ShapeToString(shape));
    if (d != 0 && count > kMaxTensorBytes / d) return InvalidArgument(who + " is impossibly large " + ShapeToString(shape));
    count *= d;
  }
  size_t esize = DataTypeSize(dt);
  if (count * static_cast<int64_t>(esize) > kMaxTensorBytes)
    return InvalidArgument(who + " is impossibly large " + ShapeToString(shape));
  size_t bytes = static_cast<size_t>(count) * esize;
  if (p.data_location() == onnx::TensorProto::EXTERNAL) {
    Tensor t;
    auto allocate = [&]() -> Result<void*> {
      FF_ASSIGN_OR_RETURN(t, Tensor::Allocate(dt, shape));
      return t.raw();
    };
    FF_RETURN_IF_ERROR(ReadExternal(p, base_dir, env, bytes, allocate).WithContext(who));
    return t;
  }
  if (p.has_raw_data()) {
    if (p.raw_data().size() != bytes)
      return InvalidArgument(who + " has " + std::to_string(p.raw_data().size()) + " bytes of raw_data but dims " +
                             ShapeToString(shape) + " need " + std::to_string(bytes));
  } else if (TypedField field = StoredField(p, dt); field.count != count) {
    return InvalidArgument(who + " stores " + std::to_string(field.count) + " values in " + field.name + " but dims " +
                           ShapeToString(shape) + " need " + std::to_string(count));
  }
  auto t = Tensor::Allocate(dt, shape);
  if (!t.ok()) return t.status().WithContext(who);
  if (p.has_raw_data()) {
    if (bytes) std::memcpy(t->raw(), p.raw_data().data(), bytes);
    return t;
  }
  switch (dt) {
    case DataType::kFloat32: CopyTyped(p.float_data(), count, t->data<float>()); break;
    case DataType::kFloat64: CopyTyped(p.double_data(), count, t->data<double>()); break;
    case DataType::kInt64: CopyTyped(p.int64_data(), count, t->data<int64_t>()); break;
    case DataType::kUInt64: CopyTyped(p.uint64_data(), count, t->data<uint64_t>()); break;
    case DataType::kUInt32: CopyTyped(p.uint64_data(), count, t->data<uint32_t>()); break;
    case DataType::kInt32: CopyTyped(p.int32_data(), count, t->data<int32_t>()); break;
    case DataType::kInt16: CopyTyped(p.int32_data(), count, t->data<int16_t>()); break;
    case DataType::kInt8: CopyTyped(p.int32_data(), count, t->data<int8_t>()); break;
    case DataType::kUInt8: CopyTyped(p.int32_data(), count, t->data<uint8_t>()); break;
    case DataType::kUInt16: case DataType::kFloat16: case DataType::kBFloat16:
      CopyTyped(p.int32_data(), count, t->data<uint16_t>()); break;
    case DataType::kBool:
      for (int64_t i = 0; i < count; ++i) t->data<bool>()[i] = p.int32_data(static_cast<int>(i)) != 0;
      break;
    default: return Unsupported(who + " has data type " + DataTypeName(dt) + " without a typed field");
  }
  return t;
}

ValueInfo ValueInfoFromProto(const onnx::ValueInfoProto& v) {
  ValueInfo info;
  info.name = v.name();
  if (v.type().has_tensor_type()) {
    const auto& tt = v.type().tensor_type();
    info.dtype = static_cast<DataType>(tt.elem_type());
    if (tt.has_shape()) {
      std::vector<Dim> dims;
      for (const auto& d : tt.shape().dim()) {
        Dim dim;
        if (d.has_dim_value()) dim.size = d.dim_value();
        if (d.has_dim_param()) dim.symbol = d.dim_param();
        dims.push_back(dim);
      }
      info.dims = std::move(dims);
    }
  }
  return info;
}

Result<Attribute> AttributeFromProto(const onnx::AttributeProto& a, const fs::path& base_dir, Env* env,
                                     const Node& node) {
  Attribute out;
  switch (a.type()) {
    case onnx::AttributeProto::INT: out.value = a.i(); break;
    case onnx::AttributeProto::FLOAT: out.value = a.f(); break;
    case onnx::AttributeProto::STRING: out.value = a.s(); break;
    case onnx::AttributeProto::INTS: out.value = std::vector<int64_t>(a.ints().begin(), a.ints().end()); break;
    case onnx::AttributeProto::FLOATS: out.value = std::vector<float>(a.floats().begin(), a.floats().end()); break;
    case onnx::AttributeProto::STRINGS: out.value = std::vector<std::string>(a.strings().begin(), a.strings().end()); break;
    case onnx::AttributeProto::TENSOR: {
      auto t = TensorFromProto(a.t(), base_dir, env);
      if (!t.ok()) return t.status().WithContext(node.Describe() + " attribute " + a.name());
      out.value = std::move(t).value();
      break;
    }
    default:
      return Unsupported(node.Describe() + ": attribute '" + a.name() + "' has type " +
                         onnx::AttributeProto::AttributeType_Name(a.type()) + ", which facefuse does not support");
  }
  return out;
}

// Attributes ONNX's shape functions divide by (convPoolShapeInference divides
// by strides and dilations without checking them).
bool IsDivisorAttribute(const std::string& name) {
  return name == "strides" || name == "dilations" || name == "kernel_shape" || name == "group" ||
         name == "blocksize" || name == "block_size";
}

// ONNX's shape inference dereferences absent required inputs (a fuzzed Conv
// with an empty W crashes it), so it only runs on graphs whose nodes give every
// input their schema requires and no zero or negative divisor attribute. Other
// graphs keep their types unknown and the session's own validation reports
// what is wrong.
bool SafeForShapeInference(const onnx::ModelProto& model) {
  std::unordered_map<std::string, int> opsets;
  for (const auto& op : model.opset_import()) opsets[op.domain() == "ai.onnx" ? "" : op.domain()] = static_cast<int>(op.version());
  for (const auto& n : model.graph().node()) {
    const std::string domain = n.domain() == "ai.onnx" ? "" : n.domain();
    auto it = opsets.find(domain);
    if (it == opsets.end()) return false;
    const onnx::OpSchema* schema = onnx::OpSchemaRegistry::Schema(n.op_type(), it->second, domain);
    if (schema == nullptr) return false;
    if (n.input_size() < schema->min_input() || n.input_size() > schema->max_input()) return false;
    if (n.output_size() < schema->min_output() || n.output_size() > schema->max_output()) return false;
    const auto& formals = schema->inputs();
    for (int i = 0; i < n.input_size(); ++i) {
      size_t f = std::min(static_cast<size_t>(i), formals.empty() ? 0 : formals.size() - 1);
      bool optional = !formals.empty() && formals[f].GetOption() == onnx::OpSchema::Optional;
      if (n.input(i).empty() && !optional) return false;
    }
    for (const auto& a : n.attribute()) {
      if (a.type() == onnx::AttributeProto::UNDEFINED || a.type() == onnx::AttributeProto::GRAPH ||
          a.type() == onnx::AttributeProto::GRAPHS)
        return false;
      if (IsDivisorAttribute(a.name())) {
        if (a.has_i() && a.i() <= 0) return false;
        for (int64_t v : a.ints())
          if (v <= 0) return false;
      }
    }
  }
  return true;
}

void InferTypes(const onnx::ModelProto& model, Graph& g) {
  if (!SafeForShapeInference(model)) return;
  onnx::ModelProto copy = model;
  // Only dtypes are taken from inference; declared shapes are dropped so that
  // ONNX's shape functions (which trust them, e.g. Conv channels vs group) never
  // see inconsistent ones. facefuse computes shapes itself at run time.
  auto* graph = copy.mutable_graph();
  for (auto* list : {graph->mutable_input(), graph->mutable_output(), graph->mutable_value_info()})
    for (auto& v : *list)
      if (v.type().has_tensor_type()) v.mutable_type()->mutable_tensor_type()->clear_shape();
  try {
    onnx::ShapeInferenceOptions opts;
    opts.check_type = false;
    opts.error_mode = 0;
    onnx::shape_inference::InferShapes(copy, onnx::OpSchemaRegistry::Instance(), opts);
  } catch (...) {
    return;  // types stay unknown; kernels check dtypes at run time
  }
  for (const auto& v : copy.graph().value_info()) {
    ValueInfo info = ValueInfoFromProto(v);
    if (info.dtype != DataType::kUndefined) g.value_infos[info.name] = std::move(info);
  }
}

// Initializers above this size give their proto's data back once they are tensors: the weights of a large model
// are then never held twice, and the copy InferTypes makes is small. Smaller ones keep it (ONNX's shape functions
// read shape inputs such as Reshape's from the initializer's data).
constexpr size_t kReleaseProtoDataBytes = 64 * 1024;

// Frees the data fields of `p` (their memory, not only their contents); name, dims and type stay.
void ReleaseData(onnx::TensorProto* p) {
  delete p->release_raw_data();
  google::protobuf::RepeatedField<float>().Swap(p->mutable_float_data());
  google::protobuf::RepeatedField<int32_t>().Swap(p->mutable_int32_data());
  google::protobuf::RepeatedField<int64_t>().Swap(p->mutable_int64_data());
  google::protobuf::RepeatedField<double>().Swap(p->mutable_double_data());
  google::protobuf::RepeatedField<uint64_t>().Swap(p->mutable_uint64_data());
}

// Consumes the data of `model`'s large initializers (kReleaseProtoDataBytes).
Result<Graph> GraphFromModel(onnx::ModelProto& model, const fs::path& base_dir, Env* env) {
  Graph g;
  g.producer = model.producer_name();
  for (const auto& op : model.opset_import())
    if (op.domain().empty() || op.domain() == "ai.onnx") g.opset = op.version();
  if (g.opset == 0 && model.opset_import_size() == 0 && model.ir_version() > 0 && model.ir_version() < 3) g.opset = 1;
  if (!model.has_graph()) return InvalidArgument("the model has no graph");
  const auto& gp = model.graph();
  if (gp.sparse_initializer_size() > 0) return Unsupported("sparse initializers are not supported");

  for (auto& init : *model.mutable_graph()->mutable_initializer()) {
    if (init.name().empty()) return InvalidArgument("an initializer has no name");
    auto t = TensorFromProto(init, base_dir, env);
    if (!t.ok()) return t.status().WithContext("initializer");
    if (t->bytes() > kReleaseProtoDataBytes) ReleaseData(&init);
    g.initializers[init.name()] = std::move(t).value();
  }
  for (const auto& in : gp.input()) {
    if (g.initializers.count(in.name())) continue;  // input with a default value: a constant
    g.inputs.push_back(ValueInfoFromProto(in));
  }
  for (const auto& out : gp.output()) g.outputs.push_back(ValueInfoFromProto(out));
  for (const auto& v : gp.value_info()) {
    ValueInfo info = ValueInfoFromProto(v);
    if (info.dtype != DataType::kUndefined) g.value_infos[info.name] = std::move(info);
  }
  g.nodes.reserve(static_cast<size_t>(gp.node_size()));
  for (const auto& np : gp.node()) {
    Node n;
    n.name = np.name();
    n.op_type = np.op_type();
    n.domain = np.domain() == "ai.onnx" ? "" : np.domain();
    n.inputs.assign(np.input().begin(), np.input().end());
    n.outputs.assign(np.output().begin(), np.output().end());
    for (const auto& a : np.attribute()) {
      if (!a.ref_attr_name().empty()) return Unsupported(n.Describe() + ": attribute references are not supported");
      auto attr = AttributeFromProto(a, base_dir, env, n);
      if (!attr.ok()) return attr.status();
      n.attrs[a.name()] = std::move(attr).value();
    }
    if (n.domain.empty() && g.opset == 0)
      return InvalidArgument(n.Describe() + " is in the default ONNX domain, but the model imports no opset for it");
    g.nodes.push_back(std::move(n));
  }
  for (const auto& o : g.outputs)
    if (o.name.empty()) return InvalidArgument("a graph output has no name");
  InferTypes(model, g);
  FF_RETURN_IF_ERROR(g.TopologicalSort());
  return g;
}

}  // namespace

Result<std::string> ReadFileBytes(const fs::path& path) {
  const FileType type = Env::Default()->Stat(path).type;
  if (type == FileType::kMissing) return NotFound(path.string() + " does not exist");
  if (type == FileType::kDirectory) return InvalidArgument(path.string() + " is a directory, not a file");
  // Refused from its size and kind before reading: protobuf parses at most 2 GB; a device or FIFO is no model.
  auto bytes = ReadRegularFile<std::string>(path, static_cast<uint64_t>(std::numeric_limits<int>::max()));
  if (!bytes.ok() && bytes.status().message().find("over the limit") != std::string::npos)
    return Unsupported(bytes.status().message() + ": models over 2 GiB must keep their weights in external data files");
  return bytes;
}

Result<Graph> LoadOnnxModelFromBytes(std::span<const uint8_t> bytes, const fs::path& base_dir, Env* env) {
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max()))
    return Unsupported("models over 2 GiB must keep their weights in external data files");
  onnx::ModelProto model;
  if (bytes.empty() || !model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return InvalidArgument("not a valid ONNX model (protobuf parse failed)");
  return GraphFromModel(model, base_dir, EnvOrDefault(env));
}

Result<Graph> LoadOnnxModel(const fs::path& path) {
  FF_ASSIGN_OR_RETURN(std::string bytes, ReadFileBytes(path));
  auto g = LoadOnnxModelFromBytes({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()},
                                  path.has_parent_path() ? path.parent_path() : fs::path("."));
  if (!g.ok()) return g.status().WithContext(path.string());
  return g;
}

Result<Tensor> ReadLastInitializer(const fs::path& model, std::string* name) {
  FF_ASSIGN_OR_RETURN(std::string bytes, ReadFileBytes(model));
  onnx::ModelProto proto;
  if (!proto.ParseFromString(bytes)) return InvalidArgument(model.string() + " is not a serialized ONNX model");
  const auto& inits = proto.graph().initializer();
  if (inits.empty()) return NotFound(model.string() + " has no initializers");
  const onnx::TensorProto& last = inits[inits.size() - 1];
  if (name != nullptr) *name = last.name();
  return TensorFromProto(last, model.has_parent_path() ? model.parent_path() : fs::path("."), Env::Default());
}

Result<Tensor> ReadTensorProtoFile(const fs::path& path, std::string* name) {
  FF_ASSIGN_OR_RETURN(std::string bytes, ReadFileBytes(path));
  onnx::TensorProto p;
  if (!p.ParseFromString(bytes)) return InvalidArgument(path.string() + " is not a serialized TensorProto");
  if (name) *name = p.name();
  auto t = TensorFromProto(p, path.parent_path(), Env::Default());
  if (!t.ok()) return t.status().WithContext(path.string());
  return t;
}

Status WriteTensorProtoFile(const fs::path& path, const Tensor& t, const std::string& name) {
  onnx::TensorProto p;
  p.set_name(name);
  p.set_data_type(static_cast<int32_t>(t.dtype()));
  for (int64_t d : t.shape()) p.add_dims(d);
  p.set_raw_data(t.raw(), t.bytes());
  std::string bytes;
  if (!p.SerializeToString(&bytes)) return IoError("cannot write " + path.string());
  return WriteStringToFile(Env::Default(), path, bytes);
}

}  // namespace facefuse::rt
