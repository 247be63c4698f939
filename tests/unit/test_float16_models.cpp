// float16 models: real fixture models converted to float16 here (every float
// initializer, Constant and graph input/output, as onnxconverter-common's
// convert_float_to_float16 with keep_io_types=False does) must run and give
// the float32 model's outputs within float16 accuracy; a float32 model is left
// untouched by the lowering pass; a broken float16 weight is a clear error.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <unistd.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <unordered_set>
#include <vector>

#include "common/float16.h"
#include "face/swap/neural/neural_swapper.h"
#include "face/swap/neural/swapper_contract.h"
#include "facefuse/runtime.h"
#include "runtime/loader/onnx_loader.h"
#include "runtime/ops/op_def.h"
#include "runtime/passes/passes.h"
#include "tests/unit/face_fixtures.h"
#include "tools/standins/standins.h"

namespace facefuse {
namespace {

namespace fs = std::filesystem;
using facefuse::testing::FixtureModel;
using facefuse::testing::kFixtureThreads;

onnx::ModelProto ReadModel(const fs::path& path) {
  onnx::ModelProto m;
  auto bytes = rt::ReadFileBytes(path);
  EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
  if (bytes.ok()) {
    EXPECT_TRUE(m.ParseFromString(*bytes)) << path;
  }
  return m;
}

// A float32 TensorProto (raw_data or float_data) rewritten as float16 raw_data.
void TensorToFloat16(onnx::TensorProto* t) {
  if (t->data_type() != onnx::TensorProto::FLOAT) return;
  std::vector<float> v;
  if (t->has_raw_data()) {
    v.resize(t->raw_data().size() / sizeof(float));
    std::memcpy(v.data(), t->raw_data().data(), v.size() * sizeof(float));
  } else {
    v.assign(t->float_data().begin(), t->float_data().end());
  }
  std::vector<uint16_t> h(v.size());
  for (size_t i = 0; i < v.size(); ++i) h[i] = FloatToHalf(v[i]);
  t->clear_float_data();
  t->set_raw_data(h.data(), h.size() * sizeof(uint16_t));
  t->set_data_type(onnx::TensorProto::FLOAT16);
}

void TypeToFloat16(onnx::ValueInfoProto* v) {
  auto* tt = v->mutable_type()->mutable_tensor_type();
  if (tt->elem_type() == onnx::TensorProto::FLOAT) tt->set_elem_type(onnx::TensorProto::FLOAT16);
}

// The whole model in float16, graph inputs and outputs included. Like the
// converter, Resize/Upsample keep their float32 roi and scales inputs.
void ConvertToFloat16(onnx::ModelProto& m) {
  auto* g = m.mutable_graph();
  std::unordered_set<std::string> keep_float32;
  for (const auto& n : g->node())
    if (n.op_type() == "Resize" || n.op_type() == "Upsample")
      for (int i = 1; i < n.input_size(); ++i) keep_float32.insert(n.input(i));
  for (auto& t : *g->mutable_initializer())
    if (!keep_float32.count(t.name())) TensorToFloat16(&t);
  for (auto& n : *g->mutable_node()) {
    bool keep = n.output_size() > 0 && keep_float32.count(n.output(0));
    for (auto& a : *n.mutable_attribute()) {
      if (a.type() == onnx::AttributeProto::TENSOR && !keep) TensorToFloat16(a.mutable_t());
      if (n.op_type() == "Cast" && a.name() == "to" && a.i() == onnx::TensorProto::FLOAT)
        a.set_i(onnx::TensorProto::FLOAT16);
    }
  }
  for (auto* list : {g->mutable_input(), g->mutable_output(), g->mutable_value_info()})
    for (auto& v : *list)
      if (!keep_float32.count(v.name())) TypeToFloat16(&v);
}

Result<std::unique_ptr<Session>> OpenProto(const onnx::ModelProto& m, const fs::path& dir,
                                           SessionOptions options = {}) {
  std::string bytes;
  if (!m.SerializeToString(&bytes)) return Internal("cannot serialise the model");
  options.threads = kFixtureThreads;
  return Session::OpenFromBytes({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, dir, options);
}

struct Agreement {
  double max_abs = 0;  // largest |f16 - f32|
  double max_ref = 0;  // largest |f32|
  double cosine = 1;   // of the flattened outputs
  double rel() const { return max_ref > 0 ? max_abs / max_ref : max_abs; }
};

Agreement Compare(const Tensor& f32, const Tensor& f16_as_f32) {
  Agreement a;
  double dot = 0, na = 0, nb = 0;
  for (int64_t i = 0; i < f32.size(); ++i) {
    const double x = f32.data<float>()[i], y = f16_as_f32.data<float>()[i];
    a.max_abs = std::max(a.max_abs, std::abs(x - y));
    a.max_ref = std::max(a.max_ref, std::abs(x));
    dot += x * y, na += x * x, nb += y * y;
  }
  a.cosine = na > 0 && nb > 0 ? dot / std::sqrt(na * nb) : (na == nb ? 1 : 0);
  return a;
}

struct Float16Case {
  const char* model;
  double min_cosine;  // per output
  double max_rel;     // per output: max |f16 - f32| / max |f32|
};

class Float16FixtureTest : public ::testing::TestWithParam<Float16Case> {};

// The model converted to float16 runs with float16 I/O and agrees with the
// float32 model on the fixture's first test set.
TEST_P(Float16FixtureTest, MatchesFloat32Model) {
  const Float16Case& c = GetParam();
  const fs::path model = FixtureModel(c.model);
  const fs::path set = model.parent_path() / "test_data_set_0";
  FF_REQUIRE_FIXTURES(model, set / "input_0.pb");

  SessionOptions options;
  options.threads = kFixtureThreads;
  FF_ASSERT_OK_AND_ASSIGN(auto s32, Session::Open(model, options));
  onnx::ModelProto half = ReadModel(model);
  ConvertToFloat16(half);
  std::vector<std::string> log;
  SessionOptions logged;
  logged.debug_log = [&log](std::string_view line) { log.emplace_back(line); };
  FF_ASSERT_OK_AND_ASSIGN(auto s16, OpenProto(half, model.parent_path(), logged));

  ASSERT_EQ(s16->inputs().size(), s32->inputs().size());
  for (const TensorInfo& in : s16->inputs()) EXPECT_EQ(in.dtype, DataType::kFloat16) << in.name;
  for (const TensorInfo& out : s16->outputs()) EXPECT_EQ(out.dtype, DataType::kFloat16) << out.name;
  EXPECT_TRUE(
      std::any_of(log.begin(), log.end(), [](const std::string& l) { return l.rfind("float16 lowering:", 0) == 0; }));

  std::vector<Tensor> feeds32, feeds16;
  for (size_t i = 0; i < s32->inputs().size(); ++i) {
    FF_ASSERT_OK_AND_ASSIGN(Tensor t, rt::ReadTensorProtoFile(set / ("input_" + std::to_string(i) + ".pb")));
    FF_ASSERT_OK_AND_ASSIGN(Tensor h, Float32ToFloat16(t));
    feeds32.push_back(t);
    feeds16.push_back(h);
  }
  FF_ASSERT_OK_AND_ASSIGN(std::vector<Tensor> out32, s32->Run(feeds32));
  FF_ASSERT_OK_AND_ASSIGN(std::vector<Tensor> out16, s16->Run(feeds16));
  ASSERT_EQ(out16.size(), out32.size());
  for (size_t j = 0; j < out32.size(); ++j) {
    ASSERT_EQ(out16[j].dtype(), DataType::kFloat16);
    ASSERT_EQ(out16[j].shape(), out32[j].shape());
    FF_ASSERT_OK_AND_ASSIGN(Tensor wide, Float16ToFloat32(out16[j]));
    Agreement a = Compare(out32[j], wide);
    std::printf("%s %s: max abs %.3g (max |f32| %.3g, rel %.3g), cosine %.7f\n", c.model,
                s32->outputs()[j].name.c_str(), a.max_abs, a.max_ref, a.rel(), a.cosine);
    EXPECT_GE(a.cosine, c.min_cosine) << s32->outputs()[j].name;
    EXPECT_LE(a.rel(), c.max_rel) << s32->outputs()[j].name;
  }
}

// Tolerances from the errors measured on the fixtures (docs/ops.md, "float16 models"), with headroom.
INSTANTIATE_TEST_SUITE_P(Fixtures, Float16FixtureTest,
                         ::testing::Values(Float16Case{"yunet_2023mar", 0.9999, 0.01},
                                           Float16Case{"pfld_68", 0.9999, 0.01},
                                           Float16Case{"recognizer_512", 0.9999, 0.01}),
                         [](const auto& info) { return std::string(info.param.model); });

// A float32 model goes through the lowering untouched: no node, no log line.
TEST(Float16Lowering, LeavesFloat32ModelAlone) {
  const fs::path model = FixtureModel("yunet_2023mar");
  FF_REQUIRE_FIXTURES(model);
  FF_ASSERT_OK_AND_ASSIGN(rt::Graph g, rt::LoadOnnxModel(model));
  const size_t nodes = g.nodes.size(), initializers = g.initializers.size();
  std::vector<std::string> log;
  rt::PassContext ctx{rt::OpRegistry::Global(), [&log](std::string_view l) { log.emplace_back(l); }};
  ASSERT_TRUE(rt::LowerFloat16(g, ctx).ok());
  EXPECT_EQ(g.nodes.size(), nodes);
  EXPECT_EQ(g.initializers.size(), initializers);
  EXPECT_TRUE(log.empty()) << log.front();
}

// A float16 weight whose raw_data is short is refused at open, naming it.
TEST(Float16Lowering, TruncatedFloat16InitializerIsInvalidArgument) {
  const fs::path model = FixtureModel("pfld_68");
  FF_REQUIRE_FIXTURES(model);
  onnx::ModelProto half = ReadModel(model);
  ConvertToFloat16(half);
  onnx::TensorProto* victim = nullptr;
  for (auto& t : *half.mutable_graph()->mutable_initializer())
    if (t.data_type() == onnx::TensorProto::FLOAT16 && t.raw_data().size() > 2) victim = &t;
  ASSERT_NE(victim, nullptr);
  victim->mutable_raw_data()->resize(victim->raw_data().size() - 2);
  auto s = OpenProto(half, model.parent_path());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument) << s.status().ToString();
  EXPECT_NE(s.status().message().find("'" + victim->name() + "'"), std::string::npos) << s.status().ToString();
}

// A small float16 graph: a float16 input and output, a float16 weight, a
// float16 Constant, a ConstantOfShape with a float16 value and a Cast to
// float16. It computes what float32 arithmetic gives, rounded once at the end.
TEST(Float16Lowering, SmallGraphKeepsFloat16Interface) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(13);
  auto* g = m.mutable_graph();
  g->set_name("half");
  auto io = [](onnx::ValueInfoProto* v, const std::string& name) {
    v->set_name(name);
    auto* tt = v->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(onnx::TensorProto::FLOAT16);
    tt->mutable_shape()->add_dim()->set_dim_value(4);
  };
  io(g->add_input(), "x");
  io(g->add_output(), "y");
  auto node = [&](const std::string& op, std::vector<std::string> in, const std::string& out) {
    auto* n = g->add_node();
    n->set_op_type(op);
    n->set_name(out);
    for (const auto& i : in) n->add_input(i);
    n->add_output(out);
    return n;
  };
  auto half_tensor = [](onnx::TensorProto* t, std::vector<float> v, std::vector<int64_t> dims) {
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims) t->add_dims(d);
    for (float x : v) t->add_float_data(x);
    TensorToFloat16(t);
  };
  auto* w = g->add_initializer();
  w->set_name("w");
  half_tensor(w, {0.5f, -1.f, 2.f, 0.25f}, {4});
  auto* k = node("Constant", {}, "k")->add_attribute();
  k->set_name("value");
  k->set_type(onnx::AttributeProto::TENSOR);
  half_tensor(k->mutable_t(), {3.f}, {1});
  auto* shape = g->add_initializer();
  shape->set_name("shape");
  shape->set_data_type(onnx::TensorProto::INT64);
  shape->add_dims(1);
  shape->add_int64_data(4);
  auto* fill = node("ConstantOfShape", {"shape"}, "ones")->add_attribute();
  fill->set_name("value");
  fill->set_type(onnx::AttributeProto::TENSOR);
  half_tensor(fill->mutable_t(), {1.f}, {1});
  node("Mul", {"x", "w"}, "xw");
  node("Mul", {"xw", "k"}, "xwk");
  node("Add", {"xwk", "ones"}, "sum");
  auto* cast = node("Cast", {"sum"}, "y")->add_attribute();
  cast->set_name("to");
  cast->set_type(onnx::AttributeProto::INT);
  cast->set_i(onnx::TensorProto::FLOAT16);

