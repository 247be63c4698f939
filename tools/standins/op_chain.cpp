// facefuse-op-chain: writes a model whose N nodes are tiny elementwise ops in
// one chain (Add, Mul, Relu, Sub of a [1, size] float tensor and constants),
// in ONNX backend-test layout: DIR/model.onnx and DIR/test_data_set_0 with
// input_0.pb and output_0.pb (computed by facefuse's reference provider). Run
// as a model, it measures what a runtime spends per node when the kernels do
// almost nothing:
//
//   facefuse-op-chain --out DIR [--nodes 100] [--size 16]
//   bench/compare_ort.sh DIR
//
// Exit code 0 on success, 1 on an error (printed), 2 on bad usage.
#include <onnx/onnx_pb.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "facefuse/runtime.h"
#include "facefuse/tensor_file.h"
#include "tools/standins/model_builder.h"

namespace {

namespace fs = std::filesystem;
using facefuse::standins::ModelBuilder;

int Fail(const std::string& what) {
  std::fprintf(stderr, "facefuse-op-chain: %s\n", what.c_str());
  return 1;
}

onnx::ModelProto ChainModel(int nodes, int64_t size) {
  onnx::ModelProto model;
  facefuse::standins::StartModel(&model);
  ModelBuilder b(&model, /*seed=*/1, /*shapes_only=*/false);
  b.Input("x", {1, size});
  std::string v = "x";
  for (int i = 0; i < nodes; ++i) {
    const bool last = i + 1 == nodes;
    const std::string out = last ? "y" : "";
    switch (i % 4) {
      case 0: v = b.Op("Add", {v, b.Floats("a", {1, size}, std::vector<float>(size, 0.5f))}, {}, out); break;
      case 1: v = b.Op("Mul", {v, b.Scalar(0.9f)}, {}, out); break;
      case 2: v = b.Op("Relu", {v}, {}, out); break;
      default: v = b.Op("Sub", {v, b.Scalar(0.25f)}, {}, out); break;
    }
  }
  b.Output("y", {1, size});
  return model;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Writes a chain of tiny elementwise ops as an ONNX model with a test data set"};
  std::string out;
  int nodes = 100;
  int64_t size = 16;
  app.add_option("--out", out, "Folder to write (created)")->required();
  app.add_option("--nodes", nodes, "Nodes in the chain")->check(CLI::Range(1, 100000))->capture_default_str();
  app.add_option("--size", size, "Elements of the tensor")->check(CLI::Range(1, 1 << 24))->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help, or a usage error
  }

  const onnx::ModelProto model = ChainModel(nodes, size);
  std::error_code ec;
  fs::create_directories(fs::path(out) / "test_data_set_0", ec);
  if (ec) return Fail("cannot create " + out + ": " + ec.message());
  {
    std::ofstream f(fs::path(out) / "model.onnx", std::ios::binary);
    if (!f || !model.SerializeToOstream(&f)) return Fail("cannot write " + (fs::path(out) / "model.onnx").string());
  }
  std::vector<float> x(static_cast<size_t>(size));
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 7) - 3.f;
  auto input = facefuse::Tensor::FromVector(x, facefuse::Shape{1, size});
  if (!input.ok()) return Fail(input.status().ToString());

  facefuse::SessionOptions options;
  options.provider = "reference";
  options.threads = 1;
  auto session = facefuse::Session::Open(fs::path(out) / "model.onnx", options);
  if (!session.ok()) return Fail(session.status().ToString());
  auto result = (*session)->Run({*input});
  if (!result.ok()) return Fail(result.status().ToString());
  const fs::path set = fs::path(out) / "test_data_set_0";
  if (auto s = facefuse::WriteTensorFile(set / "input_0.pb", *input, "x"); !s.ok()) return Fail(s.ToString());
  if (auto s = facefuse::WriteTensorFile(set / "output_0.pb", (*result)[0], "y"); !s.ok())
    return Fail(s.ToString());
  std::printf("%s: %d nodes on [1,%lld]\n", out.c_str(), nodes, static_cast<long long>(size));
  return 0;
}
