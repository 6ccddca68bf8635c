#include "sharesim/reports/baseline.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "sharesim/sim/units.h"

namespace sharesim::reports {

namespace {

using scenarios::MetricKind;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool starts_with_word(std::string_view line, std::string_view word) {
  return line.size() > word.size() && line.substr(0, word.size()) == word &&
         (line[word.size()] == ' ' || line[word.size()] == '\t');
}

// The kind a selector names: a kind name, else the metric path's kind.
Result<MetricKind> selector_kind(std::string_view selector) {
  if (auto kind = scenarios::metric_kind_from_name(selector)) return *kind;
  auto kind = scenarios::metric_kind_of_path(selector);
  if (!kind) {
    return make_error(
        "expected a metric path (e.g. detector.p99) or a kind (duration, rate, fraction, bytes, count, "
        "number, flag), found '" +
        std::string(selector) + "': " + kind.error().message);
  }
  return *kind;
}

const ToleranceOverride* find_override(const std::vector<ToleranceOverride>& overrides,
                                       std::string_view selector) {
  // The last one written wins, as with repeated flags.
  for (auto it = overrides.rbegin(); it != overrides.rend(); ++it) {
    if (it->selector == selector) return &*it;
  }
  return nullptr;
}

}  // namespace

Tolerance default_tolerance(MetricKind kind) {
  switch (kind) {
    case MetricKind::kDuration:
      return {.relative = 0.05, .absolute = 0.001};
    case MetricKind::kRate:
      return {.relative = 0.02, .absolute = 0};
    case MetricKind::kFraction:
      return {.relative = 0.02, .absolute = 0.001};
    case MetricKind::kNumber:
      return {.relative = 0.02, .absolute = 0};
    case MetricKind::kCount:
      return {.relative = 0.005, .absolute = 0};
    case MetricKind::kBytes:
    case MetricKind::kFlag:
      return {};
  }
  return {};
}

Result<ToleranceOverride> parse_tolerance(std::string_view selector, std::string_view spec) {
  selector = trim(selector);
  spec = trim(spec);
  auto kind = selector_kind(selector);
  if (!kind) return kind.error();
  const std::string form =
      "expected a tolerance '<relative>%' or '<relative>% + <absolute>' such as '5%' or '0% + 2'";
  const size_t percent = spec.find('%');
  if (percent == std::string_view::npos) return make_error(form + ", found '" + std::string(spec) + "'");
  auto relative = sim::parse_number(trim(spec.substr(0, percent)));
  if (!relative || *relative < 0) {
    return make_error(form + ", found '" + std::string(spec) + "' (the relative part must be a number >= 0)");
  }
  ToleranceOverride out{.selector = std::string(selector),
                        .kind = *kind,
                        .tolerance = {.relative = *relative / 100.0, .absolute = 0},
                        .text = std::string(spec)};
  std::string_view rest = trim(spec.substr(percent + 1));
  if (!rest.empty()) {
    if (rest.front() != '+') return make_error(form + ", found '" + std::string(spec) + "'");
    auto absolute = scenarios::parse_metric_value(*kind, trim(rest.substr(1)));
    if (!absolute)
      return make_error("absolute tolerance of '" + std::string(selector) + "': " + absolute.error().message);
    if (*absolute < 0) return make_error("an absolute tolerance is >= 0, found '" + std::string(rest) + "'");
    out.tolerance.absolute = *absolute;
  }
  return out;
}

Result<ToleranceOverride> parse_tolerance_flag(std::string_view text) {
  const size_t eq = text.find('=');
  if (eq == std::string_view::npos) {
    return make_error(
        "--tolerance: expected '<metric or kind>=<tolerance>' such as 'duration=10%' or "
        "'detector.p99=20%', found '" +
        std::string(text) + "'");
  }
  auto parsed = parse_tolerance(text.substr(0, eq), text.substr(eq + 1));
  if (!parsed) return make_error("--tolerance " + std::string(text) + ": " + parsed.error().message);
  return parsed;
}

Result<Baseline> parse_baseline(std::string_view text, const std::string& file) {
  Baseline baseline;
  int line_number = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_number;
    const std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#') continue;
    const int column = static_cast<int>(raw.find_first_not_of(" \t") + 1);
    auto fail = [&](const std::string& field, const std::string& message) -> Error {
      return Error{.file = file, .line = line_number, .column = column, .field = field, .message = message};
    };
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      return fail("", "expected '<metric> = <value>' or 'tolerance <metric or kind> = <tolerance>', found '" +
                          std::string(line) + "'");
    }
    std::string_view left = trim(line.substr(0, eq));
    const std::string_view right = trim(line.substr(eq + 1));
    if (starts_with_word(left, "tolerance")) {
      const std::string_view selector = trim(left.substr(9));
      auto parsed = parse_tolerance(selector, right);
      if (!parsed) return fail("tolerance " + std::string(selector), parsed.error().message);
      baseline.tolerances.push_back(std::move(*parsed));
      continue;
    }
    auto kind = scenarios::metric_kind_of_path(left);
    if (!kind) return fail(std::string(left), kind.error().message);
    auto value = scenarios::parse_metric_value(*kind, right);
    if (!value) return fail(std::string(left), value.error().message);
    baseline.metrics.push_back(MetricValue{.path = std::string(left), .kind = *kind, .value = *value});
  }
  std::stable_sort(baseline.metrics.begin(), baseline.metrics.end(),
                   [](const MetricValue& a, const MetricValue& b) { return a.path < b.path; });
  for (size_t i = 1; i < baseline.metrics.size(); ++i) {
    if (baseline.metrics[i].path == baseline.metrics[i - 1].path) {
      return Error{.file = file, .field = baseline.metrics[i].path, .message = "metric listed twice"};
    }
  }
  return baseline;
}

