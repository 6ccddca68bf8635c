#include "sharesim/deploy/deploy_files.h"

#include "sharesim/deploy/manifests.h"

namespace sharesim::deploy {

using planner::Candidate;
using planner::DevicePlan;
using planner::GpuPlan;
using planner::PlanInput;
using planner::PlanResult;
using planner::Tenant;

std::string setup_order(const DevicePlan& d) {
  std::string out =
      "# Creation order on device '" + d.name +
      "': VMs claim GPUs in the order they are created,\n"
      "# so every GPU VM comes before Kubernetes (Kubernetes created first would claim every GPU).\n";
  int step = 0;
  for (size_t g = 0; g < d.gpus.size(); ++g) {
    if (d.gpus[g].passthrough)
      out += std::to_string(++step) + ". create VM '" + d.name + "-vm" + std::to_string(g) + "' (GPU " +
             std::to_string(g) + ", passthrough)\n";
  }
  if (d.has_containers())
    out += std::to_string(++step) + ". create Kubernetes (" + (d.mps ? "mps" : "time-slicing") + ")\n";
  return out;
}

std::vector<sim::OutputFile> deploy_files(const PlanInput& input, const PlanResult& r) {
  if (!r.chosen || !input.spec) return {};
  const Candidate& chosen = r.levels[r.chosen->first].candidates[r.chosen->second];
  return deploy_files(planner::candidate_scenario(input.scenario, *input.spec, chosen), input.spec->target);
}

}  // namespace sharesim::deploy
