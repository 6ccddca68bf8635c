// A scenario as validated data: what the YAML file says, with units resolved and every rule that
// can be checked without simulating already checked. Produced by load_scenario() (loader.h).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "sharesim/models/workload_spec.h"
#include "sharesim/scenarios/expect_spec.h"
#include "sharesim/scenarios/llm_spec.h"
#include "sharesim/scenarios/plan_spec.h"
#include "sharesim/scenarios/source_location.h"
#include "sharesim/sim/time.h"

namespace sharesim::scenarios {

// ---- Devices and what claims their GPUs, in creation order ----------------------------------------
struct VmSetup {
  std::string name;
  std::string size = "Standard_NC4as_T4_v3";  // NC T4 v3 sizes get one T4 each
  std::string os = "Ubuntu 18.04 LTS";
  bool gpu_extension = true;  // the GPU driver extension is installed
  SourceLocation where;
};
struct KubernetesSetup {
  SourceLocation where;
};
struct IotEdgeSetup {
  SourceLocation where;
};
using SetupStep = std::variant<VmSetup, KubernetesSetup, IotEdgeSetup>;

enum class ContainerSharing { kTimeSlicing, kMps };

struct DeviceSpec {
  std::string name;
  int gpus = 1;                    // 1 or 2
  std::string gpu_profile = "t4";  // built-in name or a path (resolved relative to the scenario)
  double cost = 1.0;
  ContainerSharing sharing = ContainerSharing::kTimeSlicing;
  std::vector<SetupStep> setup;  // creation order
  SourceLocation where;
};

// ---- Workloads -------------------------------------------------------------------------------------
enum class RuntimeKind { kKubernetes, kIotEdge, kVm };

struct WorkloadSpec {
  std::string name;
  std::string
      stream_name;  // names the random streams when not empty (set by the planner, not read from YAML)
  std::string device;
  RuntimeKind runtime = RuntimeKind::kKubernetes;
  std::string vm;  // for RuntimeKind::kVm: the VM's name
  int replicas = 1;
  int64_t memory_bytes = 0;                // device memory per process
  std::map<std::string, std::string> env;  // as written (NVIDIA_VISIBLE_DEVICES, CUDA_MPS_...)
  // Parsed from env (validated): the GPU index on the device, or nullopt when not given.
  std::optional<int> visible_device;
  std::optional<int> mps_active_thread_percentage;  // 1..100
  std::optional<int64_t> mps_pinned_mem_limit_bytes;
  models::ArrivalSpec arrivals;
  std::optional<models::BatchingSpec> batching;
  models::ServerSpec server;  // instances and CPU stages of each replica's process (`server:`)
  models::ClientSpec client;  // time outside the server (`client:`)
  models::RequestSpec request;
  std::optional<LlmEndpointSpec> llm;  // an LLM endpoint (then `request` and `batching` are unused)
  // `request: {model, precision, engine}`: the model-library entry it resolved to (docs: the
  // entry's engine version and sources), else empty.
  std::string library_entry;
  models::SloSpec slo;
  SourceLocation where;
};

// Each GPU keeps duration / utilization_window samples of each of its four utilization series (and
// results.json lists them): at most this many, checked at load time (docs/hardening.md, "Limits").
// 10^6 is 32 MB per GPU and 11.5 days at the default 1 s window.
inline constexpr int64_t kMaxSamplesPerGpu = 1'000'000;

struct Scenario {
  std::string file;  // path it was loaded from
  std::string name;
  uint64_t seed = 1;
  sim::Time duration;
  sim::Time warmup;
  sim::Time utilization_window = sim::Time::s(1);  // nvidia-smi sample period
  std::vector<DeviceSpec> devices;
  std::vector<WorkloadSpec> workloads;
  // `target:` the platform whose rules the configuration obeys (models/deploy_target.h); `sharesim
  // run` checks and applies them (deploy/deploy.h). nullopt: none named, the device model's rules.
  std::optional<models::DeployTarget> target;
  std::optional<PlanSpec> plan;           // the `plan:` section (sharesim plan)
  std::vector<Expectation> expectations;  // the `expect:` list (sharesim check)
};

}  // namespace sharesim::scenarios
