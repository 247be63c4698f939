// Stand-in models (tools/standins): every model x kind opens in the runtime
// with its contract's inputs and outputs, identity returns its image, the
// source reaches source-copy's output, replicas are finite and cost what
// docs/standins.md says, and inswapper's last initializer is the emap.
#include <onnx/onnx_pb.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <iterator>
#include <filesystem>
#include <fstream>
#include <limits>
#include <ostream>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "face/enhance/enhancer.h"
#include "face/swap/neural/swapper_contract.h"
#include "facefuse/runtime.h"
#include "media/image_io.h"
#include "models/catalog.h"
#include "tests/unit/fixtures_dir.h"
#include "tools/standins/standins.h"

namespace facefuse::standins {
namespace {

namespace fs = std::filesystem;

const fs::path kFixtures = test_fixtures::FixturesDir();

struct Case {
  std::string model;
  StandInKind kind;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.model << " " << KindName(c.kind); }

std::string CaseName(const testing::TestParamInfo<Case>& info) {
  std::string s = info.param.model + "_" + std::string(KindName(info.param.kind));
  for (char& ch : s)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return s;
}

// Every model x kind that applies; without replicas and detectors for the NaN test (the blue-blob detector's
// Relu and Min may drop a NaN, as max(0, NaN) is allowed to).
std::vector<Case> AllCases(bool with_replicas = true) {
  std::vector<Case> cases;
  for (const auto& c : AllModelContracts())
    for (StandInKind k : AllKinds())
      if (KindApplies(c, k) && (with_replicas || (k != StandInKind::kReplica && c.family != ModelFamily::kDetector)))
        cases.push_back({c.name, k});
  return cases;
}

bool IsImageModel(const ModelContract& c) {
  return c.family == ModelFamily::kSwapper || c.family == ModelFamily::kEnhancer;
}

fs::path TestDir() {
  static const fs::path dir = fs::temp_directory_path() / ("facefuse_standins_test_" + std::to_string(getpid()));
  return dir;
}

// Replicas are tested at 1/16 of their widths (1/256 of the cost); the contract is unchanged.
StandInSpec SpecFor(const Case& c) {
  StandInSpec spec;
  spec.model = c.model;
  spec.kind = c.kind;
  if (c.kind == StandInKind::kReplica) spec.width_divisor = 16;
  return spec;
}

// Removes the written models after the last test.
class RemoveTestDir : public testing::Environment {
 public:
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(TestDir(), ec);
  }
};
testing::Environment* const kRemoveTestDir = testing::AddGlobalTestEnvironment(new RemoveTestDir);

Result<std::unique_ptr<Session>> WriteAndOpen(const StandInSpec& spec, fs::path* written = nullptr) {
  const fs::path path = TestDir() / StandInFileName(spec);
  FF_RETURN_IF_ERROR(WriteStandIn(spec, path));
  if (written) *written = path;
  SessionOptions options;
  options.threads = 1;  // the test machine's cores are shared; one thread is the steadiest
  return Session::Open(path, options);
}

onnx::ModelProto ReadModel(const fs::path& path) {
  onnx::ModelProto m;
  std::ifstream f(path, std::ios::binary);
  EXPECT_TRUE(m.ParseFromIstream(&f)) << path;
  return m;
}

Tensor Filled(DataType dtype, Shape shape, double value) {
  Tensor t = Tensor::Allocate(dtype, std::move(shape)).value();
  if (dtype == DataType::kFloat64) {
    for (double& x : t.span<double>()) x = value;
  } else {
    for (float& x : t.span<float>()) x = static_cast<float>(value);
  }
  return t;
}

// A source vector with components of an L2-normalised embedding's size.
Tensor Source(uint32_t seed) {
  Tensor t = Filled(DataType::kFloat32, {1, 512}, 0.0);
  uint32_t s = seed * 2654435761u + 1;
  for (float& x : t.span<float>()) {
    s = s * 1664525u + 1013904223u;
    x = (static_cast<float>(s >> 8) / 16777216.0f - 0.5f) * 0.15f;
  }
  return t;
}

// Inputs by name for a contract: image filled with `pixel`, the given source, weight 0.5.
std::vector<std::pair<std::string, Tensor>> Inputs(const ModelContract& c, Tensor image, const Tensor& source) {
  std::vector<std::pair<std::string, Tensor>> in = {{c.image_input, std::move(image)}};
  if (c.has_source) in.emplace_back("source", source);
  if (c.has_weight) in.emplace_back("weight", Filled(DataType::kFloat64, {1}, 0.5));
  return in;
}

float MaxAbsDiff(const Tensor& a, const Tensor& b) {
  float m = 0;
  for (int64_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a.data<float>()[i] - b.data<float>()[i]));
  return m;
}

