// GPU profile loading: YAML (the located tree of yaml/yaml_tree.h) -> GpuProfile, with every
// value's unit checked and converted.
#include "sharesim/models/gpu_profile.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "builtin_gpu_profiles.h"
#include "sharesim/sim/input_file.h"
#include "sharesim/sim/units.h"
#include "sharesim/yaml/yaml_tree.h"

namespace sharesim::models {
namespace {

enum class Kind { kCount, kClock, kRatio, kBool, kEnum, kBytes, kBandwidth, kDuration };

// One parameter of the file format: its key, its kind, the accepted range (for numeric kinds, in
// the converted unit) and where it goes in GpuProfile.
struct ParameterRule {
  std::string_view key;
  Kind kind;
  double min;
  double max;
  void (*assign)(GpuProfile&, double number, bool flag, std::string_view word, sim::Time duration);
  bool optional = false;  // may be left out of a profile file
};

constexpr double kInf = 1e300;

// clang-format off
const std::array<ParameterRule, 33> kRules = {{
  {"sm_count", Kind::kCount, 1, 100000, [](GpuProfile& p, double v, bool, std::string_view, sim::Time) { p.sm_count = static_cast<int>(v); }},
  {"max_threads_per_sm", Kind::kCount, 1, 1e6, [](GpuProfile& p, double v, bool, std::string_view, sim::Time) { p.max_threads_per_sm = static_cast<int>(v); }},
  {"max_blocks_per_sm", Kind::kCount, 1, 1e6, [](GpuProfile& p, double v, bool, std::string_view, sim::Time) { p.max_blocks_per_sm = static_cast<int>(v); }},
  {"base_clock", Kind::kClock, 1, 1e5, [](GpuProfile& p, double v, bool, std::string_view, sim::Time) { p.base_clock_mhz = v; }},
  {"boost_clock", Kind::kClock, 1, 1e5, [](GpuProfile& p, double v, bool, std::string_view, sim::Time) { p.boost_clock_mhz = v; }},
  {"sustained_clock_factor", Kind::kRatio, 1e-3, 1, [](GpuProfile& p, double v, bool, std::string_view, sim::Time) { p.sustained_clock_factor = v; }},
  {"dram_bandwidth_nominal", Kind::kBandwidth, 1, kInf, [](GpuProfile& p, double v, bool, std::string_view, sim::Time) { p.dram_bandwidth_nominal = v; }},
  {"dram_bandwidth_effective", Kind::kBandwidth, 1, kInf, [](GpuProfile& p, double v, bool, std::string_view, sim::Time) { p.dram_bandwidth_effective = v; }},
  {"memory_total", Kind::kBytes, 1, kInf, [](GpuProfile& p, double v, bool, std::string_view, sim::Time) { p.memory_total_bytes = static_cast<int64_t>(v); }},
  {"memory_usable", Kind::kBytes, 1, kInf, [](GpuProfile& p, double v, bool, std::string_view, sim::Time) { p.memory_usable_bytes = static_cast<int64_t>(v); }},
  {"l2_cache", Kind::kBytes, 0, kInf, [](GpuProfile& p, double v, bool, std::string_view, sim::Time) { p.l2_cache_bytes = static_cast<int64_t>(v); }},
  {"copy_engines", Kind::kCount, 1, 64, [](GpuProfile& p, double v, bool, std::string_view, sim::Time) { p.copy_engines = static_cast<int>(v); }},
  {"pcie_h2d_pinned", Kind::kBandwidth, 1, kInf, [](GpuProfile& p, double v, bool, std::string_view, sim::Time) { p.pcie_h2d_pinned = v; }},
  {"pcie_h2d_pageable", Kind::kBandwidth, 1, kInf, [](GpuProfile& p, double v, bool, std::string_view, sim::Time) { p.pcie_h2d_pageable = v; }},
  {"pcie_d2h_pinned", Kind::kBandwidth, 1, kInf, [](GpuProfile& p, double v, bool, std::string_view, sim::Time) { p.pcie_d2h_pinned = v; }},
  {"pcie_d2h_pageable", Kind::kBandwidth, 1, kInf, [](GpuProfile& p, double v, bool, std::string_view, sim::Time) { p.pcie_d2h_pageable = v; }},
  {"copy_latency", Kind::kDuration, 0, kInf, [](GpuProfile& p, double, bool, std::string_view, sim::Time t) { p.copy_latency = t; }},
  {"kernel_launch_overhead", Kind::kDuration, 0, kInf, [](GpuProfile& p, double, bool, std::string_view, sim::Time t) { p.kernel_launch_overhead = t; }},
  {"time_slice", Kind::kDuration, 1, kInf, [](GpuProfile& p, double, bool, std::string_view, sim::Time t) { p.time_slice = t; }},
  {"context_switch_cost", Kind::kDuration, 0, kInf, [](GpuProfile& p, double, bool, std::string_view, sim::Time t) { p.context_switch_cost = t; }},
  {"timeslice_copies_overlap", Kind::kBool, 0, 0, [](GpuProfile& p, double, bool b, std::string_view, sim::Time) { p.timeslice_copies_overlap = b; }},
  {"mps_max_clients", Kind::kCount, 1, 1e6, [](GpuProfile& p, double v, bool, std::string_view, sim::Time) { p.mps_max_clients = static_cast<int>(v); }},
  {"mps_sm_rounding", Kind::kEnum, 0, 0, [](GpuProfile& p, double, bool, std::string_view w, sim::Time) {
     p.mps_sm_rounding = w == "floor" ? SmCapRounding::kFloor : w == "ceil" ? SmCapRounding::kCeil : SmCapRounding::kNearest; }},
  {"mps_interference_penalty", Kind::kRatio, 0, 100, [](GpuProfile& p, double v, bool, std::string_view, sim::Time) { p.mps_interference_penalty = v; }},
  // Optional (absent: the GpuProfile default, which leaves the model as before these existed).
  {"registers_per_sm", Kind::kCount, 1, 1e9, [](GpuProfile& p, double v, bool, std::string_view, sim::Time) { p.registers_per_sm = static_cast<int>(v); }, true},
  {"register_allocation_unit", Kind::kCount, 1, 1e6, [](GpuProfile& p, double v, bool, std::string_view, sim::Time) { p.register_allocation_unit = static_cast<int>(v); }, true},
  {"shared_memory_per_sm", Kind::kBytes, 1, kInf, [](GpuProfile& p, double v, bool, std::string_view, sim::Time) { p.shared_memory_per_sm = static_cast<int64_t>(v); }, true},
  {"dram_bandwidth_per_sm", Kind::kBandwidth, 0, kInf, [](GpuProfile& p, double v, bool, std::string_view, sim::Time) { p.dram_bandwidth_per_sm = v; }, true},
  {"mps_sm_granularity", Kind::kCount, 1, 1e6, [](GpuProfile& p, double v, bool, std::string_view, sim::Time) { p.mps_sm_granularity = static_cast<int>(v); }, true},
  {"mps_interference_per_client", Kind::kRatio, 0, 100, [](GpuProfile& p, double v, bool, std::string_view, sim::Time) { p.mps_interference_per_client = v; }, true},
  {"mps_interference_memory", Kind::kRatio, 0, 100, [](GpuProfile& p, double v, bool, std::string_view, sim::Time) { p.mps_interference_memory = v; }, true},
  {"mps_launch_gap_per_client", Kind::kDuration, 0, kInf, [](GpuProfile& p, double, bool, std::string_view, sim::Time t) { p.mps_launch_gap_per_client = t; }, true},
  {"issue_saturation_warps", Kind::kCount, 0, 1e6, [](GpuProfile& p, double v, bool, std::string_view, sim::Time) { p.issue_saturation_warps = static_cast<int>(v); }, true},
}};
// clang-format on

struct UnitScale {
  std::string_view unit;
  double scale;  // to the kind's base unit
};
constexpr std::array<UnitScale, 2> kClockUnits = {{{"MHz", 1.0}, {"GHz", 1000.0}}};
constexpr std::array<UnitScale, 7> kBandwidthUnits = {{{"B/s", 1.0},
                                                       {"KB/s", 1e3},
                                                       {"MB/s", 1e6},
                                                       {"GB/s", 1e9},
                                                       {"KiB/s", 1024.0},
                                                       {"MiB/s", 1024.0 * 1024.0},
                                                       {"GiB/s", 1024.0 * 1024.0 * 1024.0}}};
constexpr std::array<std::string_view, 7> kByteUnits = {"B", "KB", "MB", "GB", "KiB", "MiB", "GiB"};
constexpr std::array<std::string_view, 4> kDurationUnits = {"ns", "us", "ms", "s"};
constexpr std::array<std::string_view, 3> kRoundingWords = {"floor", "nearest", "ceil"};

std::string_view kind_units(Kind kind) {
  switch (kind) {
    case Kind::kCount:
      return "count";
    case Kind::kClock:
      return "MHz or GHz";
    case Kind::kRatio:
      return "ratio";
    case Kind::kBool:
      return "bool";
    case Kind::kEnum:
      return "enum";
    case Kind::kBytes:
      return "B, KB, MB, GB, KiB, MiB or GiB";
    case Kind::kBandwidth:
      return "B/s, KB/s, MB/s, GB/s, KiB/s, MiB/s or GiB/s";
    case Kind::kDuration:
      return "ns, us, ms or s";
  }
  return "";
}

class Loader {
 public:
  explicit Loader(std::string file) : file_(std::move(file)) {}

