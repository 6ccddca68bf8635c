// The steps of run_scenario (run_scenario.cpp runs them in this order) and the state they pass
// on. Private to the run library.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sharesim/models/device.h"
#include "sharesim/models/gpu.h"
#include "sharesim/models/gpu_profile.h"
#include "sharesim/models/workload.h"
#include "sharesim/run/run_scenario.h"
#include "sharesim/scenarios/scenario.h"
#include "sharesim/sim/simulator.h"

namespace sharesim::run::detail {

// An input error at a place in the scenario file.
Error error_at(const scenarios::SourceLocation& where, std::string message);

// The claim rules applied to one device (device_claims.cpp); a VM that cannot be created is an
// input error. The claims' warnings (e.g. an untested VM OS) are appended to `warnings` when given.
Result<models::DeviceClaims> claim_device(const scenarios::DeviceSpec& device,
                                          std::vector<std::string>* warnings);

// Everything of one GPU during a run.
struct GpuSlot {
  std::string device;
  int index = 0;
  std::string claimed_by;
  const models::GpuProfile* profile = nullptr;
  std::optional<models::SharingPolicy> policy;  // set when the first process is placed on it
  std::unique_ptr<models::GpuModel> model;      // made when the GPU starts (a policy is set)
  std::vector<ProcessReport> processes;
  std::vector<std::optional<models::ProcessId>> process_ids;  // one per process once started
  int process_count = 0;                                      // for spreading replicas
};

// The GPUs of every device after the claim rules ran.
struct DeviceGpus {
  std::vector<std::unique_ptr<models::GpuProfile>> profiles;  // one per device
  std::vector<models::DeviceClaims> claims;                   // one per device
  std::vector<std::vector<GpuSlot>> slots;                    // [device][gpu]
  std::map<std::string, size_t> device_index;                 // device name -> index
};

// Where one replica runs: a process slot on a GPU.
struct Placement {
  GpuSlot* gpu = nullptr;
  size_t process_slot = 0;
};
using Placements = std::vector<std::vector<Placement>>;  // [workload][replica]

// ---- placement.cpp: claims and placement ----
// Resolves each device's GPU profile and applies its claim rules: one slot per GPU.
Result<DeviceGpus> claim_devices(const scenarios::Scenario& scenario, std::vector<std::string>& warnings);
// Places each workload replica as a process on one GPU, fixing each used GPU's sharing policy.
Result<Placements> place_replicas(const scenarios::Scenario& scenario, DeviceGpus& gpus);

// Whether options.stop or options.should_stop asks for a stop now.
bool stop_requested(const RunOptions& options);

// ---- load_warnings.cpp ----
// Processes that will fail at start-up, known from the placement alone (declared memory, MPS
// limits): one warning each, located at the workload's key.
std::vector<Error> placement_warnings(const scenarios::Scenario& scenario, const DeviceGpus& gpus);

// ---- processes.cpp: starting the GPUs and their processes ----
// Returns true when options.stop stopped the start-up part-way (the processes not started are
// marked failed, "not started"); false when every process was started.
Result<bool> start_processes(sim::Simulator& sim, const scenarios::Scenario& scenario, DeviceGpus& gpus,
                             const RunOptions& options);

// ---- workload_wiring.cpp: the workloads on their replicas' processes ----
// A workload as the run drives it: a models::Workload or an LLM endpoint (models::LlmWorkload).
class WorkloadDriver {
 public:
  virtual ~WorkloadDriver() = default;
  virtual void start() = 0;
  virtual void on_replica_failed(size_t replica) = 0;
  virtual models::WorkloadStats collect() = 0;
  [[nodiscard]] virtual const std::string& name() const = 0;
  // Requests arrived and not yet finished (the run's limit on requests in flight counts them).
  [[nodiscard]] virtual size_t requests_in_flight() const = 0;
};
struct WiredWorkloads {
  std::vector<std::unique_ptr<models::GpuEndpoint>> endpoints;  // one per replica
  std::vector<std::unique_ptr<WorkloadDriver>> workloads;       // one per workload, in scenario order
};
// Fills `out` (which must outlive the run: the GPUs' fault listeners refer to it).
void wire_workloads(sim::Simulator& sim, const scenarios::Scenario& scenario, const Placements& placements,
                    const RunOptions& options, WiredWorkloads& out);

// ---- run_loop.cpp ----
// Restarts statistics at warmup, starts the workloads and runs to the horizon (or until nothing is
// left to happen). Returns true when stopped early by options.stop, options.should_stop or by the
// limit on requests in flight (then stopped_by_limit says why).
bool run_to_horizon(sim::Simulator& sim, const scenarios::Scenario& scenario, DeviceGpus& gpus,
                    WiredWorkloads& wired, const RunOptions& options, std::string& stopped_by_limit);

// ---- collect.cpp ----
// The workloads' statistics and every GPU's metrics, processes and faults.
void collect(DeviceGpus& gpus, WiredWorkloads& wired, RunReport& report);

}  // namespace sharesim::run::detail