class StandInTest : public testing::TestWithParam<Case> {};

TEST_P(StandInTest, OpensWithTheContractInputsOutputsAndMetadata) {
  const ModelContract c = FindModelContract(GetParam().model).value();
  fs::path path;
  auto session = WriteAndOpen(SpecFor(GetParam()), &path);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  std::vector<TensorInfo> want = {{c.image_input, DataType::kFloat32, c.input_dims, true}};
  if (c.has_source) want.push_back({"source", DataType::kFloat32, {1, 512}, true});
  if (c.has_weight) want.push_back({"weight", DataType::kFloat64, {1}, true});
  const auto& inputs = (*session)->inputs();
  ASSERT_EQ(inputs.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(inputs[i].name, want[i].name);
    EXPECT_EQ(inputs[i].dtype, want[i].dtype) << want[i].name;
    EXPECT_EQ(inputs[i].dims, want[i].dims) << want[i].name;
  }
  const auto& outputs = (*session)->outputs();
  ASSERT_EQ(outputs.size(), 1u);
  EXPECT_EQ(outputs[0].name, "output");
  EXPECT_EQ(outputs[0].dtype, DataType::kFloat32);
  EXPECT_EQ(outputs[0].dims, Shape(c.output_dims));

  const onnx::ModelProto m = ReadModel(path);
  bool marked = false;
  for (const auto& p : m.metadata_props())
    marked |= p.key() == "facefuse.standin" && p.value() == KindName(GetParam().kind);
  EXPECT_TRUE(marked);
  EXPECT_NE(m.doc_string().find("not a trained model"), std::string::npos);
  EXPECT_NE(m.doc_string().find("facefuse-standins"), std::string::npos);
}

// Identity and source-copy; replicas are covered by StandInReplica.OutputIsFiniteAndDependsOnEveryInput.
class StandInInputTest : public testing::TestWithParam<Case> {};

TEST_P(StandInInputTest, EveryInputReachesTheOutput) {
  // NaN in any input must show in the output: no input is dead code, even
  // after the runtime's optimisation passes (identity reads source x 0).
  const ModelContract c = FindModelContract(GetParam().model).value();
  auto session = WriteAndOpen(SpecFor(GetParam()));
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (const auto& poisoned : (*session)->inputs()) {
    auto in = Inputs(c, Filled(DataType::kFloat32, c.input_dims, 0.25), Source(1));
    for (auto& [name, t] : in)
      if (name == poisoned.name) t = Filled(t.dtype(), t.shape(), nan);
    auto out = (*session)->Run(in);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    bool any_nan = false;
    for (float x : (*out)[0].span<float>()) any_nan |= std::isnan(x);
    EXPECT_TRUE(any_nan) << poisoned.name << " does not reach the output";
  }
}

INSTANTIATE_TEST_SUITE_P(AllModels, StandInTest, testing::ValuesIn(AllCases()), CaseName);
INSTANTIATE_TEST_SUITE_P(AllModels, StandInInputTest, testing::ValuesIn(AllCases(false)), CaseName);

// The crop the pipeline would feed: obama.jpg resized to S, RGB in [0,1] (NCHW).
Result<Tensor> UnitCrop(int size) {
  FF_ASSIGN_OR_RETURN(cv::Mat bgr, media::LoadImageBgr(kFixtures / "media" / "images" / "obama.jpg"));
  cv::Mat resized, rgb;
  cv::resize(bgr, resized, cv::Size(size, size), 0, 0, cv::INTER_AREA);
  cv::cvtColor(resized, rgb, cv::COLOR_BGR2RGB);
  FF_ASSIGN_OR_RETURN(Tensor t, Tensor::Allocate(DataType::kFloat32, {1, 3, size, size}));
  for (int ch = 0; ch < 3; ++ch)
    for (int y = 0; y < size; ++y)
      for (int x = 0; x < size; ++x)
        t.data<float>()[(ch * size + y) * size + x] = static_cast<float>(rgb.at<cv::Vec3b>(y, x)[ch]) / 255.0f;
  return t;
}

