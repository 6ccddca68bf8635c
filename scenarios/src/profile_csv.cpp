// Kernel-profile CSVs (orion format) and Nsight Systems cuda_gpu_trace exports.
#include <algorithm>
#include <cassert>
#include <cmath>
#include <numeric>

#include "sharesim/scenarios/csv.h"
#include "sharesim/sim/text_util.h"
#include "sharesim/sim/time.h"
#include "sharesim/sim/units.h"

namespace sharesim::scenarios {

// ---- GPU throughput ----------------------------------------------------------------------------

std::optional<GpuThroughput> builtin_gpu_throughput(std::string_view name) {
  // NVIDIA T4 datasheet: 40 SMs (Turing whitepaper: TU104 in T4 has 40 SMs), boost clock 1,590 MHz,
  // 320 GB/s GDDR6. The boost clock is used: rescaled durations are "at boost clock", like the
  // measurement on the other GPU; the GPU model converts to its sustained clock.
  if (sim::iequals(name, "t4")) return GpuThroughput{40, 1.59, 320.0};
  // NVIDIA Tesla V100 datasheet (SXM2 16 GB): 80 SMs, boost clock 1,530 MHz, 900 GB/s HBM2.
  if (sim::iequals(name, "v100-16gb") || sim::iequals(name, "v100")) {
    return GpuThroughput{80, 1.53, 900.0};
  }
  return std::nullopt;
}

double roofline_time_factor(const GpuThroughput& from, const GpuThroughput& to, double memory_bound) {
  assert(from.sm_count > 0 && to.sm_count > 0 && from.sustained_clock_ghz > 0 && to.sustained_clock_ghz > 0 &&
         from.dram_bandwidth_gb_s > 0 && to.dram_bandwidth_gb_s > 0);
  assert(memory_bound >= 0 && memory_bound <= 1);
  const double compute_ratio =
      (from.sm_count * from.sustained_clock_ghz) / (to.sm_count * to.sustained_clock_ghz);
  const double bandwidth_ratio = from.dram_bandwidth_gb_s / to.dram_bandwidth_gb_s;
  return (1.0 - memory_bound) * compute_ratio + memory_bound * bandwidth_ratio;
}

namespace {

// A field that must be an integer (written as digits, optionally "12.0").
Result<int64_t> parse_integer_field(std::string_view text) {
  auto v = sim::parse_number(text);
  if (!v) return make_error("expected an integer, found '" + std::string(sim::trim(text)) + "'");
  if (*v != std::floor(*v) || std::fabs(*v) > 9.0e15) {
    return make_error("expected an integer, found '" + std::string(sim::trim(text)) + "'");
  }
  return static_cast<int64_t>(*v);
}

sim::Time rescale(sim::Time d, const std::optional<GpuThroughput>& from,
                  const std::optional<GpuThroughput>& to, double memory_bound) {
  if (!from || !to) return d;
  const sim::Time scaled = d.scaled(roofline_time_factor(*from, *to, memory_bound));
  return std::max(scaled, sim::Time::ns(1));
}

Error bad_throughput(const std::string& source) {
  return Error{source, 0, 0, "measured_on",
               "expected GPU figures with sm_count, clock and DRAM bandwidth all > 0"};
}

bool valid(const std::optional<GpuThroughput>& g) {
  return !g || (g->sm_count > 0 && g->sustained_clock_ghz > 0 && g->dram_bandwidth_gb_s > 0 &&
                std::isfinite(g->sustained_clock_ghz) && std::isfinite(g->dram_bandwidth_gb_s));
}

}  // namespace

// ---- Kernel profiles ---------------------------------------------------------------------------

Result<std::vector<models::KernelOpSpec>> parse_kernel_profile_csv(std::string_view text,
                                                                   const std::string& source,
                                                                   const KernelProfileOptions& options) {
  if (!valid(options.measured_on) || !valid(options.target)) return bad_throughput(source);
  if (!(options.unknown_memory_bound >= 0 && options.unknown_memory_bound <= 1)) {
    return Error{source, 0, 0, "unknown_memory_bound", "expected a fraction in [0, 1]"};
  }
  auto table = parse_csv(text, source);
  if (!table) return table.error();
  const auto name_col = table->column("Name");
  const auto profile_col = table->column("Profile");
  const auto sm_col = table->column("SM_usage");
  const auto duration_col = table->column("Duration");
  if (!name_col) return table->missing_column("Name");
  if (!profile_col) return table->missing_column("Profile");
  if (!sm_col) return table->missing_column("SM_usage");
  if (!duration_col) return table->missing_column("Duration");
  if (table->rows.empty()) {
    return Error{source, table->header_line, 0, "", "expected at least one kernel row, found none"};
  }

  // Optional columns of the co-execution model (an ncu export joined to the profile): the launch
  // configuration and the throughputs alone, in percent as Nsight Compute prints them.
  struct OptionalInt {
    const char* column;
    int64_t max;
  };
  const std::optional<size_t> launch_cols[] = {table->column("Blocks"), table->column("Threads_per_block"),
                                               table->column("Registers_per_thread"),
                                               table->column("Shared_memory_per_block")};
  const OptionalInt launch_rules[] = {{"Blocks", int64_t{1} << 30},
                                      {"Threads_per_block", 1024},
                                      {"Registers_per_thread", 255},
                                      {"Shared_memory_per_block", int64_t{1} << 30}};
  const auto sm_throughput_col = table->column("SM_throughput");
  const auto dram_throughput_col = table->column("DRAM_throughput");

  std::vector<models::KernelOpSpec> kernels;
  kernels.reserve(table->rows.size());
  for (const auto& row : table->rows) {
    models::KernelOpSpec k;
    k.name = row.fields[*name_col];
    int64_t launch[4] = {0, 0, 0, 0};
    for (int c = 0; c < 4; ++c) {
      if (!launch_cols[c] || row.fields[*launch_cols[c]].empty()) continue;
      auto v = parse_integer_field(row.fields[*launch_cols[c]]);
      if (!v || *v < 1 || *v > launch_rules[c].max) {
        return table->error_at(row, *launch_cols[c],
                               std::string("expected an integer from 1 to ") +
                                   std::to_string(launch_rules[c].max) + " (" + launch_rules[c].column +
                                   "), found '" + row.fields[*launch_cols[c]] + "'");
      }
      launch[c] = *v;
    }
    if (launch[0] == 0 && (launch[1] != 0 || launch[2] != 0 || launch[3] != 0)) {
      return table->error_at(row, launch_cols[0] ? *launch_cols[0] : *name_col,
                             "expected Blocks (the grid size) beside the other launch columns, found none");
    }
    k.blocks = static_cast<int>(launch[0]);
    k.threads_per_block = static_cast<int>(launch[1]);
    k.registers_per_thread = static_cast<int>(launch[2]);
    k.shared_memory_per_block = launch[3];
    for (const auto& [col, out] : {std::pair{sm_throughput_col, &k.sm_throughput},
                                   std::pair{dram_throughput_col, &k.dram_throughput}}) {
      if (!col || row.fields[*col].empty()) continue;
      auto v = sim::parse_number(row.fields[*col]);
      if (!v || !(*v >= 0 && *v <= 100)) {
        return table->error_at(row, *col,
                               "expected a percentage from 0 to 100, found '" + row.fields[*col] + "'");
      }
      *out = *v / 100.0;
    }
    auto profile = parse_integer_field(row.fields[*profile_col]);
    if (!profile || *profile < -1 || *profile > 1) {
      return table->error_at(row, *profile_col,
                             "expected 1 (compute-bound), 0 (memory-bound) or -1 (unknown), found '" +
                                 row.fields[*profile_col] + "'");
    }
    k.memory_bound = *profile == 1 ? 0.0 : *profile == 0 ? 1.0 : options.unknown_memory_bound;
    auto sms = parse_integer_field(row.fields[*sm_col]);
    if (!sms || *sms < 1 || *sms > 1'000'000) {
      return table->error_at(row, *sm_col,
                             "expected the number of SMs the kernel occupies (an integer >= 1), found '" +
                                 row.fields[*sm_col] + "'");
    }
    k.sms = static_cast<int>(*sms);
    auto duration = sim::parse_number(row.fields[*duration_col]);
    if (!duration || !(*duration > 0) || *duration > 9.0e15) {
      return table->error_at(
          row, *duration_col,
          "expected a duration in nanoseconds > 0, found '" + row.fields[*duration_col] + "'");
    }
    const sim::Time d = sim::Time::ns(std::max<int64_t>(1, std::llround(*duration)));
    k.duration = sim::DurationDistribution::deterministic(
        rescale(d, options.measured_on, options.target, k.memory_bound));
    kernels.push_back(std::move(k));
  }
  return kernels;
}

Result<std::vector<models::KernelOpSpec>> load_kernel_profile_csv(const std::string& path,
                                                                  const KernelProfileOptions& options) {
  auto text = read_text_file(path);
  if (!text) return text.error();
  return parse_kernel_profile_csv(*text, path, options);
}

// ---- Nsight Systems ----------------------------------------------------------------------------

int estimate_sm_demand(int64_t blocks, int64_t threads_per_block, int64_t registers_per_thread,
                       int64_t shared_bytes_per_block, const SmLimits& limits) {
  assert(blocks >= 1 && threads_per_block >= 1);
  int64_t per_sm = limits.max_blocks_per_sm;
  per_sm = std::min<int64_t>(per_sm, limits.max_threads_per_sm / threads_per_block);
  if (registers_per_thread > 0) {
    per_sm = std::min<int64_t>(per_sm, limits.registers_per_sm / (registers_per_thread * threads_per_block));
  }
  if (shared_bytes_per_block > 0) {
    per_sm = std::min<int64_t>(per_sm, limits.shared_memory_per_sm_bytes / shared_bytes_per_block);
  }
  per_sm = std::max<int64_t>(per_sm, 1);
  const int64_t sms = (blocks + per_sm - 1) / per_sm;
  return static_cast<int>(std::clamp<int64_t>(sms, 1, limits.sm_count));
}

namespace {

// "Duration (ns)" -> "ns"; "" when the header has no "(unit)".
std::string unit_of(const std::string& header) {
  const auto open = header.rfind('(');
  const auto close = header.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close < open) return "";
  return header.substr(open + 1, close - open - 1);
}

std::optional<size_t> column_with_prefix(const CsvTable& t, std::string_view prefix) {
  for (size_t i = 0; i < t.header.size(); ++i) {
    if (t.header[i] == prefix || t.header[i].rfind(std::string(prefix) + " (", 0) == 0) return i;
  }
  return std::nullopt;
}

std::optional<double> ns_per_unit(const std::string& unit) {
  if (unit == "ns" || unit.empty()) return 1.0;
  if (unit == "us" || unit == "\xC2\xB5s") return 1e3;
  if (unit == "ms") return 1e6;
  if (unit == "s") return 1e9;
  return std::nullopt;
}

std::optional<double> bytes_per_unit(const std::string& unit) {
  if (unit == "B" || unit == "byte" || unit == "bytes" || unit.empty()) return 1.0;
  if (unit == "KB" || unit == "kB") return 1e3;
  if (unit == "MB") return 1e6;
  if (unit == "GB") return 1e9;
  if (unit == "KiB") return 1024.0;
  if (unit == "MiB") return 1024.0 * 1024.0;
  if (unit == "GiB") return 1024.0 * 1024.0 * 1024.0;
  return std::nullopt;
}

bool contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

// Skips nsys's preamble ("Processing [...] with [cuda_gpu_trace.py]...", NOTICE lines): the table
// starts at the first line that contains `header_part` ("Start (", or "Name" for NVTX exports).
Result<CsvTable> parse_after_preamble(std::string_view text, const std::string& source,
                                      std::string_view header_part, std::string_view report) {
  size_t pos = 0;
  int line = 1;
  bool found = false;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") pos = 3;
  while (pos < text.size()) {
    const size_t eol = text.find('\n', pos);
    const std::string_view l =
        text.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    const std::string_view t = sim::trim(l);
    if (t.rfind(header_part, 0) == 0 || t.rfind("\"" + std::string(header_part), 0) == 0) {
      found = true;
      break;
    }
    if (eol == std::string_view::npos) break;
    pos = eol + 1;
    ++line;
  }
  if (!found) {
    return Error{source, 1, 1, "",
                 "expected a header line starting with '" + std::string(header_part) +
                     "' as `nsys stats --report " + std::string(report) +
                     " --format csv` writes, found none"};
  }
  return parse_csv(text.substr(pos), source, line);
}

// A time column's value in ns (its header says the unit).
Result<double> time_ns(const CsvTable& table, const CsvTable::Row& row, size_t col) {
  const auto scale = ns_per_unit(unit_of(table.header[col]));
  if (!scale) return table.error_at(row, col, "expected a time unit ns, us, ms or s in the header");
  auto v = sim::parse_number(row.fields[col]);
  if (!v || !std::isfinite(*v))
    return table.error_at(row, col, "expected a time, found '" + row.fields[col] + "'");
  return *v * *scale;
}

}  // namespace

