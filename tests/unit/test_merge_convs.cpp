// MergeSiblingConvs: narrow convolutions reading the same value become one
// convolution and a Split, which then moves below the depthwise convolutions
// its parts feed; and the channels-last pass keeps such a Split on NHWC.
// Every rewrite is checked against the reference kernels (RunPass).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "pass_test_util.h"
#include "tests/unit/allocation_count.h"

namespace facefuse::rt {
namespace {

using namespace pass_test;  // NOLINT: the helpers every pass test uses

// x [1,8,6,5] -> one head per width: Conv 1x1 (W, and B on all but the second) -> depthwise Conv 3x3 pad 1
// (group = width) -> output "head<k>". YuNet's detection heads have this shape (widths 1, 4, 10, 1).
Graph HeadsGraph(const std::vector<int64_t>& widths, int64_t opset) {
  Graph g;
  g.opset = opset;
  g.inputs = {Info("x", {1, 8, 6, 5})};
  for (size_t k = 0; k < widths.size(); ++k) {
    const std::string id = std::to_string(k);
    const int64_t c = widths[k];
    g.initializers["w" + id] = Random({c, 8, 1, 1}, static_cast<uint32_t>(10 + k));
    std::vector<std::string> inputs = {"x", "w" + id};
    if (k != 1) {
      g.initializers["b" + id] = Random({c}, static_cast<uint32_t>(20 + k));
      inputs.push_back("b" + id);
    }
    g.nodes.push_back(MakeOp("Conv", inputs, {"pw" + id}));
    g.initializers["dw" + id] = Random({c, 1, 3, 3}, static_cast<uint32_t>(30 + k));
    g.initializers["dwb" + id] = Random({c}, static_cast<uint32_t>(40 + k));
    Node dw = MakeOp("Conv", {"pw" + id, "dw" + id, "dwb" + id}, {"head" + id});
    dw.attrs["group"].value = c;
    dw.attrs["pads"].value = std::vector<int64_t>{1, 1, 1, 1};
    g.nodes.push_back(dw);
    g.outputs.push_back(Info("head" + id, {1, c, 6, 5}));
  }
  return g;
}

const Feeds kHeadFeeds{{"x", Random({1, 8, 6, 5}, 7)}};

TEST(MergeSiblingConvs, DetectorHeadsBecomeOneConvolutionOneDepthwiseAndASplit) {
  for (int64_t opset : {11, 17}) {  // Split's sizes: an attribute before opset 13, an input since
    SCOPED_TRACE("opset " + std::to_string(opset));
    std::vector<std::string> log;
    Graph after = RunPass(MergeSiblingConvs, HeadsGraph({1, 4, 10, 1}, opset), kHeadFeeds, &log);
    ASSERT_EQ(OpTypes(after), (std::vector<std::string>{"Conv", "Conv", "Split"}));
    const Node& pointwise = after.nodes[0];
    const Node& depthwise = after.nodes[1];
    EXPECT_EQ(after.initializers.at(pointwise.inputs[1]).shape(), (Shape{16, 8, 1, 1}));
    EXPECT_EQ(pointwise.GetInt("group", 1), 1);
    EXPECT_EQ(depthwise.inputs[0], pointwise.outputs[0]);
    EXPECT_EQ(after.initializers.at(depthwise.inputs[1]).shape(), (Shape{16, 1, 3, 3}));
    EXPECT_EQ(depthwise.GetInt("group", 1), 16);
    const Node& split = after.nodes[2];
    EXPECT_EQ(split.outputs, (std::vector<std::string>{"head0", "head1", "head2", "head3"}));
    if (opset >= 13) {
      ASSERT_EQ(split.inputs.size(), 2u);
      const Tensor& sizes = after.initializers.at(split.inputs[1]);
      EXPECT_EQ(std::vector<int64_t>(sizes.data<int64_t>(), sizes.data<int64_t>() + 4),
                (std::vector<int64_t>{1, 4, 10, 1}));
    } else {
      EXPECT_EQ(split.GetInts("split"), (std::vector<int64_t>{1, 4, 10, 1}));
    }
    EXPECT_TRUE(Logged(log, "4 convolutions of 16 channels"));
    EXPECT_TRUE(Logged(log, "4 depthwise convolutions of 16 channels"));
  }
}

TEST(MergeSiblingConvs, LeavesWideUnlikeAndLoneConvolutions) {
  Graph wide = HeadsGraph({40, 2}, 17);  // a 40-channel convolution is wide enough alone
  EXPECT_EQ(OpTypes(RunPass(MergeSiblingConvs, wide, kHeadFeeds)),
            (std::vector<std::string>{"Conv", "Conv", "Conv", "Conv"}));

  Graph unlike = HeadsGraph({2, 3}, 17);
  unlike.nodes[2].attrs["strides"].value = std::vector<int64_t>{2, 2};  // the second head's 1x1 convolution
  unlike.outputs[1] = Info("head1", {});
  EXPECT_EQ(OpTypes(RunPass(MergeSiblingConvs, unlike, kHeadFeeds)),
            (std::vector<std::string>{"Conv", "Conv", "Conv", "Conv"}));

  Graph computed_weights = HeadsGraph({2, 3}, 17);
  computed_weights.inputs.push_back(Info("w_in", {3, 8, 1, 1}));
  computed_weights.nodes[2].inputs[1] = "w_in";
  EXPECT_EQ(OpTypes(RunPass(MergeSiblingConvs, computed_weights, {{"x", Random({1, 8, 6, 5}, 7)},
                                                                  {"w_in", Random({3, 8, 1, 1}, 8)}})),
            (std::vector<std::string>{"Conv", "Conv", "Conv", "Conv"}));
}

TEST(MergeSiblingConvs, SplitStaysAboveADepthwiseWhosePartIsReadElsewhere) {
  Graph g = HeadsGraph({2, 3}, 17);
  g.outputs.push_back(Info("pw1", {1, 3, 6, 5}));  // the second part is also a graph output
  Graph after = RunPass(MergeSiblingConvs, g, kHeadFeeds);
  EXPECT_EQ(OpTypes(after), (std::vector<std::string>{"Conv", "Split", "Conv", "Conv"}));
}

// The pass knows its own Splits by their outputs, not by node name: a model's node may be called anything.
TEST(MergeSiblingConvs, ANodeNamedLikeTheSplitItMakesIsLeftAlone) {
  Graph g = HeadsGraph({3, 4}, 17);
  Node relu = MakeOp("Relu", {"x"}, {"r"});
  relu.name = "split:pw0";  // the name the pass gives the Split it makes for the heads
  g.nodes.push_back(relu);
  g.initializers["dw_r"] = Random({8, 1, 3, 3}, 50);
  Node dw = MakeOp("Conv", {"r", "dw_r"}, {"d"});
  dw.attrs["group"].value = int64_t{8};
  dw.attrs["pads"].value = std::vector<int64_t>{1, 1, 1, 1};
  g.nodes.push_back(dw);
  g.outputs.push_back(Info("d", {1, 8, 6, 5}));
  Graph after = RunPass(MergeSiblingConvs, g, kHeadFeeds);  // fails if d stops being depthwise(Relu(x))
  const auto ops = OpTypes(after);
  EXPECT_EQ(std::count(ops.begin(), ops.end(), "Relu"), 1);
}

TEST(ConvertToChannelsLast, SplitOnTheChannelAxisStaysChannelsLast) {
  Graph merged = HeadsGraph({1, 4, 10, 1}, 17);
  PassContext ctx{OpRegistry::Global(), {}};
  ASSERT_TRUE(MergeSiblingConvs(merged, ctx).ok());
  Graph after = RunPass(ConvertToChannelsLast, merged, kHeadFeeds);
  const auto ops = OpTypes(after);
  EXPECT_EQ(std::count(ops.begin(), ops.end(), "NhwcConv"), 2);
  // x into NHWC, and the four graph outputs back: none between the convolutions and the Split.
  EXPECT_EQ(std::count(ops.begin(), ops.end(), "Transpose"), 5);
  for (const Node& n : after.nodes) {
    if (n.op_type == "Split") {
      EXPECT_EQ(n.GetInt("axis", 0), 3);
    }
  }
}

// Every allocation the passes make (merged weights, Split sizes, relaid constants, the index vectors of a Shape
// read on NHWC) may fail: the pass then returns OutOfMemory, never throws.
TEST(MergeSiblingConvs, AFailedAllocationIsOutOfMemory) {
  Graph heads = HeadsGraph({1, 4, 10, 1}, 17);
  heads.nodes.push_back(MakeOp("Shape", {"head2"}, {"head2_shape"}));  // a Shape of an NHWC value: an index constant
  heads.outputs.push_back(Info("head2_shape", {4}));
  PassContext ctx{OpRegistry::Global(), {}};
  auto both = [&ctx](Graph g) {
    Status s = MergeSiblingConvs(g, ctx);
    return s.ok() ? ConvertToChannelsLast(g, ctx) : s;
  };
  const int64_t total = CountAllocations([&] { EXPECT_TRUE(both(heads).ok()); });
  ASSERT_GE(total, 6);  // 2 weights, 2 biases, 2 sizes of the merge at least
  for (int64_t n = 1; n <= total; ++n) {
    FailNthAllocationForTesting(n);
    Status s = both(heads);
    FailNthAllocationForTesting(0);
    EXPECT_EQ(s.code(), StatusCode::kOutOfMemory) << "allocation " << n << ": " << s.ToString();
  }
}

}  // namespace
}  // namespace facefuse::rt
