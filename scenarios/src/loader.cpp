// The scenario loader: YAML tree (yaml_tree.h) -> overrides (overrides.cpp) -> typed, validated
// Scenario. The schema lives here and in docs/scenarios.md; keep both in step.
#include "sharesim/scenarios/loader.h"

#include <charconv>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>

#include "expect_section.h"
#include "overrides.h"
#include "plan_section.h"
#include "sharesim/sim/input_file.h"
#include "sharesim/sim/time.h"
#include "sharesim/sim/units.h"
#include "text_util.h"
#include "yaml_tree.h"

namespace sharesim::scenarios {
namespace {

using detail::YamlNode;
namespace fs = std::filesystem;

std::string join(const std::vector<std::string_view>& words) {
  std::string out;
  for (auto w : words) out += (out.empty() ? "" : ", ") + std::string(w);
  return out;
}

std::string key_path(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}
std::string index_path(const std::string& parent, size_t i) {
  return parent + "[" + std::to_string(i) + "]";
}

// Reads the YAML tree into a Scenario. Each read_* returns false after recording the first error.
class Reader {
 public:
  Reader(std::string file, std::string base_dir, const LoadOptions& options)
      : file_(std::move(file)), base_dir_(std::move(base_dir)), options_(options) {}

  std::optional<Error> error;

  bool read(const YamlNode& root, Scenario& out);

 private:
  // ---- errors ----
  bool fail(const YamlNode& at, const std::string& path, std::string message) {
    if (!error)
      error = Error{at.origin.empty() ? file_ : at.origin, at.line, at.column, path, std::move(message)};
    return false;
  }
  SourceLocation where(const YamlNode& at, const std::string& path) const {
    return SourceLocation{at.origin.empty() ? file_ : at.origin, at.line, at.column, path};
  }

  // ---- structure ----
  bool expect_map(const YamlNode& node, const std::string& path, std::string_view what) {
    if (node.is_map()) return true;
    return fail(node, path, "expected " + std::string(what) + " (a mapping), found " + node.describe());
  }
  // Rejects keys not in `allowed`, suggesting the closest allowed key.
  bool check_keys(const YamlNode& map, const std::string& path,
                  const std::vector<std::string_view>& allowed) {
    for (const auto& [key, value] : map.entries) {
      bool known = false;
      for (auto a : allowed) known = known || a == key.value;
      if (known) continue;
      const std::string suggestion = detail::closest_match(key.value, allowed);
      std::string message = "unknown key '" + key.value + "'";
      if (!suggestion.empty()) message += " (did you mean '" + suggestion + "'?)";
      message += "; expected one of: " + join(allowed);
      return fail(key, key_path(path, key.value), message);
    }
    return true;
  }
  // The value of an optional key; nullptr when absent or null.
  static const YamlNode* optional(const YamlNode& map, std::string_view key) {
    const YamlNode* v = map.find(key);
    return (v == nullptr || v->is_null()) ? nullptr : v;
  }
  const YamlNode* required(const YamlNode& map, const std::string& path, std::string_view key,
                           std::string_view what) {
    const YamlNode* v = map.find(key);
    if (v == nullptr) {
      fail(map, path, "missing key '" + std::string(key) + "' (expected " + std::string(what) + ")");
      return nullptr;
    }
    if (v->is_null()) {
      fail(*v, key_path(path, key), "expected " + std::string(what) + ", found nothing");
      return nullptr;
    }
    return v;
  }
  // A mapping with exactly one key naming a kind, e.g. {poisson: {...}}. Returns the key's entry.
  const detail::YamlEntry* one_of(const YamlNode& node, const std::string& path, std::string_view what,
                                  const std::vector<std::string_view>& kinds) {
    if (!node.is_map() || node.entries.size() != 1) {
      fail(node, path,
           "expected " + std::string(what) + ": a mapping with exactly one of " + join(kinds) + ", found " +
               (node.is_map() ? std::to_string(node.entries.size()) + " keys" : node.describe()));
      return nullptr;
    }
    if (!check_keys(node, path, kinds)) return nullptr;
    return &node.entries.front();
  }

