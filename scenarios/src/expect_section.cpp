#include "expect_section.h"

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sharesim/sim/input_file.h"
#include "sharesim/sim/text_util.h"
#include "sharesim/sim/time.h"
#include "sharesim/sim/units.h"

namespace sharesim::scenarios {

namespace {

// How a value was written, decided from its unit alone, so that a value in the wrong unit can be
// named in the error ("found '190/s' (a rate)").
enum class WrittenAs { kFlag, kPercent, kRate, kDuration, kBytes, kPlain, kUnknownUnit };

std::string_view written_as_name(WrittenAs w) {
  switch (w) {
    case WrittenAs::kFlag:
      return "a flag";
    case WrittenAs::kPercent:
      return "a percentage";
    case WrittenAs::kRate:
      return "a rate";
    case WrittenAs::kDuration:
      return "a duration";
    case WrittenAs::kBytes:
      return "a size in bytes";
    case WrittenAs::kPlain:
      return "a plain number";
    case WrittenAs::kUnknownUnit:
      return "an unknown unit";
  }
  return "?";
}

bool is_unit_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

WrittenAs classify(std::string_view text) {
  if (text == "true" || text == "false") return WrittenAs::kFlag;
  if (!text.empty() && text.back() == '%') return WrittenAs::kPercent;
  if (text.find('/') != std::string_view::npos) return WrittenAs::kRate;
  size_t unit_start = text.size();
  while (unit_start > 0 && is_unit_letter(text[unit_start - 1])) --unit_start;
  const std::string_view unit = text.substr(unit_start);
  if (unit.empty()) return WrittenAs::kPlain;
  for (std::string_view u : {"B", "KB", "MB", "GB", "TB", "KiB", "MiB", "GiB", "TiB"}) {
    if (unit == u) return WrittenAs::kBytes;
  }
  for (std::string_view u : {"ns", "us", "ms", "s", "m", "h"}) {
    if (unit == u) return WrittenAs::kDuration;
  }
  return WrittenAs::kUnknownUnit;
}

std::string_view kind_example(MetricKind kind) {
  switch (kind) {
    case MetricKind::kDuration:
      return "a duration with a unit, e.g. 50ms, 1.5s, 800us";
    case MetricKind::kRate:
      return "a rate, e.g. 190/s";
    case MetricKind::kFraction:
      return "a fraction between 0 and 1 or a percentage, e.g. 0.9 or 90%";
    case MetricKind::kBytes:
      return "a size, e.g. 2GiB, 600KiB or 4096";
    case MetricKind::kCount:
      return "a plain number, e.g. 0";
    case MetricKind::kNumber:
      return "a plain number, e.g. 1.5";
    case MetricKind::kFlag:
      return "true or false";
  }
  return "?";
}

Error mismatch(MetricKind kind, std::string_view text, WrittenAs written) {
  return make_error("unit mismatch: a " + std::string(metric_kind_name(kind)) + " metric takes " +
                    std::string(kind_example(kind)) + "; found '" + std::string(text) + "' (" +
                    std::string(written_as_name(written)) + ")");
}

const MetricLeaf* find_leaf(std::string_view name, MetricScope scope) {
  for (const MetricLeaf& leaf : metric_leaves()) {
    if (leaf.scope == scope && leaf.name == name) return &leaf;
  }
  return nullptr;
}

std::vector<std::string_view> leaf_names(MetricScope scope) {
  std::vector<std::string_view> names;
  for (const MetricLeaf& leaf : metric_leaves()) {
    if (leaf.scope == scope) names.push_back(leaf.name);
  }
  return names;
}

std::string join(const std::vector<std::string_view>& names) {
  std::string out;
  for (std::string_view n : names) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

Error unknown_leaf(std::string_view leaf, MetricScope scope, std::string_view where) {
  std::string message = "unknown " + std::string(where) + " metric '" + std::string(leaf) + "'";
  const std::string suggestion = sim::closest_match(leaf, leaf_names(scope));
  if (!suggestion.empty()) message += " (did you mean '" + suggestion + "'?)";
  message += "; known: " + join(leaf_names(scope));
  return make_error(std::move(message));
}

bool is_operator_char(char c) {
  return c == '<' || c == '>' || c == '=' || c == '!';
}

}  // namespace

std::string_view metric_kind_name(MetricKind kind) {
  switch (kind) {
    case MetricKind::kDuration:
      return "duration";
    case MetricKind::kRate:
      return "rate";
    case MetricKind::kFraction:
      return "fraction";
    case MetricKind::kBytes:
      return "bytes";
    case MetricKind::kCount:
      return "count";
    case MetricKind::kNumber:
      return "number";
    case MetricKind::kFlag:
      return "flag";
  }
  return "?";
}

std::optional<MetricKind> metric_kind_from_name(std::string_view name) {
  for (MetricKind kind : {MetricKind::kDuration, MetricKind::kRate, MetricKind::kFraction, MetricKind::kBytes,
                          MetricKind::kCount, MetricKind::kNumber, MetricKind::kFlag}) {
    if (metric_kind_name(kind) == name) return kind;
  }
  return std::nullopt;
}

std::string_view comparison_symbol(Comparison comparison) {
  switch (comparison) {
    case Comparison::kLess:
      return "<";
    case Comparison::kLessEqual:
      return "<=";
    case Comparison::kGreater:
      return ">";
    case Comparison::kGreaterEqual:
      return ">=";
    case Comparison::kEqual:
      return "==";
    case Comparison::kNotEqual:
      return "!=";
  }
  return "?";
}

bool comparison_holds(Comparison comparison, double measured, double expected) {
  switch (comparison) {
    case Comparison::kLess:
      return measured < expected;
    case Comparison::kLessEqual:
      return measured <= expected;
    case Comparison::kGreater:
      return measured > expected;
    case Comparison::kGreaterEqual:
      return measured >= expected;
    case Comparison::kEqual:
      return measured == expected;
    case Comparison::kNotEqual:
      return measured != expected;
  }
  return false;
}

const std::vector<MetricLeaf>& metric_leaves() {
  using K = MetricKind;
  using S = MetricScope;
  static const std::vector<MetricLeaf> leaves = {
      {"p50", S::kWorkload, K::kDuration, "latency median (completed requests, arrival to completion)"},
      {"p90", S::kWorkload, K::kDuration, "latency 90th percentile"},
      {"p99", S::kWorkload, K::kDuration, "latency 99th percentile"},
      {"p999", S::kWorkload, K::kDuration, "latency 99.9th percentile"},
      {"max", S::kWorkload, K::kDuration, "latency maximum"},
      {"mean", S::kWorkload, K::kDuration, "latency mean"},
      {"queue_mean", S::kWorkload, K::kDuration, "queueing delay mean (arrival to batch dispatch)"},
      {"queue_p99", S::kWorkload, K::kDuration, "queueing delay 99th percentile"},
      {"throughput", S::kWorkload, K::kRate, "completed measured requests per measured second"},
      {"arrived", S::kWorkload, K::kCount, "requests that arrived in the measured window"},
      {"completed", S::kWorkload, K::kCount, "of those, completed"},
      {"failed", S::kWorkload, K::kCount, "of those, failed"},
      {"outstanding", S::kWorkload, K::kCount, "of those, still in flight at the end"},
      {"batches", S::kWorkload, K::kCount, "batches dispatched after warm-up"},
      {"mean_batch_size", S::kWorkload, K::kNumber, "requests per batch, mean"},
      {"slo_met", S::kWorkload, K::kFlag, "every SLO target of the workload met"},
      // LLM endpoints only (docs/llm.md).
      {"ttft_p50", S::kWorkload, K::kDuration, "LLM: time to first token, median"},
      {"ttft_p99", S::kWorkload, K::kDuration, "LLM: time to first token, 99th percentile"},
      {"tpot_p50", S::kWorkload, K::kDuration, "LLM: time per output token, median"},
      {"tpot_p99", S::kWorkload, K::kDuration, "LLM: time per output token, 99th percentile"},
      {"itl_p99", S::kWorkload, K::kDuration, "LLM: inter-token latency, 99th percentile"},
      {"output_tokens_per_s", S::kWorkload, K::kRate, "LLM: tokens sampled per measured second"},
      {"preemptions", S::kWorkload, K::kCount, "LLM: recompute preemptions after warm-up"},
      {"kv_peak", S::kWorkload, K::kFraction, "LLM: highest share of one replica's KV cache in use"},
      {"utilization_gpu", S::kGpu, K::kFraction, "nvidia-smi utilization.gpu, mean (time a kernel ran)"},
      {"utilization_memory", S::kGpu, K::kFraction, "memory-controller utilization, mean"},
      {"sm_occupancy", S::kGpu, K::kFraction, "SM-seconds held by kernels / (SMs x seconds)"},
      {"copy_engine_busy", S::kGpu, K::kDuration, "copy-engine busy time, summed over engines"},
      {"memory_used", S::kGpu, K::kBytes, "device memory in use at the end"},
      {"memory_peak", S::kGpu, K::kBytes, "device memory in use, peak"},
      {"context_switches", S::kGpu, K::kCount, "time-slicing context switches"},
      {"faults", S::kGpu, K::kCount, "fault events on this GPU"},
      {"kernels_completed", S::kGpu, K::kCount, "kernels completed on this GPU"},
      {"copies_completed", S::kGpu, K::kCount, "memory copies completed on this GPU"},
      {"faults", S::kScenario, K::kCount, "fault events, all GPUs"},
      {"failed", S::kScenario, K::kCount, "failed measured requests, all workloads"},
      {"kernels_completed", S::kScenario, K::kCount, "kernels completed, all GPUs"},
      {"slo_met", S::kScenario, K::kFlag, "every workload's SLOs met"},
  };
  return leaves;
}

Result<MetricKind> metric_kind_of_path(std::string_view path) {
  if (path.empty()) return make_error("expected a metric name, found nothing");
  if (path.substr(0, 4) == "gpu[") {
    const size_t close = path.find(']');
    if (close == std::string_view::npos) {
      return make_error("expected 'gpu[<device>/<index>].<metric>', found '" + std::string(path) +
                        "' (no ']')");
    }
    const std::string_view selector = path.substr(4, close - 4);
    const size_t slash = selector.rfind('/');
    const std::string_view index =
        slash == std::string_view::npos ? std::string_view() : selector.substr(slash + 1);
    bool index_ok = !index.empty();
    for (char c : index) index_ok = index_ok && c >= '0' && c <= '9';
    if (slash == 0 || !index_ok) {
      return make_error("expected 'gpu[<device>/<index>]' such as 'gpu[edge-1/0]', found 'gpu[" +
                        std::string(selector) + "]'");
    }
    if (close + 1 >= path.size() || path[close + 1] != '.') {
      return make_error("expected '.<metric>' after 'gpu[" + std::string(selector) +
                        "]', e.g. '.utilization_gpu'");
    }
    const std::string_view leaf = path.substr(close + 2);
    if (const MetricLeaf* found = find_leaf(leaf, MetricScope::kGpu)) return found->kind;
    return unknown_leaf(leaf, MetricScope::kGpu, "GPU");
  }
  const size_t dot = path.rfind('.');
  if (dot == std::string_view::npos) {
    if (const MetricLeaf* found = find_leaf(path, MetricScope::kScenario)) return found->kind;
    if (find_leaf(path, MetricScope::kWorkload)) {
      return make_error("'" + std::string(path) + "' is a workload metric: write '<workload>." +
                        std::string(path) + "'");
    }
    if (find_leaf(path, MetricScope::kGpu)) {
      return make_error("'" + std::string(path) + "' is a GPU metric: write 'gpu[<device>/<index>]." +
                        std::string(path) + "'");
    }
    return unknown_leaf(path, MetricScope::kScenario, "scenario-wide");
  }
  if (dot == 0)
    return make_error("expected '<workload>.<metric>', found '" + std::string(path) + "' (no workload)");
  const std::string_view leaf = path.substr(dot + 1);
  if (const MetricLeaf* found = find_leaf(leaf, MetricScope::kWorkload)) return found->kind;
  if (find_leaf(leaf, MetricScope::kGpu)) {
    return make_error("'" + std::string(leaf) + "' is a GPU metric: write 'gpu[<device>/<index>]." +
                      std::string(leaf) + "'");
  }
  return unknown_leaf(leaf, MetricScope::kWorkload, "workload");
}

Result<double> parse_metric_value(MetricKind kind, std::string_view text) {
  text = sim::trim(text);
  if (text.empty()) return make_error("expected " + std::string(kind_example(kind)) + ", found nothing");
  const WrittenAs written = classify(text);
  if (written == WrittenAs::kUnknownUnit) {
    return make_error("unknown unit in '" + std::string(text) + "'; expected " +
                      std::string(kind_example(kind)));
  }
  switch (kind) {
    case MetricKind::kDuration: {
      if (written != WrittenAs::kDuration && !(written == WrittenAs::kPlain && text == "0")) {
        return mismatch(kind, text, written);
      }
      auto t = sim::parse_duration(text);
      if (!t) return t.error();
      return t->milliseconds();
    }
    case MetricKind::kRate: {
      if (written != WrittenAs::kRate) return mismatch(kind, text, written);
      return sim::parse_rate_per_second(text);
    }
    case MetricKind::kFraction: {
      if (written == WrittenAs::kPercent) {
        auto n = sim::parse_number(text.substr(0, text.size() - 1));
        if (!n) return n.error();
        return *n / 100.0;
      }
      if (written != WrittenAs::kPlain) return mismatch(kind, text, written);
      auto n = sim::parse_number(text);
      if (!n) return n.error();
      if (*n < 0 || *n > 1) {
        return make_error("a fraction is between 0 and 1; found '" + std::string(text) +
                          "' (write 90% or 0.9)");
      }
      return *n;
    }
    case MetricKind::kBytes: {
      if (written != WrittenAs::kBytes && written != WrittenAs::kPlain) return mismatch(kind, text, written);
      auto b = sim::parse_bytes(text);
      if (!b) return b.error();
      return static_cast<double>(*b);
    }
    case MetricKind::kCount:
    case MetricKind::kNumber: {
      if (written != WrittenAs::kPlain) return mismatch(kind, text, written);
      return sim::parse_number(text);
    }
    case MetricKind::kFlag: {
      if (written != WrittenAs::kFlag) return mismatch(kind, text, written);
      return text == "true" ? 1.0 : 0.0;
    }
  }
  return make_error("unknown metric kind");
}

Result<Expectation> parse_expectation(std::string_view raw, const std::string& file, int line, int column,
                                      size_t index) {
  const std::string field = "expect[" + std::to_string(index) + "]";
  const std::string_view text = sim::trim(raw);
  auto fail = [&](const std::string& message) -> Error {
    return Error{.file = file, .line = line, .column = column, .field = field, .message = message};
  };
  const std::string form = "expected '<metric> <comparison> <value>' such as 'detector.p99 <= 50ms'";
  if (text.empty()) return fail(form + ", found nothing");
  size_t op_start = 0;
  while (op_start < text.size() && !is_operator_char(text[op_start])) ++op_start;
  if (op_start == text.size()) {
    return fail(form + ", found '" + std::string(text) + "' (no comparison: one of <= < >= > == !=)");
  }
  size_t op_end = op_start;
  while (op_end < text.size() && is_operator_char(text[op_end])) ++op_end;
  const std::string_view symbol = text.substr(op_start, op_end - op_start);
  std::optional<Comparison> comparison;
  for (Comparison c : {Comparison::kLess, Comparison::kLessEqual, Comparison::kGreater,
                       Comparison::kGreaterEqual, Comparison::kEqual, Comparison::kNotEqual}) {
    if (comparison_symbol(c) == symbol) comparison = c;
  }
  if (!comparison) {
    return fail("unknown comparison '" + std::string(symbol) + "' in '" + std::string(text) +
                "'; expected one of <= < >= > == !=" + (symbol == "=" ? " (did you mean '=='?)" : ""));
  }
  const std::string_view metric = sim::trim(text.substr(0, op_start));
  const std::string_view value_text = sim::trim(text.substr(op_end));
  if (metric.empty()) return fail(form + ", found no metric before '" + std::string(symbol) + "'");
  for (char c : metric) {
    if (c == ' ' || c == '\t')
      return fail("a metric name has no spaces; found '" + std::string(metric) + "'");
  }
  if (value_text.empty()) return fail(form + ", found no value after '" + std::string(symbol) + "'");
  auto kind = metric_kind_of_path(metric);
  if (!kind) return fail(kind.error().message);
  if (*kind == MetricKind::kFlag && *comparison != Comparison::kEqual &&
      *comparison != Comparison::kNotEqual) {
    return fail("'" + std::string(metric) + "' is true or false: compare it with == or !=, not '" +
                std::string(symbol) + "'");
  }
  auto value = parse_metric_value(*kind, value_text);
  if (!value) return fail("'" + std::string(metric) + "': " + value.error().message);
  return Expectation{.text = std::string(text),
                     .metric = std::string(metric),
                     .kind = *kind,
                     .comparison = *comparison,
                     .value = *value,
                     .value_text = std::string(value_text),
                     .file = file,
                     .line = line,
                     .column = column};
}

namespace detail {

using yaml::YamlNode;

Result<std::vector<Expectation>> read_expect_section(const YamlNode& expect_value, const std::string& file) {
  std::vector<Expectation> expectations;
  if (expect_value.is_null()) return expectations;
  if (!expect_value.is_sequence()) {
    return Error{.file = file,
                 .line = expect_value.line,
                 .column = expect_value.column,
                 .field = "expect",
                 .message = "expected a list of expectations such as '- detector.p99 <= 50ms', found " +
                            expect_value.describe()};
  }
  for (size_t i = 0; i < expect_value.items.size(); ++i) {
    const YamlNode& item = expect_value.items[i];
    if (!item.is_scalar()) {
      return Error{.file = file,
                   .line = item.line,
                   .column = item.column,
                   .field = "expect[" + std::to_string(i) + "]",
                   .message = "expected one expectation as text such as 'detector.p99 <= 50ms', found " +
                              item.describe() + " (a ': ' inside an item makes it a mapping)"};
    }
    auto expectation = parse_expectation(item.value, file, item.line, item.column, i);
    if (!expectation) return expectation.error();
    expectations.push_back(std::move(*expectation));
  }
  return expectations;
}

}  // namespace detail

Result<std::vector<Expectation>> read_expectations_text(std::string_view yaml, const std::string& file) {
  auto root = yaml::parse_yaml(yaml, file);
  if (!root) return root.error();
  const yaml::YamlNode* expect = root->find("expect");
  if (expect == nullptr) return std::vector<Expectation>{};
  return detail::read_expect_section(*expect, file);
}

Result<std::vector<Expectation>> read_expectations_file(const std::string& path) {
  auto text = sim::read_input_file(path, "a scenario (YAML)", sim::kMaxYamlInputBytes);
  if (!text) return text.error();
  return read_expectations_text(*text, path);
}

}  // namespace sharesim::scenarios