// The model's input normalisation of a [0,1] image, and its output back to [0,1] (clipped).
float Normalise(PixelSpace space, int channel, float unit) {
  static const float kMean[3] = {0.485f, 0.456f, 0.406f}, kStd[3] = {0.229f, 0.224f, 0.225f};
  if (space == PixelSpace::kSigned) return (unit - 0.5f) / 0.5f;
  if (space == PixelSpace::kImageNetUnit) return (unit - kMean[channel]) / kStd[channel];
  return unit;
}
float Denormalise(PixelSpace space, float y) {
  if (space == PixelSpace::kSigned) y = std::clamp(y, -1.0f, 1.0f) * 0.5f + 0.5f;
  return std::clamp(y, 0.0f, 1.0f);
}

Tensor ApplyToEach(const Tensor& t, const std::function<float(int, float)>& f) {
  Tensor out = t.Clone().value();
  const int64_t plane = t.dim(2) * t.dim(3);
  for (int64_t i = 0; i < t.size(); ++i) out.data<float>()[i] = f(static_cast<int>(i / plane), t.data<float>()[i]);
  return out;
}

TEST(StandInIdentity, ReturnsTheCropThroughEachModelsNormalisation) {
  FF_REQUIRE_FIXTURES(kFixtures / "media" / "images" / "obama.jpg");
  for (const auto& c : AllModelContracts()) {
    if (!IsImageModel(c)) continue;
    SCOPED_TRACE(c.name);
    auto session = WriteAndOpen(SpecFor({c.name, StandInKind::kIdentity}));
    ASSERT_TRUE(session.ok()) << session.status().ToString();
    auto crop = UnitCrop(c.size);
    ASSERT_TRUE(crop.ok()) << crop.status().ToString();
    Tensor image = ApplyToEach(*crop, [&](int ch, float v) { return Normalise(c.space, ch, v); });
    auto out = (*session)->Run(Inputs(c, image, Source(3)));
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    Tensor back = ApplyToEach((*out)[0], [&](int, float v) { return Denormalise(c.space, v); });
    // float16 graphs may round the image to 11 significant bits on the way.
    EXPECT_LT(MaxAbsDiff(back, *crop), c.fp16_graph ? 1e-3f : 1e-5f);
  }
}

TEST(StandInSourceCopy, OutputFollowsTheSourceAndIgnoresTheTarget) {
  for (const auto& c : AllModelContracts()) {
    if (!c.has_source) continue;
    SCOPED_TRACE(c.name);
    auto session = WriteAndOpen(SpecFor({c.name, StandInKind::kSourceCopy}));
    ASSERT_TRUE(session.ok()) << session.status().ToString();
    const Shape shape = {1, 3, c.size, c.size};
    auto run = [&](double pixel, const Tensor& source) {
      return (*session)->Run(Inputs(c, Filled(DataType::kFloat32, shape, pixel), source)).value()[0];
    };
    const Tensor a = run(0.1, Source(1)), a_other_target = run(0.9, Source(1)), b = run(0.1, Source(2));
    EXPECT_EQ(MaxAbsDiff(a, a_other_target), 0.0f);
    EXPECT_GT(MaxAbsDiff(a, b), 0.05f);
    // The documented colour: sigmoid(16 * source[k]) in [0,1] output space.
    const int64_t plane = c.size * c.size;
    for (int k = 0; k < 3; ++k) {
      const float want = 1.0f / (1.0f + std::exp(-16.0f * Source(1).data<float>()[k]));
      const float tolerance = c.fp16_graph ? 2e-3f : 1e-5f;
      EXPECT_NEAR(Denormalise(c.space, a.data<float>()[k * plane]), want, tolerance) << "channel " << k;
      EXPECT_NEAR(Denormalise(c.space, a.data<float>()[(k + 1) * plane - 1]), want, tolerance) << "channel " << k;
    }
  }
}

TEST(StandInSourceCopy, IsUnsupportedForEnhancers) {
  onnx::ModelProto m;
  Status s = BuildStandIn(SpecFor({"gfpgan_1.4", StandInKind::kSourceCopy}), &m);
  EXPECT_EQ(s.code(), StatusCode::kUnsupported) << s.ToString();
}

