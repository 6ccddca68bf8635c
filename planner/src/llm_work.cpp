#include "llm_work.h"

#include <algorithm>
#include <numeric>

namespace sharesim::planner::detail {
namespace {

double mean_tokens(const models::TokenCountDistribution& d, const std::vector<int64_t>& column) {
  if (!column.empty()) {
    return static_cast<double>(std::accumulate(column.begin(), column.end(), int64_t{0})) /
           static_cast<double>(column.size());
  }
  if (d.lognormal_mean > 0)
    return std::min(d.lognormal_mean, static_cast<double>(d.hi));  // the clamp only lowers it
  return (static_cast<double>(d.lo) + static_cast<double>(d.hi)) / 2;
}

}  // namespace

RequestWork llm_request_work(const scenarios::LlmEndpointSpec& llm, const models::GpuProfile& profile,
                             int sm_cap) {
  models::LlmCostParameters cost;
  cost.peak_flops = llm.peak_flops * profile.sustained_clock_factor;
  cost.dram_bandwidth = profile.dram_bandwidth_effective;
  cost.compute_fraction = llm.compute_fraction;
  cost.bandwidth_fraction = llm.bandwidth_fraction;
  const double prompt = std::max(1.0, mean_tokens(llm.tokens.prompt, llm.tokens.trace_prompt));
  const double output = std::max(1.0, mean_tokens(llm.tokens.output, llm.tokens.trace_output));
  const models::LlmRequestBound b =
      models::llm_request_lower_bound(llm.model, cost, llm.scheduler.max_num_seqs, prompt, output);
  const double sms = profile.sm_count;
  const double cap = sm_cap <= 0 ? sms : std::min<double>(sm_cap, sms);
  RequestWork w;
  w.kernel_s = std::max(b.compute_s * sms / cap, b.memory_s);
  w.sm_seconds = b.compute_s;
  w.dram_s = b.memory_s;
  return w;
}

}  // namespace sharesim::planner::detail
