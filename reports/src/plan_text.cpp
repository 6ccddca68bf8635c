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

// Why the chosen plan, one line each (plan.md, report.html): the binding SLO and its margin, the
// rate at which the configuration stops holding, and the constraints that decided.
std::vector<std::string> explanation_lines(const PlanResult& r) {
  std::vector<std::string> out;
  if (!r.explanation) return out;
  const planner::ChoiceExplanation& x = *r.explanation;
  if (!x.binding_workload.empty()) {
    out.push_back("Binding SLO: " + x.binding_workload + " " + x.binding_metric + ", margin " +
                  fmt("%.1f", x.binding_margin * 100) + " %" +
                  (x.headroom > 0 ? " (headroom required: " + fmt("%.0f", x.headroom * 100) + " %)" : ""));
  }
  if (x.max_rate_per_s) {
    out.push_back(
        "This configuration keeps every SLO" + std::string(x.headroom > 0 ? " (without headroom)" : "") +
        " up to " + fmt("%.4g", *x.max_rate_per_s) + " requests/s of " + x.binding_workload +
        " (offered: " + fmt("%.4g", x.offered_rate_per_s) + "/s; fails at " +
        fmt("%.4g", x.fails_above_per_s.value_or(0)) + "/s): above that rate the decision changes.");
  } else if (!x.max_rate_note.empty()) {
    out.push_back("Rate at which the plan stops holding: not searched (" + x.max_rate_note + ").");
  }
  for (const std::string& why : x.decided_by) out.push_back("Decided by " + why + ".");
  for (const auto& alt : x.alternatives) {
    const planner::Candidate& c = r.levels[alt.level].candidates[alt.index];
    std::string line = "Rejected " + c.policy_label() + " at cost " + fmt("%.6g", c.cost) + " misses " +
                       alt.workload + " " + alt.metric + " by " + fmt("%.1f", -alt.margin * 100) + " %";
    if (alt.holds_up_to_per_s) {
      line += "; it would hold every SLO up to " + fmt("%.4g", *alt.holds_up_to_per_s) + " requests/s of " +
              alt.workload + " (offered " + fmt("%.4g", alt.offered_rate_per_s) + "/s)";
    } else {
      line += "; no rate of " + alt.workload + " found at which it holds";
    }
    out.push_back(line + ".");
  }
  return out;
}

}  // namespace sharesim::reports::detail
