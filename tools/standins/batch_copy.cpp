// facefuse-batch-copy: writes a copy of a batch-1 model whose batch is
// dynamic, with one test data set per batch size, in ONNX backend-test layout:
// OUT/model.onnx and OUT/test_data_set_<N>/input_<i>.pb for each N of
// --batches (the set's number is its batch). Both runtimes can then be timed
// on the same inputs at batch 1, 4, 16 (bench/compare_batch.sh):
//
//   facefuse-batch-copy --model DIR/model.onnx --out OUT [--batches 1,4,16] [--data DIR/test_data_set_0]
//
// The copy differs from the model in three ways, each printed:
//   - dim 0 of every graph input and output becomes the symbol "batch" (it must be 1 or a symbol);
//   - a Reshape of a computed tensor to a constant shape whose first entry is 1 gets -1 there (0 when the
//     shape already holds a -1), so the batch passes through; the constant is copied, never shared;
//   - intermediate value_info is dropped (its batch dims would be stale).
// With --data, each input_<i>.pb (and output_<i>.pb, when present) of that folder is stacked N times along
// dim 0, so the copy checks against the original's reference outputs (`facefuse check-model OUT`). Without it,
// float inputs are drawn uniformly from [-1, 1] (seeded, same values for every N) and no outputs are written.
//
// Refused, before anything is written: a model whose batch cannot pass (an output whose dim 0 is not 1 or the
// inputs' batch symbol; a Concat that joins a computed tensor with a batch-1 constant along another axis), external
// data, and --data whose tensors do not match the graph's inputs (count, dtype, rank, dims other than dim 0). When
// writing fails half-way, what was written is removed.
//
// Exit code 0 on success, 1 on an error (printed), 2 on bad usage.
#include <onnx/onnx_pb.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "facefuse/tensor_file.h"

