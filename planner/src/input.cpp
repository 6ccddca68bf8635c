// What the planner reads: the scenario with its plan section, and the GPU profiles of the
// device options.
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "search_steps.h"
#include "sharesim/planner/planner.h"
#include "sharesim/run/load_options.h"
#include "sharesim/scenarios/loader.h"
#include "sharesim/sim/input_file.h"

namespace sharesim::planner {

// The plan section travels in the Scenario (the loader validates and stores it), so `--set plan.*`
// overrides reach the planner like any other value.
namespace {
Result<PlanInput> plan_input_from(Result<scenarios::Scenario> scenario, const std::string& file) {
  if (!scenario) return scenario.error();
  PlanInput input;
  input.spec = scenario->plan;
  input.scenario = std::move(*scenario);
  input.path = file;
  return input;
}
}  // namespace

Result<PlanInput> load_plan_input_text(std::string_view yaml, const std::string& file,
                                       const std::string& base_dir) {
  return plan_input_from(scenarios::load_scenario_text(yaml, file, base_dir, run::default_load_options()),
                         file);
}

Result<PlanInput> load_plan_input(const std::string& path, const std::vector<std::string>& overrides) {
  auto input = plan_input_from(scenarios::load_scenario(path, run::default_load_options(overrides)), path);
  if (!input) return input;
  input->overrides = overrides;
  auto text = sim::read_input_file(path, "a scenario (YAML)", sim::kMaxYamlInputBytes);
  if (!text) return text.error();
  uint64_t hash = 14695981039346656037ULL;  // FNV-1a, 64 bit
  for (const char c : *text) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  input->content_hash = hex;
  return input;
}

namespace detail {

Result<std::vector<models::GpuProfile>> option_profiles(const scenarios::Scenario& base,
                                                        const scenarios::PlanSpec& spec) {
  std::vector<models::GpuProfile> profiles;
  for (const auto& option : spec.device_options) {
    auto p = models::resolve_gpu_profile(option.gpu_profile, scenarios::scenario_base_dir(base.file));
    if (!p)
      return p.error().at(option.where.file, option.where.line, option.where.column,
                          option.where.field + ".gpu_profile");
    profiles.push_back(std::move(*p));
  }
  return profiles;
}

}  // namespace detail

}  // namespace sharesim::planner
