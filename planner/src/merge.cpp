// Merging shards: every shard (0..N-1 exactly once) of one plan combined into the result a
// single run gives, by re-enumerating the levels and taking each candidate's evaluation from the
// shard that owns it.
#include <algorithm>
#include <string>
#include <vector>

#include "constraints.h"
#include "search_steps.h"
#include "sharesim/planner/planner.h"

namespace sharesim::planner {

Result<PlanResult> merge_shards(const PlanInput& input, std::vector<ShardData> shards) {
  if (shards.empty()) return make_error("expected at least one shard, found none");
  const int count = shards.front().shard_count;
  std::vector<const ShardData*> by_index(static_cast<size_t>(count), nullptr);
  for (const ShardData& s : shards) {
    if (s.shard_count != count) {
      return make_error("expected shards of one run (" + std::to_string(count) + " shards), found shard " +
                        std::to_string(s.shard_index) + "/" + std::to_string(s.shard_count));
    }
    // Every shard must come from this scenario, as it is now, with the same options: naming the
    // first difference (a shard of an edited scenario or other --set values would merge silently).
    const ShardData& first = shards.front();
    const auto shard_name = [](const ShardData& d) {
      return "shard " + std::to_string(d.shard_index) + "/" + std::to_string(d.shard_count);
    };
    const auto joined = [](const std::vector<std::string>& v) {
      std::string out;
      for (const std::string& o : v) out += (out.empty() ? "--set " : " --set ") + o;
      return out.empty() ? std::string("no --set") : out;
    };
    if (s.path != first.path) {
      return make_error("expected shards of one scenario, found '" + s.path + "' (" + shard_name(s) +
                        ") and '" + first.path + "' (" + shard_name(first) + ")");
    }
    if (s.overrides != first.overrides) {
      return make_error("expected shards with the same --set values, found " + joined(s.overrides) + " (" +
                        shard_name(s) + ") and " + joined(first.overrides) + " (" + shard_name(first) + ")");
    }
    if (s.max_candidates_per_level != first.max_candidates_per_level) {
      return make_error("expected shards with the same candidates-per-level limit, found " +
                        std::to_string(s.max_candidates_per_level) + " (" + shard_name(s) + ") and " +
                        std::to_string(first.max_candidates_per_level) + " (" + shard_name(first) + ")");
    }
    if (s.content_hash != input.content_hash) {
      return make_error(shard_name(s) + " was computed from another version of " + s.path +
                        " (content hash " + (s.content_hash.empty() ? std::string("none") : s.content_hash) +
                        ", the file now " + input.content_hash +
                        "): run its 'sharesim plan --shard' again on this version");
    }
    if (by_index[static_cast<size_t>(s.shard_index)] != nullptr) {
      return make_error("expected each shard once, found shard " + std::to_string(s.shard_index) + " twice");
    }
    by_index[static_cast<size_t>(s.shard_index)] = &s;
  }
  for (int i = 0; i < count; ++i) {
    if (by_index[static_cast<size_t>(i)] == nullptr) {
      return make_error("expected shards 0.." + std::to_string(count - 1) + ", shard " + std::to_string(i) +
                        " is missing");
    }
  }
  // Re-enumerate (deterministic) and take each candidate's evaluation from the shard that owns it.
  PlanOptions none;
  none.shard_count = 1;
  auto profiles = detail::option_profiles(input.scenario, *input.spec);
  if (!profiles) return profiles.error();
  PlanResult merged;
  merged.infeasible = detail::hopeless_workloads(input.scenario, *input.spec, *profiles);
  if (!merged.infeasible.empty()) return merged;
  const int max_useful_devices = input.spec->replicas.max * static_cast<int>(input.scenario.workloads.size());
  const std::vector<detail::Level> levels = detail::make_levels(*input.spec, max_useful_devices);
  auto constraints = detail::resolve_constraints(input.scenario, *input.spec);
  if (!constraints) return constraints.error();
  // A shard stops after the first level where it found a feasible candidate; the plan's level is
  // the earliest such, and every shard evaluated it in full (each went on until its own stop).
  size_t last = levels.size();
  for (const ShardData& s : shards) {
    for (size_t l = 0; l < s.result.levels.size(); ++l) {
      const auto& ev = s.result.levels[l].evaluations;
      if (std::any_of(ev.begin(), ev.end(), [](const Evaluation& e) { return e.feasible; }))
        last = std::min(last, l + 1);
    }
  }
  merged.search_space_levels = levels.size();
  for (size_t l = 0; l < last; ++l) {
    LevelResult level;
    level.cost = levels[l].cost;
    auto enumerated = detail::enumerate_level(input.scenario, *input.spec, *profiles, *constraints, levels[l],
                                              l, shards.front().max_candidates_per_level);
    level.candidates = std::move(enumerated.candidates);
    level.truncated = enumerated.truncated;
    level.pruned = std::move(enumerated.pruned);
    level.evaluations.resize(level.candidates.size());
    for (size_t i = 0; i < level.candidates.size(); ++i) {
      const ShardData& owner = *by_index[i % static_cast<size_t>(count)];
      if (l >= owner.result.levels.size() || i >= owner.result.levels[l].evaluations.size()) {
        return make_error("shard " + std::to_string(owner.shard_index) + " did not evaluate level " +
                          std::to_string(l) + " (was it cut short, or made from another scenario?)");
      }
      level.evaluations[i] = owner.result.levels[l].evaluations[i];
    }
    // The level's count as one run makes it: what the cheap bounds left to simulate.
    const auto screened = static_cast<size_t>(
        std::count_if(level.evaluations.begin(), level.evaluations.end(),
                      [](const Evaluation& e) { return e.state == Evaluation::State::kScreenedOut; }));
    merged.search_space.push_back(
        {level.cost, level.candidates.size(), level.candidates.size() - screened, level.truncated});
    merged.levels.push_back(std::move(level));
  }
  decide(merged);
  detail::explain_choice(input, merged);
  return merged;
}

}  // namespace sharesim::planner