  Error error_at(const yaml::YamlNode& node, const std::string& field, std::string message) const {
    Error e;
    e.file = file_;
    e.line = node.line;
    e.column = node.column;
    e.field = field;
    e.message = std::move(message);
    return e;
  }

  Result<GpuProfile> load(std::string_view text) {
    // Duplicate keys are kept so that a parameter given twice is reported as such (below).
    auto root = yaml::parse_yaml(text, file_, yaml::ParseOptions{.keep_duplicate_keys = true});
    if (!root) {
      Error e = root.error();
      // The tree's "YAML syntax error: <what>" reads "invalid YAML: <what>" here, as it always has.
      std::string_view what = e.message;
      for (std::string_view prefix : {"YAML syntax error: ", "YAML "}) {
        if (what.starts_with(prefix)) {
          what.remove_prefix(prefix.size());
          break;
        }
      }
      e.message = "invalid YAML: " + std::string(what);
      return e;
    }
    return load_root(*root);
  }

 private:
  Result<std::string> scalar(const yaml::YamlNode& node, const std::string& field) const {
    if (!node.is_scalar()) {
      return error_at(
          node, field,
          "expected a single value (a scalar), found a " + std::string(node.is_map()        ? "mapping"
                                                                       : node.is_sequence() ? "list"
                                                                                            : "null"));
    }
    return node.value;
  }

