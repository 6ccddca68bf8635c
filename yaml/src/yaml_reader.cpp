// The typed scalar readers and structure checks every YAML section reader shares (yaml_reader.h).
#include "sharesim/yaml/yaml_reader.h"

#include <charconv>
#include <cmath>
#include <filesystem>

#include "sharesim/sim/text_util.h"
#include "sharesim/sim/time.h"
#include "sharesim/sim/units.h"

namespace sharesim::yaml {

namespace fs = std::filesystem;

std::string YamlReader::join(const std::vector<std::string_view>& words) {
  std::string out;
  for (auto w : words) out += (out.empty() ? "" : ", ") + std::string(w);
  return out;
}

std::string YamlReader::key_path(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

std::string YamlReader::index_path(const std::string& parent, size_t i) {
  return parent + "[" + std::to_string(i) + "]";
}

bool YamlReader::fail(const YamlNode& at, const std::string& path, std::string message) {
  if (!error)
    error = Error{at.origin.empty() ? file_ : at.origin, at.line, at.column, path, std::move(message)};
  return false;
}

bool YamlReader::expect_map(const YamlNode& node, const std::string& path, std::string_view what) {
  if (node.is_map()) return true;
  return fail(node, path, "expected " + std::string(what) + " (a mapping), found " + node.describe());
}

bool YamlReader::check_keys(const YamlNode& map, const std::string& path,
                            const std::vector<std::string_view>& allowed) {
  for (const auto& [key, value] : map.entries) {
    bool known = false;
    for (auto a : allowed) known = known || a == key.value;
    if (known) continue;
    const std::string suggestion = sim::closest_match(key.value, allowed);
    std::string message = "unknown key '" + key.value + "'";
    if (!suggestion.empty()) message += " (did you mean '" + suggestion + "'?)";
    message += "; expected one of: " + join(allowed);
    return fail(key, key_path(path, key.value), message);
  }
  return true;
}

const YamlNode* YamlReader::optional(const YamlNode& map, std::string_view key) {
  const YamlNode* v = map.find(key);
  return (v == nullptr || v->is_null()) ? nullptr : v;
}

const YamlNode* YamlReader::required(const YamlNode& map, const std::string& path, std::string_view key,
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

const YamlEntry* YamlReader::one_of(const YamlNode& node, const std::string& path, std::string_view what,
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

bool YamlReader::scalar(const YamlNode& node, const std::string& path, std::string_view what) {
  if (node.is_scalar()) return true;
  return fail(node, path, "expected " + std::string(what) + ", found " + node.describe());
}

bool YamlReader::read_string(const YamlNode& node, const std::string& path, std::string& out,
                             bool allow_empty) {
  if (!scalar(node, path, "a string")) return false;
  if (!allow_empty && sim::trim(node.value).empty())
    return fail(node, path, "expected a non-empty string, found ''");
  out = node.value;
  return true;
}

bool YamlReader::read_int(const YamlNode& node, const std::string& path, int64_t lo, int64_t hi,
                          int64_t& out) {
  const std::string range = "an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
  if (!scalar(node, path, range)) return false;
  const std::string_view t = sim::trim(node.value);
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

bool YamlReader::read_int(const YamlNode& node, const std::string& path, int lo, int hi, int& out) {
  int64_t v = 0;
  if (!read_int(node, path, int64_t{lo}, int64_t{hi}, v)) return false;
  out = static_cast<int>(v);
  return true;
}

bool YamlReader::read_number(const YamlNode& node, const std::string& path, double lo, double hi,
                             bool lo_open, double& out) {
  const std::string range = std::string("a number ") + (lo_open ? "> " : ">= ") + sim::format_double(lo) +
                            (std::isinf(hi) ? "" : " and <= " + sim::format_double(hi));
  if (!scalar(node, path, range)) return false;
  auto v = sim::parse_number(node.value);
  if (!v) return fail(node, path, "expected " + range + ", found " + node.describe());
  if ((lo_open ? !(*v > lo) : !(*v >= lo)) || *v > hi)
    return fail(node, path, "expected " + range + ", found " + node.describe());
  out = *v;
  return true;
}

bool YamlReader::read_bool(const YamlNode& node, const std::string& path, bool& out) {
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

bool YamlReader::read_duration(const YamlNode& node, const std::string& path, bool positive, sim::Time& out) {
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

bool YamlReader::read_bytes(const YamlNode& node, const std::string& path, bool positive, int64_t& out) {
  if (!scalar(node, path, "a size such as 600KiB")) return false;
  auto b = sim::parse_bytes(node.value);
  if (!b) return fail(node, path, b.error().message);
  if (*b < 0 || (positive && *b == 0)) {
    return fail(node, path,
                std::string("expected a size ") + (positive ? "> 0" : ">= 0") + ", found " + node.describe());
  }
  out = *b;
  return true;
}

bool YamlReader::read_rate(const YamlNode& node, const std::string& path, bool allow_zero, double& out) {
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

std::string YamlReader::resolve(const std::string& file) const {
  const fs::path p(file);
  if (p.is_absolute() || base_dir_.empty()) return p.lexically_normal().string();
  return (fs::path(base_dir_) / p).lexically_normal().string();
}

bool YamlReader::read_existing_file(const YamlNode& node, const std::string& path, std::string& out) {
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

}  // namespace sharesim::yaml