TEST(StandInReplica, OutputIsFiniteAndDependsOnEveryInput) {
  // One model per distinct graph: inswapper_128_fp16 is inswapper_128's graph in float16 (hyperswap_1a
  // is the float16 replica run here), hyperswap_1b/1c build hyperswap_1a's graph, gpen_bfr_512 gfpgan_1.4's.
  for (const char* model : {"inswapper_128", "hyperswap_1a_256", "simswap_256", "simswap_unofficial_512",
                            "gfpgan_1.4", "codeformer", "gpen_bfr_256"}) {
    const ModelContract c = FindModelContract(model).value();
    SCOPED_TRACE(c.name);
    auto session = WriteAndOpen(SpecFor({c.name, StandInKind::kReplica}));
    ASSERT_TRUE(session.ok()) << session.status().ToString();
    auto crop = UnitCrop(c.size);
    Tensor image = crop.ok() ? ApplyToEach(*crop, [&](int ch, float v) { return Normalise(c.space, ch, v); })
                             : Filled(DataType::kFloat32, {1, 3, c.size, c.size}, 0.3);
    auto in = Inputs(c, image, Source(1));
    const Tensor out = (*session)->Run(in).value()[0];
    float lo = std::numeric_limits<float>::max(), hi = -lo;
    for (float x : out.span<float>()) {
      ASSERT_TRUE(std::isfinite(x));
      lo = std::min(lo, x);
      hi = std::max(hi, x);
    }
    EXPECT_GT(hi - lo, 1e-3f) << "constant output";
    for (auto& [name, t] : in) {
      if (name == "source") t = Source(2);
      if (name == "weight") t = Filled(DataType::kFloat64, {1}, 1.0);
      if (name == c.image_input) t = ApplyToEach(t, [](int, float v) { return v * 0.5f; });
    }
    EXPECT_GT(MaxAbsDiff(out, (*session)->Run(in).value()[0]), 1e-4f);
  }
}

// The FLOPs table of docs/standins.md, full width, within 1 %.
TEST(StandInReplica, FullSizeFlopsMatchTheDocumentedTable) {
  const std::vector<std::pair<std::string, double>> documented = {
      {"inswapper_128", 182.4}, {"inswapper_128_fp16", 182.4}, {"hyperswap_1a_256", 125.7},
      {"simswap_256", 125.7},   {"simswap_unofficial_512", 140.2}, {"gfpgan_1.4", 353.9},
      {"codeformer", 306.4},    {"gpen_bfr_256", 268.9},         {"gpen_bfr_512", 353.9}};
  for (const auto& [model, gflops] : documented) {
    StandInSpec spec = SpecFor({model, StandInKind::kReplica});
    spec.width_divisor = 1;
    spec.shapes_only = true;
    onnx::ModelProto m;
    ASSERT_TRUE(BuildStandIn(spec, &m).ok());
    auto flops = CountFlops(m);
    ASSERT_TRUE(flops.ok()) << flops.status().ToString();
    EXPECT_NEAR(static_cast<double>(*flops) / 1e9, gflops, gflops * 0.01) << model;
  }
}

TEST(StandInFlops, CountsConvGemmAndMatMulMultiplyAccumulates) {
  // Conv [1,3,8,8] * W[4,3,3,3], pads 1: 4*8*8 outputs x 27 MACs; Gemm [1,256] x [256,10]: 2560 MACs.
  onnx::ModelProto m;
  StandInSpec spec = SpecFor({"inswapper_128", StandInKind::kIdentity});
  ASSERT_TRUE(BuildStandIn(spec, &m).ok());
  auto identity = CountFlops(m);
  ASSERT_TRUE(identity.ok());
  EXPECT_EQ(*identity, 0u);  // no matrix ops at all
  auto* g = m.mutable_graph();
  auto add_init = [&](const std::string& name, std::vector<int64_t> dims) {
    auto* t = g->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims) t->add_dims(d);
  };
  add_init("w_conv", {4, 3, 3, 3});
  add_init("x_small", {1, 3, 8, 8});
  add_init("w_gemm", {256, 10});
  add_init("v_gemm", {1, 256});
  auto* conv = g->add_node();
  conv->set_op_type("Conv");
  conv->add_input("x_small");
  conv->add_input("w_conv");
  conv->add_output("conv_out");
  auto* pads = conv->add_attribute();
  pads->set_name("pads");
  pads->set_type(onnx::AttributeProto::INTS);
  for (int i = 0; i < 4; ++i) pads->add_ints(1);
  auto* gemm = g->add_node();
  gemm->set_op_type("Gemm");
  gemm->add_input("v_gemm");
  gemm->add_input("w_gemm");
  gemm->add_output("gemm_out");
  auto flops = CountFlops(m);
  ASSERT_TRUE(flops.ok()) << flops.status().ToString();
  EXPECT_EQ(*flops, 2u * (4 * 64 * 27 + 2560));
}

