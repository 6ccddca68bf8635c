// Dominance: a workload part that misses an SLO alone on a GPU misses it with co-runners on such a
// GPU, at the same MPS setting. Applied only where the coupling behind it holds (docs/planner.md,
// "Dominance"): one FCFS server per part, whose every operation runs no faster with co-runners.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <variant>

#include "search_steps.h"
#include "sharesim/sim/text_format.h"

namespace sharesim::planner::detail {

namespace {

std::optional<sim::Time> latency_target(const models::SloSpec& slo, const std::string& metric) {
  const std::pair<const char*, const std::optional<sim::Time>*> targets[] = {
      {"p50", &slo.p50},   {"p90", &slo.p90}, {"p99", &slo.p99},
      {"p999", &slo.p999}, {"max", &slo.max}, {"mean", &slo.mean}};
  for (const auto& [name, target] : targets)
    if (metric == name) return *target;
  return std::nullopt;
}

std::optional<models::SloMetric> metric_of(const std::string& name) {
  for (auto m : {models::SloMetric::kP50, models::SloMetric::kP90, models::SloMetric::kP99,
                 models::SloMetric::kP999, models::SloMetric::kMax, models::SloMetric::kMean})
    if (models::slo_metric_name(m) == name) return m;
  return std::nullopt;
}

}  // namespace

std::optional<std::string> dominance_blocker(const scenarios::Scenario& gpu_alone, size_t t,
                                             const scenarios::PlanSpec& spec,
                                             const std::vector<models::GpuProfile>& profiles,
                                             const DevicePlan& device) {
  const scenarios::WorkloadSpec& w = gpu_alone.workloads[t];
  if (spec.target != models::DeployTarget::kAzureStackEdge)
    return "the stock device plugin sets each client's share from the processes on the device";
  if (w.replicas != 1) return "several processes: requests go to the one with the fewest outstanding";
  if (w.llm) return "an LLM endpoint (continuous batching)";
  if (std::holds_alternative<models::ClosedLoopArrivals>(w.arrivals))
    return "closed-loop arrivals depend on the responses";
  if (w.batching && (w.batching->max_batch > 1 || w.batching->max_queue_size > 0 ||
                     w.batching->queue_timeout > sim::Time::zero()))
    return "dynamic batching or a queue policy (both depend on timing)";
  if (w.server.instances != 1 || w.server.copy_streams != 0) return "several streams per process";
  if (w.server.cpu_workers > 0) return "server CPU stages (a shared pool after the GPU)";
  if (w.client.link_bytes_per_s > 0) return "a network stage (a shared link after the GPU)";
  if (!w.slo.min_throughput_per_s)
    return "no min_throughput: requests outstanding at the end are not counted, so a slower run "
           "could meet a latency target its reference misses";
  const models::GpuProfile& profile = profiles[device.option];
  if (device.mps && (profile.mps_interference_penalty < 0 || profile.mps_interference_per_client < 0 ||
                     profile.mps_interference_memory < 0))
    return "the profile's MPS interference makes co-runners faster";
  return std::nullopt;
}

void prove_by_dominance(GpuEntry& e, GpuMemo& memo, const scenarios::Scenario& gpu_alone) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  const double seconds = (gpu_alone.duration - gpu_alone.warmup).seconds();
  if (seconds <= 0) return;
  double bound = kInf;
  for (size_t t = 0; t < e.references.size() && t < gpu_alone.workloads.size(); ++t) {
    if (e.references[t] == SIZE_MAX) continue;
    const GpuEntry& ref = memo.entry(e.references[t]);
    if (!ref.full_done || !ref.full.exact || !ref.witness || ref.witness->unanswered > 0) continue;
    const scenarios::WorkloadSpec& w = gpu_alone.workloads[t];
    const double tau = *w.slo.min_throughput_per_s;
    // The fewest answers that meet min_throughput (throughput = answered / measured seconds).
    auto meets = [&](double answered) { return answered / seconds >= tau; };
    auto least = static_cast<uint64_t>(std::max(0.0, std::ceil(tau * seconds) - 1));
    while (!meets(static_cast<double>(least))) ++least;
    while (least > 0 && meets(static_cast<double>(least - 1))) --least;
    const double short_of_throughput = (static_cast<double>(least > 0 ? least - 1 : 0) / seconds - tau) / tau;
    std::string reason;
    double margin = kInf;
    for (const CheckOutcome& check : ref.full.tenant_checks.front()) {
      if (check.metric == "throughput") {
        // The tenant answers a subset of its reference's requests: its throughput is no higher.
        if (check.margin < 0 && check.margin < margin) {
          margin = check.margin;
          reason = "misses throughput: alone on such a GPU it serves " + sim::fmt("%.4g", check.measured) +
                   "/s < " + sim::fmt("%.4g", check.target) + "/s, and co-runners only slow it";
        }
        continue;
      }
      const auto metric = metric_of(check.metric);
      const auto target = latency_target(w.slo, check.metric);
      if (!metric || !target) continue;
      const auto statistic = proofs::latency_statistic(*metric);
      const auto floor = proofs::dominated_lower_bound_ns(*ref.witness, least, *statistic);
      if (!floor || *floor <= target->count_ns()) continue;
      // Either it answers fewer than `least` (and misses min_throughput) or its statistic is at
      // least `floor`: its margin is at most the larger of the two.
      const double target_s = target->seconds();
      const double latency_margin =
          *floor == proofs::kUnbounded ? -kInf : (target_s - static_cast<double>(*floor) * 1e-9) / target_s;
      const double m = std::max(latency_margin, short_of_throughput);
      if (m < margin) {
        margin = m;
        reason = "misses " + check.metric + " or throughput: alone on such a GPU, its " +
                 std::to_string(least) + " fastest answers (what min_throughput needs) give " + check.metric +
                 " >= " + sim::fmt("%.3g", static_cast<double>(*floor) * 1e-6) + " ms > " +
                 sim::fmt("%.3g", target_s * 1e3) + " ms, and co-runners only slow it";
      }
    }
    if (margin < 0 && margin < bound) {
      if (e.proof == Evaluation::Proof::kNone) {
        e.proof_tenant = t;
        e.proof_reason = reason;
      }
      e.proof = Evaluation::Proof::kDominance;
      bound = margin;
    }
  }
  if (e.proof == Evaluation::Proof::kDominance) e.margin_bound = bound;
}

}  // namespace sharesim::planner::detail
