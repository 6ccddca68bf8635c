// A workload in the `workloads` section: its device and runtime (checked against what the
// device's setup creates), replicas, memory, env, arrivals, batching, request and SLO.
#include <string>
#include <variant>
#include <vector>

#include "scenario_reader.h"
#include "sharesim/sim/text_util.h"

namespace sharesim::scenarios::detail {

bool ScenarioReader::read_workload(const YamlNode& node, const std::string& path, const Scenario& s,
                                   WorkloadSpec& w) {
  if (!expect_map(node, path, "a workload")) return false;
  if (!check_keys(node, path,
                  {"name", "device", "runtime", "replicas", "memory", "env", "arrivals", "batching", "server",
                   "client", "request", "slo"})) {
    return false;
  }
  w.where = where(node, path);
  const YamlNode* n = required(node, path, "name", "the workload's name");
  if (n == nullptr || !read_string(*n, path + ".name", w.name)) return false;

  const YamlNode* dn = required(node, path, "device", "the name of a device in `devices`");
  if (dn == nullptr || !read_string(*dn, path + ".device", w.device)) return false;
  const DeviceSpec* device = nullptr;
  std::vector<std::string_view> device_names;
  for (const auto& d : s.devices) {
    device_names.push_back(d.name);
    if (d.name == w.device) device = &d;
  }
  if (device == nullptr) {
    const std::string sug = sim::closest_match(w.device, device_names);
    return fail(*dn, path + ".device",
                "expected the name of a device in `devices` (" + join(device_names) + "), found '" +
                    w.device + "'" + (sug.empty() ? "" : " (did you mean '" + sug + "'?)"));
  }

  // Runtime, checked against what the device's setup creates.
  std::vector<std::string_view> vms;
  bool has_kubernetes = false;
  bool has_iot_edge = false;
  for (const auto& step : device->setup) {
    if (const auto* vm = std::get_if<VmSetup>(&step)) vms.push_back(vm->name);
    has_kubernetes = has_kubernetes || std::holds_alternative<KubernetesSetup>(step);
    has_iot_edge = has_iot_edge || std::holds_alternative<IotEdgeSetup>(step);
  }
  if (const YamlNode* v = optional(node, "runtime")) {
    const std::string rp = path + ".runtime";
    if (!scalar(*v, rp, "kubernetes, iot-edge or vm:<name>")) return false;
    const std::string& r = v->value;
    if (r == "kubernetes") {
      w.runtime = RuntimeKind::kKubernetes;
    } else if (r == "iot-edge") {
      w.runtime = RuntimeKind::kIotEdge;
    } else if (r.rfind("vm:", 0) == 0) {
      w.runtime = RuntimeKind::kVm;
      w.vm = std::string(sim::trim(std::string_view(r).substr(3)));
      bool found = false;
      for (auto vm : vms) found = found || vm == w.vm;
      if (!found) {
        const std::string sug = sim::closest_match(w.vm, vms);
        return fail(*v, rp,
                    "expected vm:<name> naming a VM in device '" + device->name + "''s setup" +
                        (vms.empty() ? " (it creates no VM)" : " (" + join(vms) + ")") + ", found '" + r +
                        "'" + (sug.empty() ? "" : " (did you mean 'vm:" + sug + "'?)"));
      }
    } else {
      const std::string sug = sim::closest_match(r, {"kubernetes", "iot-edge"});
      return fail(*v, rp,
                  "expected kubernetes, iot-edge or vm:<name>, found " + v->describe() +
                      (sug.empty() ? "" : " (did you mean '" + sug + "'?)"));
    }
    if (w.runtime == RuntimeKind::kKubernetes && !has_kubernetes) {
      return fail(*v, rp,
                  "expected a runtime that device '" + device->name +
                      "''s setup creates, found kubernetes (add `- kubernetes: {}` to its setup)");
    }
    if (w.runtime == RuntimeKind::kIotEdge && !has_iot_edge) {
      return fail(*v, rp,
                  "expected a runtime that device '" + device->name +
                      "''s setup creates, found iot-edge (add `- iot-edge: {}` to its setup)");
    }
  } else if (!has_kubernetes) {
    return fail(
        node, path + ".runtime",
        "missing key 'runtime': the default, kubernetes, is not in device '" + device->name +
            "''s setup (write runtime: vm:<name> or iot-edge, or add `- kubernetes: {}` to the setup)");
  }

  if (const YamlNode* v = optional(node, "replicas");
      v != nullptr && !read_int(*v, path + ".replicas", 1, 100000, w.replicas))
    return false;
  if (const YamlNode* v = optional(node, "memory");
      v != nullptr && !read_bytes(*v, path + ".memory", false, w.memory_bytes))
    return false;
  if (const YamlNode* v = optional(node, "env"); v != nullptr && !read_env(*v, path + ".env", *device, w))
    return false;

  const YamlNode* a = required(node, path, "arrivals", "an arrival process, e.g. {poisson: {rate: 200/s}}");
  if (a == nullptr || !read_arrivals(*a, path + ".arrivals", w.arrivals)) return false;
  if (const YamlNode* v = optional(node, "batching")) {
    models::BatchingSpec b;
    if (!read_batching(*v, path + ".batching", b)) return false;
    w.batching = b;
  }
  if (const YamlNode* v = optional(node, "server");
      v != nullptr && !read_server(*v, path + ".server", w.server))
    return false;
  if (const YamlNode* v = optional(node, "client");
      v != nullptr && !read_client(*v, path + ".client", w.client))
    return false;
  const YamlNode* r = required(node, path, "request",
                               "the work of one request: {ops: [...]}, {profile: {...}} or {model: ...}");
  if (r == nullptr) return false;
  if (r->is_map() && optional(*r, "model") != nullptr) {
    if (!read_library_request(*r, path + ".request", *device, w.request, w.library_entry)) return false;
  } else if (!read_request(*r, path + ".request", *device, w.request)) {
    return false;
  }
  if (const YamlNode* v = optional(node, "slo"); v != nullptr && !read_slo(*v, path + ".slo", w.slo))
    return false;
  return true;
}

}  // namespace sharesim::scenarios::detail
