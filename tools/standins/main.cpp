// facefuse-standins: writes stand-in ONNX models with the input/output
// contract of each face swapper, enhancer, identity converter and the
// yoloface detector (docs/standins.md).
//
//   facefuse-standins --model inswapper_128 --kind identity --out DIR [--emap FILE]
//   facefuse-standins --model simswap_256,crossface_simswap --kind tint --out DIR --catalog-names
//   facefuse-standins --blob-image FILE.png    an image the blue-blob detector finds one face in
//   facefuse-standins --all --out DIR          every model x kind
//   facefuse-standins --list                   models and their inputs
//   facefuse-standins --model M --kind replica --flops-only
//
// Prints one line per file: path, FLOPs per run, size. Exit code 0 on
// success, 1 on an error (printed), 2 on bad usage.
#include <onnx/onnx_pb.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "media/image_io.h"
#include "tools/standins/standins.h"

namespace {

namespace fs = std::filesystem;
using namespace facefuse::standins;

struct Options {
  std::vector<std::string> models;
  std::string kind = "identity";
  std::string out;
  std::string emap;
  bool all = false;
  bool list = false;
  bool flops_only = false;
  bool catalog_names = false;
  std::string blob_image;
  uint64_t seed = 1;
  int width_divisor = 1;
};

// Builds (shapes only) to count FLOPs, then writes unless flops_only.
int Produce(const Options& o, const StandInSpec& spec) {
  StandInSpec shapes = spec;
  shapes.shapes_only = true;
  shapes.emap_path.clear();
  onnx::ModelProto model;
  facefuse::Status s = BuildStandIn(shapes, &model);
  if (!s.ok()) {
    std::fprintf(stderr, "facefuse-standins: %s\n", s.ToString().c_str());
    return 1;
  }
  auto flops = CountFlops(model);
  if (!flops.ok()) {
    std::fprintf(stderr, "facefuse-standins: %s %s: %s\n", spec.model.c_str(), std::string(KindName(spec.kind)).c_str(),
                 flops.status().ToString().c_str());
    return 1;
  }
  const double gflops = static_cast<double>(*flops) / 1e9;
  if (o.flops_only) {
    std::printf("%s %s: %.2f GFLOPs per run\n", spec.model.c_str(), std::string(KindName(spec.kind)).c_str(), gflops);
    return 0;
  }
  const fs::path path = fs::path(o.out) / (o.catalog_names ? spec.model + ".onnx" : StandInFileName(spec));
  s = WriteStandIn(spec, path);
  if (!s.ok()) {
    std::fprintf(stderr, "facefuse-standins: %s\n", s.ToString().c_str());
    return 1;
  }
  std::error_code ec;
  std::printf("%s: %.2f GFLOPs per run, %.1f MB\n", path.string().c_str(), gflops,
              static_cast<double>(fs::file_size(path, ec)) / 1e6);
  return 0;
}

std::string Dims(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? "," : "") + std::to_string(dims[i]);
  return s + "]";
}

void List() {
  static const char* kFamilies[] = {"swapper", "enhancer", "converter", "detector"};
  for (const auto& c : AllModelContracts()) {
    std::printf("%-24s %-9s %s %s float32", c.name.c_str(), kFamilies[static_cast<int>(c.family)],
                c.image_input.c_str(), Dims(c.input_dims).c_str());
    if (c.has_source) std::printf(", source [1,512] float32");
    if (c.has_weight) std::printf(", weight [1] float64");
    std::printf(" -> %s %s float32%s\n", c.output.c_str(), Dims(c.output_dims).c_str(),
                c.has_emap ? " (last initializer: emap 512x512)" : "");
  }
}

int WriteBlobImage(const std::string& path) {
  auto image = BlueBlobImage(cv::Mat(), BlueSquare{});
  facefuse::Status s = image.ok() ? facefuse::media::SaveImage(path, *image) : image.status();
  if (!s.ok()) {
    std::fprintf(stderr, "facefuse-standins: %s\n", s.ToString().c_str());
    return 1;
  }
  const BlueSquare q;
  std::printf("%s: blue square at (%d, %d), side %d\n", path.c_str(), q.x, q.y, q.side);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"facefuse-standins: stand-in ONNX models with the exact I/O of each swapper and enhancer"};
  app.add_option("--model", o.models, "Model name(s) (see --list); a comma-separated list writes each")
      ->delimiter(',');
  app.add_option("--kind", o.kind, "identity, source-copy, replica, tint, blue-blob or red-flag")->capture_default_str();
  app.add_option("--out", o.out, "Output folder; files are named <model>.<kind>.onnx");
  app.add_flag("--catalog-names", o.catalog_names,
               "Name files <model>.onnx, the catalog's file names, so that --out is a models dir for --models-dir");
  app.add_option("--blob-image", o.blob_image, "Write the image the blue-blob detector finds one face in");
  app.add_option("--emap", o.emap, "inswapper: raw float32 512x512 emap file (default: generated)");
  app.add_option("--seed", o.seed, "Seed for replica weights and the generated emap")->capture_default_str();
  app.add_option("--width-divisor", o.width_divisor, "Replica: divide internal widths (cost / divisor^2)")
      ->capture_default_str();
  app.add_flag("--all", o.all, "Every model x kind (source-copy only for swappers)");
  app.add_flag("--list", o.list, "List the models and their inputs and outputs");
  app.add_flag("--flops-only", o.flops_only, "Print FLOPs per run; write nothing");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help, or a usage error
  }
  if (o.list) {
    List();
    return 0;
  }
  if (!o.blob_image.empty()) {
    const int rc = WriteBlobImage(o.blob_image);
    if (rc != 0 || (o.models.empty() && !o.all)) return rc;
  }
  if ((o.all == !o.models.empty()) || (o.out.empty() && !o.flops_only)) {
    std::fprintf(stderr, "facefuse-standins: give --model or --all, and --out (or --flops-only)\n%s",
                 app.help().c_str());
    return 2;
  }
  StandInSpec spec;
  spec.seed = o.seed;
  spec.width_divisor = o.width_divisor;
  if (!o.all) {
    auto kind = ParseKind(o.kind);
    if (!kind.ok()) {
      std::fprintf(stderr, "facefuse-standins: %s\n", kind.status().ToString().c_str());
      return 2;
    }
    int rc = 0;
    for (const std::string& model : o.models) {
      spec.model = model;
      spec.kind = *kind;
      spec.emap_path = o.emap;
      rc = std::max(rc, Produce(o, spec));
    }
    return rc;
  }
  int rc = 0;
  for (const auto& c : AllModelContracts()) {
    for (StandInKind k : AllKinds()) {
      if (!KindApplies(c, k)) continue;
      spec.model = c.name;
      spec.kind = k;
      spec.emap_path = c.has_emap ? fs::path(o.emap) : fs::path();
      rc = std::max(rc, Produce(o, spec));
    }
  }
  return rc;
}
