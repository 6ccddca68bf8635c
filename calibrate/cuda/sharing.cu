// Suite sharing: the time-slice probe (MPS off), the MPS share percentages and the MPS
// interference pairs, each case a set of child processes (children.cuh) released together.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "check.cuh"
#include "children.cuh"
#include "suites.cuh"

namespace sharesim::calibrate::cuda {

namespace {

// Writes the children's timestamps relative to the earliest one of the case.
void add_child_results(const std::vector<std::vector<ChildRecord>>& results, const std::string& case_name,
                       const std::vector<std::string>& params, RawData& data) {
  uint64_t origin = std::numeric_limits<uint64_t>::max();
  for (const auto& records : results) {
    for (const ChildRecord& r : records) {
      if (r.value != 0 && r.value != std::numeric_limits<unsigned long long>::max())
        origin = std::min(origin, r.value);
    }
  }
  for (size_t p = 0; p < results.size(); ++p) {
    for (const ChildRecord& r : results[p]) {
      data.add("sharing", case_name, params[p], r.metric, static_cast<double>(r.value - origin), "ns", r.rep);
    }
  }
}

}  // namespace

MpsProbe probe_mps(int device) {
  constexpr int64_t kWindowNs = 50'000'000;
  constexpr int64_t kThresholdNs = 8'000;
  const ChildJob job{.mode = "timeslice",
                     .args = {{"window_ns", kWindowNs}, {"threshold_ns", kThresholdNs}, {"max_gaps", 4096}},
                     .mps_percentage = 0};
  const std::vector<std::vector<ChildRecord>> results = run_children({job, job}, device);
  double busy[2] = {0, 0};
  double start[2] = {0, 0}, end[2] = {0, 0};
  for (size_t p = 0; p < 2; ++p) {
    double lost = 0;
    std::vector<std::pair<int64_t, double>> gap_starts;
    for (const ChildRecord& r : results[p]) {
      const auto v = static_cast<double>(r.value);
      if (r.metric == "window_start") start[p] = v;
      if (r.metric == "window_end") end[p] = v;
      if (r.metric == "gap_start") lost -= v;
      if (r.metric == "gap_end") lost += v;
    }
    const double window = end[p] - start[p];
    busy[p] = window > 0 ? 1.0 - lost / window : 0.0;
  }
  const double overlap = std::max(0.0, std::min(end[0], end[1]) - std::max(start[0], start[1])) /
                         (0.5 * ((end[0] - start[0]) + (end[1] - start[1])));
  MpsProbe probe;
  probe.mps = std::min(busy[0], busy[1]) >= 0.9 && overlap >= 0.5;
  char text[160];
  std::snprintf(text, sizeof text, "overlap probe: busy %.2f and %.2f of %lld ms, overlap %.2f -> %s",
                busy[0], busy[1], static_cast<long long>(kWindowNs / 1'000'000), overlap,
                probe.mps ? "on" : "off");
  probe.evidence = text;
  std::fprintf(stderr, "  MPS detection: %s\n", text);
  return probe;
}

void run_sharing(const Plan& plan, const DeviceInfo& info, int device, RawData& data) {
  const SharingPlan& p = plan.sharing;
  if (!info.mps && info.compute_mode != cudaComputeModeDefault) {
    // Azure Stack Edge's Start-HcsGpuMPS sets EXCLUSIVE_PROCESS; without the MPS daemon only one
    // process may then hold a context, and this program already holds one.
    fail(std::string("the sharing suite needs several CUDA processes, but the GPU's compute mode is ") +
         compute_mode_name(info.compute_mode) +
         " and no MPS daemon was detected: start MPS (nvidia-cuda-mps-control -d; pass --mps on if its pipe "
         "directory is not visible here) or set the default compute mode (nvidia-smi -c DEFAULT)");
  }
  if (!info.mps) {
    for (int procs : p.timeslice_processes) {
      std::vector<ChildJob> jobs(static_cast<size_t>(procs),
                                 ChildJob{.mode = "timeslice",
                                          .args = {{"window_ns", p.timeslice_window_ns},
                                                   {"threshold_ns", p.timeslice_gap_threshold_ns},
                                                   {"max_gaps", p.timeslice_max_gaps}},
                                          .mps_percentage = 0});
      std::vector<std::string> params;
      for (int i = 0; i < procs; ++i) params.push_back(param_string({{"procs", procs}, {"proc", i}}));
      add_child_results(run_children(jobs, device), "timeslice", params, data);
      std::fprintf(stderr, "  sharing: time-slice probe with %d processes done\n", procs);
    }
  } else {
    std::fprintf(stderr,
                 "  sharing: MPS is on: the time-slice probe is skipped (contexts do not take turns)\n");
  }
  const ComputeKernelShape share = plan.share_kernel();
  for (const SharingPlan::ShareCase& c : p.share_cases) {
    if (!info.mps && c.percentage != 100) continue;  // the percentage means nothing without MPS
    std::vector<ChildJob> jobs(static_cast<size_t>(c.processes),
                               ChildJob{.mode = "compute",
                                        .args = {{"kernels", p.share_kernels},
                                                 {"blocks", share.blocks},
                                                 {"iterations", share.iterations}},
                                        .mps_percentage = info.mps ? c.percentage : 0});
    std::vector<std::string> params;
    for (int i = 0; i < c.processes; ++i) {
      params.push_back(param_string(
          {{"procs", c.processes}, {"pct", c.percentage}, {"mps", info.mps ? 1 : 0}, {"proc", i}}));
    }
    add_child_results(run_children(jobs, device), "share", params, data);
    std::fprintf(stderr, "  sharing: %d process(es) at %d%% done\n", c.processes, c.percentage);
  }
  if (!info.mps) {
    std::fprintf(stderr,
                 "  sharing: MPS is off: the MPS percentage sweep and interference pairs are skipped\n");
    return;
  }
  // Percentage sweep: one client per percentage, a many-wave kernel (plan.h).
  const ComputeKernelShape sweep = plan.sweep_kernel();
  for (int pct : p.sweep_percentages) {
    const std::vector<ChildJob> jobs{ChildJob{
        .mode = "compute",
        .args = {{"kernels", p.sweep_kernels}, {"blocks", sweep.blocks}, {"iterations", sweep.iterations}},
        .mps_percentage = pct}};
    add_child_results(
        run_children(jobs, device), "mps_pct",
        {param_string({{"pct", pct}, {"blocks", sweep.blocks}, {"iterations", sweep.iterations}})}, data);
  }
  std::fprintf(stderr, "  sharing: MPS percentage sweep (%zu percentages) done\n",
               p.sweep_percentages.size());
  // Memory sweep: the pair memory kernel alone at low percentages.
  const MemoryKernelShape sweep_memory = plan.pair_memory_kernel();
  for (int pct : p.memory_sweep_percentages) {
    const std::vector<ChildJob> jobs{ChildJob{.mode = "memory",
                                              .args = {{"kernels", p.memory_sweep_kernels},
                                                       {"blocks", sweep_memory.blocks},
                                                       {"bytes_per_block", sweep_memory.bytes_per_block}},
                                              .mps_percentage = pct}};
    add_child_results(run_children(jobs, device), "mps_pct_memory",
                      {param_string({{"pct", pct},
                                     {"blocks", sweep_memory.blocks},
                                     {"bytes_per_block", sweep_memory.bytes_per_block}})},
                      data);
  }
  // N identical latency-bound clients; N clients launching empty kernels.
  const ComputeKernelShape latency = plan.latency_kernel();
  auto clients = [&](const std::string& case_name, const ChildJob& job, int n) {
    std::vector<std::string> params;
    for (int i = 0; i < n; ++i) params.push_back(param_string({{"procs", n}, {"proc", i}}));
    add_child_results(run_children(std::vector<ChildJob>(static_cast<size_t>(n), job), device), case_name,
                      params, data);
  };
  for (int n : p.latency_clients) {
    clients("latency",
            ChildJob{.mode = "latency",
                     .args = {{"kernels", p.latency_kernels},
                              {"blocks", latency.blocks},
                              {"iterations", latency.iterations}},
                     .mps_percentage = 0},
            n);
  }
  const ComputeKernelShape issue = plan.issue_kernel();
  for (int warps : p.issue_warps) {
    for (int pct : {p.issue_percentage, 100}) {
      const std::vector<ChildJob> jobs{ChildJob{.mode = "issue",
                                                .args = {{"kernels", p.issue_kernels},
                                                         {"blocks", issue.blocks},
                                                         {"warps", warps},
                                                         {"iterations", issue.iterations}},
                                                .mps_percentage = pct}};
      add_child_results(run_children(jobs, device), "issue", {param_string({{"warps", warps}, {"pct", pct}})},
                        data);
    }
  }
  for (int n : p.launch_clients) {
    clients("launch_clients",
            ChildJob{.mode = "stamp",
                     .args = {{"kernels", p.launch_client_kernels}, {"blocks", 1}},
                     .mps_percentage = 0},
            n);
  }
  std::fprintf(stderr, "  sharing: MPS memory sweep, latency-bound and launching clients done\n");
  const ComputeKernelShape pc = plan.pair_compute_kernel();
  const MemoryKernelShape pm = plan.pair_memory_kernel();
  auto compute_job =
      ChildJob{.mode = "compute",
               .args = {{"kernels", p.pair_kernels}, {"blocks", pc.blocks}, {"iterations", pc.iterations}},
               .mps_percentage = 0};
  auto memory_job = ChildJob{
      .mode = "memory",
      .args = {{"kernels", p.pair_kernels}, {"blocks", pm.blocks}, {"bytes_per_block", pm.bytes_per_block}},
      .mps_percentage = 0};
  const std::vector<std::pair<PairKind, std::vector<ChildJob>>> pairs{
      {PairKind::kComputeSolo, {compute_job}},
      {PairKind::kMemorySolo, {memory_job}},
      {PairKind::kComputeCompute, {compute_job, compute_job}},
      {PairKind::kComputeMemory, {compute_job, memory_job}},
      {PairKind::kMemoryMemory, {memory_job, memory_job}}};
  for (const auto& [kind, jobs] : pairs) {
    std::vector<std::string> params;
    for (size_t i = 0; i < jobs.size(); ++i) {
      params.push_back(param_string({{"kind", static_cast<int64_t>(kind)},
                                     {"procs", static_cast<int64_t>(jobs.size())},
                                     {"proc", static_cast<int64_t>(i)}}));
    }
    add_child_results(run_children(jobs, device), "pair", params, data);
  }
  // A half-GPU compute kernel beside M clients streaming DRAM.
  for (int m : p.beside_memory_clients) {
    std::vector<ChildJob> jobs{compute_job};
    for (int i = 0; i < m; ++i) jobs.push_back(memory_job);
    std::vector<std::string> params;
    for (int i = 0; i <= m; ++i)
      params.push_back(param_string({{"streams", m}, {"procs", m + 1}, {"proc", i}}));
    add_child_results(run_children(jobs, device), "beside_memory", params, data);
  }
  std::fprintf(stderr, "  sharing: MPS interference pairs and compute beside memory clients done\n");
}

}  // namespace sharesim::calibrate::cuda