namespace {

namespace fs = std::filesystem;
using facefuse::Result;
using facefuse::Status;
using facefuse::Tensor;

constexpr const char* kBatchSymbol = "batch";

Status Invalid(const std::string& what) { return facefuse::InvalidArgument(what); }

// Dim 0 of `value` becomes the batch symbol. It must be 1 or a symbol: an input's symbol joins `batch_symbols`;
// an output's must be one of them.
Status MakeBatchDynamic(onnx::ValueInfoProto* value, bool is_input, std::set<std::string>& batch_symbols) {
  if (!value->type().has_tensor_type() || !value->type().tensor_type().has_shape() ||
      value->type().tensor_type().shape().dim_size() == 0) {
    return Invalid("'" + value->name() + "' has no rank-1 or higher tensor shape to batch");
  }
  auto* dim0 = value->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(0);
  if (dim0->has_dim_value() && dim0->dim_value() != 1) {
    return Invalid("'" + value->name() + "' has batch " + std::to_string(dim0->dim_value()) + ", not 1");
  }
  if (!dim0->has_dim_value()) {
    const std::string symbol = dim0->has_dim_param() ? dim0->dim_param() : "?";
    if (is_input) {
      batch_symbols.insert(symbol);
    } else if (symbol == "?" || !batch_symbols.count(symbol)) {
      return Invalid("output '" + value->name() + "' has dim 0 '" + symbol +
                     "', which is not the inputs' batch: the copy cannot batch it");
    }
  }
  dim0->set_dim_param(kBatchSymbol);
  std::printf("  %s: dim 0 -> %s\n", value->name().c_str(), kBatchSymbol);
  return Status::Ok();
}

std::vector<int64_t> Int64Values(const onnx::TensorProto& t) {
  std::vector<int64_t> v(t.int64_data().begin(), t.int64_data().end());
  if (v.empty() && !t.raw_data().empty()) {
    v.resize(t.raw_data().size() / sizeof(int64_t));
    std::memcpy(v.data(), t.raw_data().data(), v.size() * sizeof(int64_t));
  }
  return v;
}

// The constant tensor named `name`: an initializer, or the value of a Constant node; nullptr otherwise.
const onnx::TensorProto* ConstantTensor(const onnx::GraphProto& graph, const std::string& name) {
  for (const auto& init : graph.initializer())
    if (init.name() == name) return &init;
  for (const auto& node : graph.node()) {
    if (node.op_type() != "Constant" || node.output_size() != 1 || node.output(0) != name) continue;
    for (const auto& a : node.attribute())
      if (a.name() == "value" && a.has_t()) return &a.t();
  }
  return nullptr;
}

// The constant shape of the ConstantOfShape node that produces `name`; nullptr when there is none.
const onnx::TensorProto* ConstantOfShapeInput(const onnx::GraphProto& graph, const std::string& name) {
  for (const auto& node : graph.node()) {
    if (node.op_type() == "ConstantOfShape" && node.output_size() == 1 && node.output(0) == name &&
        node.input_size() == 1)
      return ConstantTensor(graph, node.input(0));
  }
  return nullptr;
}

// Refuses a Concat that joins a computed tensor with a constant of batch 1 along another axis (BlazeFace pads its
// channels that way): at batch N the shapes no longer agree.
Status CheckConcatsPassTheBatch(const onnx::GraphProto& graph) {
  for (const auto& node : graph.node()) {
    if (node.op_type() != "Concat") continue;
    int64_t axis = 0;
    for (const auto& a : node.attribute())
      if (a.name() == "axis") axis = a.i();
    bool computed = false;
    std::string batch1;  // a constant input of batch 1
    for (const auto& in : node.input()) {
      if (const onnx::TensorProto* c = ConstantTensor(graph, in)) {
        if (c->dims_size() >= 2 && c->dims(0) == 1) batch1 = in;
      } else if (const onnx::TensorProto* shape = ConstantOfShapeInput(graph, in)) {
        const std::vector<int64_t> dims = Int64Values(*shape);
        if (dims.size() >= 2 && dims[0] == 1) batch1 = in;
      } else {
        computed = true;
      }
    }
    if (computed && !batch1.empty() && axis != 0) {
      const std::string who = node.name().empty() ? "writing '" + node.output(0) + "'" : "'" + node.name() + "'";
      return Invalid("Concat " + who + " joins a computed tensor with the batch-1 constant '" + batch1 +
                     "' along axis " + std::to_string(axis) + ": the copy cannot batch it");
    }
  }
  return Status::Ok();
}

// Rewrites the Reshapes of computed tensors to constant shapes (initializers or Constant nodes) with a leading 1.
void LetReshapesPassTheBatch(onnx::GraphProto* graph) {
  std::set<std::string> initializers;
  for (const auto& init : graph->initializer()) initializers.insert(init.name());
  int copies = 0;
  for (auto& node : *graph->mutable_node()) {
    if (node.op_type() != "Reshape" || node.input_size() < 2 || initializers.count(node.input(0))) continue;
    const onnx::TensorProto* shape = ConstantTensor(*graph, node.input(1));
    if (shape == nullptr || shape->data_type() != onnx::TensorProto::INT64) continue;
    std::vector<int64_t> dims = Int64Values(*shape);
    if (dims.empty() || dims[0] != 1) continue;
    const bool has_infer = std::find(dims.begin(), dims.end(), -1) != dims.end();
    dims[0] = has_infer ? 0 : -1;
    onnx::TensorProto copy;
    copy.set_name(node.input(1) + "_batched_" + std::to_string(copies++));
    copy.set_data_type(onnx::TensorProto::INT64);
    copy.add_dims(static_cast<int64_t>(dims.size()));
    copy.set_raw_data(dims.data(), dims.size() * sizeof(int64_t));
    std::printf("  Reshape '%s': shape %s[0] 1 -> %lld\n", node.name().c_str(), node.input(1).c_str(),
                static_cast<long long>(dims[0]));
    node.set_input(1, copy.name());
    *graph->add_initializer() = std::move(copy);
  }
}

// `t` (dim 0 == 1) repeated `n` times along dim 0.
Result<Tensor> Stack(const Tensor& t, int64_t n) {
  if (t.rank() == 0 || t.dim(0) != 1) return Invalid("a tensor to stack must have dim 0 == 1");
  facefuse::Shape shape = t.shape();
  shape[0] = n;
  auto out = Tensor::Allocate(t.dtype(), shape);
  if (!out.ok()) return out.status();
  for (int64_t i = 0; i < n; ++i) {
    std::memcpy(static_cast<char*>(out->raw()) + static_cast<size_t>(i) * t.bytes(), t.raw(), t.bytes());
  }
  return out;
}

// Inputs drawn from [-1, 1] at batch 1, one per graph input that is not an initializer.
Result<std::vector<std::pair<std::string, Tensor>>> RandomInputs(const onnx::GraphProto& graph, uint64_t seed) {
  std::set<std::string> initializers;
  for (const auto& init : graph.initializer()) initializers.insert(init.name());
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> uniform(-1.f, 1.f);
  std::vector<std::pair<std::string, Tensor>> inputs;
  for (const auto& in : graph.input()) {
    if (initializers.count(in.name())) continue;
    if (in.type().tensor_type().elem_type() != onnx::TensorProto::FLOAT) {
      return Invalid("input '" + in.name() + "' is not float32: pass --data");
    }
    facefuse::Shape shape;
    for (const auto& d : in.type().tensor_type().shape().dim()) {
      if (!shape.empty() && !d.has_dim_value()) return Invalid("input '" + in.name() + "' has a dynamic dim: pass --data");
      shape.push_back(shape.empty() ? 1 : d.dim_value());
    }
    std::vector<float> values(static_cast<size_t>(facefuse::NumElements(shape)));
    for (float& v : values) v = uniform(rng);
    auto t = Tensor::FromVector(values, shape);
    if (!t.ok()) return t.status();
    inputs.emplace_back(in.name(), *t);
  }
  return inputs;
}

// The tensors named `prefix`<i>.pb in `dir`, i = 0, 1, ... until one is missing.
Result<std::vector<std::pair<std::string, Tensor>>> ReadNumbered(const fs::path& dir, const std::string& prefix) {
  std::vector<std::pair<std::string, Tensor>> tensors;
  for (int i = 0;; ++i) {
    const fs::path file = dir / (prefix + std::to_string(i) + ".pb");
    if (!fs::exists(file)) break;
    std::string name;
    auto t = facefuse::ReadTensorFile(file, &name);
    if (!t.ok()) return t.status();
    tensors.emplace_back(name, *t);
  }
  return tensors;
}

// Files and folders written so far; on failure they are removed, newest first.
class Written {
 public:
  void Add(const fs::path& p) { paths_.push_back(p); }
  void RemoveAll() {
    std::error_code ec;
    for (auto it = paths_.rbegin(); it != paths_.rend(); ++it) fs::remove(*it, ec);
  }

