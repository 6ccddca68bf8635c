// CSV inputs: a small RFC 4180 reader, and the three CSV formats users bring.
//
//   * arrival traces (e.g. the Azure LLM inference trace)            -> models::TraceArrivals
//   * kernel profiles (Name, Profile, Memory_footprint, SM_usage, Duration, as eth-easl/orion)
//                                                                     -> models::KernelOpSpec list
//   * Nsight Systems `nsys stats --report cuda_gpu_trace --format csv` of one request
//                                                                     -> models::OpSpec list
//
// Every parser returns an Error naming the file, the 1-based line and character column of the
// offending field, the column's name and what was expected and found; none throws or asserts on
// bad input. docs/scenarios.md describes each format and the conversions in full.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sharesim/models/workload_spec.h"
#include "sharesim/sim/result.h"

namespace sharesim::scenarios {

// ---- Generic reader ---------------------------------------------------------------------------

// A CSV table. Fields are separated by commas; a field may be quoted with double quotes ("" is a
// quote inside); lines end in LF or CRLF; a UTF-8 byte order mark is skipped; blank lines are
// skipped. Every row must have as many fields as the header.
struct CsvTable {
  struct Row {
    int line = 0;  // 1-based line in the source
    std::vector<std::string> fields;
    std::vector<int> columns;  // 1-based character column where each field starts
  };
  std::string source;  // file name for messages
  int header_line = 0;
  std::vector<std::string> header;
  std::vector<Row> rows;

