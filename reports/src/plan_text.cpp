#include "plan_text.h"

#include <cmath>
#include <map>

#include "sharesim/sim/text_format.h"

namespace sharesim::reports::detail {

using planner::CheckOutcome;
using planner::Evaluation;
using planner::PlanResult;
using sim::fmt;

Chosen chosen_of(const PlanResult& r) {
  if (!r.chosen) return {};
  return {&r.levels[r.chosen->first].candidates[r.chosen->second],
          &r.levels[r.chosen->first].evaluations[r.chosen->second]};
}

std::string value_text(const CheckOutcome& c, double v) {
  if (std::isinf(v)) return "unbounded";
  return c.metric == "throughput" ? fmt("%.6g/s", v) : fmt("%.4g ms", v * 1e3);
}

const CheckOutcome* worst_check(const Evaluation& e) {
  const CheckOutcome* worst = nullptr;
  for (const CheckOutcome& c : e.checks)
    if (worst == nullptr || c.margin < worst->margin) worst = &c;
  return worst;
}

std::string state_name(Evaluation::State s) {
  switch (s) {
    case Evaluation::State::kNotEvaluated:
      return "not-evaluated";
    case Evaluation::State::kScreenedOut:
      return "screened-out";
    case Evaluation::State::kSimulated:
      return "simulated";
    case Evaluation::State::kError:
      return "error";
  }
  return "?";
}

std::vector<std::pair<size_t, size_t>> alternatives(const PlanResult& r) {
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

}  // namespace sharesim::reports::detail
