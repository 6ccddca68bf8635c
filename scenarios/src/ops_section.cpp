// A workload's `request`: its operations (h2d, d2h, kernel, host) or a kernel-profile / nsys
// CSV, and the duration distributions kernels are written with.
#include <cmath>
#include <string>
#include <variant>
#include <vector>

#include "scenario_reader.h"
#include "sharesim/scenarios/csv.h"
#include "sharesim/sim/text_util.h"
#include "sharesim/sim/time.h"

namespace sharesim::scenarios::detail {

bool ScenarioReader::read_distribution(const YamlNode& node, const std::string& path,
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

bool ScenarioReader::read_request(const YamlNode& node, const std::string& path, const DeviceSpec& device,
                                  models::RequestSpec& out) {
  if (!expect_map(node, path, "a request {ops: [...]} or {profile: {...}}")) return false;
  if (!check_keys(node, path, {"ops", "profile", "launch"})) return false;
  if (const YamlNode* launch = optional(node, "launch"); launch != nullptr) {
    std::string mode;
    if (!read_string(*launch, path + ".launch", mode)) return false;
    if (mode != "sync" && mode != "async") {
      return fail(*launch, path + ".launch",
                  "expected sync (each kernel launched after the previous one finished) or async (the host "
                  "enqueues the whole request ahead), found '" +
                      mode + "'");
    }
    out.launch = mode == "async" ? models::LaunchMode::kAsynchronous : models::LaunchMode::kSynchronous;
  }
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

bool ScenarioReader::read_op(const YamlNode& node, const std::string& path, const DeviceSpec& device,
                             size_t index, std::vector<models::OpSpec>& ops) {
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
    if (!expect_map(v, p, "{duration, per_item, sms, memory_bound, blocks, threads_per_block, ...}"))
      return false;
    if (!check_keys(v, p,
                    {"name", "duration", "per_item", "sms", "memory_bound", "blocks", "threads_per_block",
                     "registers_per_thread", "shared_memory_per_block", "sm_throughput", "dram_throughput"}))
      return false;
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
    if (!read_launch_configuration(v, p, k)) return false;
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

// A kernel's launch configuration and throughputs alone (docs/scenarios.md, "Kernels"): all
// optional; threads_per_block, registers_per_thread and shared_memory_per_block need blocks.
bool ScenarioReader::read_launch_configuration(const YamlNode& v, const std::string& p,
                                               models::KernelOpSpec& k) {
  if (const YamlNode* b = optional(v, "blocks");
      b != nullptr && !read_int(*b, p + ".blocks", 1, 1 << 30, k.blocks))
    return false;
  if (const YamlNode* t = optional(v, "threads_per_block");
      t != nullptr && !read_int(*t, p + ".threads_per_block", 1, 1024, k.threads_per_block))
    return false;
  if (const YamlNode* r = optional(v, "registers_per_thread");
      r != nullptr && !read_int(*r, p + ".registers_per_thread", 1, 255, k.registers_per_thread))
    return false;
  if (const YamlNode* s = optional(v, "shared_memory_per_block");
      s != nullptr && !read_bytes(*s, p + ".shared_memory_per_block", false, k.shared_memory_per_block))
    return false;
  if (const YamlNode* u = optional(v, "sm_throughput");
      u != nullptr && !read_number(*u, p + ".sm_throughput", 0, 1, false, k.sm_throughput))
    return false;
  if (const YamlNode* u = optional(v, "dram_throughput");
      u != nullptr && !read_number(*u, p + ".dram_throughput", 0, 1, false, k.dram_throughput))
    return false;
  if (k.blocks == 0) {
    for (const char* needs_blocks :
         {"threads_per_block", "registers_per_thread", "shared_memory_per_block"}) {
      if (const YamlNode* n = optional(v, needs_blocks); n != nullptr) {
        return fail(*n, p + "." + needs_blocks, "expected blocks (the grid size) beside it, found none");
      }
    }
  }
  return true;
}

bool ScenarioReader::read_profile(const YamlNode& node, const std::string& path, const DeviceSpec& device,
                                  std::vector<models::OpSpec>& ops) {
  if (!expect_map(node, path, "{file, format, measured_on, per_item}")) return false;
  if (!check_keys(
          node, path,
          {"file", "format", "measured_on", "per_item", "measured_copies", "window", "nvtx", "batch_sizes"}))
    return false;
  std::string file;
  const YamlNode* f = required(node, path, "file", "the path of a kernel-profile or nsys CSV");
  if (f == nullptr || !read_existing_file(*f, path + ".file", file)) return false;
  bool nsys = false;
  bool perf_analyzer = false;
  if (const YamlNode* fmt = optional(node, "format")) {
    if (!scalar(*fmt, path + ".format", "kernels, nsys or perf_analyzer")) return false;
    if (fmt->value == "nsys") {
      nsys = true;
    } else if (fmt->value == "perf_analyzer") {
      perf_analyzer = true;
    } else if (fmt->value != "kernels") {
      const std::string s = sim::closest_match(fmt->value, {"kernels", "nsys", "perf_analyzer"});
      return fail(*fmt, path + ".format",
                  "expected kernels, nsys or perf_analyzer, found " + fmt->describe() +
                      (s.empty() ? "" : " (did you mean '" + s + "'?)"));
    }
  }
  // Keys that only one format reads.
  for (const char* key : {"measured_copies", "window", "nvtx"}) {
    if (const YamlNode* v = optional(node, key); v != nullptr && !nsys) {
      return fail(*v, key_path(path, key), "applies to format: nsys only");
    }
  }
  if (const YamlNode* v = optional(node, "batch_sizes"); v != nullptr && !perf_analyzer) {
    return fail(*v, path + ".batch_sizes", "applies to format: perf_analyzer only");
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
  if (perf_analyzer) {
    std::vector<int> batch_sizes;
    if (const YamlNode* b = optional(node, "batch_sizes")) {
      if (!b->is_sequence())
        return fail(*b, path + ".batch_sizes", "expected a list of batch sizes, found " + b->describe());
      for (size_t i = 0; i < b->items.size(); ++i) {
        int size = 0;
        if (!read_int(b->items[i], index_path(path + ".batch_sizes", i), 1, 1000000, size)) return false;
        batch_sizes.push_back(size);
      }
    }
    auto r = load_perf_analyzer_csv(file, batch_sizes);
    if (!r) {
      if (!error) error = r.error();
      return false;
    }
    loaded = std::move(*r);
  } else if (nsys) {
    NsysOptions o;
    o.measured_on = from;
    o.target = to;
    if (const YamlNode* v = optional(node, "measured_copies");
        v != nullptr && !read_bool(*v, path + ".measured_copies", o.measured_copies))
      return false;
    if (const YamlNode* w = optional(node, "window")) {
      const std::string wp = path + ".window";
      if (!expect_map(*w, wp, "a time window {start, end} in the export's timestamps")) return false;
      if (!check_keys(*w, wp, {"start", "end"})) return false;
      sim::Time start, end;
      const YamlNode* sn = required(*w, wp, "start", "the window's start, e.g. 1523.4ms");
      if (sn == nullptr || !read_duration(*sn, wp + ".start", false, start)) return false;
      const YamlNode* en = required(*w, wp, "end", "the window's end, after its start");
      if (en == nullptr || !read_duration(*en, wp + ".end", true, end)) return false;
      if (end <= start) return fail(*en, wp + ".end", "expected the window's end after its start");
      o.window_ns = {static_cast<double>(start.count_ns()), static_cast<double>(end.count_ns())};
    }
    if (const YamlNode* nv = optional(node, "nvtx")) {
      const std::string np = path + ".nvtx";
      if (o.window_ns) return fail(*nv, np, "expected either `window` or `nvtx`, found both");
      if (!expect_map(*nv, np, "an NVTX range {file, range, occurrence}")) return false;
      if (!check_keys(*nv, np, {"file", "range", "occurrence"})) return false;
      std::string nvtx_file, range;
      int occurrence = 1;
      const YamlNode* nf = required(*nv, np, "file", "an nvtx_gpu_proj_trace or nvtx_pushpop_trace CSV");
      if (nf == nullptr || !read_existing_file(*nf, np + ".file", nvtx_file)) return false;
      const YamlNode* rn = required(*nv, np, "range", "the NVTX range's name");
      if (rn == nullptr || !read_string(*rn, np + ".range", range)) return false;
      if (const YamlNode* oc = optional(*nv, "occurrence");
          oc != nullptr && !read_int(*oc, np + ".occurrence", 1, 100000000, occurrence))
        return false;
      auto window = load_nvtx_range_csv(nvtx_file, range, occurrence);
      if (!window) {
        if (!error) error = window.error();
        return false;
      }
      // The end is included: a range's last GPU op may start at its very end.
      o.window_ns = {window->first, std::nextafter(window->second, window->second + 1)};
    }
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

}  // namespace sharesim::scenarios::detail