 private:
  std::vector<fs::path> paths_;
};

Status WriteStacked(const fs::path& dir, const std::string& prefix,
                    const std::vector<std::pair<std::string, Tensor>>& tensors, int64_t batch, Written& written) {
  for (size_t i = 0; i < tensors.size(); ++i) {
    auto stacked = Stack(tensors[i].second, batch);
    if (!stacked.ok()) return Invalid(prefix + std::to_string(i) + ": " + stacked.status().message());
    const fs::path file = dir / (prefix + std::to_string(i) + ".pb");
    written.Add(file);
    Status s = facefuse::WriteTensorFile(file, *stacked, tensors[i].first);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

// Checks the --data tensors against the graph's values (inputs or outputs): count, dtype, rank, dim 0 == 1 and
// the other dims where the graph fixes them.
Status CheckAgainstGraph(const std::vector<std::pair<std::string, Tensor>>& tensors,
                         const std::vector<const onnx::ValueInfoProto*>& values, const std::string& what) {
  if (tensors.size() != values.size()) {
    return Invalid("--data holds " + std::to_string(tensors.size()) + " " + what + "(s), the model has " +
                   std::to_string(values.size()));
  }
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i].second;
    const auto& type = values[i]->type().tensor_type();
    const std::string who = what + "_" + std::to_string(i) + ".pb ('" + values[i]->name() + "')";
    if (static_cast<int32_t>(t.dtype()) != type.elem_type()) return Invalid(who + " has another dtype than the model's");
    if (t.rank() != type.shape().dim_size()) return Invalid(who + " has another rank than the model's");
    if (t.rank() == 0 || t.dim(0) != 1) return Invalid(who + " must have dim 0 == 1 to be stacked");
    for (int d = 1; d < type.shape().dim_size(); ++d) {
      const auto& dim = type.shape().dim(d);
      if (dim.has_dim_value() && dim.dim_value() != t.dim(d)) {
        return Invalid(who + " has dim " + std::to_string(d) + " = " + std::to_string(t.dim(d)) + ", the model " +
                       std::to_string(dim.dim_value()));
      }
    }
  }
  return Status::Ok();
}

struct Options {
  std::string model;
  std::string out;
  std::string data;
  std::vector<int64_t> batches = {1, 4, 16};
  uint64_t seed = 1;
};

Status ReadModel(const std::string& path, onnx::ModelProto* model) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return facefuse::NotFound("cannot open " + path + ": no such file");
  if (!fs::is_regular_file(path, ec)) return Invalid(path + " is not a regular file");
  std::ifstream f(path, std::ios::binary);
  if (!f) return facefuse::NotFound("cannot open " + path);
  if (!model->ParseFromIstream(&f) || !model->has_graph() || model->graph().node_size() == 0)
    return Invalid(path + " is not a serialized ONNX model with a graph");
  for (const auto& init : model->graph().initializer()) {
    if (init.data_location() == onnx::TensorProto::EXTERNAL)
      return facefuse::Unsupported("initializer '" + init.name() + "' keeps its data outside the model: the copy " +
                                   "would not carry it");
  }
  return Status::Ok();
}

// The batch copy of `model` (rewritten in place): inputs and outputs batched, Reshapes and Concats checked.
Status Rebatch(onnx::ModelProto* model) {
  onnx::GraphProto* graph = model->mutable_graph();
  std::set<std::string> initializers, batch_symbols;
  for (const auto& init : graph->initializer()) initializers.insert(init.name());
  for (auto& in : *graph->mutable_input()) {
    if (initializers.count(in.name())) continue;
    if (Status s = MakeBatchDynamic(&in, /*is_input=*/true, batch_symbols); !s.ok()) return s;
  }
  for (auto& out : *graph->mutable_output()) {
    if (Status s = MakeBatchDynamic(&out, /*is_input=*/false, batch_symbols); !s.ok()) return s;
  }
  if (Status s = CheckConcatsPassTheBatch(*graph); !s.ok()) return s;
  LetReshapesPassTheBatch(graph);
  graph->clear_value_info();
  return Status::Ok();
}

