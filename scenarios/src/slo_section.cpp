// A workload's `slo`: latency percentile targets and a minimum throughput.
#include <optional>
#include <string_view>
#include <utility>

#include "scenario_reader.h"

namespace sharesim::scenarios::detail {

bool ScenarioReader::read_slo(const YamlNode& node, const std::string& path, models::SloSpec& out) {
  if (!expect_map(node, path, "targets {p50, p90, p99, p999, max, mean, min_throughput}")) return false;
  if (!check_keys(node, path, {"p50", "p90", "p99", "p999", "max", "mean", "min_throughput"})) return false;
  const std::pair<std::string_view, std::optional<sim::Time>*> latencies[] = {
      {"p50", &out.p50},   {"p90", &out.p90}, {"p99", &out.p99},
      {"p999", &out.p999}, {"max", &out.max}, {"mean", &out.mean}};
  for (const auto& [key, target] : latencies) {
    if (const YamlNode* v = optional(node, key)) {
      sim::Time t;
      if (!read_duration(*v, key_path(path, key), true, t)) return false;
      *target = t;
    }
  }
  if (const YamlNode* v = optional(node, "min_throughput")) {
    double r = 0;
    if (!read_rate(*v, path + ".min_throughput", false, r)) return false;
    out.min_throughput_per_s = r;
  }
  return true;
}

}  // namespace sharesim::scenarios::detail
