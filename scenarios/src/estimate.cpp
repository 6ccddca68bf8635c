#include "sharesim/scenarios/estimate.h"

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <type_traits>
#include <variant>

namespace sharesim::scenarios {
namespace {

// The request's own work in seconds (kernel means and host durations at batch size 1), the least
// time one closed-loop client spends per request besides thinking.
double request_work_seconds(const models::RequestSpec& request) {
  double seconds = 0;
  for (const models::OpSpec& op : request.ops) {
    if (const auto* kernel = std::get_if<models::KernelOpSpec>(&op)) {
      seconds += kernel->duration.mean().seconds() + kernel->per_item.seconds() +
                 models::batch_curve_at(kernel->batch_curve, 1).seconds();
    } else if (const auto* host = std::get_if<models::HostOpSpec>(&op)) {
      seconds += host->duration.seconds() + host->per_item.seconds();
    }
  }
  return seconds;
}

double expected_requests(const WorkloadSpec& workload, double duration_s) {
  return std::visit(
      [&](const auto& a) -> double {
        using A = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<A, models::PoissonArrivals> ||
                      std::is_same_v<A, models::ConstantArrivals>) {
          return a.rate_per_s * duration_s;
        } else if constexpr (std::is_same_v<A, models::OnOffArrivals>) {
          const double on = a.mean_on.seconds();
          const double off = a.mean_off.seconds();
          if (on + off <= 0) return a.on_rate_per_s * duration_s;
          return (a.on_rate_per_s * on + a.off_rate_per_s * off) / (on + off) * duration_s;
        } else if constexpr (std::is_same_v<A, models::ClosedLoopArrivals>) {
          // Time outside the GPU bounds a client's rate too (workload.h: the request's path).
          const models::ClientSpec& c = workload.client;
          const double outside =
              c.serialize.seconds() + c.deserialize.seconds() + 2 * c.link_latency.seconds() +
              (workload.server.cpu_workers > 0
                   ? workload.server.preprocess.seconds() + workload.server.postprocess.seconds()
                   : 0.0);
          const double cycle =
              std::max(1e-9, a.think.seconds() + request_work_seconds(workload.request) + outside);
          return static_cast<double>(a.clients) * duration_s / cycle;
        } else {
          static_assert(std::is_same_v<A, models::TraceArrivals>);
          // Offsets are sorted: the rows that arrive within the duration.
          const sim::Time end = sim::Time::ns(static_cast<int64_t>(duration_s * 1e9));
          const auto last = std::upper_bound(a.offsets.begin(), a.offsets.end(), end);
          return static_cast<double>(last - a.offsets.begin());
        }
      },
      workload.arrivals);
}

}  // namespace

EventEstimate estimate_events(const Scenario& scenario) {
  EventEstimate estimate;
  const double duration_s = scenario.duration.seconds();
  for (const WorkloadSpec& workload : scenario.workloads) {
    WorkloadEstimate w;
    w.name = workload.name;
    w.requests = expected_requests(workload, duration_s);
    w.events_per_request = static_cast<double>(workload.request.ops.size()) + 2;
    w.events = w.requests * w.events_per_request;
    estimate.events += w.events;
    estimate.workloads.push_back(std::move(w));
  }
  const double window_s = scenario.utilization_window.seconds();
  if (window_s > 0) {
    double gpus = 0;
    for (const DeviceSpec& device : scenario.devices) gpus += device.gpus;
    estimate.sampling_events = gpus * duration_s / window_s;
  }
  estimate.events += estimate.sampling_events;
  return estimate;
}

Status check_event_limit(const Scenario& scenario, double max_events) {
  assert(max_events > 0);
  const EventEstimate estimate = estimate_events(scenario);
  if (estimate.events <= max_events) return Ok{};
  // Blame the largest contributor: that is the line to change.
  size_t largest = 0;
  for (size_t i = 1; i < estimate.workloads.size(); ++i) {
    if (estimate.workloads[i].events > estimate.workloads[largest].events) largest = i;
  }
  char message[512];
  Error error{scenario.file, 0, 0, "", ""};
  if (!estimate.workloads.empty()) {
    const WorkloadEstimate& w = estimate.workloads[largest];
    const SourceLocation& where = scenario.workloads[largest].where;
    std::snprintf(message, sizeof message,
                  "this run would execute about %.3g events (workload '%s': about %.3g requests in %.6g s "
                  "x %.0f events each), more than the limit of %.3g; shorten the duration or lower the "
                  "rate, or raise the limit with --max-events N",
                  estimate.events, w.name.c_str(), w.requests, scenario.duration.seconds(),
                  w.events_per_request, max_events);
    error = Error{where.file.empty() ? scenario.file : where.file, where.line, where.column, where.field,
                  message};
  } else {
    std::snprintf(message, sizeof message,
                  "this run would execute about %.3g events, more than the limit of %.3g; raise the limit "
                  "with --max-events N",
                  estimate.events, max_events);
    error.message = message;
  }
  return error;
}

}  // namespace sharesim::scenarios
