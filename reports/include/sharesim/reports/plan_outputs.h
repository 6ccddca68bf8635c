// The files of a plan (`sharesim plan` and `sharesim merge`): plan.json, plan.md, report.html and
// the deploy/ manifests (deploy/deploy_files.h), as deterministic bytes. The CLI writes them.
#pragma once

#include <string>
#include <vector>

#include "sharesim/planner/planner.h"
#include "sharesim/sim/output_file.h"

namespace sharesim::reports {

std::string plan_json(const planner::PlanInput& input, const planner::PlanResult& result);
std::string plan_markdown(const planner::PlanInput& input, const planner::PlanResult& result);
// The chosen plan and the best alternative per cost level and policy, with each workload's
// simulated p99 against its target (html_report.h's plan comparison page).
std::string plan_report_html(const planner::PlanInput& input, const planner::PlanResult& result);

// All of them, in this order: plan.json, plan.md, report.html, deploy/...
std::vector<sim::OutputFile> plan_outputs(const planner::PlanInput& input, const planner::PlanResult& result);

}  // namespace sharesim::reports
