// The highest arrival rate a scenario sustains with every SLO held (bisection over simulations).
#include <algorithm>
#include <cmath>

#include "sharesim/models/gpu_profile.h"
#include "sharesim/planner/planner.h"
#include "sharesim/run/run_scenario.h"

namespace sharesim::planner {

Result<MaxRateResult> max_rate(const scenarios::Scenario& scenario, const std::string& workload,
                               double relative_precision) {
  auto it = std::find_if(scenario.workloads.begin(), scenario.workloads.end(),
                         [&](const scenarios::WorkloadSpec& w) { return w.name == workload; });
  if (it == scenario.workloads.end()) {
    std::string names;
    for (const auto& w : scenario.workloads) names += (names.empty() ? "" : ", ") + w.name;
    return Error{"", 0, 0, "--max-rate",
                 "expected the name of a workload (" + names + "), found '" + workload + "'"};
  }
  const size_t index = static_cast<size_t>(it - scenario.workloads.begin());
  if (!std::holds_alternative<models::PoissonArrivals>(it->arrivals) &&
      !std::holds_alternative<models::ConstantArrivals>(it->arrivals)) {
    return Error{it->where.file, it->where.line, it->where.column, it->where.field + ".arrivals",
                 "expected poisson or constant arrivals for --max-rate, found another kind"};
  }
  // An upper bound: its replicas are single servers; each needs at least the request's solo
  // serial time (kernels at its MPS cap, copies, host work).
  const auto device = std::find_if(scenario.devices.begin(), scenario.devices.end(),
                                   [&](const scenarios::DeviceSpec& d) { return d.name == it->device; });
  std::string profile_name = device == scenario.devices.end() ? "t4" : device->gpu_profile;
  std::string base_dir = ".";
  if (auto slash = scenario.file.find_last_of('/'); slash != std::string::npos)
    base_dir = scenario.file.substr(0, slash);
  auto profile = models::resolve_gpu_profile(profile_name, base_dir);
  if (!profile) return profile.error();
  const bool mps = device != scenario.devices.end() && device->sharing == scenarios::ContainerSharing::kMps &&
                   it->runtime != scenarios::RuntimeKind::kVm && it->mps_active_thread_percentage;
  auto work = request_work(*it, profile_name, base_dir,
                           mps ? profile->mps_sm_cap(*it->mps_active_thread_percentage) : 0);
  if (!work) return work.error();
  const double upper = it->replicas / std::max(work->serial_s(), 1e-9);

  MaxRateResult result;
  result.workload = workload;
  auto holds = [&](double rate) -> Result<bool> {
    scenarios::Scenario s = scenario;
    auto& arrivals = s.workloads[index].arrivals;
    if (auto* p = std::get_if<models::PoissonArrivals>(&arrivals)) p->rate_per_s = rate;
    if (auto* c = std::get_if<models::ConstantArrivals>(&arrivals)) c->rate_per_s = rate;
    ++result.simulations;
    auto report = run::run_scenario(s);
    if (!report) return report.error();
    bool ok = report->slo_met && !report->interrupted;
    for (const auto& gpu : report->gpus)
      for (const auto& p : gpu.processes) ok = ok && !p.failed;
    return ok;
  };
  // Find a rate that holds by halving from the bound, then bisect [lo holds, hi fails].
  double hi = upper, lo = 0;
  auto at_hi = holds(hi);
  if (!at_hi) return at_hi.error();
  if (*at_hi) {
    result.rate_per_s = hi;
    result.infeasible_above = hi;
    result.found = true;
    return result;  // the single-server bound itself holds (closed to rounding): nothing higher is stable
  }
  double probe = hi / 2;
  for (int i = 0; i < 30; ++i, probe /= 2) {
    auto ok = holds(probe);
    if (!ok) return ok.error();
    if (*ok) {
      lo = probe;
      break;
    }
    hi = probe;
  }
  if (lo == 0) {
    result.infeasible_above = hi;
    return result;
  }
  while ((hi - lo) / hi > relative_precision) {
    const double mid = (lo + hi) / 2;
    auto ok = holds(mid);
    if (!ok) return ok.error();
    (*ok ? lo : hi) = mid;
  }
  result.rate_per_s = lo;
  result.infeasible_above = hi;
  result.precision = (hi - lo) / hi;
  result.found = true;
  return result;
}

}  // namespace sharesim::planner