  // ---- scalars ----
  bool scalar(const YamlNode& node, const std::string& path, std::string_view what) {
    if (node.is_scalar()) return true;
    return fail(node, path, "expected " + std::string(what) + ", found " + node.describe());
  }
  bool read_string(const YamlNode& node, const std::string& path, std::string& out,
                   bool allow_empty = false) {
    if (!scalar(node, path, "a string")) return false;
    if (!allow_empty && detail::trim(node.value).empty())
      return fail(node, path, "expected a non-empty string, found ''");
    out = node.value;
    return true;
  }
  bool read_int(const YamlNode& node, const std::string& path, int64_t lo, int64_t hi, int64_t& out) {
    const std::string range = "an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
    if (!scalar(node, path, range)) return false;
    const std::string_view t = detail::trim(node.value);
    int64_t v = 0;
    const char* b = t.data();
    const char* e = t.data() + t.size();
    if (b != e && *b == '+') ++b;
    auto [ptr, ec] = std::from_chars(b, e, v);
    if (t.empty() || ec != std::errc() || ptr != e)
      return fail(node, path, "expected " + range + ", found " + node.describe());
    if (v < lo || v > hi) return fail(node, path, "expected " + range + ", found " + std::to_string(v));
    out = v;
    return true;
  }
  bool read_int(const YamlNode& node, const std::string& path, int lo, int hi, int& out) {
    int64_t v = 0;
    if (!read_int(node, path, int64_t{lo}, int64_t{hi}, v)) return false;
    out = static_cast<int>(v);
    return true;
  }
  bool read_number(const YamlNode& node, const std::string& path, double lo, double hi, bool lo_open,
                   double& out) {
    const std::string range = std::string("a number ") + (lo_open ? "> " : ">= ") +
                              detail::format_double(lo) +
                              (std::isinf(hi) ? "" : " and <= " + detail::format_double(hi));
    if (!scalar(node, path, range)) return false;
    auto v = sim::parse_number(node.value);
    if (!v) return fail(node, path, "expected " + range + ", found " + node.describe());
    if ((lo_open ? !(*v > lo) : !(*v >= lo)) || *v > hi)
      return fail(node, path, "expected " + range + ", found " + node.describe());
    out = *v;
    return true;
  }
  bool read_bool(const YamlNode& node, const std::string& path, bool& out) {
    if (!scalar(node, path, "true or false")) return false;
    if (node.value == "true" || node.value == "True" || node.value == "TRUE") {
      out = true;
      return true;
    }
    if (node.value == "false" || node.value == "False" || node.value == "FALSE") {
      out = false;
      return true;
    }
    return fail(node, path, "expected true or false, found " + node.describe());
  }
  // A duration with a unit; `positive` requires > 0, else >= 0.
  bool read_duration(const YamlNode& node, const std::string& path, bool positive, sim::Time& out) {
    const char* what = positive ? "a duration > 0 with a unit (ns, us, ms, s, m, h), e.g. 2ms"
                                : "a duration >= 0 with a unit (ns, us, ms, s, m, h), e.g. 2ms";
    if (!scalar(node, path, what)) return false;
    auto t = sim::parse_duration(node.value);
    if (!t) return fail(node, path, t.error().message);
    if (positive && *t <= sim::Time::zero())
      return fail(node, path, std::string("expected ") + what + ", found " + node.describe());
    out = *t;
    return true;
  }
  bool read_bytes(const YamlNode& node, const std::string& path, bool positive, int64_t& out) {
    if (!scalar(node, path, "a size such as 600KiB")) return false;
    auto b = sim::parse_bytes(node.value);
    if (!b) return fail(node, path, b.error().message);
    if (*b < 0 || (positive && *b == 0)) {
      return fail(
          node, path,
          std::string("expected a size ") + (positive ? "> 0" : ">= 0") + ", found " + node.describe());
    }
    out = *b;
    return true;
  }
  bool read_rate(const YamlNode& node, const std::string& path, bool allow_zero, double& out) {
    if (!scalar(node, path, "a rate such as 200/s")) return false;
    auto r = sim::parse_rate_per_second(node.value);
    if (!r) return fail(node, path, r.error().message);
    // Above 1e9/s arrivals would be closer together than the 1 ns time resolution.
    if (!std::isfinite(*r) || *r < 0 || (!allow_zero && *r == 0) || *r > 1e9) {
      return fail(node, path,
                  std::string("expected a rate ") + (allow_zero ? ">= 0" : "> 0") +
                      " and at most 1e9/s, found " + node.describe());
    }
    out = *r;
    return true;
  }
  std::string resolve(const std::string& file) const {
    const fs::path p(file);
    if (p.is_absolute() || base_dir_.empty()) return p.lexically_normal().string();
    return (fs::path(base_dir_) / p).lexically_normal().string();
  }
  bool read_existing_file(const YamlNode& node, const std::string& path, std::string& out) {
    std::string name;
    if (!read_string(node, path, name)) return false;
    out = resolve(name);
    std::error_code ec;
    if (!fs::is_regular_file(out, ec)) {
      return fail(node, path,
                  "expected an existing file (relative paths resolve against the scenario's folder), found "
                  "no file at '" +
                      out + "'");
    }
    return true;
  }