TEST(StandInEmap, InswapperLastInitializerIsTheOrthonormalEmap) {
  for (const char* model : {"inswapper_128", "inswapper_128_fp16"}) {
    for (StandInKind kind : {StandInKind::kIdentity, StandInKind::kReplica}) {
      fs::path path;
      ASSERT_TRUE(WriteAndOpen(SpecFor({model, kind}), &path).ok());
      const onnx::ModelProto m = ReadModel(path);
      ASSERT_GT(m.graph().initializer_size(), 0);
      const auto& last = m.graph().initializer(m.graph().initializer_size() - 1);
      EXPECT_EQ(last.name(), "emap");
      EXPECT_EQ(last.data_type(), onnx::TensorProto::FLOAT);
      ASSERT_EQ(last.dims_size(), 2);
      EXPECT_EQ(last.dims(0), 512);
      EXPECT_EQ(last.dims(1), 512);
      ASSERT_EQ(last.raw_data().size(), 512u * 512u * 4u);
      const auto* e = reinterpret_cast<const float*>(last.raw_data().data());
      for (int i : {0, 7, 511}) {
        for (int j : {0, 7, 300}) {
          double dot = 0;
          for (int k = 0; k < 512; ++k) dot += double(e[i * 512 + k]) * e[j * 512 + k];
          EXPECT_NEAR(dot, i == j ? 1.0 : 0.0, 1e-5) << model << " rows " << i << ", " << j;
        }
      }
    }
  }
}

