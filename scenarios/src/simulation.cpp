#include "sharesim/scenarios/simulation.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <type_traits>
#include <utility>

#include "sharesim/models/device.h"
#include "sharesim/models/gpu_profile.h"

namespace sharesim::scenarios {

namespace {

Error error_at(const SourceLocation& where, std::string message) {
  return Error{.file = where.file,
               .line = where.line,
               .column = where.column,
               .field = where.field,
               .message = std::move(message)};
}

std::vector<models::GpuConsumerRequest> consumer_requests(const DeviceSpec& device) {
  std::vector<models::GpuConsumerRequest> requests;
  for (const SetupStep& step : device.setup) {
    std::visit(
        [&](const auto& s) {
          using T = std::decay_t<decltype(s)>;
          if constexpr (std::is_same_v<T, VmSetup>) {
            requests.emplace_back(models::GpuVmRequest{s.name, s.size, s.os, s.gpu_extension});
          } else if constexpr (std::is_same_v<T, KubernetesSetup>) {
            requests.emplace_back(models::KubernetesRequest{});
          } else {
            requests.emplace_back(models::IotEdgeRequest{});
          }
        },
        step);
  }
  return requests;
}

const SourceLocation& step_location(const SetupStep& step) {
  return std::visit([](const auto& s) -> const SourceLocation& { return s.where; }, step);
}

// The claim rules applied to one device; a VM that cannot be created is an input error.
Result<models::DeviceClaims> claim_device(const DeviceSpec& device, std::vector<std::string>* warnings) {
  auto claims = models::claim_gpus(device.gpus, consumer_requests(device));
  if (!claims)
    return claims.error().at(device.where.file, device.where.line, device.where.column, device.where.field);
  for (const models::GpuConsumerClaim& c : claims->consumers) {
    const SourceLocation& where = step_location(device.setup[c.step]);
    if (!c.created) return error_at(where, c.failure);
    if (warnings) {
      for (const std::string& w : c.warnings) warnings->push_back(device.name + ": " + c.name + ": " + w);
    }
  }
  return claims;
}

models::SharingPolicy container_policy(ContainerSharing sharing) {
  return sharing == ContainerSharing::kMps ? models::SharingPolicy::kMps
                                           : models::SharingPolicy::kTimeSlicing;
}

// One replica's CUDA process as the workload sees it.
class ProcessEndpoint final : public models::GpuEndpoint {
 public:
  ProcessEndpoint(models::GpuModel* gpu, std::optional<models::ProcessId> process)
      : gpu_(gpu), process_(process) {}
  void submit(std::vector<models::GpuOp> ops, models::Completion done) override {
    gpu_->submit(*process_, 0, std::move(ops), done);
  }
  [[nodiscard]] bool failed() const override { return !process_ || gpu_->failed(*process_); }

