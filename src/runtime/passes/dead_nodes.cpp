// Dead-node removal: a node is live when one of its outputs is a graph output
// or is read by a live node; everything else goes, then every initializer no
// live node reads and no graph output names. Relies on the topological order.
#include <algorithm>
#include <string>
#include <unordered_set>
#include <vector>

#include "runtime/passes/passes.h"

namespace facefuse::rt {

Status RemoveDeadNodes(Graph& g, const PassContext& ctx) {
  std::unordered_set<std::string> needed;
  for (const auto& out : g.outputs) needed.insert(out.name);
  std::vector<bool> live(g.nodes.size(), false);
  for (size_t i = g.nodes.size(); i-- > 0;) {
    for (const auto& o : g.nodes[i].outputs) live[i] = live[i] || (!o.empty() && needed.count(o) != 0);
    if (!live[i]) continue;
    for (const auto& in : g.nodes[i].inputs)
      if (!in.empty()) needed.insert(in);
  }
  std::vector<Node> kept;
  size_t dropped_nodes = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (live[i]) {
      kept.push_back(std::move(g.nodes[i]));
      continue;
    }
    ctx.Log("dead: remove " + g.nodes[i].Describe());
    ++dropped_nodes;
  }
  g.nodes = std::move(kept);
  std::vector<std::string> unused;
  for (const auto& [name, t] : g.initializers)
    if (!needed.count(name)) unused.push_back(name);
  std::sort(unused.begin(), unused.end());
  for (const auto& name : unused) {
    ctx.Log("dead: drop initializer '" + name + "'");
    g.initializers.erase(name);
  }
  ctx.Log("dead-node removal: " + std::to_string(dropped_nodes) + " node(s) and " + std::to_string(unused.size()) +
          " initializer(s) removed");
  return Status::Ok();
}

}  // namespace facefuse::rt