  Result<GpuProfile> load_root(const yaml::YamlNode& root) {
    if (root.is_null()) {
      return Error{file_, 1, 1, "",
                   "expected a GPU profile (a mapping with keys name, description, parameters), "
                   "found an empty file"};
    }
    if (!root.is_map()) {
      return error_at(root, "", "expected a mapping with keys name, description, parameters");
    }
    GpuProfile profile;
    bool have_parameters = false;
    for (const auto& entry : root.entries) {
      const std::string& key = entry.first.value;
      if (key == "name") {
        auto v = scalar(entry.second, "name");
        if (!v) return v.error();
        profile.name = *v;
      } else if (key == "description") {
        auto v = scalar(entry.second, "description");
        if (!v) return v.error();
        profile.description = *v;
      } else if (key == "parameters") {
        have_parameters = true;
        if (!entry.second.is_map()) {
          return error_at(entry.second, "parameters",
                          "expected a mapping of parameter name to {value, unit, source}");
        }
        for (const auto& param : entry.second.entries) {
          auto status = load_parameter(profile, param.first, param.second);
          if (!status) return status.error();
        }
      } else {
        return error_at(entry.first, key,
                        "unknown key '" + key + "' (expected name, description, parameters)");
      }
    }
    if (profile.name.empty()) return error_at(root, "name", "missing: the profile needs a name");
    if (!have_parameters) return error_at(root, "parameters", "missing: the profile needs its parameters");
    for (const auto& rule : kRules) {
      if (rule.key.empty() || rule.optional) continue;
      if (std::none_of(profile.provenance.begin(), profile.provenance.end(),
                       [&](const ParameterProvenance& p) { return p.name == rule.key; })) {
        return error_at(root, "parameters." + std::string(rule.key),
                        "missing parameter '" + std::string(rule.key) +
                            "' (unit: " + std::string(kind_units(rule.kind)) + ")");
      }
    }
    return check_consistency(root, std::move(profile));
  }

