// What each part of a candidate deploys as, read off the scenario the candidate stands for.
#include "sharesim/planner/planner.h"

namespace sharesim::planner {

std::vector<Deployment> deployments(const PlanInput& input, const Candidate& c) {
  const scenarios::Scenario s = candidate_scenario(input.scenario, *input.spec, c);
  std::vector<Deployment> out;
  for (const auto& w : s.workloads) {
    Deployment p;
    p.part = w.name;
    p.device = w.device;
    p.passthrough = w.runtime == scenarios::RuntimeKind::kVm;
    p.vm = w.vm;
    p.replicas = w.replicas;
    if (w.visible_device) p.gpu = static_cast<size_t>(*w.visible_device);
    for (const auto& [k, v] : w.env) p.env.emplace_back(k, v);
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace sharesim::planner
