#include "plan_section.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <utility>

#include "sharesim/sim/text_util.h"
#include "sharesim/sim/units.h"

namespace sharesim::scenarios {

std::string_view plan_policy_name(PlanPolicy policy) {
  switch (policy) {
    case PlanPolicy::kPassthrough:
      return "passthrough";
    case PlanPolicy::kTimeSlicing:
      return "time-slicing";
    case PlanPolicy::kMps:
      return "mps";
  }
  return "?";
}

bool PlanSpec::allows(PlanPolicy policy) const {
  return std::find(policies.begin(), policies.end(), policy) != policies.end();
}

namespace detail {

using sim::iequals;
using sim::trim;
using yaml::YamlNode;
namespace {

class PlanReader {
 public:
  explicit PlanReader(std::string file) : file_(std::move(file)) {}

  Error error(const YamlNode& at, const std::string& path, std::string message) const {
    return Error{at.origin.empty() ? file_ : at.origin, at.line, at.column, path, std::move(message)};
  }
  SourceLocation where(const YamlNode& at, const std::string& path) const {
    return SourceLocation{at.origin.empty() ? file_ : at.origin, at.line, at.column, path};
  }

  // Unknown keys are rejected, naming the keys that are allowed.
  std::optional<Error> check_keys(const YamlNode& map, const std::string& path,
                                  const std::vector<std::string_view>& allowed) const {
    for (const auto& [key, value] : map.entries) {
      if (std::find(allowed.begin(), allowed.end(), key.value) != allowed.end()) continue;
      std::string list;
      for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return error(key, path + "." + key.value,
                   "unknown key '" + key.value + "' (expected one of: " + list + ")");
    }
    return std::nullopt;
  }

  Result<int> read_int(const YamlNode& node, const std::string& path, int lo, int hi) const {
    const std::string expected =
        "expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
    if (!node.is_scalar()) return error(node, path, expected + ", found " + node.describe());
    const std::string_view t = trim(node.value);
    int v = 0;
    auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (t.empty() || ec != std::errc() || ptr != t.data() + t.size() || v < lo || v > hi) {
      return error(node, path, expected + ", found " + node.describe());
    }
    return v;
  }

  Result<double> read_cost(const YamlNode& node, const std::string& path) const {
    const std::string expected = "expected a cost, a finite number >= 0";
    if (!node.is_scalar()) return error(node, path, expected + ", found " + node.describe());
    auto v = sim::parse_number(trim(node.value));
    if (!v || !std::isfinite(*v) || *v < 0) return error(node, path, expected + ", found " + node.describe());
    return *v;
  }