TEST(StandInEmap, LoadsTheGivenFileAndRejectsBadOnes) {
  const fs::path fixture = kFixtures / "models" / "inswapper_emap" / "emap_512x512_f32.bin";
  StandInSpec spec = SpecFor({"inswapper_128", StandInKind::kIdentity});
  onnx::ModelProto m;
  spec.emap_path = TestDir() / "missing.bin";
  EXPECT_EQ(BuildStandIn(spec, &m).code(), StatusCode::kNotFound);
  spec.emap_path = TestDir() / "short.bin";
  fs::create_directories(TestDir());
  std::ofstream(spec.emap_path, std::ios::binary) << "too short";
  EXPECT_EQ(BuildStandIn(spec, &m).code(), StatusCode::kInvalidArgument);
  FF_REQUIRE_FIXTURES(fixture);
  spec.emap_path = fixture;
  ASSERT_TRUE(BuildStandIn(spec, &m).ok());
  const auto& last = m.graph().initializer(m.graph().initializer_size() - 1);
  std::ifstream f(fixture, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_EQ(last.name(), "emap");
  EXPECT_TRUE(last.raw_data() == bytes);
}

TEST(StandInSpecs, AreDeterministicAndCheckedUpFront) {
  StandInSpec spec = SpecFor({"simswap_256", StandInKind::kReplica});
  onnx::ModelProto a, b;
  ASSERT_TRUE(BuildStandIn(spec, &a).ok());
  ASSERT_TRUE(BuildStandIn(spec, &b).ok());
  EXPECT_TRUE(a.SerializeAsString() == b.SerializeAsString());
  spec.seed = 2;
  ASSERT_TRUE(BuildStandIn(spec, &b).ok());
  EXPECT_FALSE(a.SerializeAsString() == b.SerializeAsString());

  EXPECT_EQ(BuildStandIn(SpecFor({"no_such_model", StandInKind::kIdentity}), &a).code(), StatusCode::kNotFound);
  spec.width_divisor = 0;
  EXPECT_EQ(BuildStandIn(spec, &a).code(), StatusCode::kInvalidArgument);
  spec = SpecFor({"gfpgan_1.4", StandInKind::kIdentity});
  spec.emap_path = "emap.bin";
  EXPECT_EQ(BuildStandIn(spec, &a).code(), StatusCode::kInvalidArgument);
  spec = SpecFor({"gfpgan_1.4", StandInKind::kIdentity});
  spec.shapes_only = true;
  EXPECT_EQ(WriteStandIn(spec, TestDir() / "x.onnx").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseKind("identity").value(), StandInKind::kIdentity);
  EXPECT_EQ(ParseKind("source-copy").value(), StandInKind::kSourceCopy);
  EXPECT_FALSE(ParseKind("real").ok());
}

// One contract table: the stand-ins' contracts are the engine's (face::SwapperContracts, face::EnhancerContracts)
// entry by entry, both ways, with the same sizes, normalisation (checked by value), emap, weight and float16
// body; every converter a swapper names has a stand-in and a catalog entry, as has every swapper and enhancer.
TEST(StandInContracts, AreTheEnginesTableEntryByEntry) {
  size_t swappers = 0, enhancers = 0;
  for (const face::SwapperContract& e : face::SwapperContracts()) {
    SCOPED_TRACE(e.name);
    auto c = FindModelContract(e.name);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    ++swappers;
    EXPECT_EQ(c->family, ModelFamily::kSwapper);
    EXPECT_EQ(c->size, e.size);
    EXPECT_EQ(c->input_dims, (std::vector<int64_t>{1, 3, e.size, e.size}));
    EXPECT_EQ(c->has_emap, e.source == face::SourceEncoding::kInswapperLatent);
    EXPECT_EQ(c->fp16_graph, e.fp16_graph);
    EXPECT_TRUE(c->has_source);
    for (int ch = 0; ch < 3; ++ch) {
      for (float unit : {0.0f, 0.3f, 1.0f}) {
        const float fed = (unit - e.target_mean[ch]) / e.target_std[ch];
        EXPECT_NEAR(Normalise(c->space, ch, unit), fed, 1e-5f) << "input normalisation, channel " << ch;
        EXPECT_NEAR(Denormalise(c->space, fed), std::clamp(fed * e.output_scale + e.output_offset, 0.0f, 1.0f), 1e-5f)
            << "output mapping, channel " << ch;
      }
    }
    const models::ModelEntry* entry = models::FindModel(e.name);
    ASSERT_NE(entry, nullptr) << "no catalog entry";
    EXPECT_EQ(entry->kind, models::ModelKind::kSwapper);
    if (e.converter.empty()) continue;
    auto converter = FindModelContract(e.converter);
    ASSERT_TRUE(converter.ok()) << converter.status().ToString();
    EXPECT_EQ(converter->family, ModelFamily::kConverter);
    EXPECT_EQ(converter->input_dims, (std::vector<int64_t>{1, 512}));
    EXPECT_EQ(converter->output_dims, (std::vector<int64_t>{1, 512}));
    const models::ModelEntry* converter_entry = models::FindModel(e.converter);
    ASSERT_NE(converter_entry, nullptr) << e.converter << " is missing from the catalog";
    EXPECT_EQ(converter_entry->kind, models::ModelKind::kConverter);
  }
  for (const face::EnhancerContract& e : face::EnhancerContracts()) {
    SCOPED_TRACE(e.name);
    auto c = FindModelContract(e.name);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    ++enhancers;
    EXPECT_EQ(c->family, ModelFamily::kEnhancer);
    EXPECT_EQ(c->size, e.size);
    EXPECT_EQ(c->has_weight, e.weight_input);
    EXPECT_EQ(c->space, PixelSpace::kSigned);  // FaceEnhancer feeds (x/255 - 0.5)/0.5 and maps (y + 1)/2
    const models::ModelEntry* entry = models::FindModel(e.name);
    ASSERT_NE(entry, nullptr) << "no catalog entry";
    EXPECT_EQ(entry->kind, models::ModelKind::kEnhancer);
  }
  size_t standin_swappers = 0, standin_enhancers = 0;
  for (const auto& c : AllModelContracts()) {
    standin_swappers += c.family == ModelFamily::kSwapper;
    standin_enhancers += c.family == ModelFamily::kEnhancer;
  }
  EXPECT_EQ(standin_swappers, swappers) << "a stand-in swapper the engine does not know";
  EXPECT_EQ(standin_enhancers, enhancers) << "a stand-in enhancer the engine does not know";
  const auto yolo = FindModelContract("yoloface_8n");
  ASSERT_TRUE(yolo.ok());
  EXPECT_EQ(yolo->output_dims, (std::vector<int64_t>{1, 20, 8400}));
  ASSERT_NE(models::FindModel("yoloface_8n"), nullptr);
}

// The tint's documented shift, model by model, on the obama crop (or a flat grey without fixtures): swappers
// R + 40 * source[0]^2, G + 40 * |source|^2; enhancers B - 40 (codeformer B - 80 * weight); converters give e0.
TEST(StandInTint, ShiftsByTheDocumentedColour) {
  const float k = kTintLevels / 255.0f;
  for (const auto& c : AllModelContracts()) {
    if (!KindApplies(c, StandInKind::kTint)) continue;
    SCOPED_TRACE(c.name);
    auto session = WriteAndOpen(SpecFor({c.name, StandInKind::kTint}));
    ASSERT_TRUE(session.ok()) << session.status().ToString();
    if (c.family == ModelFamily::kConverter) {
      auto out = (*session)->Run({{c.image_input, Source(4)}});
      ASSERT_TRUE(out.ok()) << out.status().ToString();
      const auto v = (*out)[0].span<float>();
      ASSERT_EQ(v.size(), 512u);
      for (size_t i = 0; i < v.size(); ++i) EXPECT_EQ(v[i], i == 0 ? 1.0f : 0.0f) << i;
      continue;
    }
    auto crop = UnitCrop(c.size);
    const Tensor unit = crop.ok() ? *crop : Filled(DataType::kFloat32, {1, 3, c.size, c.size}, 0.4);
    Tensor image = ApplyToEach(unit, [&](int ch, float v) { return Normalise(c.space, ch, v); });
    Tensor source = Source(5);
    double norm2 = 0;
    for (float x : source.span<float>()) norm2 += double(x) * x;
    for (float& x : source.span<float>()) x = static_cast<float>(x / std::sqrt(norm2));  // a unit source
    const float s0 = source.data<float>()[0];
    for (double weight : {0.25, 0.75}) {
      auto in = Inputs(c, image, source);
      for (auto& [name, t] : in)
        if (name == "weight") t = Filled(DataType::kFloat64, {1}, weight);
      auto out = (*session)->Run(in);
      ASSERT_TRUE(out.ok()) << out.status().ToString();
      const float b_shift = c.has_weight ? -2 * k * static_cast<float>(weight) : -k;
      const float shift[3] = {c.family == ModelFamily::kSwapper ? k * s0 * s0 : 0.0f,
                              c.family == ModelFamily::kSwapper ? k : 0.0f,
                              c.family == ModelFamily::kEnhancer ? b_shift : 0.0f};
      const int64_t plane = c.size * c.size;
      float worst = 0;
      for (int64_t i = 0; i < unit.size(); ++i) {
        const int ch = static_cast<int>(i / plane);
        const float want = std::clamp(unit.data<float>()[i] + shift[ch], 0.0f, 1.0f);
        worst = std::max(worst, std::fabs(Denormalise(c.space, (*out)[0].data<float>()[i]) - want));
      }
      EXPECT_LT(worst, c.fp16_graph ? 2e-3f : 1e-5f) << "weight " << weight;
      if (!c.has_weight) break;
    }
  }
}

TEST(StandInKinds, ApplyOnlyToTheirFamilies) {
  onnx::ModelProto m;
  EXPECT_EQ(BuildStandIn(SpecFor({"yoloface_8n", StandInKind::kTint}), &m).code(), StatusCode::kUnsupported);
  EXPECT_EQ(BuildStandIn(SpecFor({"yoloface_8n", StandInKind::kIdentity}), &m).code(), StatusCode::kUnsupported);
  EXPECT_EQ(BuildStandIn(SpecFor({"hyperswap_1a_256", StandInKind::kBlueBlob}), &m).code(), StatusCode::kUnsupported);
  EXPECT_EQ(BuildStandIn(SpecFor({"crossface_simswap", StandInKind::kSourceCopy}), &m).code(),
            StatusCode::kUnsupported);
  EXPECT_EQ(ParseKind("tint").value(), StandInKind::kTint);
  EXPECT_EQ(ParseKind("blue-blob").value(), StandInKind::kBlueBlob);
}

}  // namespace
}  // namespace facefuse::standins
