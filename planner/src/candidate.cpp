// A candidate configuration: its labels, and the scenario it stands for (runnable with
// run_scenario), with a workload split across GPUs as one scenario workload per GPU.
#include <algorithm>
#include <string>

#include "search_steps.h"
#include "sharesim/planner/planner.h"

namespace sharesim::planner {

using scenarios::PlanSpec;
using scenarios::Scenario;
using scenarios::WorkloadSpec;

bool DevicePlan::has_containers() const {
  return std::any_of(gpus.begin(), gpus.end(),
                     [](const GpuPlan& g) { return !g.passthrough && !g.tenants.empty(); });
}

std::string Candidate::policy_label() const {
  bool pass = false, ts = false, mps = false;
  for (const DevicePlan& d : devices) {
    for (const GpuPlan& g : d.gpus) {
      if (g.tenants.empty()) continue;
      if (g.passthrough)
        pass = true;
      else if (d.mps)
        mps = true;
      else
        ts = true;
    }
  }
  std::string label;
  if (pass) label += "passthrough";
  if (ts) label += std::string(label.empty() ? "" : "+") + "time-slicing";
  if (mps) label += std::string(label.empty() ? "" : "+") + "mps";
  return label;
}

std::string Candidate::describe(const Scenario& base) const {
  std::string out;
  for (const DevicePlan& d : devices) {
    if (!out.empty()) out += "; ";
    out += d.name + ":";
    for (size_t g = 0; g < d.gpus.size(); ++g) {
      const GpuPlan& gpu = d.gpus[g];
      out += " gpu" + std::to_string(g) + "[";
      if (gpu.tenants.empty())
        out += "unused";
      else
        out += gpu.passthrough ? "vm " : (d.mps ? "mps " : "ts ");
      for (size_t t = 0; t < gpu.tenants.size(); ++t) {
        const Tenant& tenant = gpu.tenants[t];
        out += (t ? "," : "") + base.workloads[tenant.workload].name;
        if (tenant.processes > 1) out += "x" + std::to_string(tenant.processes);
        if (tenant.mps_percentage > 0) out += "@" + std::to_string(tenant.mps_percentage) + "%";
      }
      out += "]";
    }
  }
  return out;
}

namespace detail {

std::vector<int> processes_per_workload(const Scenario& base, const Candidate& c) {
  std::vector<int> total(base.workloads.size(), 0);
  for (const DevicePlan& d : c.devices)
    for (const GpuPlan& g : d.gpus)
      for (const Tenant& t : g.tenants) total[t.workload] += t.processes;
  return total;
}

std::vector<int> parts_per_workload(const Scenario& base, const Candidate& c) {
  std::vector<int> parts(base.workloads.size(), 0);
  for (const DevicePlan& d : c.devices)
    for (const GpuPlan& g : d.gpus)
      for (const Tenant& t : g.tenants) ++parts[t.workload];
  return parts;
}

}  // namespace detail

namespace detail {

std::string part_stream_name(const std::string& workload, int processes, int total) {
  return workload + "/part " + std::to_string(processes) + " of " + std::to_string(total);
}

std::string part_name(const std::string& workload, const DevicePlan& plan, size_t gpu_index, int parts) {
  return parts > 1 ? workload + "@" + plan.name + "/gpu" + std::to_string(gpu_index) : workload;
}

scenarios::DeviceSpec device_spec(const scenarios::DeviceOption& option, const DevicePlan& plan) {
  scenarios::DeviceSpec device;
  device.name = plan.name;
  device.gpus = static_cast<int>(plan.gpus.size());
  device.gpu_profile = option.gpu_profile;
  device.cost = option.cost;
  device.sharing = plan.mps ? scenarios::ContainerSharing::kMps : scenarios::ContainerSharing::kTimeSlicing;
  device.where = option.where;
  for (size_t g = 0; g < plan.gpus.size(); ++g) {
    if (plan.gpus[g].passthrough) {
      scenarios::VmSetup vm;
      vm.name = plan.name + "-vm" + std::to_string(g);
      vm.where = option.where;
      device.setup.emplace_back(vm);
    }
  }
  if (plan.has_containers()) device.setup.emplace_back(scenarios::KubernetesSetup{option.where});
  return device;
}

WorkloadSpec part_spec(const WorkloadSpec& workload, const DevicePlan& plan, size_t gpu_index,
                       size_t tenant_index, int total, int parts) {
  const GpuPlan& gpu = plan.gpus[gpu_index];
  const Tenant& tenant = gpu.tenants[tenant_index];
  WorkloadSpec p = workload;
  p.name = part_name(workload.name, plan, gpu_index, parts);
  if (parts > 1) {
    // Streams named by what the part is, not where it runs, so that a GPU's simulation depends
    // only on the GPU's own contents (the per-GPU memo of evaluation.cpp is exact).
    p.stream_name = part_stream_name(workload.name, tenant.processes, total);
  }
  p.device = plan.name;
  p.replicas = tenant.processes;
  p.env.erase("NVIDIA_VISIBLE_DEVICES");
  p.env.erase("CUDA_MPS_ACTIVE_THREAD_PERCENTAGE");
  p.visible_device.reset();
  p.mps_active_thread_percentage.reset();
  if (gpu.passthrough) {
    p.runtime = scenarios::RuntimeKind::kVm;
    p.vm = plan.name + "-vm" + std::to_string(gpu_index);
    p.env.erase("CUDA_MPS_PINNED_DEVICE_MEM_LIMIT");
    p.mps_pinned_mem_limit_bytes.reset();
  } else {
    p.runtime = scenarios::RuntimeKind::kKubernetes;
    p.vm.clear();
    p.env["NVIDIA_VISIBLE_DEVICES"] = std::to_string(gpu_index);
    p.visible_device = static_cast<int>(gpu_index);
    if (plan.mps) {
      p.env["CUDA_MPS_ACTIVE_THREAD_PERCENTAGE"] = std::to_string(tenant.mps_percentage);
      p.mps_active_thread_percentage = tenant.mps_percentage;
    } else {
      p.env.erase("CUDA_MPS_PINNED_DEVICE_MEM_LIMIT");
      p.mps_pinned_mem_limit_bytes.reset();
    }
  }
  if (parts > 1) {
    const double share = static_cast<double>(tenant.processes) / total;
    if (auto* poisson = std::get_if<models::PoissonArrivals>(&p.arrivals)) poisson->rate_per_s *= share;
    if (auto* constant = std::get_if<models::ConstantArrivals>(&p.arrivals)) constant->rate_per_s *= share;
    if (p.slo.min_throughput_per_s) *p.slo.min_throughput_per_s *= share;
  }
  return p;
}

std::vector<PartRef> parts_in_order(const Scenario& base, const Candidate& candidate) {
  std::vector<std::vector<PartRef>> by_workload(base.workloads.size());
  for (size_t d = 0; d < candidate.devices.size(); ++d) {
    const DevicePlan& plan = candidate.devices[d];
    for (size_t g = 0; g < plan.gpus.size(); ++g)
      for (size_t t = 0; t < plan.gpus[g].tenants.size(); ++t)
        by_workload[plan.gpus[g].tenants[t].workload].push_back({plan.gpus[g].tenants[t].workload, d, g, t});
  }
  std::vector<PartRef> out;
  for (auto& parts : by_workload) out.insert(out.end(), parts.begin(), parts.end());
  return out;
}

Scenario gpu_scenario(const Scenario& base, const PlanSpec& spec, const Candidate& candidate, size_t device,
                      size_t gpu) {
  const std::vector<int> total = processes_per_workload(base, candidate);
  const std::vector<int> parts = parts_per_workload(base, candidate);
  const DevicePlan& plan = candidate.devices[device];
  DevicePlan alone;
  alone.option = plan.option;
  alone.name = "gpu";
  alone.mps = plan.mps;
  alone.gpus = {plan.gpus[gpu]};
  Scenario s = base;
  s.devices = {device_spec(spec.device_options[plan.option], alone)};
  s.workloads.clear();
  for (size_t t = 0; t < alone.gpus[0].tenants.size(); ++t) {
    const size_t w = alone.gpus[0].tenants[t].workload;
    WorkloadSpec p = part_spec(base.workloads[w], alone, 0, t, total[w], parts[w]);
    p.name = "tenant" + std::to_string(t);  // a label only: the streams keep the part's names
    if (p.stream_name.empty()) p.stream_name = base.workloads[w].name;
    s.workloads.push_back(std::move(p));
  }
  return s;
}

}  // namespace detail

Scenario candidate_scenario(const Scenario& base, const PlanSpec& spec, const Candidate& candidate) {
  Scenario s = base;
  s.devices.clear();
  s.workloads.clear();
  const std::vector<int> total = detail::processes_per_workload(base, candidate);
  const std::vector<int> parts = detail::parts_per_workload(base, candidate);
  for (const DevicePlan& plan : candidate.devices) {
    s.devices.push_back(detail::device_spec(spec.device_options[plan.option], plan));
  }
  for (const detail::PartRef& part : detail::parts_in_order(base, candidate)) {
    s.workloads.push_back(detail::part_spec(base.workloads[part.workload], candidate.devices[part.device],
                                            part.gpu, part.tenant, total[part.workload],
                                            parts[part.workload]));
  }
  return s;
}

}  // namespace sharesim::planner
