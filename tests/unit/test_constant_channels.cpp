// PruneConstantChannels: output channels with all-zero weights go where every reader can do without them. Every
// rewrite is checked against the reference kernels (RunPass); PFLD-68, a slimmed network, against ONNX Runtime.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "facefuse/runtime.h"
#include "pass_test_util.h"
#include "runtime/loader/onnx_loader.h"
#include "tests/unit/allocation_count.h"
#include "tests/unit/fixtures_dir.h"

namespace facefuse::rt {
namespace {

using namespace pass_test;  // NOLINT: the helpers every pass test uses

Node Convolution(const std::string& op, std::vector<std::string> inputs, const std::string& out, int64_t group,
                 int64_t pad, const std::string& activation = "") {
  Node n = MakeOp(op, std::move(inputs), {out});
  if (op == "FusedConv") n.domain = "facefuse";
  if (!activation.empty()) n.attrs["activation"].value = activation;
  n.attrs["group"].value = group;
  n.attrs["pads"].value = std::vector<int64_t>{pad, pad, pad, pad};
  return n;
}

void ZeroRows(Tensor& w, const std::vector<int64_t>& rows) {
  const int64_t per = w.size() / w.dim(0);
  for (int64_t r : rows) std::fill_n(w.data<float>() + r * per, per, 0.f);
}

// x [1,4,6,5] -> FusedConv 3x3 pad 1 + Relu, 8 channels of which `zero` have zero weights -> "p"
//   -> depthwise FusedConv 3x3 pad 1 + Relu, zero weights on `dw_zero` -> "d"
//   -> Conv 1x1 to 5 channels, no bias -> "y". Biases span [-1, 1]: Relu keeps some constants and zeroes others.
Graph SlimmedBlock(const std::vector<int64_t>& zero, const std::vector<int64_t>& dw_zero) {
  Graph g;
  g.opset = 17;
  g.inputs = {Info("x", {1, 4, 6, 5})};
  g.initializers["pw"] = Random({8, 4, 3, 3}, 1);
  ZeroRows(g.initializers["pw"], zero);
  g.initializers["pb"] = Random({8}, 2);
  g.initializers["dw"] = Random({8, 1, 3, 3}, 3);
  ZeroRows(g.initializers["dw"], dw_zero);
  g.initializers["db"] = Random({8}, 4);
  g.initializers["rw"] = Random({5, 8, 1, 1}, 5);
  g.nodes.push_back(Convolution("FusedConv", {"x", "pw", "pb"}, "p", 1, 1, "Relu"));
  g.nodes.push_back(Convolution("FusedConv", {"p", "dw", "db"}, "d", 8, 1, "Relu"));
  g.nodes.push_back(Convolution("Conv", {"d", "rw"}, "y", 1, 0));
  g.value_infos["p"] = Info("p", {1, 8, 6, 5});
  g.value_infos["d"] = Info("d", {1, 8, 6, 5});
  g.outputs = {Info("y", {1, 5, 6, 5})};
  return g;
}

const Feeds kFeeds{{"x", Random({1, 4, 6, 5}, 9)}};

Shape WeightShape(const Graph& g, size_t node) { return g.initializers.at(g.nodes[node].inputs[1]).shape(); }

TEST(PruneConstantChannels, DropsThemThroughADepthwiseReaderIntoAPointwiseBias) {
  std::vector<std::string> log;
  Graph after = RunPass(PruneConstantChannels, SlimmedBlock({1, 3, 6}, {1, 3, 6}), kFeeds, &log);
  EXPECT_EQ(WeightShape(after, 0), (Shape{5, 4, 3, 3}));
  EXPECT_EQ(after.initializers.at(after.nodes[0].inputs[2]).shape(), (Shape{5}));
  EXPECT_EQ(WeightShape(after, 1), (Shape{5, 1, 3, 3}));
  EXPECT_EQ(after.nodes[1].GetInt("group", 1), 5);
  EXPECT_EQ(WeightShape(after, 2), (Shape{5, 5, 1, 1}));
  ASSERT_TRUE(after.nodes[2].HasInput(2));  // the constants' share
  EXPECT_EQ(after.value_infos.at("p").dims->at(1).size, 5);
  EXPECT_EQ(after.value_infos.at("d").dims->at(1).size, 5);
  EXPECT_TRUE(Logged(log, "3 of 8 output channels dropped, 2 reader(s) rewritten"));
}

TEST(PruneConstantChannels, KeepsTheChannelsADepthwiseReaderHasWeightsOn) {
  std::vector<std::string> log;
  Graph after = RunPass(PruneConstantChannels, SlimmedBlock({1, 3, 6}, {1, 6}), kFeeds, &log);
  EXPECT_EQ(WeightShape(after, 0), (Shape{6, 4, 3, 3}));
  EXPECT_EQ(after.nodes[1].GetInt("group", 1), 6);
  EXPECT_EQ(WeightShape(after, 2), (Shape{5, 6, 1, 1}));
  EXPECT_TRUE(Logged(log, "2 of 8 output channels dropped"));
}

// Each graph must come out as it went in.
void ExpectUnchanged(const Graph& g) {
  std::vector<std::string> log;
  Graph after = RunPass(PruneConstantChannels, g, kFeeds, &log);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    EXPECT_EQ(after.nodes[i].inputs, g.nodes[i].inputs) << g.nodes[i].Describe();
    EXPECT_EQ(after.nodes[i].GetInt("group", 1), g.nodes[i].GetInt("group", 1));
  }
  EXPECT_TRUE(Logged(log, "constant channels: 0 output channel(s)"));
}

// A graph with one more input, `name` [1,8,6,5], and the feeds for it.
struct GraphAndFeeds {
  Graph g;
  Feeds feeds;
};
GraphAndFeeds WithExtraInput(Graph g, const std::string& name) {
  g.inputs.push_back(Info(name, {1, 8, 6, 5}));
  Feeds feeds = kFeeds;
  feeds[name] = Random({1, 8, 6, 5}, 10);
  return {std::move(g), std::move(feeds)};
}

// The producer keeps all 8 channels (and RunPass checks the outputs).
void ExpectProducerKept(const GraphAndFeeds& c) {
  Graph after = RunPass(PruneConstantChannels, c.g, c.feeds);
  EXPECT_EQ(WeightShape(after, 0), (Shape{8, 4, 3, 3}));
}

TEST(PruneConstantChannels, LeavesChannelsAReaderNeeds) {
  {
    SCOPED_TRACE("a padded reader of group 1 sees the constant only inside");
    Graph g = SlimmedBlock({1, 3, 6}, {1, 3, 6});
    g.initializers["rw"] = Random({5, 8, 3, 3}, 5);
    g.nodes[2].attrs["pads"].value = std::vector<int64_t>{1, 1, 1, 1};
    ExpectUnchanged(g);
  }
  {
    SCOPED_TRACE("the producer's output is a graph output");
    Graph g = SlimmedBlock({1, 3, 6}, {1, 3, 6});
    g.outputs.push_back(Info("p", {1, 8, 6, 5}));
    ExpectUnchanged(g);
  }
  {
    SCOPED_TRACE("the depthwise output is read as a residual Sum too");
    Graph g = SlimmedBlock({1, 3, 6}, {1, 3, 6});
    g.initializers["sw"] = Random({8, 8, 1, 1}, 6);
    g.nodes.push_back(Convolution("FusedConv", {"x2", "sw", "", "d"}, "s", 1, 0));
    g.outputs.push_back(Info("s", {1, 8, 6, 5}));
    ExpectProducerKept(WithExtraInput(g, "x2"));
  }
  {
    SCOPED_TRACE("the producer adds a residual Sum: its zero-weight channels are not constant");
    Graph g = SlimmedBlock({1, 3, 6}, {1, 3, 6});
    g.nodes[0].inputs.push_back("r");
    ExpectProducerKept(WithExtraInput(g, "r"));
  }
  {
    SCOPED_TRACE("the depthwise reader adds a residual Sum: its zero-weight channels are not constant");
    Graph g = SlimmedBlock({1, 3, 6}, {1, 3, 6});
    g.nodes[1].inputs.push_back("r");
    ExpectProducerKept(WithExtraInput(g, "r"));
  }
  {
    SCOPED_TRACE("every channel is constant: the value keeps them all");
    ExpectUnchanged(SlimmedBlock({0, 1, 2, 3, 4, 5, 6, 7}, {0, 1, 2, 3, 4, 5, 6, 7}));
  }
}

TEST(PruneConstantChannels, AFailedAllocationIsOutOfMemory) {
  const Graph block = SlimmedBlock({1, 3, 6}, {1, 3, 6});
  PassContext ctx{OpRegistry::Global(), {}};
  const int64_t total = CountAllocations([&] {
    Graph g = block;
    EXPECT_TRUE(PruneConstantChannels(g, ctx).ok());
  });
  ASSERT_GE(total, 6);  // 3 weights, 3 biases
  for (int64_t n = 1; n <= total; ++n) {
    Graph g = block;
    FailNthAllocationForTesting(n);
    Status s = PruneConstantChannels(g, ctx);
    FailNthAllocationForTesting(0);
    EXPECT_EQ(s.code(), StatusCode::kOutOfMemory) << "allocation " << n << ": " << s.ToString();
  }
}

// PFLD-68 was slimmed: about half its channels have a BatchNormalization scale of 0. They go, and the landmarks
// still match ONNX Runtime's on both test sets.
TEST(PruneConstantChannels, PfldLosesItsSlimmedChannelsAndKeepsItsAnswers) {
  const std::filesystem::path dir = test_fixtures::FixturesDir() / "models" / "pfld_68";
  FF_REQUIRE_FIXTURES(dir / "model.onnx", dir / "test_data_set_1" / "output_0.pb");
  std::vector<std::string> log;
  SessionOptions options;
  options.threads = 1;
  options.debug_log = [&log](std::string_view line) { log.emplace_back(line); };
  auto session = Session::Open(dir / "model.onnx", options);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  auto summary = std::find_if(log.begin(), log.end(), [](const std::string& l) {
    return l.find("constant channels: ") != std::string::npos && l.find("convolution(s) dropped") != std::string::npos;
  });
  ASSERT_NE(summary, log.end());
  const int64_t dropped = std::stoll(summary->substr(summary->find(": ") + 2));
  EXPECT_GE(dropped, 1000) << *summary;
  for (const char* set : {"test_data_set_0", "test_data_set_1"}) {
    SCOPED_TRACE(set);
    auto input = ReadTensorProtoFile(dir / set / "input_0.pb");
    auto expected = ReadTensorProtoFile(dir / set / "output_0.pb");
    ASSERT_TRUE(input.ok() && expected.ok());
    auto out = (*session)->Run({*input});
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    ASSERT_EQ((*out)[0].shape(), expected->shape());
    for (int64_t i = 0; i < expected->size(); ++i) {
      const float want = expected->data<float>()[i], got = (*out)[0].data<float>()[i];
      ASSERT_LE(std::fabs(got - want), 1e-4f + 1e-4f * std::fabs(want)) << "[" << i << "]";
    }
  }
}

}  // namespace
}  // namespace facefuse::rt
