// The candidate search: levels of device multisets, placements, policies, MPS percentages,
// screening and simulation. See planner.h for the contract and docs/planner.md for the reasons.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>
#include <utility>

#include "constraints.h"
#include "sharesim/deploy/deploy.h"
#include "sharesim/models/gpu_profile.h"
#include "sharesim/planner/planner.h"
#include "sharesim/reports/text_format.h"
#include "sharesim/scenarios/loader.h"
#include "sharesim/scenarios/simulation.h"

namespace sharesim::planner {

using reports::fmt;

using scenarios::PlanPolicy;
using scenarios::PlanSpec;
using scenarios::Scenario;
using scenarios::WorkloadSpec;

namespace {}  // namespace

// ---- Input ----------------------------------------------------------------------------------------
// The plan section travels in the Scenario (the loader validates and stores it), so `--set plan.*`
// overrides reach the planner like any other value.
namespace {
Result<PlanInput> plan_input_from(Result<scenarios::Scenario> scenario, const std::string& file) {
  if (!scenario) return scenario.error();
  PlanInput input;
  input.spec = scenario->plan;
  input.scenario = std::move(*scenario);
  input.path = file;
  return input;
}
}  // namespace

Result<PlanInput> load_plan_input_text(std::string_view yaml, const std::string& file,
                                       const std::string& base_dir) {
  return plan_input_from(
      scenarios::load_scenario_text(yaml, file, base_dir, scenarios::default_load_options()), file);
}

Result<PlanInput> load_plan_input(const std::string& path, const std::vector<std::string>& overrides) {
  auto input =
      plan_input_from(scenarios::load_scenario(path, scenarios::default_load_options(overrides)), path);
  if (input) input->overrides = overrides;
  return input;
}

// ---- Work and load ---------------------------------------------------------------------------------
std::optional<double> arrival_rate(const models::ArrivalSpec& arrivals) {
  if (const auto* p = std::get_if<models::PoissonArrivals>(&arrivals)) return p->rate_per_s;
  if (const auto* c = std::get_if<models::ConstantArrivals>(&arrivals)) return c->rate_per_s;
  if (const auto* o = std::get_if<models::OnOffArrivals>(&arrivals)) {
    const double on = o->mean_on.seconds(), off = o->mean_off.seconds();
    return on + off > 0 ? (o->on_rate_per_s * on + o->off_rate_per_s * off) / (on + off) : o->on_rate_per_s;
  }
  if (const auto* t = std::get_if<models::TraceArrivals>(&arrivals)) {
    if (t->offsets.size() < 2 || t->offsets.back().seconds() <= 0) return std::nullopt;
    return static_cast<double>(t->offsets.size() - 1) / t->offsets.back().seconds();
  }
  return std::nullopt;
}

namespace {

bool splittable(const models::ArrivalSpec& arrivals) {
  return std::holds_alternative<models::PoissonArrivals>(arrivals) ||
         std::holds_alternative<models::ConstantArrivals>(arrivals);
}

RequestWork work_on(const WorkloadSpec& workload, const models::GpuProfile& profile, int sm_cap) {
  RequestWork w;
  const double batch = workload.batching ? std::max(1, workload.batching->max_batch) : 1;
  const double sms = profile.sm_count;
  const double cap = sm_cap <= 0 ? sms : std::min<double>(sm_cap, sms);
  for (const models::OpSpec& op : workload.request.ops) {
    if (const auto* k = std::get_if<models::KernelOpSpec>(&op)) {
      const double d_s = k->duration.mean().seconds() + k->per_item.seconds() * batch;
      const double demand = (k->sms <= 0 || k->sms > profile.sm_count) ? sms : k->sms;
      const double granted = std::min(demand, cap);
      const double m = k->memory_bound;
      // docs/model.md: 1/rate = (1 - m) d/s + m at a free DRAM; the solo time at the cap.
      w.kernel_s += d_s * ((1 - m) * demand / granted + m);
      w.sm_seconds += (1 - m) * d_s * demand / sms;
      w.dram_s += m * d_s;
      w.host_s += profile.kernel_launch_overhead.seconds();
    } else if (const auto* c = std::get_if<models::CopyOpSpec>(&op)) {
      const bool h2d = c->direction == models::CopyDirection::kHostToDevice;
      const double bytes = static_cast<double>(c->bytes) + static_cast<double>(c->per_item_bytes) * batch;
      const double t = bytes / profile.pcie_bandwidth(h2d, c->pinned);
      (h2d ? w.h2d_s : w.d2h_s) += t;
      w.host_s += profile.copy_latency.seconds();
    } else if (const auto* h = std::get_if<models::HostOpSpec>(&op)) {
      w.host_s += h->duration.seconds() + h->per_item.seconds() * batch;
    }
  }
  w.kernel_s /= batch;
  w.h2d_s /= batch;
  w.d2h_s /= batch;
  w.host_s /= batch;
  w.sm_seconds /= batch;
  w.dram_s /= batch;
  return w;
}

std::string bytes_text(double bytes) {
  return fmt("%.2f GiB", bytes / (1024.0 * 1024 * 1024));
}

}  // namespace

Result<RequestWork> request_work(const WorkloadSpec& workload, const std::string& profile_name,
                                 const std::string& base_dir, int sm_cap) {
  auto profile = models::resolve_gpu_profile(profile_name, base_dir);
  if (!profile) return profile.error();
  return work_on(workload, *profile, sm_cap);
}

// ---- Candidates ------------------------------------------------------------------------------------
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

namespace {

struct ProblemInfo {
  std::vector<models::GpuProfile> option_profiles;  // per device option
  std::vector<int> total_processes;                 // per workload, set per candidate
};

Result<std::vector<models::GpuProfile>> option_profiles(const Scenario& base, const PlanSpec& spec) {
  std::vector<models::GpuProfile> profiles;
  for (const auto& option : spec.device_options) {
    auto p = models::resolve_gpu_profile(option.gpu_profile, scenarios::scenario_base_dir(base.file));
    if (!p)
      return p.error().at(option.where.file, option.where.line, option.where.column,
                          option.where.field + ".gpu_profile");
    profiles.push_back(std::move(*p));
  }
  return profiles;
}

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

std::optional<std::string> screen_with(const Scenario& base, const PlanSpec& spec,
                                       const std::vector<models::GpuProfile>& profiles, const Candidate& c) {
  if (auto why = detail::target_screen(base, spec, profiles, c)) return why;
  const std::vector<int> total = processes_per_workload(base, c);
  for (const DevicePlan& d : c.devices) {
    const models::GpuProfile& profile = profiles[d.option];
    const std::string_view container_policy = d.mps ? "mps" : "time-slicing";
    for (size_t g = 0; g < d.gpus.size(); ++g) {
      const GpuPlan& gpu = d.gpus[g];
      if (gpu.tenants.empty()) continue;
      const std::string where = d.name + "/gpu" + std::to_string(g);
      const bool mps = !gpu.passthrough && d.mps;
      int processes = 0;
      double memory = 0, gpu_load = 0, sm_load = 0, dram_load = 0, h2d_load = 0, d2h_load = 0;
      for (const Tenant& t : gpu.tenants) {
        const WorkloadSpec& w = base.workloads[t.workload];
        processes += t.processes;
        memory += static_cast<double>(w.memory_bytes) * t.processes;
        const std::optional<double> rate = arrival_rate(w.arrivals);
        if (!rate) continue;  // closed loop: no offered rate to bound
        const double per_process_rate = *rate / total[t.workload];
        const double part_rate = per_process_rate * t.processes;
        const RequestWork full = work_on(w, profile, 0);
        const int cap = mps ? profile.mps_sm_cap(t.mps_percentage) : 0;
        const RequestWork capped = mps ? work_on(w, profile, cap) : full;
        // Each process serves one batch at a time: a single server.
        if (per_process_rate * capped.serial_s() > 1) {
          return where + ": each process of '" + w.name + "' is a single server needing " +
                 fmt("%.3g", capped.serial_s() * 1e3) + " ms per request" +
                 (mps ? " at " + std::to_string(cap) + " SMs" : std::string()) + ", offered " +
                 fmt("%.4g", per_process_rate) + "/s: load " +
                 fmt("%.3f", per_process_rate * capped.serial_s()) + " > 1";
        }
        gpu_load += part_rate * (profile.timeslice_copies_overlap && !gpu.passthrough ? full.kernel_s
                                                                                      : full.gpu_serial_s());
        sm_load += part_rate * full.sm_seconds;
        dram_load += part_rate * full.dram_s;
        h2d_load += part_rate * full.h2d_s;
        d2h_load += part_rate * full.d2h_s;
      }
      if (memory > static_cast<double>(profile.memory_usable_bytes)) {
        return where + ": processes need " + bytes_text(memory) + " of device memory, more than the " +
               bytes_text(static_cast<double>(profile.memory_usable_bytes)) + " usable";
      }
      if (mps && processes > profile.mps_max_clients) {
        return where + ": " + std::to_string(processes) + " MPS clients, more than the limit of " +
               std::to_string(profile.mps_max_clients);
      }
      // Passthrough and time-slicing run one context's work at a time (kernels and copies of one
      // stream in order): the GPU work per second cannot exceed 1. MPS overlaps clients, so only
      // the SM-time, DRAM and PCIe bounds hold.
      if (!mps && gpu_load > 1) {
        return where + " (" + std::string(gpu.passthrough ? "passthrough" : container_policy) +
               "): offered GPU load " + fmt("%.3f", gpu_load) +
               " > 1 (arrival rate x solo kernel and copy time)";
      }
      if (sm_load > 1) return where + ": offered SM load " + fmt("%.3f", sm_load) + " > 1";
      if (dram_load > 1) return where + ": offered DRAM load " + fmt("%.3f", dram_load) + " > 1";
      if (h2d_load > 1) return where + ": offered host-to-device PCIe load " + fmt("%.3f", h2d_load) + " > 1";
      if (d2h_load > 1) return where + ": offered device-to-host PCIe load " + fmt("%.3f", d2h_load) + " > 1";
    }
  }
  (void)spec;
  return std::nullopt;
}

}  // namespace

std::optional<std::string> screen(const Scenario& base, const PlanSpec& spec, const Candidate& candidate) {
  auto profiles = option_profiles(base, spec);
  if (!profiles) return profiles.error().to_string();
  return screen_with(base, spec, *profiles, candidate);
}

Scenario candidate_scenario(const Scenario& base, const PlanSpec& spec, const Candidate& candidate) {
  Scenario s = base;
  s.devices.clear();
  s.workloads.clear();
  const std::vector<int> total = processes_per_workload(base, candidate);
  const std::vector<int> parts = parts_per_workload(base, candidate);
  struct Part {
    size_t device, gpu, tenant;
  };
  std::vector<std::vector<Part>> by_workload(base.workloads.size());
  // VM names: "<device>-vm<gpu>", or the name plan.passthrough requires ("<vm>-<k>" for k > 1 VMs).
  std::map<std::pair<size_t, size_t>, std::string> vm_of;
  std::vector<int> vms_of_workload(base.workloads.size(), 0), vm_number(base.workloads.size(), 0);
  for (const DevicePlan& plan : candidate.devices)
    for (const GpuPlan& g : plan.gpus)
      if (g.passthrough && !g.tenants.empty()) ++vms_of_workload[g.tenants.front().workload];
  for (size_t d = 0; d < candidate.devices.size(); ++d) {
    for (size_t g = 0; g < candidate.devices[d].gpus.size(); ++g) {
      const GpuPlan& gpu = candidate.devices[d].gpus[g];
      if (!gpu.passthrough) continue;
      std::string name = candidate.devices[d].name + "-vm" + std::to_string(g);
      if (!gpu.tenants.empty()) {
        const size_t w = gpu.tenants.front().workload;
        for (const scenarios::PassthroughPin& pin : spec.passthrough)
          if (pin.workload == base.workloads[w].name && !pin.vm.empty())
            name = vms_of_workload[w] > 1 ? pin.vm + "-" + std::to_string(++vm_number[w]) : pin.vm;
      }
      vm_of[{d, g}] = name;
    }
  }
  for (size_t d = 0; d < candidate.devices.size(); ++d) {
    const DevicePlan& plan = candidate.devices[d];
    const scenarios::DeviceOption& option = spec.device_options[plan.option];
    scenarios::DeviceSpec device;
    device.name = plan.name;
    device.gpus = option.gpus;
    device.gpu_profile = option.gpu_profile;
    device.cost = option.cost;
    device.sharing = plan.mps ? scenarios::ContainerSharing::kMps : scenarios::ContainerSharing::kTimeSlicing;
    device.where = option.where;
    for (size_t g = 0; g < plan.gpus.size(); ++g) {
      if (plan.gpus[g].passthrough) {
        scenarios::VmSetup vm;
        vm.name = vm_of.at({d, g});
        vm.where = option.where;
        device.setup.emplace_back(vm);
      }
    }
    if (plan.has_containers()) device.setup.emplace_back(scenarios::KubernetesSetup{option.where});
    // Workloads written as IoT Edge modules stay modules (Azure Stack Edge runs them on its Kubernetes).
    bool modules = false;
    for (const GpuPlan& g : plan.gpus)
      for (const Tenant& t : g.tenants)
        modules = modules ||
                  (!g.passthrough && base.workloads[t.workload].runtime == scenarios::RuntimeKind::kIotEdge);
    if (modules) device.setup.emplace_back(scenarios::IotEdgeSetup{option.where});
    s.devices.push_back(std::move(device));
    for (size_t g = 0; g < plan.gpus.size(); ++g)
      for (size_t t = 0; t < plan.gpus[g].tenants.size(); ++t)
        by_workload[plan.gpus[g].tenants[t].workload].push_back({d, g, t});
  }
  for (size_t w = 0; w < base.workloads.size(); ++w) {
    for (const Part& part : by_workload[w]) {
      const DevicePlan& plan = candidate.devices[part.device];
      const GpuPlan& gpu = plan.gpus[part.gpu];
      const Tenant& tenant = gpu.tenants[part.tenant];
      WorkloadSpec p = base.workloads[w];
      if (parts[w] > 1) p.name += "@" + plan.name + "/gpu" + std::to_string(part.gpu);
      p.device = plan.name;
      p.replicas = tenant.processes;
      p.env.erase("NVIDIA_VISIBLE_DEVICES");
      p.env.erase("CUDA_MPS_ACTIVE_THREAD_PERCENTAGE");
      p.visible_device.reset();
      p.mps_active_thread_percentage.reset();
      if (gpu.passthrough) {
        p.runtime = scenarios::RuntimeKind::kVm;
        p.vm = vm_of.at({part.device, part.gpu});
        p.env.erase("CUDA_MPS_PINNED_DEVICE_MEM_LIMIT");
        p.mps_pinned_mem_limit_bytes.reset();
      } else {
        p.runtime = base.workloads[w].runtime == scenarios::RuntimeKind::kIotEdge
                        ? scenarios::RuntimeKind::kIotEdge
                        : scenarios::RuntimeKind::kKubernetes;
        p.vm.clear();
        p.env["NVIDIA_VISIBLE_DEVICES"] = std::to_string(part.gpu);
        p.visible_device = static_cast<int>(part.gpu);
        if (plan.mps) {
          p.env["CUDA_MPS_ACTIVE_THREAD_PERCENTAGE"] = std::to_string(tenant.mps_percentage);
          p.mps_active_thread_percentage = tenant.mps_percentage;
        } else {
          p.env.erase("CUDA_MPS_PINNED_DEVICE_MEM_LIMIT");
          p.mps_pinned_mem_limit_bytes.reset();
        }
      }
      if (parts[w] > 1) {
        const double share = static_cast<double>(tenant.processes) / total[w];
        if (auto* poisson = std::get_if<models::PoissonArrivals>(&p.arrivals)) poisson->rate_per_s *= share;
        if (auto* constant = std::get_if<models::ConstantArrivals>(&p.arrivals))
          constant->rate_per_s *= share;
        if (p.slo.min_throughput_per_s) *p.slo.min_throughput_per_s *= share;
      }
      s.workloads.push_back(std::move(p));
    }
  }
  // What the target gives the clients (the stock plugin's MPS memory limit total/N).
  deploy::apply_target_rules(s, spec.target);
  return s;
}

// ---- Enumeration -----------------------------------------------------------------------------------
namespace {

struct Level {
  double cost = 0;
  std::vector<std::vector<size_t>> multisets;  // option index per device, non-decreasing
};

std::vector<Level> make_levels(const PlanSpec& spec, int max_useful_devices) {
  const size_t options = spec.device_options.size();
  int max_devices = std::min(spec.max_devices, max_useful_devices);
  if (!spec.owned.empty()) {  // owned hardware: any part of it, never more
    int owned = 0;
    for (const auto& od : spec.owned) owned += od.count;
    max_devices = std::min(owned, max_useful_devices);
  }
  std::vector<std::vector<size_t>> all;
  std::vector<size_t> current;
  // Non-decreasing sequences of option indexes, length 1..max_devices.
  auto recurse = [&](auto&& self, size_t from) -> void {
    if (!detail::within_owned(spec, current)) return;
    if (!current.empty()) all.push_back(current);
    if (static_cast<int>(current.size()) == max_devices) return;
    for (size_t o = from; o < options; ++o) {
      current.push_back(o);
      self(self, o);
      current.pop_back();
    }
  };
  recurse(recurse, 0);
  auto cost_of = [&](const std::vector<size_t>& m) {
    double c = 0;
    for (size_t o : m) c += spec.device_options[o].cost;
    return c;
  };
  auto gpus_of = [&](const std::vector<size_t>& m) {
    int g = 0;
    for (size_t o : m) g += spec.device_options[o].gpus;
    return g;
  };
  // Costs compare at a micro-unit so that 0.1 + 0.2 and 0.3 are one level.
  auto cost_key = [&](const std::vector<size_t>& m) { return std::llround(cost_of(m) * 1e6); };
  std::stable_sort(all.begin(), all.end(), [&](const auto& a, const auto& b) {
    if (cost_key(a) != cost_key(b)) return cost_key(a) < cost_key(b);
    if (gpus_of(a) != gpus_of(b)) return gpus_of(a) < gpus_of(b);
    if (a.size() != b.size()) return a.size() < b.size();
    return a < b;
  });
  std::vector<Level> levels;
  for (const auto& m : all) {
    if (levels.empty() || std::llround(levels.back().cost * 1e6) != cost_key(m))
      levels.push_back(Level{cost_of(m), {}});
    levels.back().multisets.push_back(m);
  }
  return levels;
}

std::string tenants_key(const std::vector<Tenant>& tenants) {
  std::string key;
  for (const Tenant& t : tenants)
    key += std::to_string(t.workload) + "x" + std::to_string(t.processes) + "@" +
           std::to_string(t.mps_percentage) + ",";
  return key;
}

std::string gpu_key(const GpuPlan& g) {
  return std::string(g.passthrough ? "P" : "C") + tenants_key(g.tenants);
}

std::string device_key(const DevicePlan& d) {
  std::string key = std::to_string(d.option) + (d.mps ? "m" : "t") + "{";
  for (const GpuPlan& g : d.gpus) key += gpu_key(g) + "|";
  return key + "}";
}

// Puts interchangeable parts in one order: GPUs within a device (passthrough first, then by
// tenants, unused last) and devices of one option by content; names devices.
void canonicalize(Candidate& c, const PlanSpec& spec) {
  for (DevicePlan& d : c.devices) {
    std::stable_sort(d.gpus.begin(), d.gpus.end(), [](const GpuPlan& a, const GpuPlan& b) {
      auto rank = [](const GpuPlan& g) { return g.tenants.empty() ? 2 : (g.passthrough ? 0 : 1); };
      if (rank(a) != rank(b)) return rank(a) < rank(b);
      return gpu_key(a) < gpu_key(b);
    });
    if (!d.has_containers()) d.mps = false;
  }
  std::stable_sort(c.devices.begin(), c.devices.end(), [](const DevicePlan& a, const DevicePlan& b) {
    if (a.option != b.option) return a.option < b.option;
    return device_key(a) < device_key(b);
  });
  std::map<size_t, int> counter;
  for (DevicePlan& d : c.devices)
    d.name = spec.device_options[d.option].name + "-" + std::to_string(++counter[d.option]);
}

std::string candidate_key(const Candidate& c) {
  std::string key;
  for (const DevicePlan& d : c.devices) key += device_key(d) + ";";
  return key;
}

// MPS percentage vectors for the tenants of one GPU (one percentage per tenant, applying to each of
// its processes).
std::vector<std::vector<int>> mps_vectors(const Scenario& base, const PlanSpec& spec,
                                          const models::GpuProfile& profile, const GpuPlan& gpu,
                                          const std::vector<int>& total) {
  const size_t n = gpu.tenants.size();
  std::vector<std::vector<int>> out;
  if (spec.mps_percentages) return detail::percentage_vectors(*spec.mps_percentages, n);
  int processes = 0;
  for (const Tenant& t : gpu.tenants) processes += t.processes;
  // The device plugin's default: each replica gets 100/N.
  out.push_back(std::vector<int>(n, std::max(1, 100 / processes)));
  // Proportional to each process's offered GPU load (solo kernel time x its arrival rate).
  std::vector<double> load(n);
  double sum = 0;
  for (size_t i = 0; i < n; ++i) {
    const WorkloadSpec& w = base.workloads[gpu.tenants[i].workload];
    const auto rate = arrival_rate(w.arrivals);
    const double kernel = work_on(w, profile, 0).kernel_s;
    load[i] = rate ? *rate / total[gpu.tenants[i].workload] * kernel : 0.5;  // closed loop: half a GPU
    sum += load[i] * gpu.tenants[i].processes;
  }
  if (n >= 2 && sum > 0) {
    std::vector<int> prop(n);
    for (size_t i = 0; i < n; ++i)
      prop[i] = std::clamp(static_cast<int>(std::lround(100 * load[i] / sum)), 1, 100);
    out.push_back(prop);
    const size_t heavy = static_cast<size_t>(std::max_element(load.begin(), load.end()) - load.begin());
    const size_t light = static_cast<size_t>(std::min_element(load.begin(), load.end()) - load.begin());
    if (heavy != light) {
      for (int delta : {10, -10}) {
        std::vector<int> v = prop;
        v[heavy] = std::clamp(v[heavy] + delta, 1, 100);
        v[light] = std::clamp(v[light] - delta, 1, 100);
        out.push_back(v);
      }
    }
  } else if (processes > 1) {
    out.push_back(std::vector<int>(n, 100));  // one workload's replicas: also try them uncapped
  }
  std::vector<std::vector<int>> unique;
  for (auto& v : out)
    if (std::find(unique.begin(), unique.end(), v) == unique.end()) unique.push_back(v);
  return unique;
}

// A bound on the work of one level (candidates are cheap to screen, but not free to simulate).
constexpr size_t kMaxCandidatesPerLevel = 20000;

class Enumerator {
 public:
  Enumerator(const Scenario& base, const PlanSpec& spec, const std::vector<models::GpuProfile>& profiles,
             const detail::PlanConstraints& constraints)
      : base_(base), spec_(spec), profiles_(profiles), constraints_(constraints) {}

