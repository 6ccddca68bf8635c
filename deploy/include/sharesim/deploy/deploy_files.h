// The deployment artifacts of a chosen plan (deploy/ in the plan's output folder): the target's
// manifests (manifests.h) for the scenario the chosen candidate stands for, and the creation order
// plan.md shows. Contents only; the CLI writes them.
#pragma once

#include <string>
#include <vector>

#include "sharesim/planner/planner.h"
#include "sharesim/sim/output_file.h"

namespace sharesim::deploy {

// The order in which a planned device's GPU VMs, Kubernetes and IoT Edge must be created (VMs claim
// GPUs first), from the scenario the chosen candidate stands for (candidate_scenario).
std::string setup_order(const scenarios::DeviceSpec& device);

// Every file under deploy/ for the chosen candidate of `result` on the plan's target; none when no
// plan was found.
std::vector<sim::OutputFile> deploy_files(const planner::PlanInput& input, const planner::PlanResult& result);

}  // namespace sharesim::deploy