  // ---- sections ----
  bool read_device(const YamlNode& node, const std::string& path, DeviceSpec& d);
  bool read_setup_step(const YamlNode& node, const std::string& path, DeviceSpec& d);
  bool read_workload(const YamlNode& node, const std::string& path, const Scenario& s, WorkloadSpec& w);
  bool read_env(const YamlNode& node, const std::string& path, const DeviceSpec& device, WorkloadSpec& w);
  bool read_arrivals(const YamlNode& node, const std::string& path, models::ArrivalSpec& out);
  bool read_request(const YamlNode& node, const std::string& path, const DeviceSpec& device,
                    models::RequestSpec& out);
  bool read_op(const YamlNode& node, const std::string& path, const DeviceSpec& device, size_t index,
               std::vector<models::OpSpec>& ops);
  bool read_profile(const YamlNode& node, const std::string& path, const DeviceSpec& device,
                    std::vector<models::OpSpec>& ops);
  bool read_distribution(const YamlNode& node, const std::string& path, sim::DurationDistribution& out);
  bool read_slo(const YamlNode& node, const std::string& path, models::SloSpec& out);
  std::optional<GpuThroughput> throughput(const std::string& name_or_path) const {
    if (options_.gpu_throughput) {
      if (auto t = options_.gpu_throughput(name_or_path, base_dir_)) return t;
    }
    return builtin_gpu_throughput(name_or_path);
  }