  // Candidates of one level, at most kMaxCandidatesPerLevel (then truncated() is true).
  std::vector<Candidate> level(const Level& level, size_t level_index) {
    std::vector<Candidate> out;
    std::set<std::string> seen;
    truncated_ = false;
    pruned_.clear();
    for (const auto& multiset : level.multisets) {
      std::vector<std::pair<size_t, size_t>> gpus;  // (device, gpu)
      for (size_t d = 0; d < multiset.size(); ++d)
        for (int g = 0; g < spec_.device_options[multiset[d]].gpus; ++g)
          gpus.emplace_back(d, static_cast<size_t>(g));
      const size_t n = base_.workloads.size();
      std::vector<int> replicas(n, spec_.replicas.min);
      while (true) {
        place(multiset, gpus, replicas, level, level_index, seen, out);
        size_t i = n;
        while (i > 0) {
          --i;
          if (replicas[i] < spec_.replicas.max) {
            ++replicas[i];
            for (size_t j = i + 1; j < n; ++j) replicas[j] = spec_.replicas.min;
            break;
          }
          if (i == 0) {
            i = n + 1;
            break;
          }
        }
        if (i == n + 1 || n == 0) break;
      }
    }
    for (size_t i = 0; i < out.size(); ++i) out[i].index = i;
    return out;
  }

