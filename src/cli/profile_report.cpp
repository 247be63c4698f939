#include "cli/profile_report.h"

#include <algorithm>
#include <cstdio>
#include <map>

namespace facefuse::cli {
namespace {

struct OpTotal {
  std::string op, provider;
  int nodes = 0;
  double seconds = 0;
};

std::vector<OpTotal> ByOp(const SessionProfile& p) {
  std::map<std::pair<std::string, std::string>, OpTotal> by;
  for (const auto& n : p.nodes) {
    OpTotal& t = by[{n.op_type, n.provider}];
    t.op = n.op_type;
    t.provider = n.provider;
    ++t.nodes;
    t.seconds += n.seconds;
  }
  std::vector<OpTotal> out;
  for (auto& [k, v] : by) out.push_back(v);
  std::sort(out.begin(), out.end(), [](const OpTotal& a, const OpTotal& b) { return a.seconds > b.seconds; });
  return out;
}

double KernelSeconds(const SessionProfile& p) {
  double s = 0;
  for (const auto& n : p.nodes) s += n.seconds;
  return s;
}

double PerRunMs(const SessionProfile& p, double seconds) { return 1000.0 * seconds / static_cast<double>(p.runs); }

}  // namespace

std::string ProfileText(const SessionProfile& p, int top) {
  if (p.runs == 0) return "";
  const double run_ms = PerRunMs(p, p.run_seconds);
  const double kernel_ms = PerRunMs(p, KernelSeconds(p));
  auto pct = [&](double ms) { return run_ms > 0 ? 100.0 * ms / run_ms : 0.0; };
  std::string out;
  char line[512];
  std::snprintf(
      line, sizeof(line), "  profile over %llu runs: %.3f ms per run, %.3f ms in kernels, %.3f ms outside (%.1f %%)\n",
      static_cast<unsigned long long>(p.runs), run_ms, kernel_ms, run_ms - kernel_ms, pct(run_ms - kernel_ms));
  out += line;
  out += "  by op:        op                provider   nodes   ms/run      %\n";
  for (const auto& t : ByOp(p)) {
    const double ms = PerRunMs(p, t.seconds);
    std::snprintf(line, sizeof(line), "                %-17s %-10s %5d %8.3f %6.1f\n", t.op.c_str(), t.provider.c_str(),
                  t.nodes, ms, pct(ms));
    out += line;
  }
  std::vector<const NodeProfile*> nodes;
  for (const auto& n : p.nodes) nodes.push_back(&n);
  std::stable_sort(nodes.begin(), nodes.end(),
                   [](const NodeProfile* a, const NodeProfile* b) { return a->seconds > b->seconds; });
  if (top > 0 && !nodes.empty()) {
    std::snprintf(line, sizeof(line), "  heaviest %d nodes:\n", std::min<int>(top, static_cast<int>(nodes.size())));
    out += line;
  }
  for (int i = 0; i < top && i < static_cast<int>(nodes.size()); ++i) {
    const NodeProfile& n = *nodes[static_cast<size_t>(i)];
    const double ms = PerRunMs(p, n.seconds);
    std::snprintf(line, sizeof(line), "    %8.3f ms %5.1f %%  %s '%s' [%s] %s\n", ms, pct(ms), n.op_type.c_str(),
                  n.node.c_str(), n.provider.c_str(), n.shapes.c_str());
    out += line;
  }
  return out;
}

nlohmann::json ProfileJson(const SessionProfile& p) {
  nlohmann::json j = {{"runs", p.runs}};
  if (p.runs == 0) return j;
  j["run_ms"] = PerRunMs(p, p.run_seconds);
  j["kernel_ms"] = PerRunMs(p, KernelSeconds(p));
  nlohmann::json by_op = nlohmann::json::array();
  for (const auto& t : ByOp(p))
    by_op.push_back({{"op", t.op}, {"provider", t.provider}, {"nodes", t.nodes}, {"ms", PerRunMs(p, t.seconds)}});
  j["by_op"] = std::move(by_op);
  nlohmann::json nodes = nlohmann::json::array();
  for (const auto& n : p.nodes)
    nodes.push_back({{"node", n.node},
                     {"op", n.op_type},
                     {"provider", n.provider},
                     {"shapes", n.shapes},
                     {"ms", PerRunMs(p, n.seconds)}});
  j["nodes"] = std::move(nodes);
  return j;
}

}  // namespace facefuse::cli
