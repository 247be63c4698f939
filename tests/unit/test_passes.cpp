// Graph passes: each test builds a small graph, runs a pass, checks the
// rewrite, and checks that running the graph with the reference kernels gives
// the same outputs before and after.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "runtime/ir/graph.h"
#include "runtime/ops/op_def.h"
#include "runtime/passes/passes.h"
#include "pass_test_util.h"

namespace facefuse::rt {
namespace {

using namespace pass_test;  // NOLINT: the helpers every pass test uses

TEST(FoldConstants, FoldsConstantAndStaticShapeKeepsTheRest) {
  Graph g;
  g.opset = 17;
  g.inputs = {Info("x", {2, 3, 4})};
  g.outputs = {Info("y", {})};
  Node two = MakeOp("Constant", {}, {"two"});
  two.attrs["value"].value = Tensor::FromVector(std::vector<float>{2.f}, {1}).value();
  g.nodes = {two, MakeOp("Shape", {"x"}, {"shape"}), MakeOp("Mul", {"x", "two"}, {"scaled"}),
             MakeOp("Reshape", {"scaled", "shape"}, {"y"})};
  std::vector<std::string> log;
  Graph after = RunPass(FoldConstants, g, {{"x", Random({2, 3, 4}, 3)}}, &log);
  EXPECT_EQ(OpTypes(after), (std::vector<std::string>{"Mul", "Reshape"}));
  ASSERT_TRUE(after.IsInitializer("shape"));
  EXPECT_EQ(after.initializers["shape"].dtype(), DataType::kInt64);
  EXPECT_TRUE(Logged(log, "fold: Shape 'shape_node' -> initializer 'shape' [3]"));
  EXPECT_TRUE(Logged(log, "constant folding: 2 node(s)"));
}

TEST(FoldConstants, LeavesHugeOutputsAndInvalidNodes) {
  Graph g;
  g.opset = 17;
  g.initializers["big_shape"] = Tensor::FromVector(std::vector<int64_t>{5000, 5000}, {2}).value();
  g.initializers["x"] = Random({1, 1, 2, 2}, 4);
  g.initializers["scales"] = Tensor::FromVector(std::vector<float>{1, 1, 2, 2}, {4}).value();
  Node resize = MakeOp("Resize", {"x", "", "scales"}, {"r"});
  resize.attrs["mode"].value = std::string("bogus");
  g.nodes = {MakeOp("ConstantOfShape", {"big_shape"}, {"big"}), resize};
  std::vector<std::string> log;
  Graph after = g;
  ASSERT_TRUE(FoldConstants(after, PassContext{OpRegistry::Global(), [&](std::string_view l) {
                                                 log.emplace_back(l);
                                               }}).ok());
  EXPECT_EQ(OpTypes(after), (std::vector<std::string>{"ConstantOfShape", "Resize"}));
  EXPECT_TRUE(Logged(log, "over the limit of 64 MB"));
}

TEST(FoldBatchNorm, FoldsIntoConvWithOneConsumer) {
  Graph g = ConvGraph();
  for (const char* p : {"scale", "bias", "mean"}) g.initializers[p] = Random({4}, 5);
  g.initializers["var"] = Random({4}, 6, 0.1f, 2.f);
  Node bn = MakeOp("BatchNormalization", {"conv", "scale", "bias", "mean", "var"}, {"y"});
  bn.attrs["epsilon"].value = 1e-3f;
  g.nodes.push_back(bn);
  g.outputs = {Info("y", {1, 4, 6, 5})};
  std::vector<std::string> log;
  Graph after = RunPass(FoldBatchNormIntoConv, g, {{"x", Random({1, 3, 6, 5}, 7)}}, &log);
  EXPECT_EQ(OpTypes(after), (std::vector<std::string>{"Conv"}));
  EXPECT_EQ(after.nodes[0].outputs[0], "y");
  EXPECT_NE(after.nodes[0].inputs[1], "w");  // new weights; the original stays for other readers
  EXPECT_TRUE(Logged(log, "fold: BatchNormalization 'y_node' into Conv 'conv_node'"));

  // A second reader of the conv output blocks the fold.
  g.outputs.push_back(Info("conv", {1, 4, 6, 5}));
  Graph blocked = RunPass(FoldBatchNormIntoConv, g, {{"x", Random({1, 3, 6, 5}, 7)}});
  EXPECT_EQ(OpTypes(blocked), (std::vector<std::string>{"Conv", "BatchNormalization"}));
}

TEST(FuseConvActivation, ResidualAddAndRelu) {
  Graph g = ConvGraph();
  g.inputs.push_back(Info("skip", {1, 4, 6, 5}));
  g.value_infos["skip"] = Info("skip", {1, 4, 6, 5});
  g.nodes.push_back(MakeOp("Add", {"skip", "conv"}, {"sum"}));
  g.nodes.push_back(MakeOp("Relu", {"sum"}, {"y"}));
  g.outputs = {Info("y", {1, 4, 6, 5})};
  std::vector<std::string> log;
  Graph after = RunPass(FuseConvActivation, g, {{"x", Random({1, 3, 6, 5}, 8)}, {"skip", Random({1, 4, 6, 5}, 9)}},
                        &log);
  ASSERT_EQ(OpTypes(after), (std::vector<std::string>{"FusedConv"}));
  const Node& f = after.nodes[0];
  EXPECT_EQ(f.domain, "facefuse");
  EXPECT_EQ(f.inputs, (std::vector<std::string>{"x", "w", "b", "skip"}));
  EXPECT_EQ(f.GetString("activation", "?"), "Relu");
  EXPECT_EQ(f.outputs[0], "y");
  EXPECT_EQ(f.GetInts("pads"), (std::vector<int64_t>{1, 1, 1, 1}));
  EXPECT_TRUE(Logged(log, "fuse: Conv 'conv_node' + Add 'sum_node' + Relu 'y_node' -> FusedConv"));
}

TEST(FuseConvActivation, ChannelConstantAddBecomesBiasAndPReluStaysSeparate) {
  Graph g = ConvGraph();
  g.initializers["shift"] = Random({4, 1, 1}, 10);
  g.initializers["slope"] = Random({1, 4, 1, 1}, 11, 0.f, 0.5f);
  g.nodes.push_back(MakeOp("Add", {"conv", "shift"}, {"shifted"}));
  g.nodes.push_back(MakeOp("PRelu", {"shifted", "slope"}, {"y"}));
  g.outputs = {Info("y", {1, 4, 6, 5})};
  Graph after = RunPass(FuseConvActivation, g, {{"x", Random({1, 3, 6, 5}, 12)}});
  // The per-channel Add folds into the bias; PRelu runs on its own vectorised
  // kernel because oneDNN 2.6 has no fast prelu post-op for convolutions.
  ASSERT_EQ(OpTypes(after), (std::vector<std::string>{"FusedConv", "PRelu"}));
  EXPECT_NE(after.nodes[0].inputs[2], "b");
  EXPECT_EQ(after.nodes[1].inputs[1], "slope");
}

TEST(FuseConvActivation, ClipWithConstantBounds) {
  Graph g = ConvGraph();
  g.initializers["lo"] = Tensor::FromVector(std::vector<float>{-0.2f}, {}).value();
  g.initializers["hi"] = Tensor::FromVector(std::vector<float>{0.3f}, {}).value();
  g.nodes.push_back(MakeOp("Clip", {"conv", "lo", "hi"}, {"y"}));
  g.outputs = {Info("y", {1, 4, 6, 5})};
  Graph after = RunPass(FuseConvActivation, g, {{"x", Random({1, 3, 6, 5}, 13)}});
  ASSERT_EQ(OpTypes(after), (std::vector<std::string>{"FusedConv"}));
  EXPECT_EQ(after.nodes[0].GetFloats("activation_params"), (std::vector<float>{-0.2f, 0.3f}));
}

TEST(FuseConvActivation, LeavesBroadcastAddsAndSharedValues) {
  Graph g = ConvGraph();
  g.inputs.push_back(Info("row", {1, 1, 1, 5}));
  g.nodes.push_back(MakeOp("Add", {"conv", "row"}, {"sum"}));  // broadcasts: not a residual Sum
  g.nodes.push_back(MakeOp("Relu", {"sum"}, {"y"}));
  g.nodes.push_back(MakeOp("Sigmoid", {"conv"}, {"z"}));  // second reader of the conv output
  g.outputs = {Info("y", {1, 4, 6, 5}), Info("z", {1, 4, 6, 5})};
  Graph after = RunPass(FuseConvActivation, g, {{"x", Random({1, 3, 6, 5}, 14)}, {"row", Random({1, 1, 1, 5}, 15)}});
  std::vector<std::string> ops = OpTypes(after);
  std::sort(ops.begin(), ops.end());
  EXPECT_EQ(ops, (std::vector<std::string>{"Add", "Conv", "Relu", "Sigmoid"}));
}

// A residual Add of two convolutions' outputs (a downsampling shortcut) goes to one of them only: the other
// convolution used to absorb the already fused Add a second time and read a value nothing produced any more.
TEST(FuseConvActivation, AddOfTwoConvolutionsIsAbsorbedOnce) {
  Graph g = ConvGraph();
  g.initializers["w2"] = Random({4, 3, 1, 1}, 20);
  g.nodes.push_back(MakeOp("Conv", {"x", "w2"}, {"shortcut"}));
  g.value_infos["shortcut"] = Info("shortcut", {1, 4, 6, 5});
  g.nodes.push_back(MakeOp("Add", {"conv", "shortcut"}, {"sum"}));
  g.nodes.push_back(MakeOp("Relu", {"sum"}, {"y"}));
  g.outputs = {Info("y", {1, 4, 6, 5})};
  Graph after = RunPass(FuseConvActivation, g, {{"x", Random({1, 3, 6, 5}, 21)}});
  std::vector<std::string> ops = OpTypes(after);
  std::sort(ops.begin(), ops.end());
  EXPECT_EQ(ops, (std::vector<std::string>{"Conv", "FusedConv"}));
}

// Symbolic and unnamed open dims are followed through the graph by sampling; a residual Add over them fuses.
TEST(InferStaticShapes, FollowsOpenDimsAndStopsAtComputedShapes) {
  Graph g;
  g.opset = 17;
  ValueInfo x{"x", DataType::kFloat32, std::vector<Dim>{Dim{-1, "N"}, Dim{3, ""}, Dim{-1, ""}, Dim{-1, ""}}};
  g.inputs = {x};
  g.initializers["w"] = Random({4, 3, 3, 3}, 1);
  g.initializers["w2"] = Random({4, 4, 3, 3}, 2);
  Node down = MakeOp("Conv", {"x", "w"}, {"down"});
  down.attrs["pads"].value = std::vector<int64_t>{1, 1, 1, 1};
  down.attrs["strides"].value = std::vector<int64_t>{2, 2};
  g.nodes.push_back(down);
  Node same = MakeOp("Conv", {"down", "w2"}, {"conv"});
  same.attrs["pads"].value = std::vector<int64_t>{1, 1, 1, 1};
  g.nodes.push_back(same);
  g.nodes.push_back(MakeOp("Add", {"conv", "down"}, {"sum"}));
  g.nodes.push_back(MakeOp("Shape", {"sum"}, {"shape"}));
  g.nodes.push_back(MakeOp("Reshape", {"sum", "shape"}, {"y"}));  // to a computed shape
  g.outputs = {Info("y", {-1, 4, -1, -1})};
  std::vector<std::string> log;
  const Feeds feeds = {{"x", Random({2, 3, 9, 8}, 3)}};
  Graph shaped = RunPass(InferStaticShapes, g, feeds, &log);
  const std::vector<Dim>& d = *shaped.value_infos.at("down").dims;
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[0].symbol, "N");  // passed through
  EXPECT_EQ(d[1].size, 4);      // fixed by the weights
  EXPECT_FALSE(d[2].known());   // (H + 1) / 2: derived, named by its samples
  EXPECT_EQ(d[2].symbol.front(), '~');
  EXPECT_NE(d[2].symbol, d[3].symbol);  // H and W stay apart
  const std::vector<Dim>& c = *shaped.value_infos.at("conv").dims;
  EXPECT_EQ(c[2].symbol, d[2].symbol);
  EXPECT_EQ(c[3].symbol, d[3].symbol);
  EXPECT_EQ(shaped.value_infos.count("y"), 0u);  // its shape is a computed value
  EXPECT_TRUE(Logged(log, "static shapes: 4 values"));  // down, conv, sum, shape