 private:
  void place(const std::vector<size_t>& multiset, const std::vector<std::pair<size_t, size_t>>& gpus,
             const std::vector<int>& replicas, const Level& level, size_t level_index,
             std::set<std::string>& seen, std::vector<Candidate>& out) {
    const size_t n = base_.workloads.size();
    std::vector<std::vector<Tenant>> on_gpu(gpus.size());
    std::set<std::string> placements_seen;
    auto recurse = [&](auto&& self, size_t w) -> void {
      if (truncated_) return;
      if (w == n) {
        // Every device must host something: an idle device only adds cost.
        std::vector<bool> used(multiset.size(), false);
        for (size_t i = 0; i < gpus.size(); ++i)
          if (!on_gpu[i].empty()) used[gpus[i].first] = true;
        if (std::find(used.begin(), used.end(), false) != used.end()) return;
        Candidate base_candidate;
        base_candidate.level = level_index;
        base_candidate.cost = level.cost;
        for (size_t d = 0; d < multiset.size(); ++d) {
          DevicePlan plan;
          plan.option = multiset[d];
          plan.gpus.resize(static_cast<size_t>(spec_.device_options[multiset[d]].gpus));
          base_candidate.devices.push_back(std::move(plan));
        }
        for (size_t i = 0; i < gpus.size(); ++i)
          base_candidate.devices[gpus[i].first].gpus[gpus[i].second].tenants = on_gpu[i];
        Candidate canonical = base_candidate;
        canonicalize(canonical, spec_);
        if (!placements_seen.insert(candidate_key(canonical)).second) return;
        if (auto rule = detail::placement_rule_broken(constraints_, base_candidate)) {
          ++pruned_[*rule];
          return;
        }
        expand_policies(base_candidate, seen, out);
        return;
      }
      // Distribute replicas[w] processes over the GPUs (counts per GPU, lexicographically
      // largest first so that packed placements come first).
      const bool split_ok = splittable(base_.workloads[w].arrivals);
      std::vector<int> counts(gpus.size(), 0);
      auto distribute = [&](auto&& dself, size_t i, int left) -> void {
        if (i == gpus.size()) {
          if (left != 0) return;
          for (size_t k = 0; k < gpus.size(); ++k)
            if (counts[k] > 0) on_gpu[k].push_back(Tenant{w, counts[k], 0});
          self(self, w + 1);
          for (size_t k = 0; k < gpus.size(); ++k)
            if (counts[k] > 0) on_gpu[k].pop_back();
          return;
        }
        for (int c = left; c >= 0; --c) {
          if (c > 0 && c < replicas[w] && !split_ok) continue;
          counts[i] = c;
          dself(dself, i + 1, left - c);
        }
        counts[i] = 0;
      };
      distribute(distribute, 0, replicas[w]);
    };
    recurse(recurse, 0);
  }

