// The scenario loader: YAML tree (yaml_tree.h) -> overrides (overrides.cpp) -> typed, validated
// Scenario. The top level of the document is read here; each section has its own reader file
// (device_section.cpp, workload_section.cpp, workload_env.cpp, ops_section.cpp,
// arrivals_section.cpp, slo_section.cpp, plan_section.cpp, expect_section.cpp) on the typed
// readers of yaml_reader.h. The schema lives in these files and in docs/scenarios.md; keep both
// in step.
#include "sharesim/scenarios/loader.h"

#include <charconv>
#include <filesystem>
#include <map>

#include "expect_section.h"
#include "overrides.h"
#include "plan_section.h"
#include "scenario_reader.h"
#include "sharesim/sim/input_file.h"
#include "sharesim/sim/text_util.h"
#include "sharesim/sim/time.h"
#include "sharesim/yaml/yaml_tree.h"

namespace sharesim::scenarios {

namespace detail {

bool ScenarioReader::read(const YamlNode& root, Scenario& s) {
  if (!expect_map(root, "", "a scenario")) return false;
  if (!check_keys(root, "",
                  {"name", "description", "seed", "duration", "warmup", "utilization_window", "devices",
                   "workloads", "plan", "expect", "target"})) {
    return false;
  }
  const YamlNode* n = required(root, "", "name", "the scenario's name");
  if (n == nullptr || !read_string(*n, "name", s.name)) return false;
  if (const YamlNode* v = optional(root, "description");
      v != nullptr && !scalar(*v, "description", "a string"))
    return false;
  if (const YamlNode* v = optional(root, "seed")) {
    if (!scalar(*v, "seed", "an integer >= 0")) return false;
    const std::string_view t = sim::trim(v->value);
    uint64_t seed = 0;
    auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), seed);
    if (t.empty() || ec != std::errc() || ptr != t.data() + t.size()) {
      return fail(*v, "seed", "expected an integer from 0 to 18446744073709551615, found " + v->describe());
    }
    s.seed = seed;
  }
  const YamlNode* dur = required(root, "", "duration", "the simulated time, e.g. 10m");
  if (dur == nullptr || !read_duration(*dur, "duration", true, s.duration)) return false;
  s.warmup = sim::Time::zero();
  if (const YamlNode* v = optional(root, "warmup")) {
    if (!read_duration(*v, "warmup", false, s.warmup)) return false;
    if (s.warmup >= s.duration) {
      return fail(*v, "warmup",
                  "expected a warmup shorter than duration (" + sim::format_duration(s.duration) +
                      "), found " + sim::format_duration(s.warmup));
    }
  }
  const YamlNode* window = optional(root, "utilization_window");
  if (window != nullptr && !read_duration(*window, "utilization_window", true, s.utilization_window))
    return false;
  if (static_cast<double>(s.duration.count_ns()) / static_cast<double>(s.utilization_window.count_ns()) >
      kMaxSamplesPerGpu) {
    return fail(window != nullptr ? *window : *dur, window != nullptr ? "utilization_window" : "duration",
                "expected at most " + std::to_string(static_cast<int64_t>(kMaxSamplesPerGpu)) +
                    " utilization samples per GPU (duration / utilization_window), found " +
                    sim::format_duration(s.duration) + " / " + sim::format_duration(s.utilization_window) +
                    "; set utilization_window to at least " +
                    sim::format_duration(sim::Time::ns((s.duration.count_ns() - 1) / kMaxSamplesPerGpu + 1)));
  }
  if (const YamlNode* v = optional(root, "target")) {  // whose rules the configuration obeys
    const auto t = v->is_scalar() ? models::parse_deploy_target(sim::trim(v->value)) : std::nullopt;
    if (!t)
      return fail(*v, "target",
                  "expected azure-stack-edge or kubernetes-device-plugin, found " + v->describe());
    s.target = *t;
  }

