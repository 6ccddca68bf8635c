// `sharesim bench engine`: the classic hold model, measuring the event engine through its public
// API (handler registration, schedule, pop, callback), next to a bare std::priority_queue hold loop
// on the same machine as the yardstick.
// `sharesim bench gpu --clients N`: the GPU model under MPS: N clients, each a closed loop of
// 175-kernel requests submitted at once (as a trace replay of a ResNet-50 profile does), next to
// the same yardstick; prints kernels per second and the cost per kernel.
// `sharesim bench replay [--scenario FILE]`: a whole scenario run in process (default: the Azure
// conversation trace x the 175-kernel ResNet-50 profile, 4 MPS clients,
// benchmarks/scenarios/azure-trace-resnet50-mps4.yaml), timed in thread CPU seconds beside the
// same yardstick, so that kernels per second compare across machine load; nothing is written.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <queue>
#include <utility>
#include <vector>

#include "commands.h"
#include "options.h"
#include "sharesim/models/gpu.h"
#include "sharesim/run/load_options.h"
#include "sharesim/run/run_scenario.h"
#include "sharesim/scenarios/loader.h"
#include "sharesim/sim/random.h"
#include "sharesim/sim/simulator.h"

namespace sharesim::cli {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// CPU time of the calling thread: what a loaded machine does not inflate (unlike wall time).
double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// Each popped event schedules one new event at now + Exp(mean), so the queue holds `pending` events.
struct HoldResult {
  double seconds;
  int64_t final_time_ns;
  size_t queue_bytes;
  double cpu_seconds = 0;
};

HoldResult hold_with_simulator(uint64_t pending, uint64_t events, double mean_ns, uint64_t seed) {
  sim::Simulator simulator;
  sim::RandomStream rng(seed, "bench-engine");
  simulator.reserve(pending);
  uint64_t remaining = events;
  sim::HandlerId hold = 0;
  hold = simulator.add_handler([&](uint64_t payload) {
    if (--remaining == 0) {
      simulator.stop();
      return;
    }
    const auto delay = static_cast<int64_t>(rng.exponential(mean_ns));
    simulator.schedule_in(sim::Time::ns(delay), hold, payload);
  });
  for (uint64_t i = 0; i < pending; ++i) {
    simulator.schedule_at(sim::Time::ns(static_cast<int64_t>(rng.exponential(mean_ns))), hold, i);
  }
  const size_t bytes = simulator.queue_memory_bytes();
  const auto start = Clock::now();
  simulator.run();
  return {seconds_since(start), simulator.now().count_ns(), bytes};
}

HoldResult hold_with_priority_queue(uint64_t pending, uint64_t events, double mean_ns, uint64_t seed) {
  using Entry = std::pair<int64_t, uint32_t>;
  std::vector<Entry> storage;
  storage.reserve(pending);
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> queue(std::greater<>{}, std::move(storage));
  sim::RandomStream rng(seed, "bench-engine");
  for (uint64_t i = 0; i < pending; ++i) {
    queue.emplace(static_cast<int64_t>(rng.exponential(mean_ns)), static_cast<uint32_t>(i));
  }
  int64_t now = 0;
  const auto start = Clock::now();
  const double cpu_start = thread_cpu_seconds();
  for (uint64_t n = 0; n < events; ++n) {
    const Entry top = queue.top();
    queue.pop();
    now = top.first;
    queue.emplace(now + static_cast<int64_t>(rng.exponential(mean_ns)), top.second);
  }
  return {seconds_since(start), now, pending * sizeof(Entry), thread_cpu_seconds() - cpu_start};
}

struct GpuBenchResult {
  double seconds;
  uint64_t kernels;
  double cpu_seconds;
  uint64_t level_path_changes;  // changes the GPU model's level path computed (gpu.h)
};

// N MPS clients at 100/N % each (at least 1 %), each with one request of 175 kernels in flight;
// a request's kernels alternate three shapes (full-GPU compute, half-GPU m = 0.3, a small
// launch-configured latency-bound kernel), so every sharing path is exercised.
// `exact`: every change by the general path (the level path off), the reference for the level path.
GpuBenchResult gpu_closed_loop(int clients, uint64_t kernels, uint64_t seed, bool exact) {
  sim::Simulator simulator;
  auto profile = models::builtin_gpu_profile("t4");
  models::GpuModel gpu(simulator, profile.value(), models::SharingPolicy::kMps, "bench");
  gpu.set_level_sharing(exact ? models::GpuModel::LevelSharing::kOff : models::GpuModel::LevelSharing::kAuto);
  sim::RandomStream rng(seed, "bench-gpu");
  std::vector<models::GpuOp> request;
  for (int i = 0; i < 175; ++i) {
    const auto solo = sim::Time::ns(4'000 + static_cast<int64_t>(rng.exponential(30'000.0)));
    models::KernelWork k{"k", solo};
    if (i % 3 == 0) {
      k.sm_demand = 40;
    } else if (i % 3 == 1) {
      k.sm_demand = 20;
      k.memory_bound = 0.3;
    } else {
      k.blocks = 32;
      k.threads_per_block = 128;
      k.sm_throughput = 0.15;
      k.dram_throughput = 0.1;
    }
    request.emplace_back(k);
  }
  std::vector<models::ProcessId> processes;
  const int pct = std::max(1, 100 / clients);
  uint64_t done_kernels = 0;
  sim::HandlerId done = 0;
  done = simulator.add_handler([&](uint64_t client) {
    done_kernels += request.size();
    if (done_kernels >= kernels) {
      simulator.stop();
      return;
    }
    gpu.submit(processes[client], 0, request, models::Completion{done, client},
               models::LaunchMode::kAsynchronous);
  });
  for (int c = 0; c < clients; ++c) {
    std::string name = "c";
    name.append(std::to_string(c));
    processes.push_back(gpu.start_process({.name = name, .mps_active_thread_percentage = pct}).value());
  }
  const auto start = Clock::now();
  const double cpu_start = thread_cpu_seconds();
  for (int c = 0; c < clients; ++c) {
    gpu.submit(processes[static_cast<size_t>(c)], 0, request,
               models::Completion{done, static_cast<uint64_t>(c)}, models::LaunchMode::kAsynchronous);
  }
  simulator.run();
  return {seconds_since(start), done_kernels, thread_cpu_seconds() - cpu_start, gpu.level_path_changes()};
}