  void expand_policies(const Candidate& placed, std::set<std::string>& seen, std::vector<Candidate>& out) {
    // Per device: the set of device plans (passthrough choice per single-process GPU x mode).
    std::vector<std::vector<DevicePlan>> per_device;
    for (const DevicePlan& d : placed.devices) {
      std::vector<DevicePlan> choices;
      std::vector<size_t> single;
      for (size_t g = 0; g < d.gpus.size(); ++g) {
        int processes = 0;
        for (const Tenant& t : d.gpus[g].tenants) processes += t.processes;
        if (processes == 1) single.push_back(g);
      }
      // Passthrough where the device's policies allow it or a pinned workload needs it, and the
      // target has GPU VMs; every choice is then checked against the constraints.
      const bool pinned = std::any_of(d.gpus.begin(), d.gpus.end(), [&](const GpuPlan& g) {
        return std::any_of(g.tenants.begin(), g.tenants.end(),
                           [&](const Tenant& t) { return constraints_.pinned[t.workload]; });
      });
      const bool may_pass = models::target_capabilities(spec_.target).gpu_vms &&
                            (spec_.allows(d.option, PlanPolicy::kPassthrough) || pinned);
      const size_t subsets = may_pass ? (size_t{1} << single.size()) : 1;
      for (size_t mask = 0; mask < subsets; ++mask) {
        DevicePlan p = d;
        for (size_t b = 0; b < single.size(); ++b) p.gpus[single[b]].passthrough = (mask >> b) & 1;
        auto keep = [&](const DevicePlan& choice) {
          if (auto rule = detail::policy_rule_broken(constraints_, spec_, choice)) {
            ++pruned_[*rule];
          } else {
            choices.push_back(choice);
          }
        };
        if (!p.has_containers()) {
          keep(p);
          continue;
        }
        if (spec_.allows(d.option, PlanPolicy::kTimeSlicing)) {
          p.mps = false;
          keep(p);
        }
        // On the stock plugin one process per GPU needs no sharing config, so MPS there is the
        // exclusive GPU time-slicing already stands for.
        const bool plugin_unshared = spec_.target == models::DeployTarget::kKubernetesDevicePlugin &&
                                     detail::device_replicas(p) < models::device_plugin::kMinReplicas;
        if (spec_.allows(d.option, PlanPolicy::kMps) &&
            !(plugin_unshared && spec_.allows(d.option, PlanPolicy::kTimeSlicing))) {
          p.mps = true;
          keep(p);
        }
      }
      if (choices.empty()) return;
      per_device.push_back(std::move(choices));
    }
    const std::vector<int> total = processes_per_workload(base_, placed);
    std::vector<size_t> pick(per_device.size(), 0);
    while (true) {
      Candidate c = placed;
      for (size_t d = 0; d < per_device.size(); ++d) c.devices[d] = per_device[d][pick[d]];
      expand_mps(c, total, seen, out);
      size_t i = 0;
      while (i < pick.size() && ++pick[i] == per_device[i].size()) pick[i++] = 0;
      if (i == pick.size()) break;
    }
  }