  // Index of the column named `name` (exact match first, then ignoring ASCII case).
  [[nodiscard]] std::optional<size_t> column(std::string_view name) const;
  // Error at a field of a row: file, line, character column, field = the column's name.
  [[nodiscard]] Error error_at(const Row& row, size_t column_index, std::string message) const;
  // "missing column 'X' (columns are: a, b, c)" at the header line.
  [[nodiscard]] Error missing_column(std::string_view name) const;
};

// Parses CSV text. `first_line` is the line number of the text's first line in its file (for a
// table that starts after a preamble).
Result<CsvTable> parse_csv(std::string_view text, const std::string& source, int first_line = 1);

// Reads a whole file. The error names the path and the reason.
Result<std::string> read_text_file(const std::string& path);

// ---- Arrival traces ----------------------------------------------------------------------------

struct TraceCsvOptions {
  // Column holding each request's arrival time: either absolute timestamps
  // "YYYY-MM-DD HH:MM:SS[.fraction]" (as the Azure LLM inference trace writes them, up to 9
  // fractional digits, no time zone) or relative times as plain decimal seconds ("0", "1.25").
  std::string time_column = "TIMESTAMP";
  // Multiplies every gap between arrivals: 0.5 replays twice as fast. > 0.
  double time_scale = 1.0;
  // Optional column whose value scales the request's per-item work: scale = value / (mean of the
  // column over the replayed rows). Values must be finite and >= 0, and their mean > 0.
  std::string scale_column;
  // Replay rows [start, start + limit) of the data rows (0-based, header excluded).
  int64_t start = 0;
  std::optional<int64_t> limit;
};

// Arrival offsets are t_i - t_first (exact integer nanoseconds), times time_scale, rounded to the
// nearest nanosecond. Timestamps going backwards are an error naming the line (the trace is not
// silently reordered: an unsorted trace is usually a wrong column). Mixing absolute and relative
// times is an error. At least one row must be replayed.
Result<models::TraceArrivals> parse_trace_csv(std::string_view text, const std::string& source,
                                              const TraceCsvOptions& options);
Result<models::TraceArrivals> load_trace_csv(const std::string& path, const TraceCsvOptions& options);

// A timestamp as nanoseconds: absolute "YYYY-MM-DD HH:MM:SS[.f]" (or with 'T') as nanoseconds
// since 1970-01-01 00:00:00 (proleptic Gregorian, no time zone), or relative decimal seconds.
// `absolute` reports which form it was.
Result<int64_t> parse_trace_timestamp_ns(std::string_view text, bool* absolute);

// ---- GPU throughput for rescaling a profile measured on another GPU ----------------------------

// The figures a roofline rescaling needs. FP32 throughput is proportional to sm_count *
// sustained_clock_ghz (every SM of one architecture family issues the same FP32 lanes per clock;
// differences between families are ignored: a documented approximation).
struct GpuThroughput {
  int sm_count = 0;
  double sustained_clock_ghz = 0;  // SM clock under sustained load
  double dram_bandwidth_gb_s = 0;  // DRAM bandwidth in GB/s (10^9 bytes per second)
};

// Figures compiled in for the GPUs example profiles name, each with its source in csv.cpp:
// "t4", "v100-16gb". nullopt for other names (the caller supplies them, e.g. from a GPU profile).
std::optional<GpuThroughput> builtin_gpu_throughput(std::string_view name);

// Factor that converts a kernel's duration measured on `from` into its duration on `to`:
//   factor = (1 - m) * (F_from / F_to) + m * (B_from / B_to)
// with F = sm_count * sustained_clock_ghz, B = dram_bandwidth_gb_s and m the kernel's memory-bound
// fraction in [0, 1]: compute-bound time scales with FP32 throughput, memory-bound time with DRAM
// bandwidth. REQUIRES: all figures > 0 and 0 <= m <= 1.
double roofline_time_factor(const GpuThroughput& from, const GpuThroughput& to, double memory_bound);

// ---- Kernel profiles (orion format) ------------------------------------------------------------

struct KernelProfileOptions {
  // memory_bound for kernels whose Profile is -1 (unknown): neither bound dominates, so half.
  double unknown_memory_bound = 0.5;
  // When both are set, every duration is multiplied by roofline_time_factor(measured_on, target).
  std::optional<GpuThroughput> measured_on;
  std::optional<GpuThroughput> target;
};

// Columns (by name, any order, extra columns ignored): Name, Profile (1 compute-bound ->
// memory_bound 0, 0 memory-bound -> 1, -1 unknown -> unknown_memory_bound), SM_usage (SMs the
// kernel's blocks occupy, >= 1; kept as is: the GPU model treats more than the GPU has as "all"),
// Duration (integer nanoseconds, > 0). Memory_footprint is read by nobody. Each row becomes one
// deterministic kernel in file order.
Result<std::vector<models::KernelOpSpec>> parse_kernel_profile_csv(std::string_view text,
                                                                   const std::string& source,
                                                                   const KernelProfileOptions& options);
Result<std::vector<models::KernelOpSpec>> load_kernel_profile_csv(const std::string& path,
                                                                  const KernelProfileOptions& options);

// ---- Nsight Systems cuda_gpu_trace exports ------------------------------------------------------

// Per-SM limits of the GPU the trace's SM demand is estimated for (defaults: T4, compute
// capability 7.5: 1,024 threads, 16 blocks, 64 K registers, 64 KiB shared memory per SM).
struct SmLimits {
  int sm_count = 40;
  int max_threads_per_sm = 1024;
  int max_blocks_per_sm = 16;
  int registers_per_sm = 65536;
  int64_t shared_memory_per_sm_bytes = 65536;
};

// SMs a kernel's grid can occupy: ceil(blocks / blocks_per_sm), at most sm_count, at least 1, with
// blocks_per_sm = min(max_blocks_per_sm, floor(max_threads_per_sm / threads_per_block),
// floor(registers_per_sm / (registers_per_thread * threads_per_block)) when registers are known,
// floor(shared_memory_per_sm / shared_bytes_per_block) when shared memory is used), at least 1.
// This is the occupancy calculation without allocation granularity. REQUIRES: blocks >= 1,
// threads_per_block >= 1.
int estimate_sm_demand(int64_t blocks, int64_t threads_per_block, int64_t registers_per_thread,
                       int64_t shared_bytes_per_block, const SmLimits& limits);

struct NsysOptions {
  SmLimits limits;
  // memory_bound of kernels (an nsys trace does not say): half, as for unknown profile kernels.
  double kernel_memory_bound = 0.5;
  // As KernelProfileOptions: rescale kernel durations from the measuring GPU to the target.
  std::optional<GpuThroughput> measured_on;
  std::optional<GpuThroughput> target;
  // Keep each host<->device copy's measured duration (CopyOpSpec::measured) instead of re-modeling
  // it from its bytes: a copy that took 661 us stays 661 us alone on the GPU.
  bool measured_copies = false;
  // Keep only rows whose start lies in [window_start_ns, window_end_ns) (in the export's own
  // timestamps, converted to ns): one request cut out of a whole export.
  std::optional<std::pair<double, double>> window_ns;
};

// The [start, end) in ns of the `occurrence`-th (1-based, in start order) range named `range` in
// an NVTX CSV export: `nsys stats --report nvtx_pushpop_trace --format csv` (columns "Start
// (<unit>)", "End (<unit>)", "Name") or nvtx_gpu_proj_trace ("Projected Start (<unit>)",
// "Projected Duration (<unit>)", "Name"; preferred: it is where the range's GPU work ran). A
// "Duration" column stands in for "End". Any preamble before the header is skipped.
Result<std::pair<double, double>> parse_nvtx_range_csv(std::string_view text, const std::string& source,
                                                       const std::string& range, int occurrence);
Result<std::pair<double, double>> load_nvtx_range_csv(const std::string& path, const std::string& range,
                                                      int occurrence);

// A measured service curve from perf_analyzer's CSV (`perf_analyzer -f`; columns "Server Compute
// Input", "Server Compute Infer", "Server Compute Output" in microseconds, per request). Each row
// is one client batch size: taken from a "Batch Size" column when there is one, else from
// `batch_sizes` (one per data row, in order). Only rows at concurrency 1 are used when a
// "Concurrency" column is present (no queueing: the service time, not a loaded latency). The
// request: host op "compute input" (curve), kernel "compute infer" (curve, whole GPU), host op
// "compute output" (curve); copies inside compute input/output hold no copy engine here.
Result<std::vector<models::OpSpec>> parse_perf_analyzer_csv(std::string_view text, const std::string& source,
                                                            const std::vector<int>& batch_sizes);
Result<std::vector<models::OpSpec>> load_perf_analyzer_csv(const std::string& path,
                                                           const std::vector<int>& batch_sizes);

// Reads the CSV that `nsys stats --report cuda_gpu_trace --format csv` writes (any preamble
// before the header line is skipped). Columns used: "Start (<unit>)", "Duration (<unit>)" (unit ns,
// us, ms or s), GrdX/GrdY/GrdZ, BlkX/BlkY/BlkZ, Reg/Trd, "StcSMem (<u>)", "DymSMem (<u>)",
// "Bytes (<u>)" (u = B, byte, KB, MB, GB: decimal, as nsys writes them, or KiB, MiB, GiB), SrcMemKd,
// DstMemKd, Name. Rows are taken in start order:
//   kernels                        -> KernelOpSpec (duration, sms = estimate_sm_demand(...))
//   [CUDA memcpy HtoD | Host-to-Device] / [... DtoH | Device-to-Host]
//                                  -> CopyOpSpec (bytes; pinned unless the host side is Pageable)
//   [CUDA memset], [CUDA memcpy DtoD | Device-to-Device]
//                                  -> KernelOpSpec with memory_bound 1 (device-side DRAM work)
// Other rows (e.g. peer copies) are an error naming the line.
Result<std::vector<models::OpSpec>> parse_nsys_gpu_trace_csv(std::string_view text, const std::string& source,
                                                             const NsysOptions& options);
Result<std::vector<models::OpSpec>> load_nsys_gpu_trace_csv(const std::string& path,
                                                            const NsysOptions& options);

}  // namespace sharesim::scenarios