  std::vector<std::string> log;
  SessionOptions options;
  options.debug_log = [&log](std::string_view l) { log.emplace_back(l); };
  FF_ASSERT_OK_AND_ASSIGN(auto s, OpenProto(m, "", options));
  ASSERT_EQ(s->inputs().size(), 1u);
  EXPECT_EQ(s->inputs()[0].dtype, DataType::kFloat16);
  EXPECT_EQ(s->outputs()[0].dtype, DataType::kFloat16);
  for (const char* want : {"float16: initializer 'w'", "float16: input 'x' stays float16",
                           "float16: output 'y' stays float16", "float16: Cast 'y'"})
    EXPECT_TRUE(std::any_of(log.begin(), log.end(), [&](const std::string& l) { return l.find(want) == 0; })) << want;

  FF_ASSERT_OK_AND_ASSIGN(Tensor x32, Tensor::FromVector(std::vector<float>{1.f, 2.f, -3.f, 1000.f}, {4}));
  FF_ASSERT_OK_AND_ASSIGN(Tensor x, Float32ToFloat16(x32));
  EXPECT_FALSE(s->Run(std::vector<Tensor>{x32}).ok());  // the interface stays float16
  FF_ASSERT_OK_AND_ASSIGN(std::vector<Tensor> out, s->Run(std::vector<Tensor>{x}));
  ASSERT_EQ(out[0].dtype(), DataType::kFloat16);
  const std::vector<float> want = {2.5f, -5.f, -17.f, 751.f};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(HalfToFloat(out[0].data<uint16_t>()[i]), want[static_cast<size_t>(i)]) << i;
}

