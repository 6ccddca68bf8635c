// The files a person applies to realise a configuration on its target (docs/planner.md,
// "Deployment files"): the scenario the chosen plan stands for, or any scenario.
#pragma once

#include <string>
#include <vector>

#include "sharesim/models/deploy_target.h"
#include "sharesim/scenarios/scenario.h"
#include "sharesim/sim/output_file.h"

namespace sharesim::deploy {

// deploy/ for `scenario` on `target` (deterministic bytes):
//  kubernetes-device-plugin: deploy/kubernetes/<deployment>.yaml (apps/v1 Deployment:
//    resources.limits nvidia.com/gpu: 1, env without NVIDIA_VISIBLE_DEVICES, nodeSelector on the
//    planned node), deploy/kubernetes/device-plugin-configmap.yaml (one named config per distinct
//    sharing setup), deploy/node-labels.sh (nvidia.com/device-plugin.config when configs differ,
//    and the node label the Deployments select on), deploy/README.md.
//  azure-stack-edge: per device deploy/<device>/kubernetes/<deployment>.yaml (env with
//    NVIDIA_VISIBLE_DEVICES and CUDA_MPS_ACTIVE_THREAD_PERCENTAGE, hostIPC/hostPID as the device's
//    MPS examples use), deploy/<device>/iot-edge-deployment.json for IoT Edge modules,
//    deploy/<device>/setup-order.txt (creation order) and deploy/<device>/device-setup.ps1
//    (Start-HcsGpuMPS when the device shares by MPS), deploy/README.md.
// A scenario names no container images: every container gets the image "<deployment>:latest",
// to be replaced (the README and each file say so).
// Paths are relative to the output folder, under deploy/.
std::vector<sim::OutputFile> deploy_files(const scenarios::Scenario& scenario, models::DeployTarget target);

// A Kubernetes object name (DNS-1123 label: lowercase letters, digits and '-', starting and
// ending with a letter or digit, at most 63 characters) made from a scenario name such as
// "detector@ase-2gpu-1/gpu0" -> "detector-ase-2gpu-1-gpu0". Never empty.
std::string dns1123_label(const std::string& name);

}  // namespace sharesim::deploy