  void expand_mps(const Candidate& c, const std::vector<int>& total, std::set<std::string>& seen,
                  std::vector<Candidate>& out) {
    std::vector<std::pair<size_t, size_t>> mps_gpus;
    std::vector<std::vector<std::vector<int>>> vectors;
    for (size_t d = 0; d < c.devices.size(); ++d) {
      const DevicePlan& dev = c.devices[d];
      if (!dev.mps) continue;
      for (size_t g = 0; g < dev.gpus.size(); ++g) {
        if (dev.gpus[g].passthrough || dev.gpus[g].tenants.empty()) continue;
        mps_gpus.emplace_back(d, g);
        vectors.push_back(spec_.target == models::DeployTarget::kKubernetesDevicePlugin
                              ? detail::plugin_mps_vectors(spec_, dev.gpus[g], detail::device_replicas(dev))
                              : mps_vectors(base_, spec_, profiles_[dev.option], dev.gpus[g], total));
      }
    }
    std::vector<size_t> pick(vectors.size(), 0);
    while (true) {
      Candidate v = c;
      for (size_t i = 0; i < mps_gpus.size(); ++i) {
        auto& tenants = v.devices[mps_gpus[i].first].gpus[mps_gpus[i].second].tenants;
        for (size_t t = 0; t < tenants.size(); ++t) tenants[t].mps_percentage = vectors[i][pick[i]][t];
      }
      canonicalize(v, spec_);
      if (seen.insert(candidate_key(v)).second) {
        if (out.size() >= kMaxCandidatesPerLevel) {
          truncated_ = true;
          return;
        }
        out.push_back(std::move(v));
      }
      size_t i = 0;
      while (i < pick.size() && ++pick[i] == vectors[i].size()) pick[i++] = 0;
      if (i == pick.size()) break;
    }
  }