  const YamlNode* devices = required(root, "", "devices", "a list of devices");
  if (devices == nullptr) return false;
  if (!devices->is_sequence() || devices->items.empty()) {
    return fail(*devices, "devices", "expected a non-empty list of devices, found " + devices->describe());
  }
  for (size_t i = 0; i < devices->items.size(); ++i) {
    DeviceSpec d;
    if (!read_device(devices->items[i], index_path("devices", i), d)) return false;
    s.devices.push_back(std::move(d));
  }

  const YamlNode* workloads = required(root, "", "workloads", "a list of workloads");
  if (workloads == nullptr) return false;
  if (!workloads->is_sequence() || workloads->items.empty()) {
    return fail(*workloads, "workloads",
                "expected a non-empty list of workloads, found " + workloads->describe());
  }
  std::map<std::string, const YamlNode*> workload_names;
  for (size_t i = 0; i < workloads->items.size(); ++i) {
    WorkloadSpec w;
    const std::string path = index_path("workloads", i);
    if (!read_workload(workloads->items[i], path, s, w)) return false;
    const YamlNode* name_node = workloads->items[i].find("name");
    if (auto [it, inserted] = workload_names.emplace(w.name, name_node); !inserted) {
      return fail(*name_node, path + ".name",
                  "expected a unique workload name, found '" + w.name + "' again (first at line " +
                      std::to_string(it->second->line) + ")");
    }
    s.workloads.push_back(std::move(w));
  }

  // The planner's `plan` section and `sharesim check`'s `expect` list are read by their own
  // readers (plan_section.h, expect_section.h); they are validated here so that every error in a
  // scenario, overrides included, is found before anything runs.
  if (const YamlNode* plan = optional(root, "plan")) {
    auto spec = detail::read_plan_section(*plan, file_);
    if (!spec) {
      if (!error) error = spec.error();
      return false;
    }
    s.plan = std::move(*spec);
    if (s.target && plan->find("target") == nullptr) s.plan->target = *s.target;  // the scenario's target
  }
  if (const YamlNode* expect = root.find("expect")) {
    auto expectations = detail::read_expect_section(*expect, file_);
    if (!expectations) {
      if (!error) error = expectations.error();
      return false;
    }
    s.expectations = std::move(*expectations);
  }

  if (options_.check_device) {
    for (size_t i = 0; i < s.devices.size(); ++i) {
      auto st = options_.check_device(s.devices[i]);
      if (!st) {
        const auto& w = s.devices[i].where;
        if (!error) error = st.error().at(w.file, w.line, w.column, w.field);
        return false;
      }
    }
  }
  return true;
}

}  // namespace detail

namespace fs = std::filesystem;

Result<std::pair<std::string, std::string>> split_override(std::string_view text) {
  return detail::split_override(text);
}

Result<Scenario> load_scenario_text(std::string_view yaml, const std::string& file,
                                    const std::string& base_dir, const LoadOptions& options) {
  auto tree = yaml::parse_yaml(yaml, file);
  if (!tree) return tree.error();
  if (tree->is_null()) {
    return Error{
        file, 1, 1, "",
        "expected a scenario (a mapping with name, duration, devices, workloads), found an empty file"};
  }
  for (const auto& o : options.overrides) {
    auto st = detail::apply_override(*tree, o);
    if (!st) return st.error();
  }
  Scenario s;
  s.file = file;
  detail::ScenarioReader reader(file, base_dir, options);
  if (!reader.read(*tree, s)) return *reader.error;
  return s;
}

Result<Scenario> load_scenario(const std::string& path, const LoadOptions& options) {
  auto text = sim::read_input_file(path, "a scenario (YAML)", sim::kMaxYamlInputBytes);
  if (!text) return text.error();
  return load_scenario_text(*text, path, scenario_base_dir(path), options);
}

std::string scenario_base_dir(const std::string& scenario_file) {
  const std::string base = fs::path(scenario_file).parent_path().string();
  return base.empty() ? "." : base;
}

Result<Scenario> load_scenario(const std::string& path, const std::vector<std::string>& overrides) {
  LoadOptions o;
  o.overrides = overrides;
  return load_scenario(path, o);
}

}  // namespace sharesim::scenarios
