// Output channels a convolution computes from nothing are dropped. Where every weight of output channel m is zero,
// the channel is act(B[m]) at every pixel. Network slimming leaves such channels behind: a BatchNormalization
// scale of exactly 0, which FoldBatchNormIntoConv turns into zero weights (PFLD-68 loses 1,253 output channels of
// 15 convolutions here). A constant channel goes when every reader of the convolution's output can do without it:
//
//   - a convolution of group 1 whose window never leaves its input (no padding) reads channel c as
//     k_c * sum(W[o, c, ...]) at every output pixel: its bias takes that, and its W loses input channel c;
//   - a depthwise convolution (group = channels, one output each) whose weights of channel c are zero as well
//     ignores input channel c: its output channel c is constant in turn (act'(B'[c])) and goes the same way,
//     when every reader of that output can do without it.
//
// The producer has group 1, constant W and B, no Sum or PRelu slope, and its output is no graph output. At least
// one channel stays. A depthwise reader with weights on some of the channels keeps those, and the rest is planned
// again. The pass plans a producer's whole change before rewriting anything, so a reader that cannot take it
// leaves every node as it was. Each kept channel is computed from the same numbers; only a reader's bias changes,
// by the constants' share. Errors: OutOfMemory (the graph is then half rewritten: the caller drops it).
#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "runtime/ops/activation.h"
#include "runtime/ops/conv_common.h"
#include "runtime/passes/pass_util.h"
#include "runtime/passes/passes.h"

namespace facefuse::rt {
namespace {

constexpr size_t kSumInput = 3;
constexpr size_t kSlopeInput = 4;
// Readers are followed through at most this many depthwise convolutions in a row.
constexpr int kMaxDepthwiseChain = 16;
// A producer's channels are planned at most this many times, each time without those a depthwise reader keeps.
constexpr int kMaxPlanRounds = 8;

// The constant W ([M, C/G, k...]) of a convolution whose B is constant or absent; null otherwise.
const Tensor* ConstantWeights(const Graph& g, const Node& n) {
  if (!IsConvolution(n) || n.outputs.size() != 1 || !n.HasInput(1)) return nullptr;
  const Tensor* w = FloatInitializer(g, n.inputs[1]);
  if (w == nullptr || w->rank() < 3 || w->dim(0) < 1) return nullptr;
  if (n.HasInput(2)) {
    const Tensor* b = FloatInitializer(g, n.inputs[2]);
    if (b == nullptr || b->size() != w->dim(0)) return nullptr;
  }
  return w;
}

// The value output channel `m` has when its weights are all zero: act(B[m]), or nullopt when the activation is
// PRelu, unknown or the result is not finite.
std::optional<double> ConstantOutput(const Graph& g, const Node& n, int64_t m) {
  float v = n.HasInput(2) ? g.initializers.at(n.inputs[2]).data<float>()[m] : 0.f;
  auto act = ReadFusedActivation(n);  // plain Conv: no activation
  if (!act.ok() || act->kind == "PRelu") return std::nullopt;
  if (!act->kind.empty() && !ApplyActivation(act->kind, act->params, &v, 1).ok()) return std::nullopt;
  if (!std::isfinite(v)) return std::nullopt;
  return v;
}

bool ZeroChannel(const Tensor& w, int64_t m) {
  const int64_t per = w.size() / w.dim(0);
  const float* p = w.data<float>() + m * per;
  return std::all_of(p, p + per, [](float x) { return x == 0.f; });
}

// True when a convolution's window never leaves its input.
bool Unpadded(const Node& n) {
  const std::string auto_pad = n.GetString("auto_pad", "NOTSET");
  if (auto_pad == "VALID") return true;
  if (auto_pad != "NOTSET") return false;
  const std::vector<int64_t> pads = n.GetInts("pads");
  return std::all_of(pads.begin(), pads.end(), [](int64_t p) { return p == 0; });
}

// The constant channels of one value: their indices (ascending) and values.
struct Constants {
  std::vector<int64_t> channels;
  std::vector<double> values;
};

// `c` without the channels of `drop`.
Constants Without(const Constants& c, const std::vector<int64_t>& drop) {
  Constants out;
  for (size_t k = 0; k < c.channels.size(); ++k) {
    if (std::find(drop.begin(), drop.end(), c.channels[k]) != drop.end()) continue;
    out.channels.push_back(c.channels[k]);
    out.values.push_back(c.values[k]);
  }
  return out;
}

struct Rewrite {
  enum Kind { kAbsorb, kDepthwise } kind;
  size_t node;
  Constants input;  // the reader's constant input channels
};

class ChannelPruner {
 public:
  ChannelPruner(Graph& g, const PassContext& ctx) : g_(g), ctx_(ctx), uses_(g) {
    for (size_t i = 0; i < g.nodes.size(); ++i)
      for (size_t k = 0; k < g.nodes[i].inputs.size(); ++k)
        if (!g.nodes[i].inputs[k].empty()) readers_[g.nodes[i].inputs[k]].push_back({i, k});
  }

