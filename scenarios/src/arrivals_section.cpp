// A workload's `arrivals`: poisson, constant, onoff, closed_loop or a trace CSV.
#include <limits>
#include <string>

#include "scenario_reader.h"
#include "sharesim/scenarios/csv.h"

namespace sharesim::scenarios::detail {

bool ScenarioReader::read_arrivals(const YamlNode& node, const std::string& path, models::ArrivalSpec& out) {
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

}  // namespace sharesim::scenarios::detail
