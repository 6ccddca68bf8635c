#include "sharesim/calibrate/simulate.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "sharesim/models/gpu.h"
#include "sharesim/sim/simulator.h"

namespace sharesim::calibrate {

models::KernelWork compute_kernel_work(const ComputeKernelShape& shape, const models::GpuProfile& profile,
                                       int fp32_lanes_per_sm) {
  const double waves = std::ceil(static_cast<double>(shape.blocks) / profile.sm_count);
  const double clock_ghz = profile.boost_clock_mhz * 1e-3 * profile.sustained_clock_factor;
  const double solo_ns = waves * shape.flops_per_block() / (fp32_lanes_per_sm * 2.0 * clock_ghz);
  // Its launch configuration (kThreadsPerBlock threads: one block fills one SM), each block
  // saturating its SM's FP32 issue: sm_throughput = SMs with a block / sm_count. (As a simple
  // kernel with a profile that models issue saturation, its sm_demand would be spread over every
  // SM, which 1,024-thread blocks cannot be.)
  const int sms = std::min(shape.blocks, profile.sm_count);
  return models::KernelWork{.name = "calibrate.compute",
                            .solo_duration = sim::Time::ns(std::max<int64_t>(1, std::llround(solo_ns))),
                            .sm_demand = sms,
                            .memory_bound = 0.0,
                            .blocks = shape.blocks,
                            .threads_per_block = kThreadsPerBlock,
                            .sm_throughput = static_cast<double>(sms) / profile.sm_count,
                            .dram_throughput = 0.0};
}

models::KernelWork memory_kernel_work(const MemoryKernelShape& shape, const models::GpuProfile& profile) {
  const double bytes_per_ns = profile.dram_bandwidth_effective * 1e-9;
  return models::KernelWork{
      .name = "calibrate.memory",
      .solo_duration = sim::Time::ns(std::max<int64_t>(1, std::llround(shape.bytes() / bytes_per_ns))),
      .sm_demand = std::min(shape.blocks, profile.sm_count),
      .memory_bound = 1.0};
}

models::KernelWork latency_kernel_work(const ComputeKernelShape& shape, const models::GpuProfile& profile,
                                       int fp32_lanes_per_sm) {
  const double clock_ghz = profile.boost_clock_mhz * 1e-3 * profile.sustained_clock_factor;
  const double solo_ns = static_cast<double>(shape.iterations) * kFmaLatencyCycles / clock_ghz;
  // One warp per SM issues 32 FMA lanes every kFmaLatencyCycles: that fraction of the SM's FP32
  // peak (1/8 with 64 lanes, 1/16 with 128); no DRAM traffic.
  const double sm_throughput =
      std::min(1.0, static_cast<double>(kLatencyThreadsPerBlock) / kFmaLatencyCycles / fp32_lanes_per_sm);
  return models::KernelWork{.name = "calibrate.latency",
                            .solo_duration = sim::Time::ns(std::max<int64_t>(1, std::llround(solo_ns))),
                            .sm_demand = std::min(shape.blocks, profile.sm_count),
                            .memory_bound = 0.0,
                            .blocks = shape.blocks,
                            .threads_per_block = kLatencyThreadsPerBlock,
                            .registers_per_thread = 0,
                            .shared_memory_per_block = 0,
                            .sm_throughput = sm_throughput,
                            .dram_throughput = 0.0};
}

models::KernelWork issue_kernel_work(const ComputeKernelShape& shape, int warps,
                                     const models::GpuProfile& profile) {
  const double clock_ghz = profile.boost_clock_mhz * 1e-3 * profile.sustained_clock_factor;
  const double solo_ns =
      static_cast<double>(shape.iterations) * kIssueInstructionsPerIteration * kFmaLatencyCycles / clock_ghz;
  return models::KernelWork{.name = "calibrate.issue",
                            .solo_duration = sim::Time::ns(std::max<int64_t>(1, std::llround(solo_ns))),
                            .sm_demand = std::min(shape.blocks, profile.sm_count),
                            .memory_bound = 0.0,
                            .blocks = shape.blocks,
                            .threads_per_block = 32 * warps,
                            .sm_throughput = -1,
                            .dram_throughput = 0.0};
}

namespace {

using models::CopyDirection;
using models::CopyWork;
using models::GpuModel;
using models::GpuOp;
using models::KernelWork;
using models::ProcessId;
using models::ProcessSpec;
using models::SharingPolicy;
using sim::Time;

const models::KernelWork kEmptyKernel{
    .name = "calibrate.empty", .solo_duration = kEmptyKernelSolo, .sm_demand = 1, .memory_bound = 0.0};

// One simulated benchmark run: a simulator, a GPU and the completion time of each payload.
class Bench {
 public:
  Bench(const models::GpuProfile& profile, SharingPolicy policy) : gpu_(sim_, profile, policy, "calibrate") {
    handler_ = sim_.add_handler([this](uint64_t payload) {
      if (done_.size() <= payload) done_.resize(payload + 1, Time::max());
      done_[payload] = sim_.now();
    });
  }
  Bench(const Bench&) = delete;
  Bench& operator=(const Bench&) = delete;