  Result<GpuProfile> check_consistency(const yaml::YamlNode& root, GpuProfile profile) const {
    // Every parameter was read, so each lookup below finds its node.
    const yaml::YamlNode& parameters = *root.find("parameters");
    const auto at = [&](std::string_view key) -> const yaml::YamlNode& { return *parameters.find(key); };
    if (profile.memory_usable_bytes > profile.memory_total_bytes) {
      return error_at(at("memory_usable"), "parameters.memory_usable",
                      "expected at most memory_total (" + std::to_string(profile.memory_total_bytes) +
                          " bytes), found " + std::to_string(profile.memory_usable_bytes) + " bytes");
    }
    if (profile.dram_bandwidth_effective > profile.dram_bandwidth_nominal) {
      return error_at(at("dram_bandwidth_effective"), "parameters.dram_bandwidth_effective",
                      "expected at most dram_bandwidth_nominal");
    }
    if (profile.base_clock_mhz > profile.boost_clock_mhz) {
      return error_at(at("base_clock"), "parameters.base_clock", "expected at most boost_clock");
    }
    if (profile.pcie_h2d_pageable > profile.pcie_h2d_pinned) {
      return error_at(at("pcie_h2d_pageable"), "parameters.pcie_h2d_pageable",
                      "expected at most pcie_h2d_pinned (pageable copies are staged through pinned buffers)");
    }
    if (profile.pcie_d2h_pageable > profile.pcie_d2h_pinned) {
      return error_at(at("pcie_d2h_pageable"), "parameters.pcie_d2h_pageable",
                      "expected at most pcie_d2h_pinned (pageable copies are staged through pinned buffers)");
    }
    if (profile.issue_saturation_warps > profile.max_threads_per_sm / 32) {
      return error_at(at("issue_saturation_warps"), "parameters.issue_saturation_warps",
                      "expected at most the resident warps per SM (max_threads_per_sm / 32 = " +
                          std::to_string(profile.max_threads_per_sm / 32) + ")");
    }
    return profile;
  }

