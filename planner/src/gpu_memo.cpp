// The per-GPU memo: each distinct GPU configuration of the search (GpuEntry) with what is known
// of it, its full-length run, and the one-GPU scenario it runs (docs/planner.md, "Each GPU
// simulated once").
#include <algorithm>
#include <cassert>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "search_steps.h"
#include "sharesim/planner/planner.h"
#include "sharesim/run/run_scenario.h"

namespace sharesim::planner::detail {

std::string gpu_memo_key(const scenarios::Scenario& whole, const scenarios::Scenario& base,
                         const scenarios::PlanSpec& spec, const Candidate& c, size_t device, size_t gpu,
                         int only_tenant) {
  const DevicePlan& plan = c.devices[device];
  const GpuPlan& g = plan.gpus[gpu];
  const std::vector<int> total = processes_per_workload(base, c);
  const std::vector<int> parts = parts_per_workload(base, c);
  // The profile as the option names it (options naming one profile share entries), the policy,
  // then per tenant: workload, processes, its workload's processes when split (the arrival share
  // and the streams), MPS percentage.
  std::string key = spec.device_options[plan.option].gpu_profile;
  key += g.passthrough ? "|vm|" : (plan.mps ? "|mps|" : "|ts|");
  for (size_t t = 0; t < g.tenants.size(); ++t) {
    if (only_tenant >= 0 && t != static_cast<size_t>(only_tenant)) continue;
    const Tenant& tenant = g.tenants[t];
    key += std::to_string(tenant.workload) + "x" + std::to_string(tenant.processes);
    if (parts[tenant.workload] > 1) key += "/" + std::to_string(total[tenant.workload]);
    key += ",";
  }
  // What the workload specs carry after the target's rules (the stock plugin's percentage and
  // memory limit depend on the whole device), in tenant order.
  const std::vector<PartRef> order = parts_in_order(base, c);
  for (size_t k = 0; k < order.size(); ++k) {
    if (order[k].device != device || order[k].gpu != gpu) continue;
    if (only_tenant >= 0 && order[k].tenant != static_cast<size_t>(only_tenant)) continue;
    const scenarios::WorkloadSpec& w = whole.workloads[k];
    key += "|" + std::to_string(static_cast<int>(w.runtime)) + ":" +
           std::to_string(w.mps_active_thread_percentage.value_or(-1)) + ":" +
           std::to_string(w.mps_pinned_mem_limit_bytes.value_or(-1));
  }
  return key;
}

struct GpuMemo::State {
  std::mutex mutex;
  std::map<std::string, size_t> ids;
  std::deque<GpuEntry> entries;  // entries never move
  size_t full_runs = 0, short_runs = 0;
  const sim::StopToken* stop = nullptr;
};

GpuMemo::GpuMemo() : state_(std::make_unique<State>()) {}
GpuMemo::~GpuMemo() = default;

size_t GpuMemo::intern(const std::string& key, const Candidate& c, size_t device, size_t gpu, int only_tenant,
                       size_t tenants) {
  const std::lock_guard<std::mutex> lock(state_->mutex);
  auto [it, inserted] = state_->ids.try_emplace(key, state_->entries.size());
  if (inserted) state_->entries.emplace_back();
  GpuEntry& e = state_->entries[it->second];
  const auto at = std::tie(c.level, c.index, device, gpu);
  if (inserted || at < std::tie(e.level, e.index, e.device, e.gpu)) {
    e.representative = &c;
    e.level = c.level;
    e.index = c.index;
    e.device = device;
    e.gpu = gpu;
    e.only_tenant = only_tenant;
    e.tenants = tenants;
  }
  return it->second;
}

GpuEntry& GpuMemo::entry(size_t id) {
  const std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->entries[id];
}

size_t GpuMemo::size() const {
  const std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->entries.size();
}
size_t GpuMemo::full_runs() const {
  const std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->full_runs;
}
size_t GpuMemo::short_runs() const {
  const std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->short_runs;
}
void GpuMemo::set_stop(const sim::StopToken* stop) {
  state_->stop = stop;
}

const sim::StopToken* GpuMemo::stop() const {
  return state_->stop;
}

void GpuMemo::count_full_run() {
  const std::lock_guard<std::mutex> lock(state_->mutex);
  ++state_->full_runs;
}
void GpuMemo::count_short_run() {
  const std::lock_guard<std::mutex> lock(state_->mutex);
  ++state_->short_runs;
}

scenarios::Scenario entry_scenario(const GpuEntry& e, const scenarios::Scenario& base,
                                   const scenarios::PlanSpec& spec) {
  assert(e.representative != nullptr);
  const scenarios::Scenario whole = candidate_scenario(base, spec, *e.representative);
  scenarios::Scenario s = gpu_scenario(whole, base, *e.representative, e.device, e.gpu);
  if (e.only_tenant >= 0) {
    const std::string name = "tenant" + std::to_string(e.only_tenant);
    std::erase_if(s.workloads, [&](const scenarios::WorkloadSpec& w) { return w.name != name; });
  }
  return s;
}

void run_full(GpuEntry& e, const scenarios::Scenario& base, const scenarios::PlanSpec& spec,
              const sim::StopToken* stop) {
  const scenarios::Scenario alone = entry_scenario(e, base, spec);
  e.full = GpuOutcome{};
  e.full_done = true;
  // A GPU with one tenant is a dominance reference: keep its requests.
  std::vector<std::vector<models::RequestRecord>> records(alone.workloads.size());
  run::RunOptions options;
  options.stop = stop;
  if (alone.workloads.size() == 1) {
    options.request_observer = [&](const std::string&, const models::RequestRecord& r) {
      if (r.measured) records[0].push_back(r);
    };
  }
  auto report = run::run_scenario(alone, options);
  if (!report || report->interrupted || report->ended_at < alone.duration) return;
  for (const auto& g : report->gpus)
    for (const auto& p : g.processes)
      if (p.failed) return;
  for (const models::WorkloadStats& ws : report->workloads)
    e.full.tenant_checks.push_back(checks_of_stats(ws));
  e.full.exact = e.full.tenant_checks.size() == alone.workloads.size();
  if (e.full.exact && alone.workloads.size() == 1) {
    std::vector<std::optional<proofs::Witness>> w = witnesses_of(alone, records, *report);
    if (!w.empty() && w.front()) e.witness = std::move(*w.front());
  }
}

}  // namespace sharesim::planner::detail