Result<std::vector<models::OpSpec>> parse_nsys_gpu_trace_csv(std::string_view text, const std::string& source,
                                                             const NsysOptions& options) {
  if (!valid(options.measured_on) || !valid(options.target)) return bad_throughput(source);
  auto table = parse_after_preamble(text, source, "Start (", "cuda_gpu_trace");
  if (!table) return table.error();

  const auto start_col = column_with_prefix(*table, "Start");
  const auto duration_col = column_with_prefix(*table, "Duration");
  const auto name_col = table->column("Name");
  if (!start_col) return table->missing_column("Start (ns)");
  if (!duration_col) return table->missing_column("Duration (ns)");
  if (!name_col) return table->missing_column("Name");
  const auto start_scale = ns_per_unit(unit_of(table->header[*start_col]));
  const auto duration_scale = ns_per_unit(unit_of(table->header[*duration_col]));
  if (!start_scale || !duration_scale) {
    return Error{source, table->header_line, 0, "",
                 "expected time columns in ns, us, ms or s, found '" + table->header[*start_col] + "' and '" +
                     table->header[*duration_col] + "'"};
  }
  const auto bytes_col = column_with_prefix(*table, "Bytes");
  const auto stc_col = column_with_prefix(*table, "StcSMem");
  const auto dym_col = column_with_prefix(*table, "DymSMem");
  const auto src_kind_col = table->column("SrcMemKd");
  const auto dst_kind_col = table->column("DstMemKd");
  const auto reg_col = table->column("Reg/Trd");
  const char* grid_names[] = {"GrdX", "GrdY", "GrdZ"};
  const char* block_names[] = {"BlkX", "BlkY", "BlkZ"};

  // Rows in start order (nsys writes them sorted; a stable sort keeps ties in file order).
  struct Timed {
    double start;
    const CsvTable::Row* row;
  };
  std::vector<Timed> order;
  for (const auto& row : table->rows) {
    auto s = sim::parse_number(row.fields[*start_col]);
    if (!s) return table->error_at(row, *start_col, s.error().message);
    if (options.window_ns) {
      const double start_ns = *s * *start_scale;
      if (start_ns < options.window_ns->first || start_ns >= options.window_ns->second) continue;
    }
    order.push_back({*s, &row});
  }
  std::stable_sort(order.begin(), order.end(),
                   [](const Timed& a, const Timed& b) { return a.start < b.start; });
  if (order.empty()) {
    return Error{source, table->header_line, 0, "",
                 options.window_ns ? "expected at least one GPU operation starting in the window, found none"
                                   : "expected at least one GPU operation row, found none"};
  }

  auto bytes_in = [&](const CsvTable::Row& row, std::optional<size_t> col, int64_t* out) -> Status {
    *out = 0;
    if (!col || row.fields[*col].empty()) return Ok{};
    const auto unit = bytes_per_unit(unit_of(table->header[*col]));
    if (!unit) {
      return table->error_at(row, *col, "expected a size unit B, KB, MB, GB, KiB, MiB or GiB in the header");
    }
    auto v = sim::parse_number(row.fields[*col]);
    if (!v || *v < 0 || *v * *unit > 1e15) {
      return table->error_at(row, *col,
                             "expected a size >= 0 (and below 1 PB), found '" + row.fields[*col] + "'");
    }
    *out = std::llround(*v * *unit);
    return Ok{};
  };

  std::vector<models::OpSpec> ops;
  for (const auto& [start, rowp] : order) {
    const auto& row = *rowp;
    const std::string& name = row.fields[*name_col];
    auto dur = sim::parse_number(row.fields[*duration_col]);
    if (!dur || !(*dur > 0) || *dur * *duration_scale > 1e15) {
      return table->error_at(row, *duration_col,
                             "expected a duration > 0, found '" + row.fields[*duration_col] + "'");
    }
    const sim::Time duration = sim::Time::ns(std::max<int64_t>(1, std::llround(*dur * *duration_scale)));

    const bool is_memcpy = name.rfind("[CUDA memcpy", 0) == 0;
    const bool is_memset = name.rfind("[CUDA memset", 0) == 0;
    if (is_memcpy && (contains(name, "HtoD") || contains(name, "Host-to-Device") || contains(name, "DtoH") ||
                      contains(name, "Device-to-Host"))) {
      models::CopyOpSpec c;
      c.name = name;
      const bool h2d = contains(name, "HtoD") || contains(name, "Host-to-Device");
      c.direction = h2d ? models::CopyDirection::kHostToDevice : models::CopyDirection::kDeviceToHost;
      if (!bytes_col) return table->missing_column("Bytes (MB)");
      auto st = bytes_in(row, bytes_col, &c.bytes);
      if (!st) return st.error();
      if (c.bytes <= 0) {
        return table->error_at(row, *bytes_col,
                               "expected the copy's size > 0, found '" + row.fields[*bytes_col] + "'");
      }
      const auto host_kind_col = h2d ? src_kind_col : dst_kind_col;
      c.pinned = !(host_kind_col && sim::iequals(row.fields[*host_kind_col], "Pageable"));
      if (options.measured_copies) c.measured = duration;
      ops.emplace_back(std::move(c));
      continue;
    }
    if (is_memset || (is_memcpy && (contains(name, "DtoD") || contains(name, "Device-to-Device")))) {
      // Device-side DRAM work: modeled as a memory-bound kernel that may use the whole GPU.
      models::KernelOpSpec k;
      k.name = name;
      k.memory_bound = 1.0;
      k.sms = 0;
      k.duration = sim::DurationDistribution::deterministic(
          rescale(duration, options.measured_on, options.target, 1.0));
      ops.emplace_back(std::move(k));
      continue;
    }
    if (!name.empty() && name.front() == '[') {
      return table->error_at(row, *name_col,
                             "expected a kernel, [CUDA memcpy HtoD/DtoH/DtoD] or [CUDA memset], found '" +
                                 name + "' (not supported)");
    }
    // A kernel.
    int64_t blocks = 1;
    int64_t threads = 1;
    for (int d = 0; d < 3; ++d) {
      const auto gc = table->column(grid_names[d]);
      const auto bc = table->column(block_names[d]);
      if (!gc) return table->missing_column(grid_names[d]);
      if (!bc) return table->missing_column(block_names[d]);
      auto g = parse_integer_field(row.fields[*gc]);
      if (!g || *g < 1)
        return table->error_at(
            row, *gc, "expected a grid size >= 1 for kernel '" + name + "', found '" + row.fields[*gc] + "'");
      auto b = parse_integer_field(row.fields[*bc]);
      if (!b || *b < 1)
        return table->error_at(
            row, *bc,
            "expected a block size >= 1 for kernel '" + name + "', found '" + row.fields[*bc] + "'");
      if (blocks > (int64_t{1} << 40) / *g) return table->error_at(row, *gc, "grid too large");
      blocks *= *g;
      threads *= *b;
    }
    if (threads > 1024 * 1024) return table->error_at(row, *name_col, "block too large");
    int64_t regs = 0;
    if (reg_col && !row.fields[*reg_col].empty()) {
      auto r = parse_integer_field(row.fields[*reg_col]);
      if (!r || *r < 0 || *r > 65536) {
        return table->error_at(
            row, *reg_col,
            "expected registers per thread from 0 to 65536, found '" + row.fields[*reg_col] + "'");
      }
      regs = *r;
    }
    int64_t static_shared = 0;
    int64_t dynamic_shared = 0;
    if (auto st = bytes_in(row, stc_col, &static_shared); !st) return st.error();
    if (auto st = bytes_in(row, dym_col, &dynamic_shared); !st) return st.error();
    models::KernelOpSpec k;
    k.name = name;
    k.memory_bound = options.kernel_memory_bound;
    k.sms = estimate_sm_demand(blocks, threads, regs, static_shared + dynamic_shared, options.limits);
    // The launch configuration, for the co-execution model (residency, waves, span); `sms`
    // stays as the estimate for kernels the model would read without it.
    if (threads <= 1024 && blocks <= (int64_t{1} << 30)) {
      k.blocks = static_cast<int>(blocks);
      k.threads_per_block = static_cast<int>(threads);
      k.registers_per_thread = regs <= 255 ? static_cast<int>(regs) : 0;
      k.shared_memory_per_block = static_shared + dynamic_shared;
    }
    k.duration = sim::DurationDistribution::deterministic(
        rescale(duration, options.measured_on, options.target, k.memory_bound));
    ops.emplace_back(std::move(k));
  }
  return ops;
}