  std::string file_;
  std::string base_dir_;
  const LoadOptions& options_;
  std::map<std::string, const YamlNode*> device_name_nodes_;
};

bool Reader::read(const YamlNode& root, Scenario& s) {
  if (!expect_map(root, "", "a scenario")) return false;
  if (!check_keys(root, "",
                  {"name", "description", "seed", "duration", "warmup", "utilization_window", "devices",
                   "workloads", "plan", "expect"})) {
    return false;
  }
  const YamlNode* n = required(root, "", "name", "the scenario's name");
  if (n == nullptr || !read_string(*n, "name", s.name)) return false;
  if (const YamlNode* v = optional(root, "description");
      v != nullptr && !scalar(*v, "description", "a string"))
    return false;
  if (const YamlNode* v = optional(root, "seed")) {
    if (!scalar(*v, "seed", "an integer >= 0")) return false;
    const std::string_view t = detail::trim(v->value);
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

bool Reader::read_device(const YamlNode& node, const std::string& path, DeviceSpec& d) {
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
    const std::string t(detail::trim(v->value));
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
      const std::string s = detail::closest_match(v->value, {"time-slicing", "mps"});
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

bool Reader::read_setup_step(const YamlNode& node, const std::string& path, DeviceSpec& d) {
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

bool Reader::read_workload(const YamlNode& node, const std::string& path, const Scenario& s,
                           WorkloadSpec& w) {
  if (!expect_map(node, path, "a workload")) return false;
  if (!check_keys(node, path,
                  {"name", "device", "runtime", "replicas", "memory", "env", "arrivals", "batching",
                   "request", "slo"})) {
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
    const std::string sug = detail::closest_match(w.device, device_names);
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
      w.vm = std::string(detail::trim(std::string_view(r).substr(3)));
      bool found = false;
      for (auto vm : vms) found = found || vm == w.vm;
      if (!found) {
        const std::string sug = detail::closest_match(w.vm, vms);
        return fail(*v, rp,
                    "expected vm:<name> naming a VM in device '" + device->name + "''s setup" +
                        (vms.empty() ? " (it creates no VM)" : " (" + join(vms) + ")") + ", found '" + r +
                        "'" + (sug.empty() ? "" : " (did you mean 'vm:" + sug + "'?)"));
      }
    } else {
      const std::string sug = detail::closest_match(r, {"kubernetes", "iot-edge"});
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
    const std::string bp = path + ".batching";
    if (!expect_map(*v, bp, "batching settings {max_batch, max_delay}")) return false;
    if (!check_keys(*v, bp, {"max_batch", "max_delay"})) return false;
    models::BatchingSpec b;
    const YamlNode* mb = required(*v, bp, "max_batch", "the largest batch, an integer >= 1");
    if (mb == nullptr || !read_int(*mb, bp + ".max_batch", 1, 1000000, b.max_batch)) return false;
    if (const YamlNode* md = optional(*v, "max_delay");
        md != nullptr && !read_duration(*md, bp + ".max_delay", false, b.max_delay))
      return false;
    w.batching = b;
  }
  const YamlNode* r =
      required(node, path, "request", "the work of one request: {ops: [...]} or {profile: {...}}");
  if (r == nullptr || !read_request(*r, path + ".request", *device, w.request)) return false;
  if (const YamlNode* v = optional(node, "slo"); v != nullptr && !read_slo(*v, path + ".slo", w.slo))
    return false;
  return true;
}

// NVIDIA's MPS memory-limit sizes: a number with K, M, G or T (binary multiples, as the MPS
// control daemon reads them; "KB", "MB", ... the same), or our KiB/MiB/GiB/TiB.
std::optional<int64_t> parse_mps_size(std::string_view text) {
  text = detail::trim(text);
  size_t i = 0;
  while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.')) ++i;
  if (i == 0) return std::nullopt;
  auto number = sim::parse_number(text.substr(0, i));
  if (!number || !(*number > 0)) return std::nullopt;
  std::string unit(detail::trim(text.substr(i)));
  for (auto& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (unit.size() == 3 && unit[1] == 'I' && unit[2] == 'B') unit = unit.substr(0, 1);
  if (unit.size() == 2 && unit[1] == 'B') unit = unit.substr(0, 1);
  double multiplier = 0;
  if (unit == "K")
    multiplier = 1024.0;
  else if (unit == "M")
    multiplier = 1024.0 * 1024.0;
  else if (unit == "G")
    multiplier = 1024.0 * 1024.0 * 1024.0;
  else if (unit == "T")
    multiplier = 1024.0 * 1024.0 * 1024.0 * 1024.0;
  else
    return std::nullopt;
  const double bytes = *number * multiplier;
  if (bytes >= 9.0e18) return std::nullopt;
  return static_cast<int64_t>(std::llround(bytes));
}

bool Reader::read_env(const YamlNode& node, const std::string& path, const DeviceSpec& device,
                      WorkloadSpec& w) {
  if (!expect_map(node, path, "environment variables (NAME: value)")) return false;
  for (const auto& [key, value] : node.entries) {
    const std::string p = key_path(path, key.value);
    if (!value.is_scalar() && !value.is_null()) {
      return fail(value, p, "expected a string value, found " + value.describe());
    }
    w.env[key.value] = value.value;
    const std::string v(detail::trim(value.value));
    if (key.value == "NVIDIA_VISIBLE_DEVICES") {
      const std::string one_gpu =
          std::string(
              "a module maps to exactly one GPU (no fractional use; one module cannot span two GPUs): ") +
          (device.gpus == 1 ? "name GPU index 0" : "name one GPU index, 0 or 1");
      if (v == "all") {
        if (device.gpus == 1) {
          w.visible_device = 0;
          continue;
        }
        return fail(
            value, p,
            "expected one GPU index, found 'all' on device '" + device.name + "' with 2 GPUs: " + one_gpu);
      }
      if (v.find(',') != std::string::npos) {
        return fail(value, p,
                    "expected one GPU index, found '" + v + "', which names several GPUs: " + one_gpu);
      }
      if (v.empty() || v == "none" || v == "void") {
        return fail(value, p,
                    "expected one GPU index, found '" + v +
                        "' (no GPU): this workload submits GPU work, so " + one_gpu);
      }
      if (v.find('.') != std::string::npos || v.find('/') != std::string::npos ||
          v.find('%') != std::string::npos) {
        return fail(value, p, "expected a whole GPU index, found the fraction '" + v + "': " + one_gpu);
      }
      int64_t index = -1;
      auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), index);
      if (ec != std::errc() || ptr != v.data() + v.size()) {
        return fail(value, p,
                    "expected a GPU index from 0 to " + std::to_string(device.gpus - 1) + ", found '" + v +
                        "' (GPU UUIDs are not modeled)");
      }
      if (index < 0 || index >= device.gpus) {
        return fail(value, p,
                    "expected a GPU index from 0 to " + std::to_string(device.gpus - 1) + ", found " +
                        std::to_string(index) + ": device '" + device.name + "' has " +
                        std::to_string(device.gpus) + (device.gpus == 1 ? " GPU" : " GPUs"));
      }
      w.visible_device = static_cast<int>(index);
    } else if (key.value == "CUDA_MPS_ACTIVE_THREAD_PERCENTAGE") {
      int64_t pct = 0;
      auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), pct);
      if (v.empty() || ec != std::errc() || ptr != v.data() + v.size() || pct < 1 || pct > 100) {
        return fail(value, p,
                    "expected an integer percentage from 1 to 100 (e.g. \"20\"), found '" + v + "'");
      }
      w.mps_active_thread_percentage = static_cast<int>(pct);
    } else if (key.value == "CUDA_MPS_PINNED_DEVICE_MEM_LIMIT") {
      // NVIDIA's form: a comma-separated list of <device ordinal>=<size>, e.g. "0=2G"; we also
      // take a bare "2G". Inside a container or VM the one GPU it sees is device 0.
      const std::string form =
          "expected <device>=<size> such as \"0=2G\" (sizes K, M, G, T are binary; the module's one GPU is "
          "device 0)";
      std::optional<int64_t> limit;
      size_t pos = 0;
      while (pos <= v.size()) {
        const size_t comma = v.find(',', pos);
        const std::string item(detail::trim(
            std::string_view(v).substr(pos, comma == std::string::npos ? std::string::npos : comma - pos)));
        pos = comma == std::string::npos ? v.size() + 1 : comma + 1;
        std::string size_text = item;
        if (const size_t eq = item.find('='); eq != std::string::npos) {
          const std::string ordinal(detail::trim(std::string_view(item).substr(0, eq)));
          size_text = item.substr(eq + 1);
          if (ordinal != "0") {
            return fail(value, p,
                        form + ", found device '" + ordinal + "' in '" + v +
                            "': a module sees exactly one GPU, as device 0");
          }
        }
        const auto bytes = parse_mps_size(size_text);
        if (!bytes) return fail(value, p, form + ", found '" + v + "'");
        if (limit) return fail(value, p, form + ", found device 0 twice in '" + v + "'");
        limit = bytes;
      }
      w.mps_pinned_mem_limit_bytes = limit;
    }
  }
  return true;
}

bool Reader::read_arrivals(const YamlNode& node, const std::string& path, models::ArrivalSpec& out) {
  const auto* entry =
      one_of(node, path, "an arrival process", {"poisson", "constant", "onoff", "closed_loop", "trace"});
  if (entry == nullptr) return false;
  const auto& [key, v] = *entry;
  const std::string p = key_path(path, key.value);
  if (!expect_map(v, p, "its settings")) return false;
  if (key.value == "poisson" || key.value == "constant") {
    if (!check_keys(v, p, {"rate"})) return false;
    const YamlNode* r = required(v, p, "rate", "a rate such as 200/s");
    double rate = 0;
    if (r == nullptr || !read_rate(*r, p + ".rate", false, rate)) return false;
    if (key.value == "poisson") {
      out = models::PoissonArrivals{rate};
    } else {
      out = models::ConstantArrivals{rate};
    }
    return true;
  }
  if (key.value == "onoff") {
    if (!check_keys(v, p, {"on_rate", "off_rate", "mean_on", "mean_off"})) return false;
    models::OnOffArrivals o;
    const YamlNode* on = required(v, p, "on_rate", "the arrival rate while on, e.g. 400/s");
    if (on == nullptr || !read_rate(*on, p + ".on_rate", false, o.on_rate_per_s)) return false;
    if (const YamlNode* off = optional(v, "off_rate");
        off != nullptr && !read_rate(*off, p + ".off_rate", true, o.off_rate_per_s))
      return false;
    const YamlNode* mon = required(v, p, "mean_on", "the mean length of an on period, e.g. 2s");
    if (mon == nullptr || !read_duration(*mon, p + ".mean_on", true, o.mean_on)) return false;
    const YamlNode* moff = required(v, p, "mean_off", "the mean length of an off period, e.g. 8s");
    if (moff == nullptr || !read_duration(*moff, p + ".mean_off", true, o.mean_off)) return false;
    out = o;
    return true;
  }
  if (key.value == "closed_loop") {
    if (!check_keys(v, p, {"clients", "think", "think_distribution"})) return false;
    models::ClosedLoopArrivals c;
    const YamlNode* cl = required(v, p, "clients", "the number of clients, an integer >= 1");
    if (cl == nullptr || !read_int(*cl, p + ".clients", 1, 1000000, c.clients)) return false;
    if (const YamlNode* t = optional(v, "think");
        t != nullptr && !read_duration(*t, p + ".think", false, c.think))
      return false;
    if (const YamlNode* t = optional(v, "think_distribution")) {
      if (!scalar(*t, p + ".think_distribution", "constant or exponential")) return false;
      if (t->value == "exponential") {
        c.think_exponential = true;
      } else if (t->value != "constant") {
        return fail(*t, p + ".think_distribution",
                    "expected constant or exponential, found " + t->describe());
      }
    }
    out = c;
    return true;
  }
  // trace
  if (!check_keys(v, p, {"file", "time_column", "time_scale", "scale_column", "start", "limit"}))
    return false;
  TraceCsvOptions o;
  std::string file;
  const YamlNode* f = required(v, p, "file", "the path of a trace CSV");
  if (f == nullptr || !read_existing_file(*f, p + ".file", file)) return false;
  if (const YamlNode* t = optional(v, "time_column");
      t != nullptr && !read_string(*t, p + ".time_column", o.time_column))
    return false;
  if (const YamlNode* t = optional(v, "time_scale");
      t != nullptr && !read_number(*t, p + ".time_scale", 0, 1e9, true, o.time_scale))
    return false;
  if (const YamlNode* t = optional(v, "scale_column");
      t != nullptr && !read_string(*t, p + ".scale_column", o.scale_column))
    return false;
  if (const YamlNode* t = optional(v, "start");
      t != nullptr && !read_int(*t, p + ".start", 0, std::numeric_limits<int64_t>::max(), o.start))
    return false;
  if (const YamlNode* t = optional(v, "limit")) {
    int64_t limit = 0;
    if (!read_int(*t, p + ".limit", 1, std::numeric_limits<int64_t>::max(), limit)) return false;
    o.limit = limit;
  }
  auto trace = load_trace_csv(file, o);
  if (!trace) {
    Error e = trace.error();
    if (e.file.empty() || e.line == 0) {
      // An option that does not fit the file (e.g. start beyond its end): point at the scenario.
      return fail(*f, p + (e.field.empty() ? ".file" : "." + e.field), e.message + " (in " + file + ")");
    }
    e.message += " (trace named at " + (f->origin.empty() ? file_ : f->origin) + ":" +
                 std::to_string(f->line) + ", " + p + ".file)";
    if (!error) error = e;
    return false;
  }
  out = std::move(*trace);
  return true;
}

bool Reader::read_distribution(const YamlNode& node, const std::string& path,
                               sim::DurationDistribution& out) {
  if (node.is_scalar()) {
    sim::Time t;
    if (!read_duration(node, path, false, t)) return false;
    out = sim::DurationDistribution::deterministic(t);
    return true;
  }
  const auto* entry =
      one_of(node, path, "a duration or a distribution", {"constant", "exponential", "lognormal", "uniform"});
  if (entry == nullptr) return false;
  const auto& [key, v] = *entry;
  const std::string p = key_path(path, key.value);
  if (key.value == "constant" || key.value == "exponential") {
    sim::Time t;
    if (!read_duration(v, p, true, t)) return false;
    out = key.value == "constant" ? sim::DurationDistribution::deterministic(t)
                                  : sim::DurationDistribution::exponential(t);
    return true;
  }
  if (key.value == "lognormal") {
    if (!expect_map(v, p, "{mean, cv}")) return false;
    if (!check_keys(v, p, {"mean", "cv"})) return false;
    sim::Time mean;
    double cv = 0;
    const YamlNode* m = required(v, p, "mean", "the mean duration, e.g. 2ms");
    if (m == nullptr || !read_duration(*m, p + ".mean", true, mean)) return false;
    const YamlNode* c = required(v, p, "cv", "the coefficient of variation (stddev / mean), >= 0");
    if (c == nullptr || !read_number(*c, p + ".cv", 0, 100, false, cv)) return false;
    out = sim::DurationDistribution::lognormal(mean, cv);
    return true;
  }
  // uniform: [lo, hi]
  if (!v.is_sequence() || v.items.size() != 2) {
    return fail(v, p, "expected [low, high], two durations, found " + v.describe());
  }
  sim::Time lo, hi;
  if (!read_duration(v.items[0], p + "[0]", false, lo) || !read_duration(v.items[1], p + "[1]", true, hi))
    return false;
  if (lo > hi) {
    return fail(v.items[1], p + "[1]",
                "expected a high bound >= the low bound (" + sim::format_duration(lo) + "), found " +
                    sim::format_duration(hi));
  }
  out = sim::DurationDistribution::uniform(lo, hi);
  return true;
}

bool Reader::read_request(const YamlNode& node, const std::string& path, const DeviceSpec& device,
                          models::RequestSpec& out) {
  if (!expect_map(node, path, "a request {ops: [...]} or {profile: {...}}")) return false;
  if (!check_keys(node, path, {"ops", "profile"})) return false;
  const YamlNode* ops = optional(node, "ops");
  const YamlNode* profile = optional(node, "profile");
  if ((ops == nullptr) == (profile == nullptr)) {
    return fail(
        node, path,
        std::string("expected exactly one of 'ops' or 'profile', found ") + (ops ? "both" : "neither"));
  }
  if (profile != nullptr) return read_profile(*profile, path + ".profile", device, out.ops);
  if (!ops->is_sequence() || ops->items.empty()) {
    return fail(*ops, path + ".ops",
                "expected a non-empty list of operations (h2d, kernel, d2h, host, profile), found " +
                    ops->describe());
  }
  for (size_t i = 0; i < ops->items.size(); ++i) {
    if (!read_op(ops->items[i], index_path(path + ".ops", i), device, i, out.ops)) return false;
  }
  return true;
}

bool Reader::read_op(const YamlNode& node, const std::string& path, const DeviceSpec& device, size_t index,
                     std::vector<models::OpSpec>& ops) {
  const auto* entry = one_of(node, path, "an operation", {"h2d", "d2h", "kernel", "host", "profile"});
  if (entry == nullptr) return false;
  const auto& [key, v] = *entry;
  const std::string p = key_path(path, key.value);
  const std::string default_name = key.value + "#" + std::to_string(index);
  if (key.value == "h2d" || key.value == "d2h") {
    models::CopyOpSpec c;
    c.name = default_name;
    c.direction =
        key.value == "h2d" ? models::CopyDirection::kHostToDevice : models::CopyDirection::kDeviceToHost;
    if (v.is_scalar()) {
      if (!read_bytes(v, p, true, c.bytes)) return false;
    } else {
      if (!expect_map(v, p, "a size or {bytes, per_item, pinned}")) return false;
      if (!check_keys(v, p, {"name", "bytes", "per_item", "pinned"})) return false;
      if (const YamlNode* n = optional(v, "name"); n != nullptr && !read_string(*n, p + ".name", c.name))
        return false;
      const YamlNode* b =
          required(v, p, "bytes", "the fixed size of the copy, e.g. 600KiB (0 when it is all per item)");
      if (b == nullptr || !read_bytes(*b, p + ".bytes", false, c.bytes)) return false;
      if (const YamlNode* pi = optional(v, "per_item");
          pi != nullptr && !read_bytes(*pi, p + ".per_item", false, c.per_item_bytes))
        return false;
      if (const YamlNode* pn = optional(v, "pinned");
          pn != nullptr && !read_bool(*pn, p + ".pinned", c.pinned))
        return false;
      if (c.bytes == 0 && c.per_item_bytes == 0)
        return fail(*b, p + ".bytes", "expected bytes or per_item > 0, found both 0");
    }
    ops.emplace_back(std::move(c));
    return true;
  }
  if (key.value == "kernel") {
    models::KernelOpSpec k;
    k.name = default_name;
    if (!expect_map(v, p, "{duration, per_item, sms, memory_bound}")) return false;
    if (!check_keys(v, p, {"name", "duration", "per_item", "sms", "memory_bound"})) return false;
    if (const YamlNode* n = optional(v, "name"); n != nullptr && !read_string(*n, p + ".name", k.name))
      return false;
    const YamlNode* d = required(
        v, p, "duration", "the kernel's solo duration on the whole GPU, e.g. 1.2ms or {exponential: 2ms}");
    if (d == nullptr || !read_distribution(*d, p + ".duration", k.duration)) return false;
    if (const YamlNode* pi = optional(v, "per_item");
        pi != nullptr && !read_duration(*pi, p + ".per_item", false, k.per_item))
      return false;
    if (k.duration.mean() <= sim::Time::zero() && k.per_item <= sim::Time::zero()) {
      return fail(*d, p + ".duration", "expected a duration > 0 (or per_item > 0), found " + d->describe());
    }
    if (const YamlNode* s = optional(v, "sms"); s != nullptr && !read_int(*s, p + ".sms", 1, 100000, k.sms))
      return false;
    if (const YamlNode* m = optional(v, "memory_bound");
        m != nullptr && !read_number(*m, p + ".memory_bound", 0, 1, false, k.memory_bound))
      return false;
    ops.emplace_back(std::move(k));
    return true;
  }
  if (key.value == "host") {
    models::HostOpSpec h;
    h.name = default_name;
    if (v.is_scalar()) {
      if (!read_duration(v, p, true, h.duration)) return false;
    } else {
      if (!expect_map(v, p, "a duration or {duration, per_item}")) return false;
      if (!check_keys(v, p, {"name", "duration", "per_item"})) return false;
      if (const YamlNode* n = optional(v, "name"); n != nullptr && !read_string(*n, p + ".name", h.name))
        return false;
      const YamlNode* d = required(v, p, "duration", "the fixed CPU time, e.g. 2ms");
      if (d == nullptr || !read_duration(*d, p + ".duration", false, h.duration)) return false;
      if (const YamlNode* pi = optional(v, "per_item");
          pi != nullptr && !read_duration(*pi, p + ".per_item", false, h.per_item))
        return false;
      if (h.duration <= sim::Time::zero() && h.per_item <= sim::Time::zero()) {
        return fail(*d, p + ".duration", "expected a duration > 0 (or per_item > 0), found " + d->describe());
      }
    }
    ops.emplace_back(std::move(h));
    return true;
  }
  return read_profile(v, p, device, ops);
}

bool Reader::read_profile(const YamlNode& node, const std::string& path, const DeviceSpec& device,
                          std::vector<models::OpSpec>& ops) {
  if (!expect_map(node, path, "{file, format, measured_on, per_item}")) return false;
  if (!check_keys(node, path, {"file", "format", "measured_on", "per_item"})) return false;
  std::string file;
  const YamlNode* f = required(node, path, "file", "the path of a kernel-profile or nsys CSV");
  if (f == nullptr || !read_existing_file(*f, path + ".file", file)) return false;
  bool nsys = false;
  if (const YamlNode* fmt = optional(node, "format")) {
    if (!scalar(*fmt, path + ".format", "kernels or nsys")) return false;
    if (fmt->value == "nsys") {
      nsys = true;
    } else if (fmt->value != "kernels") {
      const std::string s = detail::closest_match(fmt->value, {"kernels", "nsys"});
      return fail(*fmt, path + ".format",
                  "expected kernels or nsys, found " + fmt->describe() +
                      (s.empty() ? "" : " (did you mean '" + s + "'?)"));
    }
  }
  bool per_item = false;
  if (const YamlNode* pi = optional(node, "per_item");
      pi != nullptr && !read_bool(*pi, path + ".per_item", per_item))
    return false;
  std::optional<GpuThroughput> from, to;
  if (const YamlNode* m = optional(node, "measured_on")) {
    std::string gpu;
    if (!read_string(*m, path + ".measured_on", gpu)) return false;
    from = throughput(gpu);
    if (!from) {
      return fail(*m, path + ".measured_on",
                  "expected a GPU whose SM count, clock and DRAM bandwidth are known (built in: t4, "
                  "v100-16gb), found '" +
                      gpu + "'");
    }
    to = throughput(device.gpu_profile);
    if (!to) {
      return fail(*m, path + ".measured_on",
                  "cannot rescale: the SM count, clock and DRAM bandwidth of device '" + device.name +
                      "''s gpu_profile '" + device.gpu_profile + "' are not known");
    }
  }
  std::vector<models::OpSpec> loaded;
  if (nsys) {
    NsysOptions o;
    o.measured_on = from;
    o.target = to;
    if (options_.sm_limits) {
      if (auto limits = options_.sm_limits(device.gpu_profile, base_dir_)) o.limits = *limits;
    }
    auto r = load_nsys_gpu_trace_csv(file, o);
    if (!r) {
      if (!error) error = r.error();
      return false;
    }
    loaded = std::move(*r);
  } else {
    KernelProfileOptions o;
    o.measured_on = from;
    o.target = to;
    auto r = load_kernel_profile_csv(file, o);
    if (!r) {
      if (!error) error = r.error();
      return false;
    }
    for (auto& k : *r) loaded.emplace_back(std::move(k));
  }
  if (per_item) {
    // The profile is the work of one item: it all grows with the batch (and a trace's work scale).
    for (auto& op : loaded) {
      if (auto* k = std::get_if<models::KernelOpSpec>(&op)) {
        k->per_item = k->duration.mean();
        k->duration = sim::DurationDistribution::deterministic(sim::Time::zero());
      } else if (auto* c = std::get_if<models::CopyOpSpec>(&op)) {
        c->per_item_bytes = c->bytes;
        c->bytes = 0;
      }
    }
  }
  for (auto& op : loaded) ops.push_back(std::move(op));
  return true;
}

bool Reader::read_slo(const YamlNode& node, const std::string& path, models::SloSpec& out) {
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

}  // namespace

Result<std::pair<std::string, std::string>> split_override(std::string_view text) {
  return detail::split_override(text);
}

Result<Scenario> load_scenario_text(std::string_view yaml, const std::string& file,
                                    const std::string& base_dir, const LoadOptions& options) {
  auto tree = detail::parse_yaml(yaml, file);
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
  Reader reader(file, base_dir, options);
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