  Status load_parameter(GpuProfile& profile, const yaml::YamlNode& key_node, const yaml::YamlNode& body) {
    const std::string& key = key_node.value;
    const std::string field = "parameters." + key;
    const ParameterRule* rule = nullptr;
    for (const auto& r : kRules) {
      if (!r.key.empty() && r.key == key) rule = &r;
    }
    if (rule == nullptr) return error_at(key_node, field, "unknown parameter '" + key + "'");
    for (const auto& p : profile.provenance) {
      if (p.name == key) return error_at(key_node, field, "parameter given twice");
    }
    if (!body.is_map()) {
      return error_at(body, field, "expected a mapping {value, unit, source[, estimate, note]}");
    }
    ParameterProvenance prov;
    prov.name = key;
    const yaml::YamlNode* value_node = nullptr;
    const yaml::YamlNode* unit_node = nullptr;
    for (const auto& entry : body.entries) {
      const std::string& k = entry.first.value;
      const std::string sub = field + "." + k;
      if (k == "value") {
        value_node = &entry.second;
      } else if (k == "unit") {
        unit_node = &entry.second;
      } else if (k == "source" || k == "note") {
        auto v = scalar(entry.second, sub);
        if (!v) return v.error();
        (k == "source" ? prov.source : prov.note) = *v;
      } else if (k == "estimate") {
        auto v = scalar(entry.second, sub);
        if (!v) return v.error();
        if (*v == "true") {
          prov.estimate = true;
        } else if (*v == "false") {
          prov.estimate = false;
        } else {
          return error_at(entry.second, sub, "expected true or false, found '" + *v + "'");
        }
      } else {
        return error_at(entry.first, sub,
                        "unknown key '" + k + "' (expected value, unit, source, estimate, note)");
      }
    }
    if (value_node == nullptr) return error_at(body, field + ".value", "missing value");
    if (unit_node == nullptr) {
      return error_at(body, field + ".unit",
                      "missing unit (expected " + std::string(kind_units(rule->kind)) + ")");
    }
    if (prov.source.empty()) {
      return error_at(body, field + ".source",
                      "missing source: every parameter names where its value comes from");
    }
    auto value_text = scalar(*value_node, field + ".value");
    if (!value_text) return value_text.error();
    auto unit_text = scalar(*unit_node, field + ".unit");
    if (!unit_text) return unit_text.error();
    prov.value = *value_text;
    prov.unit = *unit_text;

    const std::string& v = *value_text;
    const std::string& u = *unit_text;
    auto bad_unit = [&]() {
      return error_at(*unit_node, field + ".unit",
                      "expected " + std::string(kind_units(rule->kind)) + ", found '" + u + "'");
    };
    auto number = [&]() -> Result<double> {
      auto n = sim::parse_number(v);
      if (!n) return error_at(*value_node, field + ".value", "expected a number, found '" + v + "'");
      return *n;
    };
    auto in_range = [&](double x) -> Status {
      if (x < rule->min || x > rule->max) {
        std::ostringstream msg;
        msg << "expected a value in [" << rule->min << ", "
            << (rule->max >= kInf ? std::string("inf") : std::to_string(rule->max)) << "], found " << v;
        return error_at(*value_node, field + ".value", msg.str());
      }
      return Ok{};
    };

    double converted = 0;
    bool flag = false;
    sim::Time duration;
    switch (rule->kind) {
      case Kind::kCount: {
        if (u != "count") return bad_unit();
        auto n = number();
        if (!n) return n.error();
        if (*n != std::floor(*n)) {
          return error_at(*value_node, field + ".value", "expected a whole number, found '" + v + "'");
        }
        converted = *n;
        break;
      }
      case Kind::kRatio: {
        if (u != "ratio") return bad_unit();
        auto n = number();
        if (!n) return n.error();
        converted = *n;
        break;
      }
      case Kind::kClock:
      case Kind::kBandwidth: {
        const UnitScale* scale = nullptr;
        if (rule->kind == Kind::kClock) {
          for (const auto& s : kClockUnits)
            if (s.unit == u) scale = &s;
        } else {
          for (const auto& s : kBandwidthUnits)
            if (s.unit == u) scale = &s;
        }
        if (scale == nullptr) return bad_unit();
        auto n = number();
        if (!n) return n.error();
        converted = *n * scale->scale;
        break;
      }
      case Kind::kBytes: {
        if (std::find(kByteUnits.begin(), kByteUnits.end(), u) == kByteUnits.end()) return bad_unit();
        auto n = number();
        if (!n) return n.error();
        auto bytes = sim::parse_bytes(v + u);
        if (!bytes) return error_at(*value_node, field + ".value", bytes.error().message);
        converted = static_cast<double>(*bytes);
        break;
      }
      case Kind::kDuration: {
        if (std::find(kDurationUnits.begin(), kDurationUnits.end(), u) == kDurationUnits.end())
          return bad_unit();
        auto n = number();
        if (!n) return n.error();
        auto t = sim::parse_duration(v + u);
        if (!t) return error_at(*value_node, field + ".value", t.error().message);
        duration = *t;
        converted = static_cast<double>(t->count_ns());
        break;
      }
      case Kind::kBool: {
        if (u != "bool") return bad_unit();
        if (v == "true") {
          flag = true;
        } else if (v != "false") {
          return error_at(*value_node, field + ".value", "expected true or false, found '" + v + "'");
        }
        break;
      }
      case Kind::kEnum: {
        if (u != "enum") return bad_unit();
        if (std::find(kRoundingWords.begin(), kRoundingWords.end(), v) == kRoundingWords.end()) {
          return error_at(*value_node, field + ".value",
                          "expected floor, nearest or ceil, found '" + v + "'");
        }
        break;
      }
    }
    if (rule->kind != Kind::kBool && rule->kind != Kind::kEnum) {
      auto range = in_range(converted);
      if (!range) return range.error();
    }
    rule->assign(profile, converted, flag, v, duration);
    profile.provenance.push_back(std::move(prov));
    return Ok{};
  }

