// The alternatives shown beside the chosen plan (plan.md, plan.json, report.html) and explained by
// explain_choice: the best candidate per cost level and policy label.
#include <map>
#include <string>

#include "sharesim/planner/planner.h"

namespace sharesim::planner {

std::vector<std::pair<size_t, size_t>> best_alternatives(const PlanResult& r) {
  std::map<std::pair<size_t, std::string>, std::pair<size_t, size_t>> best;
  auto better = [&](std::pair<size_t, size_t> a, std::pair<size_t, size_t> b) {
    const Evaluation& ea = r.levels[a.first].evaluations[a.second];
    const Evaluation& eb = r.levels[b.first].evaluations[b.second];
    const bool sa = ea.state == Evaluation::State::kSimulated, sb = eb.state == Evaluation::State::kSimulated;
    if (sa != sb) return sa;
    if (ea.feasible != eb.feasible) return ea.feasible;
    if (a.first != b.first) return a.first < b.first;
    if (ea.margin != eb.margin) return ea.margin > eb.margin;
    return a.second < b.second;
  };
  for (size_t l = 0; l < r.levels.size(); ++l) {
    for (size_t i = 0; i < r.levels[l].candidates.size(); ++i) {
      if (r.levels[l].evaluations[i].state == Evaluation::State::kNotEvaluated) continue;
      const std::pair<size_t, std::string> key{l, r.levels[l].candidates[i].policy_label()};
      auto it = best.find(key);
      if (it == best.end() || better({l, i}, it->second)) best[key] = {l, i};
    }
  }
  std::vector<std::pair<size_t, size_t>> out;
  for (const auto& [label, at] : best) out.push_back(at);
  return out;
}

}  // namespace sharesim::planner
