#include "sharesim/deploy/deploy_files.h"

#include <variant>

#include "sharesim/deploy/manifests.h"

namespace sharesim::deploy {

using planner::Candidate;
using planner::PlanInput;
using planner::PlanResult;

std::string setup_order(const scenarios::DeviceSpec& d) {
  std::string out =
      "# Creation order on device '" + d.name +
      "': VMs claim GPUs in the order they are created,\n"
      "# so every GPU VM comes before Kubernetes (Kubernetes created first would claim every GPU).\n";
  int step = 0;
  const char* sharing = d.sharing == scenarios::ContainerSharing::kMps ? "mps" : "time-slicing";
  for (const scenarios::SetupStep& st : d.setup) {
    if (const auto* vm = std::get_if<scenarios::VmSetup>(&st)) {
      out += std::to_string(++step) + ". create VM '" + vm->name + "' (passthrough)\n";
    } else if (std::holds_alternative<scenarios::KubernetesSetup>(st)) {
      out += std::to_string(++step) + ". create Kubernetes (" + sharing + ")\n";
    } else {
      out += std::to_string(++step) + ". enable IoT Edge (modules on the device's Kubernetes)\n";
    }
  }
  return out;
}

std::vector<sim::OutputFile> deploy_files(const PlanInput& input, const PlanResult& r) {
  if (!r.chosen || !input.spec) return {};
  const Candidate& chosen = r.levels[r.chosen->first].candidates[r.chosen->second];
  return deploy_files(planner::candidate_scenario(input.scenario, *input.spec, chosen), input.spec->target);
}

}  // namespace sharesim::deploy