  std::string file_;
};

}  // namespace

int GpuProfile::mps_sm_cap(int active_thread_percentage) const {
  assert(active_thread_percentage >= 1 && active_thread_percentage <= 100);
  const int64_t unit = std::max(1, mps_sm_granularity);
  const int64_t scaled = static_cast<int64_t>(sm_count) * active_thread_percentage;  // SMs x 100
  const int64_t per = 100 * unit;                                                    // one unit x 100
  int64_t units = 0;
  switch (mps_sm_rounding) {
    case SmCapRounding::kFloor:
      units = scaled / per;
      break;
    case SmCapRounding::kCeil:
      units = (scaled + per - 1) / per;
      break;
    case SmCapRounding::kNearest:
      units = (scaled + per / 2) / per;
      break;
  }
  return static_cast<int>(std::clamp<int64_t>(units * unit, std::min<int64_t>(unit, sm_count), sm_count));
}

sim::Time GpuProfile::boost_to_sustained(sim::Time at_boost) const {
  return at_boost.scaled(1.0 / sustained_clock_factor);
}

double GpuProfile::pcie_bandwidth(bool host_to_device, bool pinned) const {
  if (host_to_device) return pinned ? pcie_h2d_pinned : pcie_h2d_pageable;
  return pinned ? pcie_d2h_pinned : pcie_d2h_pageable;
}

Result<GpuProfile> parse_gpu_profile(std::string_view yaml_text, const std::string& file) {
  Loader loader(file);
  auto profile = loader.load(yaml_text);
  if (profile) profile->origin = file;
  return profile;
}

Result<GpuProfile> load_gpu_profile_file(const std::string& path) {
  auto text = sim::read_input_file(path, "a GPU profile (YAML)", sim::kMaxYamlInputBytes);
  if (!text) return text.error();
  return parse_gpu_profile(*text, path);
}

std::vector<std::string> builtin_gpu_profile_names() {
  std::vector<std::string> names;
  for (const auto& t : detail::builtin_profile_texts()) names.emplace_back(t.name);
  return names;
}

Result<GpuProfile> builtin_gpu_profile(std::string_view name) {
  // Parsed once per process (thread-safe static initialisation): the texts are compiled in, so
  // every parse gives the same profile, and the planner resolves one per candidate run.
  static const std::vector<std::pair<std::string_view, GpuProfile>> parsed = [] {
    std::vector<std::pair<std::string_view, GpuProfile>> out;
    for (const auto& t : detail::builtin_profile_texts()) {
      auto profile = parse_gpu_profile(t.yaml, "builtin:" + std::string(t.name));
      // A built-in profile that does not load is a build defect, not user input.
      assert(profile.ok());
      if (profile) out.emplace_back(t.name, std::move(*profile));
    }
    return out;
  }();
  for (const auto& [builtin, profile] : parsed) {
    if (builtin == name) return profile;
  }
  std::string known;
  for (const auto& n : builtin_gpu_profile_names()) known += (known.empty() ? "" : ", ") + n;
  return make_error("unknown built-in GPU profile '" + std::string(name) + "' (built-in: " + known +
                    "; or give a path to a profile YAML file)");
}

Result<GpuProfile> resolve_gpu_profile(const std::string& name_or_path, const std::string& base_dir) {
  for (const auto& t : detail::builtin_profile_texts()) {
    if (t.name == name_or_path) return builtin_gpu_profile(name_or_path);
  }
  const bool looks_like_path = name_or_path.find('/') != std::string::npos ||
                               name_or_path.find('\\') != std::string::npos ||
                               name_or_path.ends_with(".yaml") || name_or_path.ends_with(".yml");
  if (!looks_like_path) return builtin_gpu_profile(name_or_path);  // the "unknown profile" error
  std::filesystem::path path(name_or_path);
  if (path.is_relative() && !base_dir.empty()) path = std::filesystem::path(base_dir) / path;
  return load_gpu_profile_file(path.string());
}

}  // namespace sharesim::models