// Runs the scenario in process and prints its speed beside the heap loop's (both in thread CPU
// seconds; the yardstick runs before and after the replay, and the faster of the two is printed,
// as the machine's speed can change within a run).
int bench_replay(const std::string& scenario_path, uint64_t pending, uint64_t events, uint64_t seed,
                 bool baseline) {
  auto scenario = scenarios::load_scenario(scenario_path, run::default_load_options());
  if (!scenario) return input_error(scenario.error());
  if (scenario->target) {  // run applies the target's rules first; the benchmark does not
    return usage_error("bench replay: " + scenario_path +
                       " has a target (its rules change what runs); time it with `perf stat sharesim run`");
  }
  std::printf("benchmark: replay of %s (seed %llu)\n", scenario_path.c_str(),
              static_cast<unsigned long long>(scenario->seed));
  double heap_cpu = 0;
  auto measure_heap = [&] {
    const HoldResult base = hold_with_priority_queue(pending, events, 1000.0, seed);
    heap_cpu = heap_cpu == 0 ? base.cpu_seconds : std::min(heap_cpu, base.cpu_seconds);
  };
  if (baseline) measure_heap();
  const auto start = Clock::now();
  const double cpu_start = thread_cpu_seconds();
  auto report = run::run_scenario(*scenario);
  const double cpu = thread_cpu_seconds() - cpu_start;
  const double wall = seconds_since(start);
  if (!report) return input_error(report.error());
  if (baseline) measure_heap();
  if (scenario->warmup > sim::Time::zero()) {
    std::printf("note: kernels are those of the measured window (after the %s warm-up); every event counts\n",
                sim::format_duration(scenario->warmup).c_str());
  }
  std::printf("replay_cpu_seconds: %.3f\n", cpu);
  std::printf("replay_wall_seconds: %.3f\n", wall);
  std::printf("replay_events: %llu\n", static_cast<unsigned long long>(report->events));
  std::printf("replay_kernels: %llu\n", static_cast<unsigned long long>(report->kernels));
  std::printf("events_per_cpu_second: %.0f\n", static_cast<double>(report->events) / cpu);
  std::printf("kernels_per_cpu_second: %.0f\n", static_cast<double>(report->kernels) / cpu);
  if (baseline) {
    const double heap_rate = static_cast<double>(events) / heap_cpu;
    std::printf("baseline_priority_queue_events_per_cpu_second: %.0f\n", heap_rate);
    // Machine-independent: kernels replayed in the time the bare heap executes one event.
    std::printf("kernels_per_heap_event: %.3f\n", static_cast<double>(report->kernels) / cpu / heap_rate);
  }
  return 0;
}

}  // namespace

