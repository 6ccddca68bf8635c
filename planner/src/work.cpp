// The work and offered load of a workload on a GPU, from its operations and the GPU profile:
// the figures the bounds (bounds.cpp) and the MPS percentages (enumeration.cpp) are made from.
#include <algorithm>
#include <variant>

#include "search_steps.h"
#include "sharesim/models/gpu_profile.h"
#include "sharesim/planner/planner.h"
#include "sharesim/sim/text_format.h"

namespace sharesim::planner {

using scenarios::WorkloadSpec;
using sim::fmt;

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

namespace detail {

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

}  // namespace detail

Result<RequestWork> request_work(const WorkloadSpec& workload, const std::string& profile_name,
                                 const std::string& base_dir, int sm_cap) {
  auto profile = models::resolve_gpu_profile(profile_name, base_dir);
  if (!profile) return profile.error();
  return detail::work_on(workload, *profile, sm_cap);
}

}  // namespace sharesim::planner
