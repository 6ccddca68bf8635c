// The deployment artifacts of a chosen plan (deploy/ in the plan's output folder): per device the
// NVIDIA k8s-device-plugin configuration and the creation order of its VMs and Kubernetes, and per
// deployment the env it runs with. Contents only; the CLI writes them.
#pragma once

#include <string>
#include <vector>

#include "sharesim/planner/planner.h"
#include "sharesim/sim/output_file.h"

namespace sharesim::deploy {

// The device plugin's config file for one device: replicas per GPU and the sharing mode.
std::string device_plugin_config(const planner::DevicePlan& device);
// The order in which the device's GPU VMs and Kubernetes must be created (VMs claim GPUs first).
std::string setup_order(const planner::DevicePlan& device);
// The env file of one deployment.
std::string env_yaml(const planner::Deployment& deployment);

// Every file under deploy/ for the chosen candidate of `result`; none when no plan was found.
std::vector<sim::OutputFile> deploy_files(const planner::PlanInput& input, const planner::PlanResult& result);

}  // namespace sharesim::deploy