  Status Run() {
    int64_t dropped = 0, producers = 0;
    for (size_t p = 0; p < g_.nodes.size(); ++p) {
      FF_ASSIGN_OR_RETURN(int64_t n, TryProducer(p));
      dropped += n;
      producers += n > 0;
    }
    ctx_.Log("constant channels: " + std::to_string(dropped) + " output channel(s) of " + std::to_string(producers) +
             " convolution(s) dropped");
    return Status::Ok();
  }

 private:
  // Drops what it can of producer p's constant channels; returns how many went.
  Result<int64_t> TryProducer(size_t p) {
    const Node& n = g_.nodes[p];
    const Tensor* w = ConstantWeights(g_, n);
    if (w == nullptr || n.GetInt("group", 1) != 1 || n.HasInput(kSumInput) || n.HasInput(kSlopeInput)) return 0;
    Constants constants;
    for (int64_t m = 0; m < w->dim(0); ++m) {
      if (!ZeroChannel(*w, m)) continue;
      std::optional<double> v = ConstantOutput(g_, n, m);
      if (!v) return 0;
      constants.channels.push_back(m);
      constants.values.push_back(*v);
    }
    const auto count = static_cast<int64_t>(constants.channels.size());
    const int64_t channels = w->dim(0);
    if (count == 0 || count == channels) return 0;
    // A depthwise reader with weights on some of the channels keeps those: the others are planned again.
    std::vector<Rewrite> plan;
    for (int round = 0;; ++round) {
      std::vector<int64_t> kept;
      if (PlanReaders(n.outputs[0], channels, constants, 0, plan, kept)) break;
      if (kept.empty() || round == kMaxPlanRounds) return 0;
      constants = Without(constants, kept);
      if (constants.channels.empty()) return 0;
      plan.clear();
    }
    const auto dropped = static_cast<int64_t>(constants.channels.size());
    FF_RETURN_IF_ERROR(DropOutputChannels(p, constants.channels));
    for (const Rewrite& r : plan) {
      if (r.kind == Rewrite::kAbsorb) {
        FF_RETURN_IF_ERROR(Absorb(r.node, r.input));
      } else {
        FF_RETURN_IF_ERROR(DropOutputChannels(r.node, r.input.channels));
        g_.nodes[r.node].attrs["group"].value = g_.initializers.at(g_.nodes[r.node].inputs[1]).dim(0);
      }
    }
    ctx_.Log("constant channels: " + n.Describe() + ": " + std::to_string(dropped) + " of " + std::to_string(channels) +
             " output channels dropped, " + std::to_string(plan.size()) + " reader(s) rewritten");
    return dropped;
  }

  // True when every reader of `value` (which has `channels` channels) can do without the constant ones; appends
  // the rewrites that does, readers of readers included. False otherwise; `kept` then lists the channels a
  // depthwise reader has weights on (empty when nothing can go).
  bool PlanReaders(const std::string& value, int64_t channels, const Constants& constants, int depth,
                   std::vector<Rewrite>& plan, std::vector<int64_t>& kept) const {
    if (depth > kMaxDepthwiseChain) return false;
    if (uses_.IsGraphOutput(value)) return false;
    auto it = readers_.find(value);
    if (it == readers_.end()) return false;
    for (const auto& [node, slot] : it->second) {
      const Node& r = g_.nodes[node];
      const Tensor* w = ConstantWeights(g_, r);
      if (slot != 0 || w == nullptr) return false;
      const int64_t group = r.GetInt("group", 1);
      if (group == 1 && w->dim(1) == channels && Unpadded(r)) {
        plan.push_back({Rewrite::kAbsorb, node, constants});
        continue;
      }
      const bool depthwise = group == channels && w->dim(0) == channels && w->dim(1) == 1;
      if (!depthwise || r.HasInput(kSumInput) || r.HasInput(kSlopeInput)) return false;
      Constants out;
      for (int64_t c : constants.channels) {
        if (!ZeroChannel(*w, c)) {
          kept.push_back(c);
          continue;
        }
        std::optional<double> v = ConstantOutput(g_, r, c);
        if (!v) return false;
        out.channels.push_back(c);
        out.values.push_back(*v);
      }
      if (!kept.empty()) return false;
      plan.push_back({Rewrite::kDepthwise, node, constants});
      if (!PlanReaders(r.outputs[0], channels, out, depth + 1, plan, kept)) return false;
    }
    return true;
  }

