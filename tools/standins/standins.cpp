// Model contracts, the common frame every stand-in shares (inputs, float16
// boundary casts and body, output, emap, metadata) and writing the file.
#include "tools/standins/standins.h"

#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <random>
#include <system_error>
#include <unordered_set>

#include "common/float16.h"
#include "tools/standins/families.h"

namespace facefuse::standins {
namespace fs = std::filesystem;
namespace {

constexpr int64_t kEmapDim = 512;

ModelContract Swapper(std::string name, int size, PixelSpace space, bool fp16, bool emap = false) {
  return ModelContract{.name = std::move(name), .family = ModelFamily::kSwapper, .size = size, .space = space,
                       .image_input = "target", .output = "output", .has_source = true, .has_weight = false,
                       .fp16_graph = fp16, .has_emap = emap};
}

ModelContract Enhancer(std::string name, int size, bool weight = false) {
  return ModelContract{.name = std::move(name), .family = ModelFamily::kEnhancer, .size = size,
                       .space = PixelSpace::kSigned, .image_input = "input", .output = "output",
                       .has_source = false, .has_weight = weight};
}

// A float32 value cast to float16 or back, as the real fp16 models' boundary casts do.
std::string CastTo(const std::string& x, int32_t to, ModelBuilder& b) {
  return b.Op("Cast", {x}, {AttrInt("to", to)});
}

// Makes the body built so far compute in float16, as the real fp16 models do
// between their boundary casts: every float32 initializer becomes float16 but
// Resize's roi and scales, which ONNX keeps float32 (as onnxconverter-common's
// float16 converter does). Call it before the emap is added.
void BodyToFloat16(onnx::GraphProto* g) {
  std::unordered_set<std::string> keep;
  for (const auto& n : g->node())
    if (n.op_type() == "Resize")
      for (int i = 1; i < n.input_size(); ++i) keep.insert(n.input(i));
  for (auto& t : *g->mutable_initializer()) {
    if (t.data_type() != onnx::TensorProto::FLOAT || keep.count(t.name())) continue;
    t.set_data_type(onnx::TensorProto::FLOAT16);
    if (!t.has_raw_data()) continue;  // shapes only
    std::vector<uint16_t> half(t.raw_data().size() / sizeof(float));
    for (size_t i = 0; i < half.size(); ++i) {
      float v;
      std::memcpy(&v, t.raw_data().data() + i * sizeof(float), sizeof(float));
      half[i] = FloatToHalf(v);
    }
    t.set_raw_data(half.data(), half.size() * sizeof(uint16_t));
  }
}

Result<std::vector<float>> LoadEmap(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return NotFound("emap file " + path.string() + " does not exist");
  const uintmax_t bytes = fs::file_size(path, ec);
  const uintmax_t want = kEmapDim * kEmapDim * sizeof(float);
  if (ec || bytes != want)
    return InvalidArgument("emap file " + path.string() + " has " + std::to_string(bytes) + " bytes; a raw float32 " +
                           "512x512 matrix has " + std::to_string(want));
  std::vector<float> v(kEmapDim * kEmapDim);
  std::ifstream f(path, std::ios::binary);
  if (!f.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(want)))
    return IoError("cannot read emap file " + path.string());
  return v;
}

}  // namespace

std::string_view KindName(StandInKind kind) {
  switch (kind) {
    case StandInKind::kIdentity: return "identity";
    case StandInKind::kSourceCopy: return "source-copy";
    case StandInKind::kReplica: return "replica";
  }
  return "unknown";
}

Result<StandInKind> ParseKind(std::string_view name) {
  for (StandInKind k : {StandInKind::kIdentity, StandInKind::kSourceCopy, StandInKind::kReplica})
    if (KindName(k) == name) return k;
  return InvalidArgument("unknown stand-in kind '" + std::string(name) + "' (identity, source-copy, replica)");
}

const std::vector<ModelContract>& AllModelContracts() {
  static const std::vector<ModelContract> kModels = {
      Swapper("inswapper_128", 128, PixelSpace::kUnit, false, true),
      Swapper("inswapper_128_fp16", 128, PixelSpace::kUnit, true, true),
      Swapper("hyperswap_1a_256", 256, PixelSpace::kSigned, true),
      Swapper("hyperswap_1b_256", 256, PixelSpace::kSigned, true),
      Swapper("hyperswap_1c_256", 256, PixelSpace::kSigned, true),
      Swapper("simswap_256", 256, PixelSpace::kImageNetUnit, false),
      Swapper("simswap_unofficial_512", 512, PixelSpace::kUnit, false),
      Enhancer("gfpgan_1.4", 512),
      Enhancer("codeformer", 512, true),
      Enhancer("gpen_bfr_256", 256),
      Enhancer("gpen_bfr_512", 512),
  };
  return kModels;
}

Result<ModelContract> FindModelContract(std::string_view name) {
  std::string known;
  for (const auto& c : AllModelContracts()) {
    if (c.name == name) return c;
    known += (known.empty() ? "" : ", ") + c.name;
  }
  return NotFound("no stand-in for model '" + std::string(name) + "' (known: " + known + ")");
}