  Result<ProcessId> start(ProcessSpec spec) { return gpu_.start_process(spec); }
  void submit(ProcessId process, int stream, const GpuOp& op, uint64_t payload) {
    gpu_.submit(process, stream, std::vector<GpuOp>{op},
                models::Completion{.handler = handler_, .payload = payload});
    expected_ = std::max(expected_, payload + 1);
  }
  // Runs until no event is left (now() is then the last completion, which the time-slice probe's
  // utilization series relies on).
  Status run(const std::string& what) {
    sim_.run();
    if (done_.size() < expected_ ||
        std::any_of(done_.begin(), done_.end(), [](Time t) { return t == Time::max(); })) {
      return make_error("the GPU model did not finish the work of " + what);
    }
    return Ok{};
  }
  [[nodiscard]] double done_ns(uint64_t payload) const {
    return static_cast<double>(done_[payload].count_ns());
  }
  GpuModel& gpu() { return gpu_; }

 private:
  sim::Simulator sim_;
  GpuModel gpu_;
  sim::HandlerId handler_ = 0;
  std::vector<Time> done_;
  uint64_t expected_ = 0;
};

Error case_error(const std::string& what, const Error& e) {
  return make_error("simulating " + what + ": " + e.message);
}

// One op alone on an exclusive GPU: its duration from submission to completion.
Result<double> time_alone(const models::GpuProfile& profile, const GpuOp& op, const std::string& what) {
  Bench bench(profile, SharingPolicy::kPassthrough);
  auto pid = bench.start(ProcessSpec{.name = "bench"});
  if (!pid) return case_error(what, pid.error());
  bench.submit(*pid, 0, op, 0);
  if (auto s = bench.run(what); !s) return s.error();
  return bench.done_ns(0);
}

Status simulate_copies(const Plan& plan, const models::GpuProfile& profile, RawData& data) {
  for (bool h2d : {true, false}) {
    for (bool pinned : {true, false}) {
      const std::string case_name = copy_case_name(h2d, pinned);
      for (int64_t bytes : plan.copies.sizes_bytes) {
        CopyWork copy{.name = "calibrate.copy",
                      .direction = h2d ? CopyDirection::kHostToDevice : CopyDirection::kDeviceToHost,
                      .bytes = bytes,
                      .pinned = pinned};
        auto t = time_alone(profile, copy, "copies " + case_name);
        if (!t) return t.error();
        data.add("copies", case_name, param_string({{"bytes", bytes}}), "time", *t, "ns", 0);
      }
    }
  }
  return Ok{};
}

Status simulate_launch(const Plan& plan, const models::GpuProfile& profile, RawData& data) {
  // Back-to-back kernels on one stream: kernel k starts at completion(k-1) + launch gap.
  const int kernels = plan.launch.gap_kernels;
  {
    Bench bench(profile, SharingPolicy::kPassthrough);
    auto pid = bench.start(ProcessSpec{.name = "bench"});
    if (!pid) return case_error("launch back_to_back", pid.error());
    for (int k = 0; k < kernels; ++k) bench.submit(*pid, 0, kEmptyKernel, static_cast<uint64_t>(k));
    if (auto s = bench.run("launch back_to_back"); !s) return s;
    const auto solo = static_cast<double>(kEmptyKernelSolo.count_ns());
    for (int k = 1; k < kernels; ++k) {
      const double start = bench.done_ns(static_cast<uint64_t>(k)) - solo;
      data.add("launch", "back_to_back", param_string({{"kernels", kernels}}), "gap",
               start - bench.done_ns(static_cast<uint64_t>(k - 1)), "ns", k - 1);
    }
  }
  {
    const int launches = plan.launch.host_launches;
    Bench bench(profile, SharingPolicy::kPassthrough);
    auto pid = bench.start(ProcessSpec{.name = "bench"});
    if (!pid) return case_error("launch host_launch", pid.error());
    for (int k = 0; k < launches; ++k) bench.submit(*pid, 0, kEmptyKernel, static_cast<uint64_t>(k));
    if (auto s = bench.run("launch host_launch"); !s) return s;
    data.add("launch", "host_launch", param_string({{"kernels", launches}}), "time_per_kernel",
             bench.done_ns(static_cast<uint64_t>(launches - 1)) / launches, "ns", 0);
  }
  {
    // Host ahead: spinning kernels back to back (the model has no host: the same as back_to_back
    // with longer kernels; the host's call times are not modeled).
    const LaunchPlan& lp = plan.launch;
    const KernelWork spin{.name = "calibrate.spin",
                          .solo_duration = sim::Time::ns(lp.spin_ns),
                          .sm_demand = 1,
                          .memory_bound = 0.0};
    Bench bench(profile, SharingPolicy::kPassthrough);
    auto pid = bench.start(ProcessSpec{.name = "bench"});
    if (!pid) return case_error("launch ahead", pid.error());
    for (int k = 0; k < lp.ahead_kernels; ++k) bench.submit(*pid, 0, spin, static_cast<uint64_t>(k));
    if (auto s = bench.run("launch ahead"); !s) return s;
    const std::string param = param_string({{"kernels", lp.ahead_kernels}, {"spin_ns", lp.spin_ns}});
    for (int k = 1; k < lp.ahead_kernels; ++k) {
      const double start = bench.done_ns(static_cast<uint64_t>(k)) - static_cast<double>(lp.spin_ns);
      data.add("launch", "ahead", param, "gap", start - bench.done_ns(static_cast<uint64_t>(k - 1)), "ns",
               k - 1);
    }
    // A synchronising host: each kernel submitted when the previous one has completed.
    Bench sync(profile, SharingPolicy::kPassthrough);
    auto sync_pid = sync.start(ProcessSpec{.name = "bench"});
    if (!sync_pid) return case_error("launch sync", sync_pid.error());
    const auto solo = static_cast<double>(kEmptyKernelSolo.count_ns());
    double previous_end = 0;
    for (int k = 0; k < lp.sync_kernels; ++k) {
      sync.submit(*sync_pid, 0, kEmptyKernel, static_cast<uint64_t>(k));
      if (auto s = sync.run("launch sync"); !s) return s;
      const double end = sync.done_ns(static_cast<uint64_t>(k));
      if (k > 0) {
        data.add("launch", "sync", param_string({{"kernels", lp.sync_kernels}}), "gap",
                 end - solo - previous_end, "ns", k - 1);
      }
      previous_end = end;
    }
  }
  auto t = time_alone(profile, kEmptyKernel, "launch empty_kernel");
  if (!t) return t.error();
  data.add("launch", "empty_kernel", param_string({{"kernels", 1}}), "time", *t, "ns", 0);
  return Ok{};
}

Status simulate_sm_scaling(const Plan& plan, const models::GpuProfile& profile, int lanes, RawData& data) {
  const SmScalingPlan& p = plan.sm_scaling;
  for (int grid : p.grids) {
    ComputeKernelShape compute{.blocks = grid, .iterations = p.compute_iterations};
    auto tc = time_alone(profile, compute_kernel_work(compute, profile, lanes), "sm-scaling compute");
    if (!tc) return tc.error();
    data.add("sm-scaling", "compute", param_string({{"blocks", grid}, {"iterations", p.compute_iterations}}),
             "time", *tc, "ns", 0);
    MemoryKernelShape memory{.blocks = grid, .bytes_per_block = p.memory_bytes_per_block};
    auto tm = time_alone(profile, memory_kernel_work(memory, profile), "sm-scaling memory");
    if (!tm) return tm.error();
    data.add("sm-scaling", "memory",
             param_string({{"blocks", grid}, {"bytes_per_block", p.memory_bytes_per_block}}), "time", *tm,
             "ns", 0);
  }
  return Ok{};
}

Status simulate_overlap(const Plan& plan, const models::GpuProfile& profile, int lanes, RawData& data) {
  const OverlapPlan& p = plan.overlap;
  const std::string param = param_string(
      {{"bytes", p.copy_bytes}, {"blocks", p.kernel.blocks}, {"iterations", p.kernel.iterations}});
  const GpuOp ops[3] = {compute_kernel_work(p.kernel, profile, lanes),
                        CopyWork{.name = "calibrate.h2d",
                                 .direction = CopyDirection::kHostToDevice,
                                 .bytes = p.copy_bytes,
                                 .pinned = true},
                        CopyWork{.name = "calibrate.d2h",
                                 .direction = CopyDirection::kDeviceToHost,
                                 .bytes = p.copy_bytes,
                                 .pinned = true}};
  const char* alone_cases[3] = {"kernel_alone", "h2d_alone", "d2h_alone"};
  for (int i = 0; i < 3; ++i) {
    auto t = time_alone(profile, ops[i], std::string("overlap ") + alone_cases[i]);
    if (!t) return t.error();
    data.add("overlap", alone_cases[i], param, "time", *t, "ns", 0);
  }
  Bench bench(profile, SharingPolicy::kPassthrough);
  auto pid = bench.start(ProcessSpec{.name = "bench", .streams = 3});
  if (!pid) return case_error("overlap together", pid.error());
  for (int i = 0; i < 3; ++i) bench.submit(*pid, i, ops[i], static_cast<uint64_t>(i));
  if (auto s = bench.run("overlap together"); !s) return s;
  const double tk = bench.done_ns(0), th = bench.done_ns(1), td = bench.done_ns(2);
  data.add("overlap", "together", param, "kernel_time", tk, "ns", 0);
  data.add("overlap", "together", param, "h2d_time", th, "ns", 0);
  data.add("overlap", "together", param, "d2h_time", td, "ns", 0);
  data.add("overlap", "together", param, "total_time", std::max({tk, th, td}), "ns", 0);
  return Ok{};
}

// N processes, each running `kernels` kernels back to back on one stream; rows kernel_start/end.
Status simulate_kernel_streams(const models::GpuProfile& profile, SharingPolicy policy,
                               const std::vector<KernelWork>& per_process, int kernels, int percentage,
                               const std::string& case_name, const std::vector<std::string>& params,
                               const std::string& what, RawData& data) {
  Bench bench(profile, policy);
  std::vector<ProcessId> pids;
  for (size_t i = 0; i < per_process.size(); ++i) {
    ProcessSpec spec{.name = "client" + std::to_string(i)};
    if (policy == SharingPolicy::kMps && percentage < 100) spec.mps_active_thread_percentage = percentage;
    auto pid = bench.start(spec);
    if (!pid) return case_error(what, pid.error());
    pids.push_back(*pid);
  }
  const auto n = static_cast<uint64_t>(kernels);
  for (size_t i = 0; i < per_process.size(); ++i) {
    for (uint64_t k = 0; k < n; ++k) bench.submit(pids[i], 0, per_process[i], i * n + k);
  }
  if (auto s = bench.run(what); !s) return s;
  // A kernel starts its launch gap after the previous one of its stream: kernel_launch_overhead,
  // and under MPS mps_launch_gap_per_client more for each other client with work (all of them,
  // in the middle half of the kernels that observations keep).
  const double others = policy == SharingPolicy::kMps ? static_cast<double>(per_process.size() - 1) : 0.0;
  const double gap = static_cast<double>(profile.kernel_launch_overhead.count_ns()) +
                     others * static_cast<double>(profile.mps_launch_gap_per_client.count_ns());
  for (size_t i = 0; i < per_process.size(); ++i) {
    for (uint64_t k = 0; k < n; ++k) {
      const double previous = k == 0 ? 0.0 : bench.done_ns(i * n + k - 1);
      data.add("sharing", case_name, params[i], "kernel_start", previous + gap, "ns",
               static_cast<int64_t>(k));
      data.add("sharing", case_name, params[i], "kernel_end", bench.done_ns(i * n + k), "ns",
               static_cast<int64_t>(k));
    }
  }
  return Ok{};
}

Status simulate_timeslice(const models::GpuProfile& profile, const SimulateOptions& options, int processes,
                          RawData& data) {
  const std::string what = "sharing timeslice procs=" + std::to_string(processes);
  Bench bench(profile, SharingPolicy::kTimeSlicing);
  bench.gpu().set_sample_window(options.utilization_window);
  // Distinct memory-bound fractions tag the owner in the memory-utilization series.
  std::vector<double> tag;
  for (int p = 0; p < processes; ++p) tag.push_back(0.2 + 0.6 * p / std::max(1, processes - 1));
  for (int p = 0; p < processes; ++p) {
    auto pid = bench.start(ProcessSpec{.name = "probe" + std::to_string(p)});
    if (!pid) return case_error(what, pid.error());
    KernelWork probe{.name = "calibrate.sampler",
                     .solo_duration = options.timeslice_work,
                     .sm_demand = profile.sm_count,
                     .memory_bound = tag[static_cast<size_t>(p)]};
    bench.submit(*pid, 0, probe, static_cast<uint64_t>(p));
  }
  if (auto s = bench.run(what); !s) return s;
  const models::GpuMetrics m = bench.gpu().metrics();
  const auto w = static_cast<double>(m.sample_window.count_ns());
  const double start0 = static_cast<double>(m.start.count_ns());
  constexpr double kEps = 1e-9;
  auto owner_of = [&](size_t i) -> int {
    const double u = m.utilization_gpu[i];
    if (u <= kEps) return -1;
    const double ratio = m.utilization_memory[i] / u;
    int best = 0;
    for (int p = 1; p < processes; ++p) {
      if (std::abs(ratio - tag[static_cast<size_t>(p)]) < std::abs(ratio - tag[static_cast<size_t>(best)]))
        best = p;
    }
    return best;
  };
  struct Turn {
    double start, end;
  };
  std::vector<std::vector<Turn>> turns(static_cast<size_t>(processes));
  const size_t windows = m.utilization_gpu.size();
  int current = -1;
  double turn_start = 0;
  for (size_t i = 0; i < windows; ++i) {
    const int owner = owner_of(i);
    const double a = start0 + static_cast<double>(i) * w;
    const double u = std::min(1.0, m.utilization_gpu[i]);
    if (owner != current) {
      if (current >= 0) {
        // The previous window ended the turn: it was busy for u_prev x w from its start.
        const double prev_u = std::min(1.0, m.utilization_gpu[i - 1]);
        turns[static_cast<size_t>(current)].push_back(Turn{turn_start, a - w + prev_u * w});
      }
      if (owner >= 0) turn_start = a + (1.0 - u) * w;  // busy at the end of its first window
      current = owner;
    }
  }
  if (current >= 0) {
    const double u = std::min(1.0, m.utilization_gpu[windows - 1]);
    turns[static_cast<size_t>(current)].push_back(
        Turn{turn_start, start0 + static_cast<double>(windows - 1) * w + u * w});
  }
  for (int p = 0; p < processes; ++p) {
    const auto& list = turns[static_cast<size_t>(p)];
    if (list.empty())
      return make_error("simulating " + what + ": process " + std::to_string(p) + " never ran");
    const std::string param = param_string({{"procs", processes}, {"proc", p}});
    data.add("sharing", "timeslice", param, "window_start", list.front().start, "ns", 0);
    data.add("sharing", "timeslice", param, "window_end", list.back().end, "ns", 0);
    for (size_t g = 0; g + 1 < list.size(); ++g) {
      data.add("sharing", "timeslice", param, "gap_start", list[g].end, "ns", static_cast<int64_t>(g));
      data.add("sharing", "timeslice", param, "gap_end", list[g + 1].start, "ns", static_cast<int64_t>(g));
    }
  }
  return Ok{};
}

Status simulate_sharing(const Plan& plan, const models::GpuProfile& profile, const SimulateOptions& options,
                        RawData& data) {
  const SharingPlan& p = plan.sharing;
  if (options.timeslice) {
    for (int procs : p.timeslice_processes) {
      if (auto s = simulate_timeslice(profile, options, procs, data); !s) return s;
    }
  }
  const SharingPolicy share_policy = options.mps ? SharingPolicy::kMps : SharingPolicy::kTimeSlicing;
  const KernelWork share_kernel =
      compute_kernel_work(plan.share_kernel(), profile, options.fp32_lanes_per_sm);
  for (const SharingPlan::ShareCase& c : p.share_cases) {
    if (!options.runs("share")) break;
    if (!options.mps && c.percentage != 100) continue;  // as the CUDA program: percentages need MPS
    std::vector<std::string> params;
    for (int i = 0; i < c.processes; ++i) {
      params.push_back(param_string(
          {{"procs", c.processes}, {"pct", c.percentage}, {"mps", options.mps ? 1 : 0}, {"proc", i}}));
    }
    std::vector<KernelWork> work(static_cast<size_t>(c.processes), share_kernel);
    const std::string what =
        "sharing share procs=" + std::to_string(c.processes) + " pct=" + std::to_string(c.percentage);
    if (auto s = simulate_kernel_streams(profile, share_policy, work, p.share_kernels, c.percentage, "share",
                                         params, what, data);
        !s) {
      return s;
    }
  }
  if (!options.mps) return Ok{};
  if (options.runs("mps_pct")) {
    const KernelWork sweep = compute_kernel_work(plan.sweep_kernel(), profile, options.fp32_lanes_per_sm);
    for (int pct : p.sweep_percentages) {
      const std::vector<std::string> params{param_string(
          {{"pct", pct}, {"blocks", plan.sweep_kernel().blocks}, {"iterations", p.sweep_iterations}})};
      if (auto s =
              simulate_kernel_streams(profile, SharingPolicy::kMps, {sweep}, p.sweep_kernels, pct, "mps_pct",
                                      params, "sharing mps_pct pct=" + std::to_string(pct), data);
          !s) {
        return s;
      }
    }
  }
  if (options.runs("mps_pct_memory")) {
    const KernelWork memory = memory_kernel_work(plan.pair_memory_kernel(), profile);
    const MemoryKernelShape shape = plan.pair_memory_kernel();
    for (int pct : p.memory_sweep_percentages) {
      const std::vector<std::string> params{
          param_string({{"pct", pct}, {"blocks", shape.blocks}, {"bytes_per_block", shape.bytes_per_block}})};
      if (auto s = simulate_kernel_streams(profile, SharingPolicy::kMps, {memory}, p.memory_sweep_kernels,
                                           pct, "mps_pct_memory", params,
                                           "sharing mps_pct_memory pct=" + std::to_string(pct), data);
          !s) {
        return s;
      }
    }
  }
  auto clients = [&](const std::string& case_name, const KernelWork& work, int n, int kernels) -> Status {
    std::vector<std::string> params;
    for (int i = 0; i < n; ++i) params.push_back(param_string({{"procs", n}, {"proc", i}}));
    return simulate_kernel_streams(
        profile, SharingPolicy::kMps, std::vector<KernelWork>(static_cast<size_t>(n), work), kernels, 100,
        case_name, params, "sharing " + case_name + " procs=" + std::to_string(n), data);
  };
  const KernelWork latency = latency_kernel_work(plan.latency_kernel(), profile, options.fp32_lanes_per_sm);
  for (int n : p.latency_clients) {
    if (!options.runs("latency")) break;
    if (auto s = clients("latency", latency, n, p.latency_kernels); !s) return s;
  }
  for (int warps : p.issue_warps) {
    if (!options.runs("issue")) break;
    const KernelWork issue = issue_kernel_work(plan.issue_kernel(), warps, profile);
    for (int pct : {p.issue_percentage, 100}) {
      const std::vector<std::string> params{param_string({{"warps", warps}, {"pct", pct}})};
      if (auto s = simulate_kernel_streams(
              profile, SharingPolicy::kMps, {issue}, p.issue_kernels, pct, "issue", params,
              "sharing issue warps=" + std::to_string(warps) + " pct=" + std::to_string(pct), data);
          !s) {
        return s;
      }
    }
  }
  for (int n : p.launch_clients) {
    if (!options.runs("launch_clients")) break;
    if (auto s = clients("launch_clients", kEmptyKernel, n, p.launch_client_kernels); !s) return s;
  }
  const KernelWork compute =
      compute_kernel_work(plan.pair_compute_kernel(), profile, options.fp32_lanes_per_sm);
  const KernelWork memory = memory_kernel_work(plan.pair_memory_kernel(), profile);
  const std::vector<std::pair<PairKind, std::vector<KernelWork>>> pairs{
      {PairKind::kComputeSolo, {compute}},
      {PairKind::kMemorySolo, {memory}},
      {PairKind::kComputeCompute, {compute, compute}},
      {PairKind::kComputeMemory, {compute, memory}},
      {PairKind::kMemoryMemory, {memory, memory}}};
  for (const auto& [kind, work] : pairs) {
    if (!options.runs("pair")) break;
    std::vector<std::string> params;
    for (size_t i = 0; i < work.size(); ++i) {
      params.push_back(param_string({{"kind", static_cast<int64_t>(kind)},
                                     {"procs", static_cast<int64_t>(work.size())},
                                     {"proc", static_cast<int64_t>(i)}}));
    }
    const std::string what = "sharing pair kind=" + std::to_string(static_cast<int>(kind));
    if (auto s = simulate_kernel_streams(profile, SharingPolicy::kMps, work, p.pair_kernels, 100, "pair",
                                         params, what, data);
        !s) {
      return s;
    }
  }
  for (int m : p.beside_memory_clients) {
    if (!options.runs("beside_memory")) break;
    std::vector<KernelWork> work{compute};
    for (int i = 0; i < m; ++i) work.push_back(memory);
    std::vector<std::string> params;
    for (int i = 0; i <= m; ++i)
      params.push_back(param_string({{"streams", m}, {"procs", m + 1}, {"proc", i}}));
    if (auto s =
            simulate_kernel_streams(profile, SharingPolicy::kMps, work, p.pair_kernels, 100, "beside_memory",
                                    params, "sharing beside_memory streams=" + std::to_string(m), data);
        !s) {
      return s;
    }
  }
  return Ok{};
}

}  // namespace

Result<RawData> simulate_plan(const Plan& plan, const models::GpuProfile& profile,
                              const SimulateOptions& options) {
  assert(plan.sm_count >= 1);
  RawData data;
  data.set_header(kHeaderDeviceName, "simulated " + profile.name);
  data.set_header(kHeaderSmCount, std::to_string(profile.sm_count));
  data.set_header(kHeaderFp32LanesPerSm, std::to_string(options.fp32_lanes_per_sm));
  data.set_header(kHeaderClockMhz, std::to_string(std::llround(profile.boost_clock_mhz)));
  data.set_header(kHeaderMemoryBytes, std::to_string(profile.memory_usable_bytes));
  data.set_header(kHeaderAsyncEngines, std::to_string(profile.copy_engines));
  data.set_header(kHeaderMps, options.mps && options.timeslice ? "both" : (options.mps ? "on" : "off"));
  data.set_header(kHeaderTool, "sharesim calibrate simulate (profile " + profile.origin + ")");
  std::string suites;
  for (SuiteId suite : options.suites) {
    if (!suites.empty()) suites += ',';
    suites += suite_name(suite);
  }
  data.set_header(kHeaderSuites, suites);
  const int lanes = options.fp32_lanes_per_sm;
  for (SuiteId suite : options.suites) {
    Status s = Ok{};
    switch (suite) {
      case SuiteId::kCopies:
        s = simulate_copies(plan, profile, data);
        break;
      case SuiteId::kLaunch:
        s = simulate_launch(plan, profile, data);
        break;
      case SuiteId::kSmScaling:
        s = simulate_sm_scaling(plan, profile, lanes, data);
        break;
      case SuiteId::kOverlap:
        s = simulate_overlap(plan, profile, lanes, data);
        break;
      case SuiteId::kSharing:
        s = simulate_sharing(plan, profile, options, data);
        break;
    }
    if (!s) return s.error();
  }
  return data;
}

}  // namespace sharesim::calibrate
