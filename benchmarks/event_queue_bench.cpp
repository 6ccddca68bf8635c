// The event queue under the hold model (pop one, insert one at now + Exp(1 us)), against a bare
// std::priority_queue doing the same, and the cost of the cancel + reinsert path that rate changes
// and time slices use. Run: build/benchmarks/sim_benchmarks
#include <benchmark/benchmark.h>

#include <cstdint>
#include <functional>
#include <queue>
#include <utility>
#include <vector>

#include "sharesim/sim/event_queue.h"
#include "sharesim/sim/random.h"

namespace {

using sharesim::sim::EventHandle;
using sharesim::sim::EventQueue;
using sharesim::sim::RandomStream;
using sharesim::sim::Time;

void BM_EventQueueHold(benchmark::State& state) {
  const auto pending = static_cast<size_t>(state.range(0));
  RandomStream rng(1, "bench");
  EventQueue q;
  q.reserve(pending);
  for (size_t i = 0; i < pending; ++i) q.insert(Time::ns(static_cast<int64_t>(rng.exponential(1000))), 0, i);
  for (auto _ : state) {
    const auto e = q.pop();
    q.insert(e.time + Time::ns(static_cast<int64_t>(rng.exponential(1000))), 0, e.payload);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EventQueueHold)->Arg(100)->Arg(10'000)->Arg(1'000'000);

void BM_PriorityQueueHold(benchmark::State& state) {
  const auto pending = static_cast<size_t>(state.range(0));
  using Entry = std::pair<int64_t, uint32_t>;
  RandomStream rng(1, "bench");
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> q;
  for (size_t i = 0; i < pending; ++i)
    q.emplace(static_cast<int64_t>(rng.exponential(1000)), static_cast<uint32_t>(i));
  for (auto _ : state) {
    const Entry top = q.top();
    q.pop();
    q.emplace(top.first + static_cast<int64_t>(rng.exponential(1000)), top.second);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PriorityQueueHold)->Arg(100)->Arg(10'000)->Arg(1'000'000);

// A completion timer rescheduled at every rate change: cancel + insert while other events wait.
void BM_EventQueueReschedule(benchmark::State& state) {
  RandomStream rng(2, "bench");
  EventQueue q;
  for (int i = 0; i < 10'000; ++i) q.insert(Time::ms(1) + Time::ns(i), 0, 0);
  EventHandle timer = q.insert(Time::ms(2), 0, 1);
  int64_t t = 0;
  for (auto _ : state) {
    q.cancel(timer);
    timer = q.insert(Time::ms(2) + Time::ns(++t % 1000), 0, 1);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EventQueueReschedule);

}  // namespace
