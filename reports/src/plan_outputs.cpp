#include "sharesim/reports/plan_outputs.h"

#include "sharesim/deploy/deploy_files.h"

namespace sharesim::reports {

std::vector<sim::OutputFile> plan_outputs(const planner::PlanInput& input,
                                          const planner::PlanResult& result) {
  std::vector<sim::OutputFile> files;
  files.push_back({"plan.json", plan_json(input, result)});
  files.push_back({"plan.md", plan_markdown(input, result)});
  files.push_back({"report.html", plan_report_html(input, result)});
  for (auto& f : deploy::deploy_files(input, result)) files.push_back(std::move(f));
  return files;
}

}  // namespace sharesim::reports