Result<std::vector<models::OpSpec>> load_nsys_gpu_trace_csv(const std::string& path,
                                                            const NsysOptions& options) {
  auto text = read_text_file(path);
  if (!text) return text.error();
  return parse_nsys_gpu_trace_csv(*text, path, options);
}

}  // namespace sharesim::scenarios

namespace sharesim::scenarios {

Result<std::pair<double, double>> parse_nvtx_range_csv(std::string_view text, const std::string& source,
                                                       const std::string& range, int occurrence) {
  // nvtx_gpu_proj_trace starts with "Name"; nvtx_pushpop_trace with "Start (".
  const bool projected = text.find("Projected Start") != std::string_view::npos;
  auto table = projected ? parse_after_preamble(text, source, "Name", "nvtx_gpu_proj_trace")
                         : parse_after_preamble(text, source, "Start (", "nvtx_pushpop_trace");
  if (!table) return table.error();
  const auto start_col = column_with_prefix(*table, projected ? "Projected Start" : "Start");
  const auto end_col = column_with_prefix(*table, "End");
  const auto duration_col = column_with_prefix(*table, projected ? "Projected Duration" : "Duration");
  const auto name_col = table->column("Name");
  if (!start_col) return table->missing_column(projected ? "Projected Start (ns)" : "Start (ns)");
  if (!name_col) return table->missing_column("Name");
  if (!end_col && !duration_col) return table->missing_column("End (ns)");
  std::vector<std::pair<double, double>> found;
  for (const auto& row : table->rows) {
    if (row.fields[*name_col] != range) continue;
    auto start = time_ns(*table, row, *start_col);
    if (!start) return start.error();
    auto end = end_col ? time_ns(*table, row, *end_col) : time_ns(*table, row, *duration_col);
    if (!end) return end.error();
    const double end_ns = end_col ? *end : *start + *end;
    if (end_ns < *start)
      return table->error_at(row, end_col ? *end_col : *duration_col, "the range ends before it starts");
    found.emplace_back(*start, end_ns);
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  if (occurrence < 1 || static_cast<size_t>(occurrence) > found.size()) {
    return Error{source, table->header_line, 0, "",
                 "expected at least " + std::to_string(occurrence) + " NVTX range(s) named '" + range +
                     "', found " + std::to_string(found.size())};
  }
  return found[static_cast<size_t>(occurrence - 1)];
}

Result<std::pair<double, double>> load_nvtx_range_csv(const std::string& path, const std::string& range,
                                                      int occurrence) {
  auto text = read_text_file(path);
  if (!text) return text.error();
  return parse_nvtx_range_csv(*text, path, range, occurrence);
}

Result<std::vector<models::OpSpec>> parse_perf_analyzer_csv(std::string_view text, const std::string& source,
                                                            const std::vector<int>& batch_sizes) {
  auto table = parse_csv(text, source, 1);
  if (!table) return table.error();
  const auto input_col = table->column("Server Compute Input");
  const auto infer_col = table->column("Server Compute Infer");
  const auto output_col = table->column("Server Compute Output");
  if (!input_col) return table->missing_column("Server Compute Input");
  if (!infer_col) return table->missing_column("Server Compute Infer");
  if (!output_col) return table->missing_column("Server Compute Output");
  const auto batch_col = table->column("Batch Size");
  const auto concurrency_col = table->column("Concurrency");
  if (!batch_col && batch_sizes.size() != table->rows.size()) {
    return Error{source, table->header_line, 0, "",
                 "expected a 'Batch Size' column or one batch size per data row (" +
                     std::to_string(table->rows.size()) + " rows, " + std::to_string(batch_sizes.size()) +
                     " batch sizes given)"};
  }
  models::BatchCurve input, infer, output;
  for (size_t i = 0; i < table->rows.size(); ++i) {
    const auto& row = table->rows[i];
    if (concurrency_col) {
      auto c = parse_integer_field(row.fields[*concurrency_col]);
      if (!c) return table->error_at(row, *concurrency_col, "expected an integer concurrency");
      if (*c != 1) continue;
    }
    double batch = 0;
    if (batch_col) {
      auto b = parse_integer_field(row.fields[*batch_col]);
      if (!b || *b < 1) return table->error_at(row, *batch_col, "expected a batch size >= 1");
      batch = static_cast<double>(*b);
    } else {
      batch = batch_sizes[i];
    }
    if (!infer.empty() && batch <= infer.back().batch) {
      return table->error_at(row, batch_col ? *batch_col : 0, "expected batch sizes in ascending order");
    }
    const auto us = [&](size_t col) -> Result<sim::Time> {
      auto v = sim::parse_number(row.fields[col]);
      if (!v || !(*v >= 0) || *v > 1e12) {
        return table->error_at(row, col, "expected microseconds >= 0, found '" + row.fields[col] + "'");
      }
      return sim::Time::ns(std::llround(*v * 1e3));
    };
    auto in = us(*input_col);
    if (!in) return in.error();
    auto inf = us(*infer_col);
    if (!inf) return inf.error();
    auto out = us(*output_col);
    if (!out) return out.error();
    input.push_back({batch, *in});
    infer.push_back({batch, *inf});
    output.push_back({batch, *out});
  }
  if (infer.empty()) {
    return Error{source, table->header_line, 0, "", "expected at least one row at concurrency 1, found none"};
  }
  std::vector<models::OpSpec> ops;
  ops.emplace_back(models::HostOpSpec{.name = "compute input", .batch_curve = std::move(input)});
  ops.emplace_back(models::KernelOpSpec{.name = "compute infer", .batch_curve = std::move(infer)});
  ops.emplace_back(models::HostOpSpec{.name = "compute output", .batch_curve = std::move(output)});
  return ops;
}

Result<std::vector<models::OpSpec>> load_perf_analyzer_csv(const std::string& path,
                                                           const std::vector<int>& batch_sizes) {
  auto text = read_text_file(path);
  if (!text) return text.error();
  return parse_perf_analyzer_csv(*text, path, batch_sizes);
}

}  // namespace sharesim::scenarios