int run_bench_command(const Args& args) {
  po::options_description options("bench options");
  uint64_t pending = 0;
  uint64_t events = 0;
  uint64_t seed = 0;
  std::string scenario_path;
  options.add_options()("what", po::value<std::string>()->required(), "what to measure: engine, gpu, replay")(
      "scenario",
      po::value(&scenario_path)->default_value("benchmarks/scenarios/azure-trace-resnet50-mps4.yaml"),
      "replay: the scenario to run")("pending", po::value(&pending)->default_value(10'000),
                                     "events held in the queue")(
      "events", po::value(&events)->default_value(10'000'000), "events to execute")(
      "seed", po::value(&seed)->default_value(1), "random seed")(
      "clients", po::value<int>()->default_value(4), "gpu: MPS clients (1..48)")(
      "kernels", po::value<uint64_t>()->default_value(4'000'000), "gpu: kernels to simulate")(
      "no-baseline", "skip the std::priority_queue yardstick")(
      "exact", "gpu: every change by the GPU model's general path (the level path off)");
  po::positional_options_description positional;
  positional.add("what", 1);
  po::variables_map vm;
  if (auto code = parse_options("bench", "engine|gpu|replay [options]", options, positional, args, vm))
    return *code;
  const std::string what = vm["what"].as<std::string>();
  if (what != "engine" && what != "gpu" && what != "replay") {
    return usage_error("bench: unknown benchmark '" + what + "' (expected: engine, gpu, replay)");
  }
  if (pending == 0 || events == 0) return usage_error("bench: --pending and --events must be at least 1");
  if (what == "replay") return bench_replay(scenario_path, pending, events, seed, !vm.count("no-baseline"));
  if (what == "gpu") {
    const int clients = vm["clients"].as<int>();
    const uint64_t kernels = vm["kernels"].as<uint64_t>();
    if (clients < 1 || clients > 48) return usage_error("bench: --clients must be from 1 to 48");
    if (kernels == 0) return usage_error("bench: --kernels must be at least 1");
    std::printf("benchmark: GPU model, %d MPS clients, 175-kernel requests, %llu kernels\n", clients,
                static_cast<unsigned long long>(kernels));
    if (!vm.count("no-baseline")) {
      const HoldResult base = hold_with_priority_queue(pending, events, 1000.0, seed);
      std::printf("baseline_priority_queue_events_per_second: %.0f\n",
                  static_cast<double>(events) / base.seconds);
    }
    const GpuBenchResult r = gpu_closed_loop(clients, kernels, seed, vm.count("exact") > 0);
    std::printf("gpu_seconds: %.3f\n", r.seconds);
    std::printf("ns_per_kernel: %.1f\n", r.seconds * 1e9 / static_cast<double>(r.kernels));
    std::printf("kernels_per_second: %.0f\n", static_cast<double>(r.kernels) / r.seconds);
    std::printf("cpu_ns_per_kernel: %.1f\n", r.cpu_seconds * 1e9 / static_cast<double>(r.kernels));
    std::printf("level_path_changes_per_kernel: %.3f\n",
                static_cast<double>(r.level_path_changes) / static_cast<double>(r.kernels));
    return 0;
  }

  constexpr double kMeanNs = 1000.0;  // Exp(mean 1 us) hold times
  std::printf("benchmark: hold model, %llu pending events, %llu events, hold time Exp(mean 1us)\n",
              static_cast<unsigned long long>(pending), static_cast<unsigned long long>(events));
  if (!vm.count("no-baseline")) {
    const HoldResult base = hold_with_priority_queue(pending, events, kMeanNs, seed);
    std::printf("baseline_priority_queue_seconds: %.3f\n", base.seconds);
    std::printf("baseline_priority_queue_events_per_second: %.0f\n",
                static_cast<double>(events) / base.seconds);
  }
  const HoldResult engine = hold_with_simulator(pending, events, kMeanNs, seed);
  std::printf("engine_seconds: %.3f\n", engine.seconds);
  std::printf("engine_simulated_time_ns: %lld\n", static_cast<long long>(engine.final_time_ns));
  std::printf("queue_bytes_per_pending_event: %.1f\n",
              static_cast<double>(engine.queue_bytes) / static_cast<double>(pending));
  std::printf("events_per_second: %.0f\n", static_cast<double>(events) / engine.seconds);
  return 0;
}

}  // namespace sharesim::cli
