// `sharesim bench engine`: the classic hold model, measuring the event engine through its public
// API (handler registration, schedule, pop, callback), next to a bare std::priority_queue hold loop
// on the same machine as the yardstick.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <queue>
#include <utility>
#include <vector>

#include "commands.h"
#include "options.h"
#include "sharesim/sim/random.h"
#include "sharesim/sim/simulator.h"

namespace sharesim::cli {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Each popped event schedules one new event at now + Exp(mean), so the queue holds `pending` events.
struct HoldResult {
  double seconds;
  int64_t final_time_ns;
  size_t queue_bytes;
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
  for (uint64_t n = 0; n < events; ++n) {
    const Entry top = queue.top();
    queue.pop();
    now = top.first;
    queue.emplace(now + static_cast<int64_t>(rng.exponential(mean_ns)), top.second);
  }
  return {seconds_since(start), now, pending * sizeof(Entry)};
}

}  // namespace

int run_bench_command(const Args& args) {
  po::options_description options("bench options");
  uint64_t pending = 0;
  uint64_t events = 0;
  uint64_t seed = 0;
  options.add_options()("what", po::value<std::string>()->required(), "what to measure: engine")(
      "pending", po::value(&pending)->default_value(10'000), "events held in the queue")(
      "events", po::value(&events)->default_value(10'000'000), "events to execute")(
      "seed", po::value(&seed)->default_value(1), "random seed")("no-baseline",
                                                                 "skip the std::priority_queue yardstick");
  po::positional_options_description positional;
  positional.add("what", 1);
  po::variables_map vm;
  if (auto code = parse_options("bench", "engine [options]", options, positional, args, vm)) return *code;
  if (vm["what"].as<std::string>() != "engine") {
    return usage_error("bench: unknown benchmark '" + vm["what"].as<std::string>() + "' (expected: engine)");
  }
  if (pending == 0 || events == 0) return usage_error("bench: --pending and --events must be at least 1");

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