std::vector<float> GenerateEmap(uint64_t seed) {
  std::mt19937_64 rng(seed ^ 0x656D6170ull);  // "emap"
  std::normal_distribution<double> normal(0.0, 1.0);
  const size_t n = kEmapDim;
  std::vector<double> q(n * n);
  for (auto& x : q) x = normal(rng);
  // Modified Gram-Schmidt over rows; random Gaussian rows are independent.
  for (size_t i = 0; i < n; ++i) {
    double* row = &q[i * n];
    for (size_t j = 0; j < i; ++j) {
      const double* prev = &q[j * n];
      double dot = 0;
      for (size_t k = 0; k < n; ++k) dot += row[k] * prev[k];
      for (size_t k = 0; k < n; ++k) row[k] -= dot * prev[k];
    }
    double norm = 0;
    for (size_t k = 0; k < n; ++k) norm += row[k] * row[k];
    norm = std::sqrt(norm);
    for (size_t k = 0; k < n; ++k) row[k] /= norm;
  }
  return std::vector<float>(q.begin(), q.end());
}

Status BuildStandIn(const StandInSpec& spec, onnx::ModelProto* model) {
  FF_ASSIGN_OR_RETURN(ModelContract c, FindModelContract(spec.model));
  if (spec.width_divisor < 1 || spec.width_divisor > 64)
    return InvalidArgument("width_divisor must be in [1, 64], got " + std::to_string(spec.width_divisor));
  if (!spec.emap_path.empty() && !c.has_emap) return InvalidArgument(c.name + " has no emap; drop the emap file");
  std::vector<float> emap;
  if (c.has_emap) {
    if (spec.emap_path.empty()) {
      emap = GenerateEmap(spec.seed);
    } else {
      FF_ASSIGN_OR_RETURN(emap, LoadEmap(spec.emap_path));
    }
  }

  StartModel(model);
  model->set_producer_name("facefuse-standins");
  model->set_model_version(1);
  const std::string kind(KindName(spec.kind));
  model->set_doc_string("Stand-in for " + c.name + " generated by facefuse-standins (kind " + kind +
                        "): not a trained model. Same inputs and outputs as the real model; see docs/standins.md.");
  auto* meta = model->add_metadata_props();
  meta->set_key("facefuse.standin");
  meta->set_value(kind);
  meta = model->add_metadata_props();
  meta->set_key("facefuse.standin.model");
  meta->set_value(c.name);
  model->mutable_graph()->set_name(c.name + "_standin_" + kind);

  ModelBuilder b(model, spec.seed, spec.shapes_only);
  const std::vector<int64_t> image_dims = {1, 3, c.size, c.size};
  BodyInputs in;
  b.Input(c.image_input, image_dims);
  in.image = c.fp16_graph ? CastTo(c.image_input, onnx::TensorProto::FLOAT16, b) : c.image_input;
  if (c.has_source) {
    b.Input("source", {1, 512});
    in.source = c.fp16_graph ? CastTo("source", onnx::TensorProto::FLOAT16, b) : "source";
  }
  if (c.has_weight) {
    b.Input("weight", {1}, onnx::TensorProto::DOUBLE);
    in.weight = b.Op("Cast", {"weight"}, {AttrInt("to", onnx::TensorProto::FLOAT)});
  }

  Result<std::string> body = InvalidArgument("unreachable");
  switch (spec.kind) {
    case StandInKind::kIdentity: body = BuildIdentityBody(c, in, b); break;
    case StandInKind::kSourceCopy: body = BuildSourceCopyBody(c, in, b); break;
    case StandInKind::kReplica:
      body = c.family == ModelFamily::kSwapper ? BuildSwapperReplicaBody(c, spec, in, b)
                                               : BuildEnhancerReplicaBody(c, spec, in, b);
      break;
  }
  if (!body.ok()) return body.status().WithContext(c.name + " " + kind);
  if (c.fp16_graph) BodyToFloat16(model->mutable_graph());
  const std::string y = c.fp16_graph ? CastTo(*body, onnx::TensorProto::FLOAT, b) : *body;
  b.Op("Identity", {y}, {}, c.output);
  b.Output(c.output, image_dims);

  if (c.has_emap) {  // last, as FaceFusion reads the emap from the last initializer
    auto* t = model->mutable_graph()->add_initializer();
    t->set_name("emap");
    t->set_data_type(onnx::TensorProto::FLOAT);
    t->add_dims(kEmapDim);
    t->add_dims(kEmapDim);
    t->set_raw_data(emap.data(), emap.size() * sizeof(float));
  }
  return Status::Ok();
}

Status WriteStandIn(const StandInSpec& spec, const fs::path& out) {
  if (spec.shapes_only) return InvalidArgument("a shapes-only stand-in has no weights and cannot be written");
  onnx::ModelProto model;
  FF_RETURN_IF_ERROR(BuildStandIn(spec, &model));
  std::error_code ec;
  if (out.has_parent_path()) fs::create_directories(out.parent_path(), ec);
  if (ec) return IoError("cannot create " + out.parent_path().string() + ": " + ec.message());
  const fs::path tmp = out.string() + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f || !model.SerializeToOstream(&f) || !f.flush())
      return IoError("cannot write " + tmp.string() + " (a model over 2 GB cannot be serialised)");
  }
  fs::rename(tmp, out, ec);
  if (ec) return IoError("cannot rename " + tmp.string() + " to " + out.string() + ": " + ec.message());
  return Status::Ok();
}

std::string StandInFileName(const StandInSpec& spec) {
  std::string name = spec.model + "." + std::string(KindName(spec.kind));
  if (spec.kind == StandInKind::kReplica && spec.width_divisor > 1) name += ".w" + std::to_string(spec.width_divisor);
  return name + ".onnx";
}

}  // namespace facefuse::standins