Status Run(const Options& o) {
  onnx::ModelProto model;
  if (Status s = ReadModel(o.model, &model); !s.ok()) return s;
  std::vector<onnx::ValueInfoProto> declared_inputs, declared_outputs;  // before the rewrite
  {
    std::set<std::string> initializers;
    for (const auto& init : model.graph().initializer()) initializers.insert(init.name());
    for (const auto& in : model.graph().input())
      if (!initializers.count(in.name())) declared_inputs.push_back(in);
    for (const auto& out : model.graph().output()) declared_outputs.push_back(out);
  }
  auto pointers = [](const std::vector<onnx::ValueInfoProto>& v) {
    std::vector<const onnx::ValueInfoProto*> p;
    for (const auto& x : v) p.push_back(&x);
    return p;
  };
  const auto graph_inputs = pointers(declared_inputs), graph_outputs = pointers(declared_outputs);
  std::printf("%s:\n", o.model.c_str());
  if (Status s = Rebatch(&model); !s.ok()) return s;

  std::vector<std::pair<std::string, Tensor>> inputs, outputs;
  if (!o.data.empty()) {
    std::error_code ec;
    if (!fs::is_directory(o.data, ec)) return facefuse::NotFound("--data " + o.data + " is not a folder");
    auto read = ReadNumbered(o.data, "input_");
    if (!read.ok()) return read.status();
    if (read->empty()) return facefuse::NotFound(o.data + " has no input_0.pb");
    inputs = *read;
    if (Status s = CheckAgainstGraph(inputs, graph_inputs, "input"); !s.ok()) return s;
    auto refs = ReadNumbered(o.data, "output_");
    if (!refs.ok()) return refs.status();
    outputs = *refs;
    if (!outputs.empty()) {
      if (Status s = CheckAgainstGraph(outputs, graph_outputs, "output"); !s.ok()) return s;
    }
  } else {
    auto random = RandomInputs(model.graph(), o.seed);
    if (!random.ok()) return random.status();
    inputs = *random;
  }

  Written written;
  std::error_code ec;
  const fs::path out(o.out);
  if (!fs::exists(out, ec)) {
    fs::create_directories(out, ec);
    if (ec) return facefuse::IoError("cannot create " + o.out + ": " + ec.message());
    written.Add(out);
  } else if (!fs::is_directory(out, ec)) {
    return Invalid("--out " + o.out + " exists and is not a folder");
  }
  auto fail = [&](Status s) {
    written.RemoveAll();
    return s;
  };
  const fs::path model_path = out / "model.onnx";
  written.Add(model_path);
  {
    std::ofstream f(model_path, std::ios::binary);
    if (!f || !model.SerializeToOstream(&f)) return fail(facefuse::IoError("cannot write " + model_path.string()));
  }
  for (int64_t batch : o.batches) {
    const fs::path set = out / ("test_data_set_" + std::to_string(batch));
    if (!fs::exists(set, ec)) {
      fs::create_directories(set, ec);
      if (ec) return fail(facefuse::IoError("cannot create " + set.string() + ": " + ec.message()));
      written.Add(set);
    }
    if (Status s = WriteStacked(set, "input_", inputs, batch, written); !s.ok()) return fail(s);
    if (Status s = WriteStacked(set, "output_", outputs, batch, written); !s.ok()) return fail(s);
    std::printf("%s: batch %lld\n", set.string().c_str(), static_cast<long long>(batch));
  }
  return Status::Ok();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Writes a dynamic-batch copy of a batch-1 model with a test data set per batch size"};
  Options o;
  app.add_option("--model", o.model, "The batch-1 model.onnx")->required();
  app.add_option("--out", o.out, "Folder to write (created)")->required();
  app.add_option("--batches", o.batches, "Batch sizes, one test_data_set_<N> each")
      ->delimiter(',')
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  app.add_option("--data", o.data, "A test_data_set_* folder of the model to stack (default: random inputs)");
  app.add_option("--seed", o.seed, "Seed of the random inputs")->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help, or a usage error
  }
  std::sort(o.batches.begin(), o.batches.end());
  o.batches.erase(std::unique(o.batches.begin(), o.batches.end()), o.batches.end());
  const Status s = Run(o);
  if (!s.ok()) {
    std::fprintf(stderr, "facefuse-batch-copy: %s\n", s.ToString().c_str());
    return 1;
  }
  return 0;
}