// A swapper exported with float16 I/O (and so a float16 emap) is fed and read
// in float16: the identity stand-in still gives the crop back.
TEST(Float16Lowering, NeuralSwapperFeedsFloat16Io) {
  onnx::ModelProto m;
  standins::StandInSpec spec;
  spec.model = "inswapper_128";
  spec.kind = standins::StandInKind::kIdentity;
  ASSERT_TRUE(standins::BuildStandIn(spec, &m).ok());
  ConvertToFloat16(m);
  ASSERT_EQ(m.graph().initializer(m.graph().initializer_size() - 1).data_type(), onnx::TensorProto::FLOAT16);
  const fs::path path = fs::temp_directory_path() / ("ff_fp16_swapper_" + std::to_string(::getpid()) + ".onnx");
  {
    std::string bytes;
    ASSERT_TRUE(m.SerializeToString(&bytes));
    std::FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(std::fwrite(bytes.data(), 1, bytes.size(), f), bytes.size());
    std::fclose(f);
  }
  FF_ASSERT_OK_AND_ASSIGN(const face::SwapperContract* contract, face::FindSwapperContract("inswapper_128"));
  auto swapper = face::NeuralSwapper::Open(*contract, path, {}, {kFixtureThreads, nullptr, {}});
  fs::remove(path);
  ASSERT_TRUE(swapper.ok()) << swapper.status().ToString();
  std::vector<float> identity(512, 0.f);
  identity[3] = 1.f;
  FF_ASSERT_OK_AND_ASSIGN(std::vector<float> latent, (*swapper)->EncodeSource(identity));
  cv::Mat crop(128, 128, CV_8UC3);
  cv::randu(crop, 0, 256);
  FF_ASSERT_OK_AND_ASSIGN(cv::Mat out, (*swapper)->SwapCrop(crop, latent));
  ASSERT_EQ(out.type(), CV_32FC3);
  cv::Mat want;
  crop.convertTo(want, CV_32FC3, 1 / 255.0);
  EXPECT_LT(cv::norm(out, want, cv::NORM_INF), 1e-3);  // two float16 roundings of values in [0,1]
}

}  // namespace
}  // namespace facefuse