  // Node i's W (and B) without output channels `drop`; its output's recorded channel count follows.
  Status DropOutputChannels(size_t i, const std::vector<int64_t>& drop) {
    Node& n = g_.nodes[i];
    const Tensor& w = g_.initializers.at(n.inputs[1]);
    std::vector<bool> gone(static_cast<size_t>(w.dim(0)), false);
    for (int64_t c : drop) gone[static_cast<size_t>(c)] = true;
    const int64_t kept = w.dim(0) - static_cast<int64_t>(drop.size()), per = w.size() / w.dim(0);
    Shape shape = w.shape();
    shape[0] = kept;
    FF_ASSIGN_OR_RETURN(Tensor new_w, Tensor::Allocate(DataType::kFloat32, shape));
    std::vector<float> new_b;
    const float* b = n.HasInput(2) ? g_.initializers.at(n.inputs[2]).data<float>() : nullptr;
    float* out = new_w.data<float>();
    for (int64_t m = 0; m < w.dim(0); ++m) {
      if (gone[static_cast<size_t>(m)]) continue;
      out = std::copy_n(w.data<float>() + m * per, per, out);
      if (b != nullptr) new_b.push_back(b[m]);
    }
    n.inputs[1] = NewInitializer(n, "_pruned_W", std::move(new_w));
    if (b != nullptr) {
      FF_ASSIGN_OR_RETURN(Tensor t, Tensor::FromVector(new_b, Shape{kept}));
      n.inputs[2] = NewInitializer(n, "_pruned_B", std::move(t));
    }
    auto info = g_.value_infos.find(n.outputs[0]);
    if (info != g_.value_infos.end() && info->second.dims && info->second.dims->size() >= 2)
      (*info->second.dims)[1] = Dim{kept, ""};
    return Status::Ok();
  }

  // Node i's W without input channels `c.channels`, its bias taking their constant share.
  Status Absorb(size_t i, const Constants& c) {
    Node& n = g_.nodes[i];
    const Tensor& w = g_.initializers.at(n.inputs[1]);
    const int64_t outs = w.dim(0), ins = w.dim(1), window = w.size() / (outs * ins);
    std::vector<bool> gone(static_cast<size_t>(ins), false);
    for (int64_t ch : c.channels) gone[static_cast<size_t>(ch)] = true;
    Shape shape = w.shape();
    shape[1] = ins - static_cast<int64_t>(c.channels.size());
    FF_ASSIGN_OR_RETURN(Tensor new_w, Tensor::Allocate(DataType::kFloat32, shape));
    std::vector<float> bias(static_cast<size_t>(outs), 0.f);
    if (n.HasInput(2)) std::copy_n(g_.initializers.at(n.inputs[2]).data<float>(), outs, bias.begin());
    float* out = new_w.data<float>();
    for (int64_t o = 0; o < outs; ++o) {
      double share = 0;
      for (size_t k = 0; k < c.channels.size(); ++k) {
        const float* row = w.data<float>() + (o * ins + c.channels[k]) * window;
        double sum = 0;
        for (int64_t s = 0; s < window; ++s) sum += row[s];
        share += sum * c.values[k];
      }
      bias[static_cast<size_t>(o)] = static_cast<float>(bias[static_cast<size_t>(o)] + share);
      for (int64_t ch = 0; ch < ins; ++ch)
        if (!gone[static_cast<size_t>(ch)]) out = std::copy_n(w.data<float>() + (o * ins + ch) * window, window, out);
    }
    n.inputs[1] = NewInitializer(n, "_pruned_W", std::move(new_w));
    FF_ASSIGN_OR_RETURN(Tensor b, Tensor::FromVector(bias, Shape{outs}));
    if (n.inputs.size() < 3) n.inputs.resize(3);
    n.inputs[2] = NewInitializer(n, "_pruned_B", std::move(b));
    return Status::Ok();
  }

  std::string NewInitializer(const Node& n, const std::string& suffix, Tensor t) {
    const std::string name = FreshValueName(g_, (n.name.empty() ? n.outputs[0] : n.name) + suffix);
    g_.initializers[name] = std::move(t);
    return name;
  }

  Graph& g_;
  const PassContext& ctx_;
  const ValueUses uses_;  // graph outputs (node inputs are not renamed by the pass)
  std::map<std::string, std::vector<std::pair<size_t, size_t>>> readers_;  // value -> (node, input slot)
};

}  // namespace

Status PruneConstantChannels(Graph& g, const PassContext& ctx) { return ChannelPruner(g, ctx).Run(); }

}  // namespace facefuse::rt
