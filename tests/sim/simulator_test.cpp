#include "sharesim/sim/simulator.h"

#include <gtest/gtest.h>

#include <vector>

namespace sharesim::sim {
namespace {

TEST(Simulator, RunsEventsInTimeOrderAndAdvancesTheClock) {
  Simulator sim;
  std::vector<std::pair<int64_t, uint64_t>> seen;
  const HandlerId h = sim.add_handler([&](uint64_t p) { seen.emplace_back(sim.now().count_ns(), p); });
  sim.schedule_at(Time::ms(3), h, 3);
  sim.schedule_at(Time::ms(1), h, 1);
  sim.schedule_in(Time::ms(2), h, 2);
  sim.run();
  EXPECT_EQ(seen,
            (std::vector<std::pair<int64_t, uint64_t>>{{1'000'000, 1}, {2'000'000, 2}, {3'000'000, 3}}));
  EXPECT_EQ(sim.events_executed(), 3u);
}

TEST(Simulator, HandlersScheduleFurtherEvents) {
  Simulator sim;
  int ticks = 0;
  HandlerId tick = 0;
  tick = sim.add_handler([&](uint64_t) {
    if (++ticks < 10) sim.schedule_in(Time::us(100), tick);
  });
  sim.schedule_at(Time::zero(), tick);
  sim.run();
  EXPECT_EQ(ticks, 10);
  EXPECT_EQ(sim.now(), Time::us(900));
}

TEST(Simulator, RunUntilStopsAtTheLimitAndContinuesLater) {
  Simulator sim;
  std::vector<uint64_t> seen;
  const HandlerId h = sim.add_handler([&](uint64_t p) { seen.push_back(p); });
  sim.schedule_at(Time::s(1), h, 1);
  sim.schedule_at(Time::s(2), h, 2);  // exactly at the limit: runs
  sim.schedule_at(Time::s(3), h, 3);
  sim.run_until(Time::s(2));
  EXPECT_EQ(seen, (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(sim.now(), Time::s(2));
  EXPECT_EQ(sim.pending(), 1u);
  sim.run_until(Time::s(10));
  EXPECT_EQ(seen, (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(sim.now(), Time::s(10));
}

TEST(Simulator, StopFromInsideAHandler) {
  Simulator sim;
  int ran = 0;
  const HandlerId h = sim.add_handler([&](uint64_t p) {
    ++ran;
    if (p == 2) sim.stop();
  });
  for (uint64_t i = 1; i <= 5; ++i) sim.schedule_at(Time::ms(static_cast<int64_t>(i)), h, i);
  sim.run();
  EXPECT_EQ(ran, 2);
  EXPECT_TRUE(sim.stopped());
  EXPECT_EQ(sim.now(), Time::ms(2));
  sim.run();  // a new run clears the stop and goes on
  EXPECT_EQ(ran, 5);
}

TEST(Simulator, CancelledEventsNeverRun) {
  Simulator sim;
  std::vector<uint64_t> seen;
  const HandlerId h = sim.add_handler([&](uint64_t p) { seen.push_back(p); });
  const EventHandle a = sim.schedule_at(Time::ms(1), h, 1);
  sim.schedule_at(Time::ms(2), h, 2);
  EventHandle timer = sim.schedule_at(Time::ms(3), h, 3);
  EXPECT_TRUE(sim.cancel(a));
  // Reschedule the timer repeatedly, as a rate change does with a completion event.
  for (int i = 0; i < 5; ++i) {
    sim.cancel(timer);
    timer = sim.schedule_at(Time::ms(4 + i), h, 10 + static_cast<uint64_t>(i));
  }
  sim.run();
  EXPECT_EQ(seen, (std::vector<uint64_t>{2, 14}));
}

TEST(Simulator, CancelFromInsideAHandler) {
  Simulator sim;
  std::vector<uint64_t> seen;
  EventHandle later;
  const HandlerId h = sim.add_handler([&](uint64_t p) {
    seen.push_back(p);
    if (p == 1) sim.cancel(later);
  });
  sim.schedule_at(Time::ms(1), h, 1);
  later = sim.schedule_at(Time::ms(1), h, 2);  // same time, after: cancelled before it runs
  sim.schedule_at(Time::ms(2), h, 3);
  sim.run();
  EXPECT_EQ(seen, (std::vector<uint64_t>{1, 3}));
}

}  // namespace
}  // namespace sharesim::sim