  Graph fused = RunPass(FuseConvActivation, shaped, feeds);
  EXPECT_EQ(OpTypes(fused), (std::vector<std::string>{"Conv", "FusedConv", "Shape", "Reshape"}));
}

// With every input dim static, a flatten's Shape -> Gather -> Unsqueeze -> Concat folds into the Reshape's shape
// initializer; with an open dim the Shape stays a node (its value changes from run to run).
TEST(InferStaticShapes, FoldsShapesOfAStaticGraphAndKeepsThoseOfAnOpenOne) {
  auto flatten = [](std::vector<Dim> dims) {
    Graph g;
    g.opset = 17;
    g.inputs = {ValueInfo{"x", DataType::kFloat32, std::move(dims)}};
    g.initializers["w"] = Random({4, 3, 3, 3}, 1);
    g.initializers["zero"] = Tensor::FromVector(std::vector<int64_t>{0}, {}).value();
    g.initializers["axes"] = Tensor::FromVector(std::vector<int64_t>{0}, {1}).value();
    g.initializers["rest"] = Tensor::FromVector(std::vector<int64_t>{-1}, {1}).value();
    g.nodes.push_back(MakeOp("Conv", {"x", "w"}, {"conv"}));
    g.nodes.push_back(MakeOp("Shape", {"conv"}, {"shape"}));
    Node gather = MakeOp("Gather", {"shape", "zero"}, {"batch"});
    g.nodes.push_back(gather);
    g.nodes.push_back(MakeOp("Unsqueeze", {"batch", "axes"}, {"batch1"}));
    Node concat = MakeOp("Concat", {"batch1", "rest"}, {"target"});
    concat.attrs["axis"].value = int64_t{0};
    g.nodes.push_back(concat);
    g.nodes.push_back(MakeOp("Reshape", {"conv", "target"}, {"y"}));
    g.outputs = {Info("y", {-1, -1})};
    return g;
  };
  const Feeds feeds = {{"x", Random({2, 3, 7, 6}, 3)}};
  std::vector<std::string> log;
  Graph fixed = RunPass(RunDefaultPasses, flatten({Dim{2, ""}, Dim{3, ""}, Dim{7, ""}, Dim{6, ""}}), feeds, &log);
  EXPECT_EQ(OpTypes(fixed), (std::vector<std::string>{"Conv", "Reshape"}));
  EXPECT_TRUE(Logged(log, "static shapes: fold Shape"));
  ASSERT_TRUE(fixed.IsInitializer("target"));
  EXPECT_EQ(fixed.initializers.at("target").data<int64_t>()[0], 2);
  const std::vector<Dim>& y = *fixed.value_infos.at("y").dims;  // known once the target is
  ASSERT_EQ(y.size(), 2u);
  EXPECT_EQ(y[0].size, 2);
  EXPECT_EQ(y[1].size, 4 * 5 * 4);

  Graph open = RunPass(RunDefaultPasses, flatten({Dim{-1, "N"}, Dim{3, ""}, Dim{7, ""}, Dim{6, ""}}), feeds);
  EXPECT_EQ(OpTypes(open), (std::vector<std::string>{"Conv", "Shape", "Gather", "Unsqueeze", "Concat", "Reshape"}));
}

TEST(RemoveDeadNodes, DropsUnreachableNodesAndInitializers) {
  Graph g = ConvGraph();
  g.initializers["unused"] = Random({3}, 16);
  g.nodes.push_back(MakeOp("Relu", {"conv"}, {"y"}));
  g.nodes.push_back(MakeOp("Sigmoid", {"conv"}, {"dead1"}));
  g.nodes.push_back(MakeOp("Tanh", {"dead1"}, {"dead2"}));
  g.outputs = {Info("y", {1, 4, 6, 5})};
  std::vector<std::string> log;
  Graph after = RunPass(RemoveDeadNodes, g, {{"x", Random({1, 3, 6, 5}, 17)}}, &log);
  EXPECT_EQ(OpTypes(after), (std::vector<std::string>{"Conv", "Relu"}));
  EXPECT_FALSE(after.IsInitializer("unused"));
  EXPECT_TRUE(after.IsInitializer("w"));
  EXPECT_TRUE(Logged(log, "dead: remove Tanh 'dead2_node'"));
}

TEST(RunDefaultPasses, BatchNormThenFusionThenCleanup) {
  Graph g = ConvGraph();
  for (const char* p : {"scale", "bias", "mean"}) g.initializers[p] = Random({4}, 18);
  g.initializers["var"] = Random({4}, 19, 0.1f, 2.f);
  g.nodes.push_back(MakeOp("BatchNormalization", {"conv", "scale", "bias", "mean", "var"}, {"bn"}));
  Node leaky = MakeOp("LeakyRelu", {"bn"}, {"y"});
  leaky.attrs["alpha"].value = 0.2f;
  g.nodes.push_back(leaky);
  g.outputs = {Info("y", {1, 4, 6, 5})};
  Graph after = RunPass(RunDefaultPasses, g, {{"x", Random({1, 3, 6, 5}, 20)}});
  ASSERT_EQ(OpTypes(after), (std::vector<std::string>{"FusedConv"}));
  EXPECT_EQ(after.nodes[0].GetFloats("activation_params"), (std::vector<float>{0.2f}));
  EXPECT_EQ(after.initializers.size(), 2u);  // the folded W and B only
}

// conv -> Relu -> MaxPool -> Conv -> Add (per-channel constant) -> Concat with
// the pool -> Resize x2 -> Mul by itself; outputs: the head Transpose to NHWC,
// the Shape of the concat, and the resized value itself.
Graph ChannelsLastGraph() {
  Graph g = ConvGraph();
  g.initializers["w2"] = Random({4, 4, 1, 1}, 3);
  g.initializers["per_channel"] = Random({4, 1, 1}, 4);
  g.initializers["scales"] = Tensor::FromVector<float>({1.f, 1.f, 2.f, 2.f}, {4}).value();
  g.initializers["roi"] = Tensor::Allocate(DataType::kFloat32, {0}).value();
  g.nodes.push_back(MakeOp("Relu", {"conv"}, {"relu"}));
  Node pool = MakeOp("MaxPool", {"relu"}, {"pool"});
  pool.attrs["kernel_shape"].value = std::vector<int64_t>{2, 2};
  pool.attrs["strides"].value = std::vector<int64_t>{2, 2};
  g.nodes.push_back(pool);
  g.nodes.push_back(MakeOp("Conv", {"pool", "w2"}, {"conv2"}));
  g.nodes.push_back(MakeOp("Add", {"conv2", "per_channel"}, {"add"}));
  Node concat = MakeOp("Concat", {"add", "pool"}, {"concat"});
  concat.attrs["axis"].value = int64_t{1};
  g.nodes.push_back(concat);
  Node resize = MakeOp("Resize", {"concat", "roi", "scales"}, {"resized"});
  g.nodes.push_back(resize);
  g.nodes.push_back(MakeOp("Mul", {"resized", "resized"}, {"squared"}));
  Node head = MakeOp("Transpose", {"squared"}, {"head"});
  head.attrs["perm"].value = std::vector<int64_t>{0, 2, 3, 1};
  g.nodes.push_back(head);
  g.nodes.push_back(MakeOp("Shape", {"concat"}, {"shape"}));
  g.outputs = {Info("head", {}), Info("shape", {}), Info("resized", {})};
  return g;
}

TEST(ConvertToChannelsLast, ConvertsTheChainAndChangesLayoutOnlyAtItsEdges) {
  const Graph g = ChannelsLastGraph();
  std::vector<std::string> log;
  Feeds feeds{{"x", Random({1, 3, 6, 5}, 9)}};
  // Shape's int64 output is compared apart from the float outputs.
  Graph after = g;
  PassContext ctx{OpRegistry::Global(), [&log](std::string_view line) { log.emplace_back(line); }};
  ASSERT_TRUE(ConvertToChannelsLast(after, ctx).ok());
  const auto before_out = RunReference(g, feeds), after_out = RunReference(after, feeds);
  ASSERT_EQ(after_out.size(), 3u);
  ExpectClose({before_out[0], before_out[2]}, {after_out[0], after_out[2]});
  ASSERT_EQ(after_out[1].shape(), before_out[1].shape());
  for (int64_t i = 0; i < 4; ++i) EXPECT_EQ(after_out[1].data<int64_t>()[i], before_out[1].data<int64_t>()[i]);

  const auto ops = OpTypes(after);
  EXPECT_EQ(std::count(ops.begin(), ops.end(), "NhwcConv"), 2);
  EXPECT_EQ(std::count(ops.begin(), ops.end(), "NhwcMaxPool"), 1);
  EXPECT_EQ(std::count(ops.begin(), ops.end(), "Identity"), 1);  // the head Transpose to NHWC is free
  // Two layout changes: x into NHWC, and "resized" back because it is a graph output.
  EXPECT_EQ(std::count(ops.begin(), ops.end(), "Transpose"), 2);
  EXPECT_TRUE(Logged(log, "2 layout changes"));
}

TEST(ConvertToChannelsLast, LeavesNodesWithNchwOnlyInputsAlone) {
  Graph g = ConvGraph();
  g.inputs.push_back(Info("other", {1, 4, 6, 5}));
  g.nodes.push_back(MakeOp("Add", {"conv", "other"}, {"sum"}));  // "other" is NCHW and not constant
  g.outputs = {Info("sum", {1, 4, 6, 5})};
  Graph after = RunPass(ConvertToChannelsLast, g, {{"x", Random({1, 3, 6, 5}, 1)}, {"other", Random({1, 4, 6, 5}, 2)}});
  EXPECT_EQ(OpTypes(after), (std::vector<std::string>{"Transpose", "NhwcConv", "Transpose", "Add"}));
}

TEST(ConvertToChannelsLast, RelaysAFullConstantOperand) {
  Graph g = ConvGraph();
  g.initializers["full"] = Random({1, 4, 6, 5}, 5);  // varies along C and H, W: its bytes move
  g.nodes.push_back(MakeOp("Add", {"conv", "full"}, {"sum"}));
  g.outputs = {Info("sum", {1, 4, 6, 5})};
  Graph after = RunPass(ConvertToChannelsLast, g, {{"x", Random({1, 3, 6, 5}, 1)}});
  EXPECT_EQ(OpTypes(after), (std::vector<std::string>{"Transpose", "NhwcConv", "Add", "Transpose"}));
}

TEST(ConvertToChannelsLast, ConcatRelaysAConstantInput) {
  Graph g = ConvGraph();
  g.initializers["pad"] = Random({1, 2, 6, 5}, 6);  // BlazeFace-style channel padding, here not all zeros
  Node concat = MakeOp("Concat", {"conv", "pad"}, {"joined"});
  concat.attrs["axis"].value = int64_t{1};
  g.nodes.push_back(concat);
  g.nodes.push_back(MakeOp("Relu", {"joined"}, {"y"}));
  g.outputs = {Info("y", {1, 6, 6, 5})};
  Graph after = RunPass(ConvertToChannelsLast, g, {{"x", Random({1, 3, 6, 5}, 1)}});
  EXPECT_EQ(OpTypes(after), (std::vector<std::string>{"Transpose", "NhwcConv", "Concat", "Relu", "Transpose"}));
}

TEST(ConvertToChannelsLast, ReordersComputedResizeSizesWithAGather) {
  Graph g = ConvGraph();
  g.inputs.push_back(Info("sizes", {4}));
  g.inputs.back().dtype = DataType::kInt64;
  Node resize = MakeOp("Resize", {"conv", "", "", "sizes"}, {"resized"});  // sizes computed, not constant
  g.nodes.push_back(resize);
  g.nodes.push_back(MakeOp("Relu", {"resized"}, {"y"}));
  g.outputs = {Info("y", {})};
  Graph after = RunPass(ConvertToChannelsLast, g,
                        {{"x", Random({1, 3, 6, 5}, 1)},
                         {"sizes", Tensor::FromVector(std::vector<int64_t>{1, 4, 12, 7}, Shape{4}).value()}});
  EXPECT_EQ(OpTypes(after),
            (std::vector<std::string>{"Transpose", "Gather", "NhwcConv", "Resize", "Relu", "Transpose"}));
}

TEST(ConvertToChannelsLast, PadFollowsWithItsPadsRenumbered) {
  for (bool zero : {false, true}) {
    SCOPED_TRACE(zero ? "pads of zeros" : "pads on H, W and C");
    Graph g = ConvGraph();
    const std::vector<int64_t> pads = zero ? std::vector<int64_t>(8, 0) : std::vector<int64_t>{0, 1, 2, 0, 0, 0, 1, 3};
    g.initializers["pads"] = Tensor::FromVector(pads, Shape{8}).value();
    g.nodes.push_back(MakeOp("Pad", {"conv", "pads"}, {"padded"}));
    g.nodes.push_back(MakeOp("Relu", {"padded"}, {"y"}));
    g.outputs = {Info("y", {})};
    Graph after = RunPass(ConvertToChannelsLast, g, {{"x", Random({1, 3, 6, 5}, 1)}});
    EXPECT_EQ(OpTypes(after), (std::vector<std::string>{"Transpose", "NhwcConv", zero ? "Identity" : "Pad", "Relu",
                                                        "Transpose"}));
  }
}

// The layout pass, then dead-node removal: what the session runs of the two.
Status ChannelsLastThenCleanup(Graph& g, const PassContext& ctx) {
  if (Status s = ConvertToChannelsLast(g, ctx); !s.ok()) return s;
  return RemoveDeadNodes(g, ctx);
}

// A model that takes a [1,H,W,C] input and transposes it to NCHW before its first convolution (BlazeFace): the
// convolution reads the input as it came, with no Transpose before it; a permutation that is not the inverse of
// NHWC's becomes one Transpose from the input, not two in a row; and the model's Transpose stays when its NCHW
// output is read elsewhere (here: a graph output).
TEST(ConvertToChannelsLast, ComposesWithAModelsOwnTranspose) {
  struct Case {
    const char* name;
    std::vector<int64_t> perm;  // the model's Transpose, from the input to [1,3,6,5]
    Shape input;
    bool output_too;  // its output is also a graph output
    std::vector<std::string> ops;
  };
  const std::vector<Case> cases = {
      {"NHWC input", {0, 3, 1, 2}, {1, 6, 5, 3}, false, {"NhwcConv", "Transpose"}},
      {"NWHC input", {0, 3, 2, 1}, {1, 5, 6, 3}, false, {"Transpose", "NhwcConv", "Transpose"}},
      {"NHWC input, also an output", {0, 3, 1, 2}, {1, 6, 5, 3}, true, {"Transpose", "NhwcConv", "Transpose"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Graph g = ConvGraph();
    g.inputs = {Info("image", c.input)};
    Node t = MakeOp("Transpose", {"image"}, {"x"});
    t.attrs["perm"].value = c.perm;
    g.nodes.insert(g.nodes.begin(), t);
    g.value_infos["x"] = Info("x", {1, 3, 6, 5});
    g.outputs = {Info("conv", {1, 4, 6, 5})};
    if (c.output_too) g.outputs.push_back(Info("x", {1, 3, 6, 5}));
    Graph after = RunPass(ChannelsLastThenCleanup, g, {{"image", Random(c.input, 3)}});
    EXPECT_EQ(OpTypes(after), c.ops);
    if (!c.output_too) {
      const Node& first = after.nodes[0];
      EXPECT_EQ(first.inputs[0], "image");
      if (first.op_type == "Transpose") {
        EXPECT_EQ(first.GetInts("perm"), (std::vector<int64_t>{0, 2, 1, 3}));
      }
    }
  }
}

// The same composition from an initializer keeps a node between it and the convolution: the conversion's rules
// (a Sum that is no initializer) see a twin as a computed value. Here the Transpose of a constant is the Sum of
// the fused convolution.
Status FuseThenChannelsLast(Graph& g, const PassContext& ctx) {
  if (Status s = FuseConvActivation(g, ctx); !s.ok()) return s;
  return ChannelsLastThenCleanup(g, ctx);
}

TEST(ConvertToChannelsLast, ComposesButKeepsAnInitializerBehindANode) {
  Graph g = ConvGraph();
  g.initializers["residual_nhwc"] = Random({1, 6, 5, 4}, 4);
  Node t = MakeOp("Transpose", {"residual_nhwc"}, {"residual"});
  t.attrs["perm"].value = std::vector<int64_t>{0, 3, 1, 2};
  g.nodes.insert(g.nodes.begin(), t);
  g.value_infos["residual"] = Info("residual", {1, 4, 6, 5});
  g.nodes.push_back(MakeOp("Add", {"conv", "residual"}, {"sum"}));
  g.outputs = {Info("sum", {1, 4, 6, 5})};
  Graph after = RunPass(FuseThenChannelsLast, g, {{"x", Random({1, 3, 6, 5}, 3)}});
  int convs = 0;
  for (const Node& n : after.nodes) {
    if (n.op_type != "NhwcConv") continue;
    ++convs;
    ASSERT_GE(n.inputs.size(), 4u);
    EXPECT_NE(n.inputs[3], "residual_nhwc");  // the Sum: a Transpose's output, not the initializer
  }
  EXPECT_EQ(convs, 1);
}
}  // namespace
}  // namespace facefuse::rt