std::string baseline_text(const Baseline& baseline, const std::string& scenario_file, uint64_t seed) {
  std::string out;
  out += "# sharesim check baseline: " + scenario_file + " (seed " + std::to_string(seed) + ")\n";
  out += "# Written by 'sharesim check --update-baseline'; review a change to it like a change to code.\n";
  out +=
      "# '<metric> = <value>' lines are rewritten on update; 'tolerance <metric or kind> = <relative>% [+ "
      "<absolute>]'\n";
  out += "# lines are kept. Format and metrics: docs/check.md.\n";
  for (const ToleranceOverride& t : baseline.tolerances)
    out += "tolerance " + t.selector + " = " + t.text + "\n";
  std::vector<const MetricValue*> sorted;
  for (const MetricValue& m : baseline.metrics) sorted.push_back(&m);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const MetricValue* a, const MetricValue* b) { return a->path < b->path; });
  for (const MetricValue* m : sorted) out += m->path + " = " + format_metric_value(m->kind, m->value) + "\n";
  return out;
}

std::string baseline_path(const std::string& dir, const std::string& scenario_file) {
  std::string name = scenario_file;
  if (const size_t slash = name.find_last_of('/'); slash != std::string::npos) name = name.substr(slash + 1);
  if (const size_t dot = name.rfind('.'); dot != std::string::npos && dot > 0) name = name.substr(0, dot);
  std::string folder = dir;
  while (folder.size() > 1 && folder.back() == '/') folder.pop_back();
  return (folder.empty() ? std::string(".") : folder) + "/" + name + ".baseline";
}

Tolerance tolerance_for(const std::string& path, MetricKind kind,
                        const std::vector<ToleranceOverride>& file_overrides,
                        const std::vector<ToleranceOverride>& flag_overrides) {
  const std::string kind_name(scenarios::metric_kind_name(kind));
  for (const auto* found :
       {find_override(flag_overrides, path), find_override(file_overrides, path),
        find_override(flag_overrides, kind_name), find_override(file_overrides, kind_name)}) {
    if (found != nullptr) return found->tolerance;
  }
  return default_tolerance(kind);
}

double round_as_stored(MetricKind kind, double value) {
  if (!std::isfinite(value)) return value;
  auto parsed = scenarios::parse_metric_value(kind, format_metric_value(kind, value));
  return parsed ? *parsed : value;
}

std::vector<MetricComparison> compare_with_baseline(const Baseline& baseline,
                                                    const std::vector<MetricValue>& current,
                                                    const std::vector<ToleranceOverride>& flag_overrides) {
  std::vector<MetricComparison> out;
  size_t i = 0;
  size_t j = 0;
  // Merged by path: both sides sorted here, so callers may pass them in any order.
  auto by_path = [](const MetricValue& a, const MetricValue& b) { return a.path < b.path; };
  std::vector<MetricValue> old_metrics = baseline.metrics;
  std::stable_sort(old_metrics.begin(), old_metrics.end(), by_path);
  std::vector<MetricValue> current_sorted = current;
  std::stable_sort(current_sorted.begin(), current_sorted.end(), by_path);
  const std::vector<MetricValue>& cur = current_sorted;
  while (i < old_metrics.size() || j < cur.size()) {
    MetricComparison c;
    if (j == cur.size() || (i < old_metrics.size() && old_metrics[i].path < cur[j].path)) {
      c.path = old_metrics[i].path;
      c.kind = old_metrics[i].kind;
      c.old_value = old_metrics[i].value;
      ++i;
    } else if (i == old_metrics.size() || cur[j].path < old_metrics[i].path) {
      c.path = cur[j].path;
      c.kind = cur[j].kind;
      c.new_value = round_as_stored(cur[j].kind, cur[j].value);
      ++j;
    } else {
      c.path = cur[j].path;
      c.kind = cur[j].kind;
      c.old_value = old_metrics[i].value;
      c.new_value = round_as_stored(cur[j].kind, cur[j].value);
      ++i;
      ++j;
    }
    c.tolerance = tolerance_for(c.path, c.kind, baseline.tolerances, flag_overrides);
    if (c.old_value && c.new_value) {
      const double allowed = std::max(c.tolerance.relative * std::fabs(*c.old_value), c.tolerance.absolute);
      // NaN differences fail; an unchanged infinity passes.
      c.passed = *c.old_value == *c.new_value || std::fabs(*c.new_value - *c.old_value) <= allowed;
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::string change_text(const MetricComparison& c) {
  if (!c.old_value) return "new metric";
  if (!c.new_value) return "gone";
  const double diff = *c.new_value - *c.old_value;
  char buffer[64];
  if (*c.old_value != 0) {
    std::snprintf(buffer, sizeof buffer, "%+.1f%%", 100.0 * diff / std::fabs(*c.old_value));
    return buffer;
  }
  if (diff == 0) return "0.0%";
  return (diff > 0 ? "+" : "") + format_metric_value(c.kind, diff);
}

}  // namespace sharesim::reports