  const Scenario& base_;
  const PlanSpec& spec_;
  const std::vector<models::GpuProfile>& profiles_;
  const detail::PlanConstraints& constraints_;
  bool truncated_ = false;
  std::map<std::string, size_t> pruned_;

 public:
  [[nodiscard]] bool truncated() const { return truncated_; }
  [[nodiscard]] const std::map<std::string, size_t>& pruned() const { return pruned_; }
};

Evaluation simulate(const Scenario& base, const PlanSpec& spec, const Candidate& c) {
  Evaluation e;
  auto report = scenarios::run_scenario(candidate_scenario(base, spec, c));
  if (!report) {
    e.state = Evaluation::State::kError;
    e.reason = report.error().to_string();
    e.margin = -std::numeric_limits<double>::infinity();
    return e;
  }
  e.state = Evaluation::State::kSimulated;
  e.feasible = !report->interrupted;
  for (const auto& gpu : report->gpus) {
    for (const auto& p : gpu.processes) {
      if (p.failed && e.reason.empty()) {
        e.reason = "process of '" + p.workload + "' failed: " + p.failure;
        e.feasible = false;
      }
    }
  }
  double margin = std::numeric_limits<double>::infinity();
  for (const models::WorkloadStats& ws : report->workloads) {
    for (const models::SloCheck& check : ws.slo) {
      CheckOutcome o;
      o.workload = ws.name;
      o.metric = std::string(models::slo_metric_name(check.metric));
      if (check.metric == models::SloMetric::kMinThroughput) {
        o.target = check.throughput_target_per_s;
        o.measured = check.throughput_measured_per_s;
        o.margin = o.target > 0 ? (o.measured - o.target) / o.target : 0;
      } else {
        o.target = check.latency_target.seconds();
        o.measured = check.latency_measured == sim::Time::max() ? std::numeric_limits<double>::infinity()
                                                                : check.latency_measured.seconds();
        o.margin = o.target > 0 ? (o.target - o.measured) / o.target : 0;
      }
      // plan.headroom: a check holds only with at least that margin.
      o.met = check.met && (spec.headroom <= 0 || o.margin >= spec.headroom);
      if (!o.met) e.feasible = false;
      margin = std::min(margin, o.margin);
      e.checks.push_back(std::move(o));
    }
  }
  e.margin = e.checks.empty() ? 0 : margin;
  if (!e.feasible && e.reason.empty()) {
    for (const CheckOutcome& o : e.checks) {
      if (!o.met) {
        e.reason = "'" + o.workload + "' misses " + o.metric +
                   (o.margin >= 0 ? " by the headroom (margin " + fmt("%.1f", o.margin * 100) + " % < " +
                                        fmt("%.0f", spec.headroom * 100) + " %)"
                                  : "");
        break;
      }
    }
  }
  return e;
}

// Why the problem cannot be solved whatever the search does, one line per workload.
std::vector<std::string> hopeless_workloads(const Scenario& base, const PlanSpec& spec,
                                            const std::vector<models::GpuProfile>& profiles) {
  std::vector<std::string> out;
  int max_gpus_per_device = 0;
  int64_t most_memory = 0;
  std::string most_memory_profile;
  for (size_t o = 0; o < profiles.size(); ++o) {
    max_gpus_per_device = std::max(max_gpus_per_device, spec.device_options[o].gpus);
    if (profiles[o].memory_usable_bytes > most_memory) {
      most_memory = profiles[o].memory_usable_bytes;
      most_memory_profile = profiles[o].name;
    }
  }
  const int gpus_reachable = std::min(spec.replicas.max, spec.max_devices * max_gpus_per_device);
  for (const WorkloadSpec& w : base.workloads) {
    if (w.memory_bytes > most_memory) {
      out.push_back("workload '" + w.name + "': its memory (" +
                    bytes_text(static_cast<double>(w.memory_bytes)) +
                    " per process) exceeds a GPU's usable memory (" +
                    bytes_text(static_cast<double>(most_memory)) + " on '" + most_memory_profile + "')");
      continue;
    }
    const auto rate = arrival_rate(w.arrivals);
    if (!rate) continue;
    if (w.slo.min_throughput_per_s && *w.slo.min_throughput_per_s > *rate * 1.000001) {
      out.push_back("workload '" + w.name + "': its SLO asks for " +
                    fmt("%.6g", *w.slo.min_throughput_per_s) + " requests/s but its arrivals offer only " +
                    fmt("%.6g", *rate) + "/s");
      continue;
    }
    // The weakest bound any allowed policy on any option gives.
    double best_gpu = std::numeric_limits<double>::infinity(), best_serial = best_gpu;
    for (const auto& profile : profiles) {
      const RequestWork full = work_on(w, profile, 0);
      best_serial = std::min(best_serial, full.serial_s());
      if (spec.allows(PlanPolicy::kMps)) {
        best_gpu = std::min(best_gpu, std::max({full.sm_seconds, full.dram_s, full.h2d_s, full.d2h_s}));
      }
      if (spec.allows(PlanPolicy::kPassthrough) || spec.allows(PlanPolicy::kTimeSlicing)) {
        best_gpu =
            std::min(best_gpu, profile.timeslice_copies_overlap && !spec.allows(PlanPolicy::kPassthrough)
                                   ? full.kernel_s
                                   : full.gpu_serial_s());
      }
    }
    const double load = *rate * best_gpu;
    // Arrivals that cannot be split keep every replica on one GPU.
    const int reachable = splittable(w.arrivals) ? gpus_reachable : 1;
    if (load > reachable) {
      out.push_back("workload '" + w.name + "': its offered load alone (" + fmt("%.6g", *rate) +
                    " requests/s x " + fmt("%.4g", best_gpu * 1e3) +
                    " ms of GPU work = " + fmt("%.3f", load) + " GPUs) exceeds the " +
                    std::to_string(reachable) + " GPU(s) its at most " + std::to_string(spec.replicas.max) +
                    " replica(s) on at most " + std::to_string(spec.max_devices) + " device(s) can use" +
                    (splittable(w.arrivals) ? "" : " (its arrivals cannot be split across GPUs)"));
      continue;
    }
    if (*rate / spec.replicas.max * best_serial > 1) {
      out.push_back("workload '" + w.name + "': each of its at most " + std::to_string(spec.replicas.max) +
                    " replica(s) serves one request at a time taking " + fmt("%.4g", best_serial * 1e3) +
                    " ms, so they serve at most " + fmt("%.6g", spec.replicas.max / best_serial) +
                    " requests/s, less than the " + fmt("%.6g", *rate) + "/s offered");
    }
  }
  return out;
}

}  // namespace

void decide(PlanResult& result) {
  result.chosen.reset();
  for (size_t l = 0; l < result.levels.size() && !result.chosen; ++l) {
    const LevelResult& level = result.levels[l];
    for (size_t i = 0; i < level.evaluations.size(); ++i) {
      const Evaluation& e = level.evaluations[i];
      if (!e.feasible) continue;
      if (!result.chosen || e.margin > level.evaluations[result.chosen->second].margin)
        result.chosen = {l, i};
    }
    if (result.chosen) result.levels.resize(l + 1);
  }
  result.candidates = result.screened_out = result.simulated = 0;
  for (const LevelResult& level : result.levels) {
    result.candidates += level.candidates.size();
    for (const Evaluation& e : level.evaluations) {
      if (e.state == Evaluation::State::kScreenedOut) ++result.screened_out;
      if (e.state == Evaluation::State::kSimulated || e.state == Evaluation::State::kError)
        ++result.simulated;
    }
  }
  if (!result.chosen && result.infeasible.empty()) {
    result.infeasible.push_back(
        "no configuration of the device options within the plan's limits meets every SLO "
        "(see the alternatives for what each policy misses)");
  }
}

Result<PlanResult> plan(const PlanInput& input, const PlanOptions& options) {
  if (!input.spec) {
    return Error{input.scenario.file, 0, 0, "plan",
                 "expected a `plan:` section (device_options, max_devices, policies, ...), found none"};
  }
  const Scenario& base = input.scenario;
  const PlanSpec& spec = *input.spec;
  auto profiles = option_profiles(base, spec);
  if (!profiles) return profiles.error();
  PlanResult result;
  result.infeasible = hopeless_workloads(base, spec, *profiles);
  if (!result.infeasible.empty()) return result;

  const int max_useful_devices = spec.replicas.max * static_cast<int>(base.workloads.size());
  const std::vector<Level> levels = make_levels(spec, max_useful_devices);
  auto constraints = detail::resolve_constraints(base, spec);
  if (!constraints) return constraints.error();
  Enumerator enumerator(base, spec, *profiles, *constraints);
  const int jobs = std::max(1, options.jobs);
  for (size_t l = 0; l < levels.size(); ++l) {
    LevelResult level;
    level.cost = levels[l].cost;
    level.candidates = enumerator.level(levels[l], l);
    level.truncated = enumerator.truncated();
    level.pruned = enumerator.pruned();
    level.evaluations.resize(level.candidates.size());
    std::vector<size_t> to_simulate;
    for (size_t i = 0; i < level.candidates.size(); ++i) {
      if (static_cast<int>(i % static_cast<size_t>(options.shard_count)) != options.shard_index) continue;
      if (auto why = screen_with(base, spec, *profiles, level.candidates[i])) {
        level.evaluations[i].state = Evaluation::State::kScreenedOut;
        level.evaluations[i].reason = *why;
      } else {
        to_simulate.push_back(i);
      }
    }
    // Each simulation is independent and single-threaded; results go to their candidate's slot.
    std::atomic<size_t> next{0};
    auto worker = [&] {
      for (size_t k = next++; k < to_simulate.size(); k = next++) {
        const size_t i = to_simulate[k];
        level.evaluations[i] = simulate(base, spec, level.candidates[i]);
      }
    };
    std::vector<std::thread> threads;
    for (int t = 1; t < std::min<int>(jobs, static_cast<int>(to_simulate.size())); ++t)
      threads.emplace_back(worker);
    worker();
    for (auto& t : threads) t.join();
    const bool found = std::any_of(level.evaluations.begin(), level.evaluations.end(),
                                   [](const Evaluation& e) { return e.feasible; });
    result.levels.push_back(std::move(level));
    if (found) break;
  }
  if (options.shard_count == 1) {
    decide(result);
    detail::explain_choice(input, result);
  }
  return result;
}

Result<PlanResult> merge_shards(const PlanInput& input, std::vector<ShardData> shards) {
  if (shards.empty()) return make_error("expected at least one shard, found none");
  const int count = shards.front().shard_count;
  std::vector<const ShardData*> by_index(static_cast<size_t>(count), nullptr);
  for (const ShardData& s : shards) {
    if (s.shard_count != count) {
      return make_error("expected shards of one run (" + std::to_string(count) + " shards), found shard " +
                        std::to_string(s.shard_index) + "/" + std::to_string(s.shard_count));
    }
    if (s.path != shards.front().path || s.overrides != shards.front().overrides) {
      return make_error("expected shards of one scenario, found '" + s.path + "' and '" +
                        shards.front().path + "'");
    }
    if (by_index[static_cast<size_t>(s.shard_index)] != nullptr) {
      return make_error("expected each shard once, found shard " + std::to_string(s.shard_index) + " twice");
    }
    by_index[static_cast<size_t>(s.shard_index)] = &s;
  }
  for (int i = 0; i < count; ++i) {
    if (by_index[static_cast<size_t>(i)] == nullptr) {
      return make_error("expected shards 0.." + std::to_string(count - 1) + ", shard " + std::to_string(i) +
                        " is missing");
    }
  }
  // Re-enumerate (deterministic) and take each candidate's evaluation from the shard that owns it.
  PlanOptions none;
  none.shard_count = 1;
  auto profiles = option_profiles(input.scenario, *input.spec);
  if (!profiles) return profiles.error();
  PlanResult merged;
  merged.infeasible = hopeless_workloads(input.scenario, *input.spec, *profiles);
  if (!merged.infeasible.empty()) return merged;
  const int max_useful_devices = input.spec->replicas.max * static_cast<int>(input.scenario.workloads.size());
  const std::vector<Level> levels = make_levels(*input.spec, max_useful_devices);
  // A shard stops after the first level where it found a feasible candidate; the plan's level is
  // the earliest such, and every shard evaluated it in full (each went on until its own stop).
  size_t last = levels.size();
  for (const ShardData& s : shards) {
    for (size_t l = 0; l < s.result.levels.size(); ++l) {
      const auto& ev = s.result.levels[l].evaluations;
      if (std::any_of(ev.begin(), ev.end(), [](const Evaluation& e) { return e.feasible; }))
        last = std::min(last, l + 1);
    }
  }
  auto constraints = detail::resolve_constraints(input.scenario, *input.spec);
  if (!constraints) return constraints.error();
  Enumerator enumerator(input.scenario, *input.spec, *profiles, *constraints);
  for (size_t l = 0; l < last; ++l) {
    LevelResult level;
    level.cost = levels[l].cost;
    level.candidates = enumerator.level(levels[l], l);
    level.truncated = enumerator.truncated();
    level.pruned = enumerator.pruned();
    level.evaluations.resize(level.candidates.size());
    for (size_t i = 0; i < level.candidates.size(); ++i) {
      const ShardData& owner = *by_index[i % static_cast<size_t>(count)];
      if (l >= owner.result.levels.size() || i >= owner.result.levels[l].evaluations.size()) {
        return make_error("shard " + std::to_string(owner.shard_index) + " did not evaluate level " +
                          std::to_string(l) + " (was it cut short, or made from another scenario?)");
      }
      level.evaluations[i] = owner.result.levels[l].evaluations[i];
    }
    merged.levels.push_back(std::move(level));
  }
  decide(merged);
  detail::explain_choice(input, merged);
  return merged;
}

}  // namespace sharesim::planner
