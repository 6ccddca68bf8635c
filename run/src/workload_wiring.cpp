// One models::Workload per scenario workload, submitting to its replicas' processes; a process
// fault is passed to the workload that owns the replica.
#include <utility>

#include "run_steps.h"
#include "sharesim/models/llm_workload.h"

namespace sharesim::run::detail {

namespace {

// One replica's CUDA process as the workload sees it.
class ProcessEndpoint final : public models::GpuEndpoint {
 public:
  // `launch`: how the workload's host issues its requests' kernels (RequestSpec::launch).
  ProcessEndpoint(models::GpuModel* gpu, std::optional<models::ProcessId> process, models::LaunchMode launch)
      : gpu_(gpu), process_(process), launch_(launch) {}
  void submit(int stream, std::vector<models::GpuOp> ops, models::Completion done) override {
    gpu_->submit(*process_, stream, std::move(ops), done, launch_);
  }
  [[nodiscard]] bool failed() const override { return !process_ || gpu_->failed(*process_); }

 private:
  models::GpuModel* gpu_;
  std::optional<models::ProcessId> process_;  // nullopt: the process could not start
  models::LaunchMode launch_;
};

// Either kind of workload behind the run's interface.
template <class W>
class Driver final : public WorkloadDriver {
 public:
  template <class Options>
  Driver(sim::Simulator& sim, Options options, std::vector<models::GpuEndpoint*> replicas)
      : workload_(sim, std::move(options), std::move(replicas)) {}
  void start() override { workload_.start(); }
  void on_replica_failed(size_t replica) override { workload_.on_replica_failed(replica); }
  models::WorkloadStats collect() override { return workload_.collect(); }
  [[nodiscard]] const std::string& name() const override { return workload_.options().name; }
  [[nodiscard]] size_t requests_in_flight() const override { return workload_.requests_in_flight(); }
  W& workload() { return workload_; }

 private:
  W workload_;
};

// The LLM endpoint of `spec` on GPUs of this profile (its bandwidth and sustained clock).
models::LlmWorkloadOptions llm_options(const scenarios::WorkloadSpec& spec, const models::GpuProfile& gpu) {
  const scenarios::LlmEndpointSpec& e = *spec.llm;
  models::LlmWorkloadOptions o;
  o.serving.model = e.model;
  o.serving.scheduler = e.scheduler;
  o.serving.step_overhead = e.step_overhead;
  o.serving.tokens = e.tokens;
  o.serving.cost.peak_flops = e.peak_flops * gpu.sustained_clock_factor;
  o.serving.cost.dram_bandwidth = gpu.dram_bandwidth_effective;
  o.serving.cost.compute_fraction = e.compute_fraction;
  o.serving.cost.bandwidth_fraction = e.bandwidth_fraction;
  o.serving.cost.provenance = e.provenance;
  return o;
}

}  // namespace

void wire_workloads(sim::Simulator& sim, const scenarios::Scenario& scenario, const Placements& placements,
                    const RunOptions& options, WiredWorkloads& out) {
  // The fault payload packs (workload index << 32) | replica index.
  const sim::HandlerId fault_handler = sim.add_handler([&workloads = out.workloads](uint64_t payload) {
    workloads[payload >> 32]->on_replica_failed(payload & 0xFFFFFFFFu);
  });
  for (size_t w = 0; w < scenario.workloads.size(); ++w) {
    const scenarios::WorkloadSpec& spec = scenario.workloads[w];
    std::vector<models::GpuEndpoint*> replicas;
    for (size_t r = 0; r < placements[w].size(); ++r) {
      const Placement& p = placements[w][r];
      const auto& id = p.gpu->process_ids[p.process_slot];
      out.endpoints.push_back(std::make_unique<ProcessEndpoint>(p.gpu->model.get(), id, spec.request.launch));
      replicas.push_back(out.endpoints.back().get());
      if (id)
        p.gpu->model->set_fault_listener(*id, models::Completion{fault_handler, (uint64_t{w} << 32) | r});
    }
    const auto observe = [&observer = options.request_observer,
                          name = spec.name](const models::RequestRecord& r) { observer(name, r); };
    if (spec.llm) {
      models::LlmWorkloadOptions lo = llm_options(spec, *placements[w].front().gpu->profile);
      lo.name = spec.name;
      lo.stream_name = spec.stream_name;
      lo.seed = scenario.seed;
      lo.arrivals = spec.arrivals;
      lo.slo = spec.slo;
      lo.warmup = scenario.warmup;
      auto driver = std::make_unique<Driver<models::LlmWorkload>>(sim, std::move(lo), std::move(replicas));
      if (options.request_observer) driver->workload().set_request_observer(observe);
      out.workloads.push_back(std::move(driver));
      continue;
    }
    models::WorkloadOptions wo;
    wo.name = spec.name;
    wo.stream_name = spec.stream_name;
    wo.seed = scenario.seed;
    wo.arrivals = spec.arrivals;
    wo.request = spec.request;
    // Copies imported "as measured" become the bytes that take that long on this workload's GPU
    // (a workload runs on one device, so every replica has the same profile).
    if (!placements[w].empty() && placements[w].front().gpu->profile != nullptr) {
      models::keep_measured_copies(wo.request, *placements[w].front().gpu->profile);
    }
    wo.batching = spec.batching.value_or(models::BatchingSpec{});
    wo.server = spec.server;
    wo.client = spec.client;
    wo.slo = spec.slo;
    wo.warmup = scenario.warmup;
    auto driver = std::make_unique<Driver<models::Workload>>(sim, std::move(wo), std::move(replicas));
    if (options.request_observer) driver->workload().set_request_observer(observe);
    out.workloads.push_back(std::move(driver));
  }
}

}  // namespace sharesim::run::detail
