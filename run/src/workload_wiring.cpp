// One models::Workload per scenario workload, submitting to its replicas' processes; a process
// fault is passed to the workload that owns the replica.
#include <utility>

#include "run_steps.h"

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
    out.workloads.push_back(std::make_unique<models::Workload>(sim, std::move(wo), std::move(replicas)));
    if (options.request_observer) {
      out.workloads.back()->set_request_observer(
          [&observer = options.request_observer, name = spec.name](const models::RequestRecord& record) {
            observer(name, record);
          });
    }
  }
}

}  // namespace sharesim::run::detail
