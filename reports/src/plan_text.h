// What plan.json, plan.md and report.html of a plan share: the text of a check's value, the worst
// check of an evaluation, and the alternatives shown beside the chosen plan. Private to reports.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "sharesim/planner/planner.h"

namespace sharesim::reports::detail {

// The chosen candidate and its evaluation; both nullptr when no plan was found.
struct Chosen {
  const planner::Candidate* candidate = nullptr;
  const planner::Evaluation* evaluation = nullptr;
};
Chosen chosen_of(const planner::PlanResult& r);

// "12.3 ms", "190/s" or "unbounded".
std::string value_text(const planner::CheckOutcome& c, double v);
// The worst check of an evaluation (the smallest margin), or nullptr.
const planner::CheckOutcome* worst_check(const planner::Evaluation& e);
// "simulated", "screened-out", ...
std::string state_name(planner::Evaluation::State s);
// Best candidate per cost level and policy label (simulated before screened out, then feasible,
// then larger margin, then earlier), so the table shows what each cheaper level misses.
std::vector<std::pair<size_t, size_t>> alternatives(const planner::PlanResult& r);

}  // namespace sharesim::reports::detail
