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

// Dim 0 of `value` becomes the batch symbol; it must be 1 or already symbolic.
Status MakeBatchDynamic(onnx::ValueInfoProto* value) {
  if (!value->type().has_tensor_type() || !value->type().tensor_type().has_shape() ||
      value->type().tensor_type().shape().dim_size() == 0) {
    return Invalid("'" + value->name() + "' has no rank-1 or higher tensor shape to batch");
  }
  auto* dim0 = value->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(0);
  if (dim0->has_dim_value() && dim0->dim_value() != 1) {
    return Invalid("'" + value->name() + "' has batch " + std::to_string(dim0->dim_value()) + ", not 1");
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

// Rewrites the Reshapes of computed tensors to constant shapes with a leading 1.
void LetReshapesPassTheBatch(onnx::GraphProto* graph) {
  std::set<std::string> initializers;
  for (const auto& init : graph->initializer()) initializers.insert(init.name());
  int copies = 0;
  for (auto& node : *graph->mutable_node()) {
    if (node.op_type() != "Reshape" || node.input_size() < 2 || initializers.count(node.input(0))) continue;
    const onnx::TensorProto* shape = nullptr;
    for (const auto& init : graph->initializer()) {
      if (init.name() == node.input(1)) shape = &init;
    }
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

Status WriteStacked(const fs::path& dir, const std::string& prefix,
                    const std::vector<std::pair<std::string, Tensor>>& tensors, int64_t batch) {
  for (size_t i = 0; i < tensors.size(); ++i) {
    auto stacked = Stack(tensors[i].second, batch);
    if (!stacked.ok()) return Invalid(prefix + std::to_string(i) + ": " + stacked.status().message());
    Status s = facefuse::WriteTensorFile(dir / (prefix + std::to_string(i) + ".pb"), *stacked, tensors[i].first);
    if (!s.ok()) return s;
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

Status Run(const Options& o) {
  onnx::ModelProto model;
  {
    std::ifstream f(o.model, std::ios::binary);
    if (!f) return facefuse::NotFound("cannot open " + o.model);
    if (!model.ParseFromIstream(&f)) return Invalid(o.model + " is not a serialized ONNX model");
  }
  onnx::GraphProto* graph = model.mutable_graph();
  std::set<std::string> initializers;
  for (const auto& init : graph->initializer()) initializers.insert(init.name());
  std::printf("%s:\n", o.model.c_str());
  for (auto& in : *graph->mutable_input()) {
    if (initializers.count(in.name())) continue;
    if (Status s = MakeBatchDynamic(&in); !s.ok()) return s;
  }
  for (auto& out : *graph->mutable_output()) {
    if (Status s = MakeBatchDynamic(&out); !s.ok()) return s;
  }
  LetReshapesPassTheBatch(graph);
  graph->clear_value_info();

  std::vector<std::pair<std::string, Tensor>> inputs, outputs;
  if (!o.data.empty()) {
    auto read = ReadNumbered(o.data, "input_");
    if (!read.ok()) return read.status();
    if (read->empty()) return facefuse::NotFound(o.data + " has no input_0.pb");
    inputs = *read;
    auto refs = ReadNumbered(o.data, "output_");
    if (!refs.ok()) return refs.status();
    outputs = *refs;
  } else {
    auto random = RandomInputs(*graph, o.seed);
    if (!random.ok()) return random.status();
    inputs = *random;
  }

  std::error_code ec;
  fs::create_directories(o.out, ec);
  if (ec) return facefuse::IoError("cannot create " + o.out + ": " + ec.message());
  const fs::path model_path = fs::path(o.out) / "model.onnx";
  {
    std::ofstream f(model_path, std::ios::binary);
    if (!f || !model.SerializeToOstream(&f)) return facefuse::IoError("cannot write " + model_path.string());
  }
  for (int64_t batch : o.batches) {
    const fs::path set = fs::path(o.out) / ("test_data_set_" + std::to_string(batch));
    fs::create_directories(set, ec);
    if (ec) return facefuse::IoError("cannot create " + set.string() + ": " + ec.message());
    if (Status s = WriteStacked(set, "input_", inputs, batch); !s.ok()) return s;
    if (Status s = WriteStacked(set, "output_", outputs, batch); !s.ok()) return s;
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
  CLI11_PARSE(app, argc, argv);
  const Status s = Run(o);
  if (!s.ok()) {
    std::fprintf(stderr, "facefuse-batch-copy: %s\n", s.ToString().c_str());
    return 1;
  }
  return 0;
}