 private:
  models::GpuModel* gpu_;
  std::optional<models::ProcessId> process_;  // nullopt: the process could not start
};

// Everything of one GPU during a run.
struct GpuSlot {
  std::string device;
  int index = 0;
  std::string claimed_by;
  const models::GpuProfile* profile = nullptr;
  std::optional<models::SharingPolicy> policy;
  std::unique_ptr<models::GpuModel> model;
  std::vector<ProcessReport> processes;
  std::vector<std::optional<models::ProcessId>> process_ids;
  int process_count = 0;  // for spreading replicas
};

// "" while the workloads hold at most `limit` requests in flight; otherwise why the run stops,
// naming the workload that holds the most.
std::string requests_in_flight_limit(const std::vector<std::unique_ptr<models::Workload>>& workloads,
                                     uint64_t limit) {
  uint64_t total = 0;
  size_t largest = 0;
  for (size_t i = 0; i < workloads.size(); ++i) {
    total += workloads[i]->requests_in_flight();
    if (workloads[i]->requests_in_flight() > workloads[largest]->requests_in_flight()) largest = i;
  }
  if (total <= limit) return "";
  char message[400];
  std::snprintf(message, sizeof message,
                "more than %.3g requests were in flight (workload '%s' holds %.3g: its arrivals outpace its "
                "service, so its queue grows without bound)",
                static_cast<double>(limit), workloads[largest]->options().name.c_str(),
                static_cast<double>(workloads[largest]->requests_in_flight()));
  return message;
}

}  // namespace

LoadOptions default_load_options(std::vector<std::string> overrides) {
  LoadOptions options;
  options.overrides = std::move(overrides);
  options.check_device = [](const DeviceSpec& device) -> Status {
    auto claims = claim_device(device, nullptr);
    if (!claims) return claims.error();
    return Ok{};
  };
  options.gpu_throughput = [](const std::string& name_or_path,
                              const std::string& base_dir) -> std::optional<GpuThroughput> {
    auto profile = models::resolve_gpu_profile(name_or_path, base_dir);
    if (!profile) return std::nullopt;
    return GpuThroughput{profile->sm_count,
                         profile->boost_clock_mhz * profile->sustained_clock_factor / 1000.0,
                         profile->dram_bandwidth_nominal / 1e9};
  };
  options.sm_limits = [](const std::string& name_or_path,
                         const std::string& base_dir) -> std::optional<SmLimits> {
    auto profile = models::resolve_gpu_profile(name_or_path, base_dir);
    if (!profile) return std::nullopt;
    return SmLimits{profile->sm_count, profile->max_threads_per_sm, profile->max_blocks_per_sm};
  };
  return options;
}

Result<RunReport> run_scenario(const Scenario& scenario, const RunOptions& options) {
  RunReport report;
  report.scenario_name = scenario.name;
  report.scenario_file = scenario.file;
  report.seed = scenario.seed;
  report.duration = scenario.duration;
  report.warmup = scenario.warmup;
  const std::string base_dir = scenario_base_dir(scenario.file);

  sim::Simulator sim;

  // ---- Devices: profiles, claims, one slot per GPU --------------------------------------------------
  std::vector<std::unique_ptr<models::GpuProfile>> profiles;
  std::vector<models::DeviceClaims> claims;
  std::vector<std::vector<GpuSlot>> slots;  // [device][gpu]
  std::map<std::string, size_t> device_index;
  for (const DeviceSpec& device : scenario.devices) {
    auto profile = models::resolve_gpu_profile(device.gpu_profile, base_dir);
    if (!profile) {
      // An error inside the profile file keeps that file's own location (a scenario line next to
      // the profile's file name would point nowhere); a missing or unknown profile is located at
      // the scenario's gpu_profile key.
      if (!profile.error().file.empty() && profile.error().file != device.where.file) return profile.error();
      return profile.error().at(device.where.file, device.where.line, device.where.column,
                                device.where.field + ".gpu_profile");
    }
    profiles.push_back(std::make_unique<models::GpuProfile>(std::move(*profile)));
    auto claim = claim_device(device, &report.warnings);
    if (!claim) return claim.error();
    device_index[device.name] = claims.size();
    std::vector<GpuSlot> gpus(static_cast<size_t>(device.gpus));
    for (int g = 0; g < device.gpus; ++g) {
      gpus[static_cast<size_t>(g)].device = device.name;
      gpus[static_cast<size_t>(g)].index = g;
      gpus[static_cast<size_t>(g)].profile = profiles.back().get();
    }
    for (const models::GpuConsumerClaim& c : claim->consumers) {
      // IoT Edge uses the Kubernetes GPUs: the GPU stays claimed by the first consumer holding it.
      for (int g : c.gpus) {
        if (gpus[static_cast<size_t>(g)].claimed_by.empty()) gpus[static_cast<size_t>(g)].claimed_by = c.name;
      }
    }
    claims.push_back(std::move(*claim));
    slots.push_back(std::move(gpus));
  }

  // ---- Workloads: each replica a process on one GPU ------------------------------------------------
  struct Placement {
    GpuSlot* gpu = nullptr;
    size_t process_slot = 0;
  };
  std::vector<std::vector<Placement>> placements(scenario.workloads.size());
  for (size_t w = 0; w < scenario.workloads.size(); ++w) {
    const WorkloadSpec& spec = scenario.workloads[w];
    const auto located = [&](const std::string& message) { return error_at(spec.where, message); };
    const size_t d = device_index.at(spec.device);
    const DeviceSpec& device = scenario.devices[d];
    const models::DeviceClaims& claim = claims[d];
    models::SharingPolicy policy;
    std::vector<int> candidate_gpus;
    if (spec.runtime == RuntimeKind::kVm) {
      const models::GpuConsumerClaim* vm = claim.find(spec.vm);
      if (!vm) return located("no VM named '" + spec.vm + "' in the setup of device '" + device.name + "'");
      if (auto usable = models::check_vm_gpu_use(*vm); !usable) return located(usable.error().message);
      policy = models::SharingPolicy::kPassthrough;
      candidate_gpus = vm->gpus;
    } else {
      const bool iot = spec.runtime == RuntimeKind::kIotEdge;
      const models::GpuConsumerClaim* consumer = nullptr;
      for (const auto& c : claim.consumers) {
        if ((c.kind == models::GpuConsumerKind::kKubernetes) ||
            (iot && c.kind == models::GpuConsumerKind::kIotEdge)) {
          if (!consumer || (iot && c.kind == models::GpuConsumerKind::kIotEdge)) consumer = &c;
        }
      }
      if (!consumer) {
        return located(std::string("runtime '") + (iot ? "iot-edge" : "kubernetes") + "' but device '" +
                       device.name + "' has no " + (iot ? "IoT Edge or Kubernetes" : "Kubernetes") +
                       " step in its setup");
      }
      models::ModuleGpuRequest request;
      if (auto it = spec.env.find("NVIDIA_VISIBLE_DEVICES"); it != spec.env.end()) {
        request.visible_devices = it->second;
      } else {
        request.gpu_count = 1.0;  // a GPU workload asks for one GPU (the deployment's GPU count)
      }
      auto gpu = models::assign_module_gpu(request, *consumer, device.gpus);
      if (!gpu) return located(gpu.error().message);
      if (!*gpu) {
        return located("NVIDIA_VISIBLE_DEVICES gives this module no GPU, but its requests run GPU work");
      }
      policy = container_policy(device.sharing);
      if (request.visible_devices) {
        candidate_gpus = {**gpu};
      } else {
        candidate_gpus = consumer->gpus;
      }
    }
    for (int r = 0; r < spec.replicas; ++r) {
      // The candidate GPU with the fewest processes so far; ties to the lowest index.
      GpuSlot* best = nullptr;
      for (int g : candidate_gpus) {
        GpuSlot& slot = slots[d][static_cast<size_t>(g)];
        if (!best || slot.process_count < best->process_count) best = &slot;
      }
      if (best->policy && *best->policy != policy) {
        return located("GPU " + std::to_string(best->index) + " of device '" + device.name +
                       "' already runs " + std::string(models::sharing_policy_name(*best->policy)) +
                       " work; a GPU has one sharing mode");
      }
      best->policy = policy;
      ++best->process_count;
      ProcessReport process;
      process.workload = spec.name;
      process.replica = r;
      process.memory_bytes = spec.memory_bytes;
      process.mps_active_thread_percentage =
          policy == models::SharingPolicy::kMps ? spec.mps_active_thread_percentage : std::nullopt;
      best->processes.push_back(process);
      placements[w].push_back({best, best->processes.size() - 1});
    }
  }

  // ---- Start the GPUs and their processes ------------------------------------------------------------
  for (auto& device_slots : slots) {
    for (GpuSlot& slot : device_slots) {
      if (!slot.policy) continue;
      slot.model = std::make_unique<models::GpuModel>(sim, *slot.profile, *slot.policy,
                                                      slot.device + "/" + std::to_string(slot.index));
      slot.model->set_sample_window(scenario.utilization_window);
      for (ProcessReport& p : slot.processes) {
        const WorkloadSpec* spec = nullptr;
        for (const auto& ws : scenario.workloads) {
          if (ws.name == p.workload) spec = &ws;
        }
        models::ProcessSpec ps;
        ps.name = p.workload + "/" + std::to_string(p.replica);
        ps.memory_bytes = p.memory_bytes;
        ps.mps_active_thread_percentage = p.mps_active_thread_percentage;
        if (*slot.policy == models::SharingPolicy::kMps)
          ps.mps_pinned_mem_limit = spec->mps_pinned_mem_limit_bytes;
        auto id = slot.model->start_process(ps);
        if (!id) {
          if (*slot.policy == models::SharingPolicy::kPassthrough) {
            return error_at(spec->where, "cannot start '" + ps.name + "' on GPU " +
                                             std::to_string(slot.index) + " of device '" + slot.device +
                                             "': " + id.error().message);
          }
          p.failed = true;
          p.failure = id.error().message;
          slot.process_ids.emplace_back();
        } else {
          slot.process_ids.emplace_back(*id);
          p.sm_cap = slot.model->sm_cap(*id);
        }
      }
      if (options.gpu_observer) {
        GpuReport so_far;
        so_far.device = slot.device;
        so_far.index = slot.index;
        so_far.claimed_by = slot.claimed_by;
        so_far.policy = std::string(models::sharing_policy_name(*slot.policy));
        so_far.profile = slot.profile->name;
        so_far.sm_count = slot.profile->sm_count;
        so_far.memory_total_bytes = slot.profile->memory_usable_bytes;
        so_far.in_use = true;
        so_far.processes = slot.processes;
        if (models::GpuObserver* observer = options.gpu_observer(so_far, slot.process_ids)) {
          slot.model->set_observer(observer);
        }
      }
    }
  }

  // ---- Workloads ------------------------------------------------------------------------------------------
  std::vector<std::unique_ptr<ProcessEndpoint>> endpoints;
  std::vector<std::unique_ptr<models::Workload>> workloads;
  const sim::HandlerId fault_handler = sim.add_handler(
      [&](uint64_t payload) { workloads[payload >> 32]->on_replica_failed(payload & 0xFFFFFFFFu); });
  for (size_t w = 0; w < scenario.workloads.size(); ++w) {
    const WorkloadSpec& spec = scenario.workloads[w];
    std::vector<models::GpuEndpoint*> replicas;
    for (size_t r = 0; r < placements[w].size(); ++r) {
      const Placement& p = placements[w][r];
      const auto& id = p.gpu->process_ids[p.process_slot];
      endpoints.push_back(std::make_unique<ProcessEndpoint>(p.gpu->model.get(), id));
      replicas.push_back(endpoints.back().get());
      if (id)
        p.gpu->model->set_fault_listener(*id, models::Completion{fault_handler, (uint64_t{w} << 32) | r});
    }
    models::WorkloadOptions wo;
    wo.name = spec.name;
    wo.seed = scenario.seed;
    wo.arrivals = spec.arrivals;
    wo.request = spec.request;
    wo.batching = spec.batching.value_or(models::BatchingSpec{});
    wo.slo = spec.slo;
    wo.warmup = scenario.warmup;
    workloads.push_back(std::make_unique<models::Workload>(sim, std::move(wo), std::move(replicas)));
    if (options.request_observer) {
      workloads.back()->set_request_observer(
          [&observer = options.request_observer, name = spec.name](const models::RequestRecord& record) {
            observer(name, record);
          });
    }
  }

  // ---- Run
  // -------------------------------------------------------------------------------------------------
  const sim::HandlerId warmup_handler = sim.add_handler([&](uint64_t) {
    for (auto& device_slots : slots) {
      for (GpuSlot& slot : device_slots) {
        if (slot.model) slot.model->reset_statistics();
      }
    }
  });
  if (scenario.warmup > sim::Time::zero()) sim.schedule_at(scenario.warmup, warmup_handler);
  for (auto& workload : workloads) workload->start();

  // Run in slices of simulated time so that a stop request (signal, budget) is seen promptly, and
  // so that a run whose work is all done (a trace that ended and drained) ends at the next slice
  // boundary instead of idling to `duration`.
  const sim::Time slice = std::max(sim::Time::ms(1), scenario.duration.scaled(1.0 / 1000.0));
  // A dense scenario can execute billions of events in one slice; so that a stop request is
  // still seen within about a second, each slice runs in sub-steps that shrink when one executes
  // more than kMaxEventsPerStep events and grow back when it executes few. Stopping between events
  // changes nothing (run_until only moves the clock), so results do not depend on the sub-steps.
  constexpr uint64_t kMaxEventsPerStep = 1'000'000;
  sim::Time step = std::max(sim::Time::us(1), slice.scaled(1.0 / 1024.0));
  bool ended = false;
  while (!ended) {
    const sim::Time until = std::min(scenario.duration, sim.now() + slice);
    bool stop = false;
    while (sim.now() < until && !stop) {
      const uint64_t before = sim.events_executed();
      sim.run_until(std::min(until, sim.now() + step));
      const uint64_t executed = sim.events_executed() - before;
      if (executed > kMaxEventsPerStep) {
        step = std::max(sim::Time::us(1), step.scaled(0.5));
      } else if (executed < kMaxEventsPerStep / 8) {
        step = std::min(slice, step + step);
      }
      stop = sim.now() < until && options.should_stop && options.should_stop();
      if (!stop && sim.now() < scenario.duration) {
        report.stopped_by_limit = requests_in_flight_limit(workloads, options.max_requests_in_flight);
        stop = !report.stopped_by_limit.empty();
      }
    }
    if (options.on_progress) options.on_progress(sim.now(), sim.events_executed());
    if (!stop && (sim.pending() == 0 || until >= scenario.duration)) ended = true;
    if (!ended && (stop || (options.should_stop && options.should_stop()))) {
      report.interrupted = true;
      ended = true;
    }
  }
  report.ended_at = sim.now();
  report.events = sim.events_executed();

  // ---- Collect --------------------------------------------------------------------------------------------
  for (auto& workload : workloads) {
    report.workloads.push_back(workload->collect());
    report.slo_met = report.slo_met && report.workloads.back().slo_met;
  }
  for (auto& device_slots : slots) {
    for (GpuSlot& slot : device_slots) {
      GpuReport g;
      g.device = slot.device;
      g.index = slot.index;
      g.claimed_by = slot.claimed_by;
      g.profile = slot.profile->name;
      g.sm_count = slot.profile->sm_count;
      g.memory_total_bytes = slot.profile->memory_usable_bytes;
      if (slot.model) {
        g.in_use = true;
        g.policy = std::string(models::sharing_policy_name(*slot.policy));
        g.metrics = slot.model->metrics();
        g.faults = slot.model->faults();
        report.kernels += g.metrics.kernels_completed;
        for (size_t i = 0; i < slot.processes.size(); ++i) {
          ProcessReport& p = slot.processes[i];
          const auto& id = slot.process_ids[i];
          if (id && slot.model->failed(*id)) {
            p.failed = true;
            for (const auto& f : g.faults) {
              if (f.process == *id) p.failure = f.reason;
            }
          }
        }
      }
      g.processes = slot.processes;
      report.gpus.push_back(std::move(g));
    }
  }
  return report;
}

}  // namespace sharesim::scenarios
