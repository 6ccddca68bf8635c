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

bool PlanSpec::allows(size_t option, PlanPolicy policy) const {
  if (option < device_options.size() && !device_options[option].policies.empty()) {
    const auto& own = device_options[option].policies;
    return std::find(own.begin(), own.end(), policy) != own.end();
  }
  return allows(policy);
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

  Result<std::vector<PlanPolicy>> read_policies(const YamlNode& v, const std::string& ppath) const {
    if (!v.is_sequence() || v.items.empty()) {
      return error(
          v, ppath,
          "expected a non-empty list of policies (passthrough, time-slicing, mps), found " + v.describe());
    }
    std::vector<PlanPolicy> policies;
    for (size_t i = 0; i < v.items.size(); ++i) {
      const YamlNode& item = v.items[i];
      const std::string ipath = ppath + "[" + std::to_string(i) + "]";
      std::optional<PlanPolicy> policy;
      if (item.is_scalar()) {
        for (PlanPolicy p : {PlanPolicy::kPassthrough, PlanPolicy::kTimeSlicing, PlanPolicy::kMps}) {
          if (iequals(item.value, plan_policy_name(p))) policy = p;
        }
      }
      if (!policy)
        return error(item, ipath, "expected passthrough, time-slicing or mps, found " + item.describe());
      if (std::find(policies.begin(), policies.end(), *policy) != policies.end())
        return error(item, ipath, "expected each policy once, found '" + item.value + "' again");
      policies.push_back(*policy);
    }
    return policies;
  }

  Result<std::string> read_name(const YamlNode& v, const std::string& path, const std::string& what) const {
    if (!v.is_scalar() || trim(v.value).empty())
      return error(v, path, "expected " + what + ", found " + v.describe());
    return std::string(trim(v.value));
  }

  // The constraint keys: target, owned, passthrough, exclusive, headroom.
  std::optional<Error> read_constraints(const YamlNode& plan, const std::string& path, PlanSpec& spec) const {
    if (const YamlNode* v = plan.find("target")) {
      const auto t = v->is_scalar() ? models::parse_deploy_target(trim(v->value)) : std::nullopt;
      if (!t)
        return error(*v, path + ".target",
                     "expected azure-stack-edge or kubernetes-device-plugin, found " + v->describe());
      spec.target = *t;
    }
    if (const YamlNode* v = plan.find("owned")) {
      const std::string opath = path + ".owned";
      if (!v->is_sequence() || v->items.empty())
        return error(*v, opath, "expected a list of {option: NAME, count: N}, found " + v->describe());
      for (size_t i = 0; i < v->items.size(); ++i) {
        const YamlNode& item = v->items[i];
        const std::string ipath = opath + "[" + std::to_string(i) + "]";
        if (!item.is_map())
          return error(item, ipath, "expected {option: NAME, count: N}, found " + item.describe());
        if (auto e = check_keys(item, ipath, {"option", "count"})) return e;
        OwnedDevices owned;
        owned.where = where(item, ipath);
        const YamlNode* o = item.find("option");
        if (o == nullptr)
          return error(item, ipath + ".option", "expected the name of a device option, found none");
        auto name = read_name(*o, ipath + ".option", "the name of a device option");
        if (!name) return name.error();
        std::string names;
        bool found = false;
        for (size_t k = 0; k < spec.device_options.size(); ++k) {
          names += (k ? ", " : "") + spec.device_options[k].name;
          if (spec.device_options[k].name == *name) {
            if (found)
              return error(
                  *o, ipath + ".option",
                  "expected a device option name used once, found '" + *name + "' twice among the options");
            owned.option = k;
            found = true;
          }
        }
        if (!found)
          return error(*o, ipath + ".option",
                       "expected one of the device options (" + names + "), found '" + *name + "'");
        for (const OwnedDevices& other : spec.owned)
          if (other.option == owned.option)
            return error(*o, ipath + ".option", "expected each option once, found '" + *name + "' again");
        if (const YamlNode* c = item.find("count")) {
          auto n = read_int(*c, ipath + ".count", 1, 64);
          if (!n) return n.error();
          owned.count = *n;
        }
        spec.owned.push_back(std::move(owned));
      }
    }
    if (const YamlNode* v = plan.find("passthrough")) {
      const std::string ppath = path + ".passthrough";
      if (!v->is_sequence() || v->items.empty())
        return error(
            *v, ppath,
            "expected a list of workloads ({workload: NAME, vm: VM} or NAME), found " + v->describe());
      for (size_t i = 0; i < v->items.size(); ++i) {
        const YamlNode& item = v->items[i];
        const std::string ipath = ppath + "[" + std::to_string(i) + "]";
        PassthroughPin pin;
        pin.where = where(item, ipath);
        if (item.is_map()) {
          if (auto e = check_keys(item, ipath, {"workload", "vm"})) return e;
          const YamlNode* w = item.find("workload");
          if (w == nullptr)
            return error(item, ipath + ".workload", "expected the workload's name, found none");
          auto name = read_name(*w, ipath + ".workload", "a workload name");
          if (!name) return name.error();
          pin.workload = *name;
          if (const YamlNode* vm = item.find("vm")) {
            auto vm_name = read_name(*vm, ipath + ".vm", "a VM name");
            if (!vm_name) return vm_name.error();
            pin.vm = *vm_name;
          }
        } else {
          auto name = read_name(item, ipath, "a workload name or {workload: NAME, vm: VM}");
          if (!name) return name.error();
          pin.workload = *name;
        }
        spec.passthrough.push_back(std::move(pin));
      }
    }
    if (const YamlNode* v = plan.find("exclusive")) {
      const std::string epath = path + ".exclusive";
      if (!v->is_sequence() || v->items.empty())
        return error(*v, epath, "expected a list of workload names, found " + v->describe());
      spec.exclusive_where = where(*v, epath);
      for (size_t i = 0; i < v->items.size(); ++i) {
        auto name = read_name(v->items[i], epath + "[" + std::to_string(i) + "]", "a workload name");
        if (!name) return name.error();
        spec.exclusive.push_back(*name);
      }
    }
    if (const YamlNode* v = plan.find("headroom")) {
      const std::string hpath = path + ".headroom";
      const std::string expected = "expected a headroom from 0 to 0.9 (or 0% to 90%)";
      std::string_view t = v->is_scalar() ? trim(v->value) : std::string_view{};
      const bool percent = !t.empty() && t.back() == '%';
      if (percent) t.remove_suffix(1);
      auto h = sim::parse_number(trim(t));
      if (t.empty() || !h || !std::isfinite(*h))
        return error(*v, hpath, expected + ", found " + v->describe());
      const double value = percent ? *h / 100 : *h;
      if (value < 0 || value > 0.9) return error(*v, hpath, expected + ", found " + v->describe());
      spec.headroom = value;
    }
    return std::nullopt;
  }

  Result<PlanSpec> read(const YamlNode& plan) const {
    const std::string path = "plan";
    if (!plan.is_map())
      return error(plan, path, "expected the plan section (a mapping), found " + plan.describe());
    if (auto e = check_keys(plan, path,
                            {"device_options", "max_devices", "policies", "mps_percentages", "replicas",
                             "target", "owned", "passthrough", "exclusive", "headroom"})) {
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
      if (auto e = check_keys(item, ipath, {"name", "gpus", "cost", "gpu_profile", "policies"})) return *e;
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
      if (const YamlNode* v = item.find("policies")) {
        auto policies = read_policies(*v, ipath + ".policies");
        if (!policies) return policies.error();
        option.policies = std::move(*policies);
      }
      spec.device_options.push_back(std::move(option));
    }

    if (const YamlNode* v = plan.find("max_devices")) {
      auto n = read_int(*v, path + ".max_devices", 1, 64);
      if (!n) return n.error();
      spec.max_devices = *n;
    }

    if (const YamlNode* v = plan.find("policies")) {
      auto policies = read_policies(*v, path + ".policies");
      if (!policies) return policies.error();
      spec.policies = std::move(*policies);
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
    if (auto e = read_constraints(plan, path, spec)) return *e;
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