  Result<PlanSpec> read(const YamlNode& plan) const {
    const std::string path = "plan";
    if (!plan.is_map())
      return error(plan, path, "expected the plan section (a mapping), found " + plan.describe());
    if (auto e = check_keys(plan, path,
                            {"device_options", "max_devices", "policies", "mps_percentages", "replicas"})) {
      return *e;
    }
    PlanSpec spec;
    spec.where = where(plan, path);

    const YamlNode* options = plan.find("device_options");
    if (options == nullptr) {
      return error(plan, path + ".device_options",
                   "expected device_options, the devices that can be bought (e.g. [{gpus: 1, cost: 1.0}]), "
                   "found none");
    }
    if (!options->is_sequence() || options->items.empty()) {
      return error(*options, path + ".device_options",
                   "expected a non-empty list of device options, found " + options->describe());
    }
    for (size_t i = 0; i < options->items.size(); ++i) {
      const YamlNode& item = options->items[i];
      const std::string ipath = path + ".device_options[" + std::to_string(i) + "]";
      if (!item.is_map())
        return error(item, ipath, "expected a device option {gpus: N, cost: C}, found " + item.describe());
      if (auto e = check_keys(item, ipath, {"name", "gpus", "cost", "gpu_profile"})) return *e;
      DeviceOption option;
      option.where = where(item, ipath);
      if (const YamlNode* v = item.find("gpus")) {
        auto gpus = read_int(*v, ipath + ".gpus", 1, 2);
        if (!gpus) return gpus.error();
        option.gpus = *gpus;
      }
      if (const YamlNode* v = item.find("cost")) {
        auto cost = read_cost(*v, ipath + ".cost");
        if (!cost) return cost.error();
        option.cost = *cost;
      } else {
        return error(item, ipath + ".cost", "expected a cost for this device option, found none");
      }
      if (const YamlNode* v = item.find("gpu_profile")) {
        if (!v->is_scalar() || v->value.empty())
          return error(*v, ipath + ".gpu_profile",
                       "expected a GPU profile name or path, found " + v->describe());
        option.gpu_profile = v->value;
      }
      option.name = std::to_string(option.gpus) + "gpu";
      if (const YamlNode* v = item.find("name")) {
        const bool ok =
            v->is_scalar() && !v->value.empty() && std::all_of(v->value.begin(), v->value.end(), [](char c) {
              return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                     c == '_';
            });
        if (!ok)
          return error(*v, ipath + ".name",
                       "expected a name of letters, digits, '-' and '_', found " + v->describe());
        option.name = v->value;
      }
      spec.device_options.push_back(std::move(option));
    }

    if (const YamlNode* v = plan.find("max_devices")) {
      auto n = read_int(*v, path + ".max_devices", 1, 64);
      if (!n) return n.error();
      spec.max_devices = *n;
    }

    if (const YamlNode* v = plan.find("policies")) {
      const std::string ppath = path + ".policies";
      if (!v->is_sequence() || v->items.empty()) {
        return error(
            *v, ppath,
            "expected a non-empty list of policies (passthrough, time-slicing, mps), found " + v->describe());
      }
      spec.policies.clear();
      for (size_t i = 0; i < v->items.size(); ++i) {
        const YamlNode& item = v->items[i];
        const std::string ipath = ppath + "[" + std::to_string(i) + "]";
        std::optional<PlanPolicy> policy;
        if (item.is_scalar()) {
          for (PlanPolicy p : {PlanPolicy::kPassthrough, PlanPolicy::kTimeSlicing, PlanPolicy::kMps}) {
            if (iequals(item.value, plan_policy_name(p))) policy = p;
          }
        }
        if (!policy)
          return error(item, ipath, "expected passthrough, time-slicing or mps, found " + item.describe());
        if (spec.allows(*policy))
          return error(item, ipath, "expected each policy once, found '" + item.value + "' again");
        spec.policies.push_back(*policy);
      }
    }

    if (const YamlNode* v = plan.find("mps_percentages")) {
      const std::string mpath = path + ".mps_percentages";
      if (v->is_scalar() && iequals(trim(v->value), "auto")) {
        spec.mps_percentages.reset();
      } else if (v->is_sequence() && !v->items.empty()) {
        std::vector<int> values;
        for (size_t i = 0; i < v->items.size(); ++i) {
          auto pct = read_int(v->items[i], mpath + "[" + std::to_string(i) + "]", 1, 100);
          if (!pct) return pct.error();
          values.push_back(*pct);
        }
        std::sort(values.begin(), values.end());
        values.erase(std::unique(values.begin(), values.end()), values.end());
        spec.mps_percentages = std::move(values);
      } else {
        return error(*v, mpath,
                     "expected 'auto' or a non-empty list of percentages 1..100, found " + v->describe());
      }
    }

    if (const YamlNode* v = plan.find("replicas")) {
      const std::string rpath = path + ".replicas";
      if (!v->is_map()) return error(*v, rpath, "expected {min: N, max: M}, found " + v->describe());
      if (auto e = check_keys(*v, rpath, {"min", "max"})) return *e;
      if (const YamlNode* m = v->find("min")) {
        auto n = read_int(*m, rpath + ".min", 1, 48);
        if (!n) return n.error();
        spec.replicas.min = *n;
      }
      spec.replicas.max = spec.replicas.min;
      if (const YamlNode* m = v->find("max")) {
        auto n = read_int(*m, rpath + ".max", spec.replicas.min, 48);
        if (!n) return n.error();
        spec.replicas.max = *n;
      }
    }
    return spec;
  }

 private:
  std::string file_;
};

}  // namespace

Result<PlanSpec> read_plan_section(const YamlNode& plan, const std::string& file) {
  return PlanReader(file).read(plan);
}

}  // namespace detail

Result<std::optional<PlanSpec>> read_plan_spec_text(std::string_view yaml_text, const std::string& file) {
  auto root = yaml::parse_yaml(yaml_text, file);
  if (!root) return root.error();
  const yaml::YamlNode* plan = root->find("plan");
  if (plan == nullptr) return std::optional<PlanSpec>{};
  auto spec = detail::read_plan_section(*plan, file);
  if (!spec) return spec.error();
  return std::optional<PlanSpec>(std::move(*spec));
}

}  // namespace sharesim::scenarios
