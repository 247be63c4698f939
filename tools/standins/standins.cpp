// Model contracts, the common frame every stand-in shares (inputs, float16
// boundary casts and body, output, emap, metadata) and writing the file.
#include "tools/standins/standins.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <optional>
#include <random>
#include <system_error>
#include <unordered_set>

#include "common/float16.h"
#include "face/enhance/enhancer.h"
#include "face/gate/content_classifier.h"
#include "face/swap/neural/swapper_contract.h"
#include "tools/standins/families.h"

namespace facefuse::standins {
namespace fs = std::filesystem;
namespace {

constexpr int64_t kEmapDim = 512;

constexpr int64_t kIdentityDim = 512;
constexpr int kYoloFaceSize = 640;
constexpr int64_t kYoloFaceAnchors = 8400;  // (80^2 + 40^2 + 20^2) at 640
constexpr int64_t kYoloFaceChannels = 20;   // cx, cy, w, h, score, 5 x (x, y, visibility)

bool Near(const std::array<float, 3>& a, std::array<float, 3> b) {
  for (size_t i = 0; i < 3; ++i)
    if (std::fabs(a[i] - b[i]) > 1e-6f) return false;
  return true;
}

// The pixel space of an engine swapper contract, from its normalisation.
std::optional<PixelSpace> SpaceOf(const face::SwapperContract& s) {
  const bool unit_out = s.output_scale == 1 && s.output_offset == 0;
  if (Near(s.target_mean, {0, 0, 0}) && Near(s.target_std, {1, 1, 1}) && unit_out) return PixelSpace::kUnit;
  if (Near(s.target_mean, {0.5f, 0.5f, 0.5f}) && Near(s.target_std, {0.5f, 0.5f, 0.5f}) && s.output_scale == 0.5f &&
      s.output_offset == 0.5f)
    return PixelSpace::kSigned;
  if (Near(s.target_mean, {0.485f, 0.456f, 0.406f}) && Near(s.target_std, {0.229f, 0.224f, 0.225f}) && unit_out)
    return PixelSpace::kImageNetUnit;
  return std::nullopt;
}

ModelContract Image(std::string name, ModelFamily family, int size, PixelSpace space, std::string input) {
  const std::vector<int64_t> dims = {1, 3, size, size};
  return ModelContract{.name = std::move(name), .family = family, .size = size, .space = space,
                       .image_input = std::move(input), .output = "output", .input_dims = dims, .output_dims = dims};
}

std::vector<ModelContract> BuildContracts() {
  std::vector<ModelContract> out, converters;
  for (const face::SwapperContract& s : face::SwapperContracts()) {
    // A normalisation no stand-in reproduces leaves the model out; the table test (test_standins.cpp) then
    // fails, as every engine contract must have a stand-in.
    const std::optional<PixelSpace> space = SpaceOf(s);
    if (!space) continue;
    ModelContract c = Image(s.name, ModelFamily::kSwapper, s.size, *space, "target");
    c.has_source = true;
    c.fp16_graph = s.fp16_graph;
    c.has_emap = s.source == face::SourceEncoding::kInswapperLatent;
    out.push_back(std::move(c));
    if (s.converter.empty()) continue;
    if (std::any_of(converters.begin(), converters.end(), [&](const ModelContract& k) { return k.name == s.converter; }))
      continue;
    converters.push_back(ModelContract{.name = s.converter, .family = ModelFamily::kConverter,
                                       .size = static_cast<int>(kIdentityDim), .space = PixelSpace::kUnit,
                                       .image_input = "input", .output = "output", .input_dims = {1, kIdentityDim},
                                       .output_dims = {1, kIdentityDim}});
  }
  out.insert(out.end(), converters.begin(), converters.end());
  for (const face::EnhancerContract& e : face::EnhancerContracts()) {
    ModelContract c = Image(e.name, ModelFamily::kEnhancer, e.size, PixelSpace::kSigned, "input");
    c.has_weight = e.weight_input;
    out.push_back(std::move(c));
  }
  ModelContract yolo = Image("yoloface_8n", ModelFamily::kDetector, kYoloFaceSize, PixelSpace::kUnit, "input");
  yolo.output_dims = {1, kYoloFaceChannels, kYoloFaceAnchors};
  out.push_back(std::move(yolo));
  const face::ContentClassifierContract& gate = face::OpenNsfwContract();
  ModelContract nsfw = Image(gate.name, ModelFamily::kClassifier, gate.size, PixelSpace::kUnit, "input");
  nsfw.input_dims = {1, gate.size, gate.size, 3};  // NHWC, BGR less the means
  nsfw.output_dims = {1, 2};
  out.push_back(std::move(nsfw));
  return out;
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

std::string FamilyName(ModelFamily f) {
  switch (f) {
    case ModelFamily::kSwapper: return "swapper";
    case ModelFamily::kEnhancer: return "enhancer";
    case ModelFamily::kConverter: return "identity converter";
    case ModelFamily::kDetector: return "detector";
    case ModelFamily::kClassifier: return "content classifier";
  }
  return "unknown";
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
    case StandInKind::kTint: return "tint";
    case StandInKind::kBlueBlob: return "blue-blob";
    case StandInKind::kRedFlag: return "red-flag";
  }
  return "unknown";
}

const std::vector<StandInKind>& AllKinds() {
  static const std::vector<StandInKind> kKinds = {StandInKind::kIdentity, StandInKind::kSourceCopy,
                                                  StandInKind::kReplica, StandInKind::kTint, StandInKind::kBlueBlob,
                                                  StandInKind::kRedFlag};
  return kKinds;
}

Result<StandInKind> ParseKind(std::string_view name) {
  std::string known;
  for (StandInKind k : AllKinds()) {
    if (KindName(k) == name) return k;
    known += (known.empty() ? "" : ", ") + std::string(KindName(k));
  }
  return InvalidArgument("unknown stand-in kind '" + std::string(name) + "' (" + known + ")");
}

bool KindApplies(const ModelContract& c, StandInKind kind) {
  switch (kind) {
    case StandInKind::kSourceCopy: return c.family == ModelFamily::kSwapper;
    case StandInKind::kBlueBlob: return c.family == ModelFamily::kDetector;
    case StandInKind::kRedFlag: return c.family == ModelFamily::kClassifier;
    case StandInKind::kIdentity:
    case StandInKind::kReplica:
    case StandInKind::kTint: return c.family != ModelFamily::kDetector && c.family != ModelFamily::kClassifier;
  }
  return false;
}

const std::vector<ModelContract>& AllModelContracts() {
  static const std::vector<ModelContract> kModels = BuildContracts();
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

  if (!KindApplies(c, spec.kind))
    return Unsupported("a " + kind + " stand-in cannot be built for " + c.name + " (" + FamilyName(c.family) + ")");

  ModelBuilder b(model, spec.seed, spec.shapes_only);
  BodyInputs in;
  b.Input(c.image_input, c.input_dims);
  in.image = c.fp16_graph ? CastTo(c.image_input, onnx::TensorProto::FLOAT16, b) : c.image_input;
  if (c.has_source) {
    b.Input("source", {1, kIdentityDim});
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
    case StandInKind::kTint: body = BuildTintBody(c, in, b); break;
    case StandInKind::kBlueBlob: body = BuildBlueBlobBody(c, in, b); break;
    case StandInKind::kRedFlag: body = BuildRedFlagBody(c, in, b); break;
    case StandInKind::kReplica:
      body = c.family == ModelFamily::kSwapper    ? BuildSwapperReplicaBody(c, spec, in, b)
             : c.family == ModelFamily::kEnhancer ? BuildEnhancerReplicaBody(c, spec, in, b)
                                                  : BuildConverterReplicaBody(c, spec, in, b);
      break;
  }
  if (!body.ok()) return body.status().WithContext(c.name + " " + kind);
  if (c.fp16_graph) BodyToFloat16(model->mutable_graph());
  const std::string y = c.fp16_graph ? CastTo(*body, onnx::TensorProto::FLOAT, b) : *body;
  b.Op("Identity", {y}, {}, c.output);
  b.Output(c.output, c.output_dims);

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
