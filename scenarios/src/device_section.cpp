// The `devices` section: a device's GPUs, GPU profile, cost, sharing mode and setup steps
// (VMs, Kubernetes, IoT Edge) in creation order.
#include <limits>
#include <string>
#include <variant>

#include "scenario_reader.h"
#include "sharesim/sim/text_util.h"

namespace sharesim::scenarios::detail {

bool ScenarioReader::read_device(const YamlNode& node, const std::string& path, DeviceSpec& d) {
  if (!expect_map(node, path, "a device")) return false;
  if (!check_keys(node, path, {"name", "gpus", "gpu_profile", "cost", "sharing", "setup"})) return false;
  d.where = where(node, path);
  const YamlNode* n = required(node, path, "name", "the device's name");
  if (n == nullptr || !read_string(*n, path + ".name", d.name)) return false;
  if (auto [it, inserted] = device_name_nodes_.emplace(d.name, n); !inserted) {
    return fail(*n, path + ".name",
                "expected a unique device name, found '" + d.name + "' again (first at line " +
                    std::to_string(it->second->line) + ")");
  }
  if (const YamlNode* v = optional(node, "gpus")) {
    if (!scalar(*v, path + ".gpus", "1 or 2")) return false;
    const std::string t(sim::trim(v->value));
    if (t != "1" && t != "2") {
      return fail(*v, path + ".gpus",
                  "expected 1 or 2 (an edge device has one or two T4 GPUs), found " + v->describe());
    }
    d.gpus = t == "1" ? 1 : 2;
  }
  if (const YamlNode* v = optional(node, "gpu_profile")) {
    std::string profile;
    if (!read_string(*v, path + ".gpu_profile", profile)) return false;
    const bool is_path = profile.find('/') != std::string::npos || profile.find('\\') != std::string::npos ||
                         profile.ends_with(".yaml") || profile.ends_with(".yml");
    // Checked here (a located error), but kept as written: every consumer resolves it against the
    // scenario's folder, as for a plan's device options (keeping the resolved path resolved it twice).
    std::string found;
    if (is_path && !read_existing_file(*v, path + ".gpu_profile", found)) return false;
    d.gpu_profile = profile;
  }
  if (const YamlNode* v = optional(node, "cost")) {
    if (!read_number(*v, path + ".cost", 0, std::numeric_limits<double>::infinity(), false, d.cost))
      return false;
  }
  if (const YamlNode* v = optional(node, "sharing")) {
    if (!scalar(*v, path + ".sharing", "time-slicing or mps")) return false;
    if (v->value == "time-slicing") {
      d.sharing = ContainerSharing::kTimeSlicing;
    } else if (v->value == "mps") {
      d.sharing = ContainerSharing::kMps;
    } else {
      const std::string s = sim::closest_match(v->value, {"time-slicing", "mps"});
      return fail(*v, path + ".sharing",
                  "expected time-slicing or mps, found " + v->describe() +
                      (s.empty() ? "" : " (did you mean '" + s + "'?)"));
    }
  }
  if (const YamlNode* v = optional(node, "setup")) {
    if (!v->is_sequence())
      return fail(*v, path + ".setup",
                  "expected a list of setup steps (vm, kubernetes, iot-edge) in creation order, found " +
                      v->describe());
    for (size_t i = 0; i < v->items.size(); ++i) {
      if (!read_setup_step(v->items[i], index_path(path + ".setup", i), d)) return false;
    }
  } else {
    d.setup.emplace_back(KubernetesSetup{where(node, path)});
  }
  return true;
}

bool ScenarioReader::read_setup_step(const YamlNode& node, const std::string& path, DeviceSpec& d) {
  const auto* entry = one_of(node, path, "a setup step", {"vm", "kubernetes", "iot-edge"});
  if (entry == nullptr) return false;
  const auto& [key, value] = *entry;
  const std::string sub = key_path(path, key.value);
  if (key.value == "vm") {
    VmSetup vm;
    vm.where = where(key, sub);
    if (value.is_scalar()) {
      if (!read_string(value, sub, vm.name)) return false;
    } else {
      if (!expect_map(value, sub, "a VM name or {name, size, os, gpu_extension}")) return false;
      if (!check_keys(value, sub, {"name", "size", "os", "gpu_extension"})) return false;
      const YamlNode* n = required(value, sub, "name", "the VM's name");
      if (n == nullptr || !read_string(*n, sub + ".name", vm.name)) return false;
      if (const YamlNode* v = optional(value, "size");
          v != nullptr && !read_string(*v, sub + ".size", vm.size))
        return false;
      if (const YamlNode* v = optional(value, "os"); v != nullptr && !read_string(*v, sub + ".os", vm.os))
        return false;
      if (const YamlNode* v = optional(value, "gpu_extension");
          v != nullptr && !read_bool(*v, sub + ".gpu_extension", vm.gpu_extension))
        return false;
    }
    for (const auto& step : d.setup) {
      if (const auto* other = std::get_if<VmSetup>(&step); other != nullptr && other->name == vm.name) {
        return fail(key, sub,
                    "expected a unique VM name on device '" + d.name + "', found '" + vm.name +
                        "' again (first at line " + std::to_string(other->where.line) + ")");
      }
    }
    d.setup.emplace_back(std::move(vm));
    return true;
  }
  // kubernetes / iot-edge take no settings yet: {} or nothing.
  if (!value.is_null() && !(value.is_map() && value.entries.empty())) {
    if (value.is_map()) return check_keys(value, sub, {});
    return fail(value, sub, "expected {} (no settings), found " + value.describe());
  }
  if (key.value == "kubernetes") {
    d.setup.emplace_back(KubernetesSetup{where(key, sub)});
  } else {
    d.setup.emplace_back(IotEdgeSetup{where(key, sub)});
  }
  return true;
}

}  // namespace sharesim::scenarios::detail
