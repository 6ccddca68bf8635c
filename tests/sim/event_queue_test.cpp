#include "sharesim/sim/event_queue.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <thread>
#include <tuple>
#include <vector>

#include "sharesim/sim/random.h"

namespace sharesim::sim {
namespace {

TEST(EventQueue, PopsInTimeOrder) {
  EventQueue q;
  q.insert(Time::ns(30), 0, 3);
  q.insert(Time::ns(10), 0, 1);
  q.insert(Time::ns(20), 0, 2);
  EXPECT_EQ(q.size(), 3u);
  EXPECT_EQ(q.pop().payload, 1u);
  EXPECT_EQ(q.pop().payload, 2u);
  EXPECT_EQ(q.pop().payload, 3u);
  EXPECT_TRUE(q.empty());
}

TEST(EventQueue, EqualTimesComeOutInInsertionOrder) {
  EventQueue q;
  for (uint64_t i = 0; i < 1000; ++i) q.insert(Time::ns(5), 0, i);
  for (uint64_t i = 0; i < 1000; ++i) EXPECT_EQ(q.pop().payload, i);
}

TEST(EventQueue, CancelRemovesOnlyThatEvent) {
  EventQueue q;
  const EventHandle a = q.insert(Time::ns(1), 0, 1);
  const EventHandle b = q.insert(Time::ns(2), 0, 2);
  q.insert(Time::ns(3), 0, 3);
  EXPECT_TRUE(q.cancel(a));
  EXPECT_FALSE(q.cancel(a)) << "a second cancel of the same event does nothing";
  EXPECT_FALSE(q.is_pending(a));
  EXPECT_TRUE(q.is_pending(b));
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.top_time(), Time::ns(2));
  EXPECT_EQ(q.pop().payload, 2u);
  EXPECT_FALSE(q.cancel(b)) << "cancelling an event that already ran does nothing";
  EXPECT_EQ(q.pop().payload, 3u);
  EXPECT_TRUE(q.empty());
}

TEST(EventQueue, StaleHandleDoesNotCancelTheSlotsNextEvent) {
  EventQueue q;
  const EventHandle old = q.insert(Time::ns(1), 0, 1);
  q.pop();
  const EventHandle fresh = q.insert(Time::ns(2), 0, 2);  // reuses the freed slot
  EXPECT_FALSE(q.cancel(old));
  EXPECT_TRUE(q.is_pending(fresh));
  EXPECT_FALSE(EventHandle().is_set());
  EXPECT_FALSE(q.cancel(EventHandle()));
}

// A queue takes the arrays of the last queue destroyed in its thread; tests of memory use run
// on a new thread, whose first queue starts with none.
void on_new_thread(const std::function<void()>& body) {
  std::thread(body).join();
}

TEST(EventQueue, MemoryStaysBoundedUnderConstantCancellation) {
  // A timer that is rescheduled (cancel + insert) a million times must not grow the queue.
  on_new_thread([] {
    EventQueue q;
    q.insert(Time::s(100), 0, 0);
    EventHandle timer = q.insert(Time::s(1), 0, 1);
    for (int i = 0; i < 1'000'000; ++i) {
      q.cancel(timer);
      timer = q.insert(Time::s(1) + Time::ns(i), 0, 1);
    }
    EXPECT_EQ(q.size(), 2u);
    EXPECT_LT(q.memory_bytes(), 64u * 1024u);
    EXPECT_EQ(q.pop().payload, 1u);
    EXPECT_EQ(q.pop().payload, 0u);
  });
}

TEST(EventQueue, ThirtyTwoBytesPerPendingEvent) {
  on_new_thread([] {
    EventQueue q;
    q.reserve(10'000);
    for (int i = 0; i < 10'000; ++i) q.insert(Time::ns(i), 0, 0);
    EXPECT_EQ(q.memory_bytes(), 10'000u * 32u);
  });
}

TEST(EventQueue, ANewQueueReusesTheArraysOfTheLastOneDestroyedInItsThreadAndStartsEmpty) {
  on_new_thread([] {
    {
      EventQueue first;
      for (int i = 0; i < 1000; ++i) first.insert(Time::ns(1000 - i), 0, static_cast<uint64_t>(i));
      first.pop();  // destroyed with events still pending
    }
    EventQueue second;
    EXPECT_TRUE(second.empty());
    EXPECT_GE(second.memory_bytes(), 1000u * 32u);  // the first queue's capacity, kept
    second.insert(Time::ns(7), 0, 70);
    second.insert(Time::ns(3), 0, 30);
    const EventHandle cancelled = second.insert(Time::ns(5), 0, 50);
    EXPECT_TRUE(second.cancel(cancelled));
    EXPECT_EQ(second.size(), 2u);
    EXPECT_EQ(second.pop().payload, 30u);
    EXPECT_EQ(second.pop().payload, 70u);
    EXPECT_TRUE(second.empty());
  });
}

// Randomised check against a shadow model (an ordered map keyed by (time, insertion number))
// after every operation: inserts, pops, cancels of live and stale handles, interleaved.
TEST(EventQueue, MatchesAShadowModelUnderRandomOperations) {
  RandomStream rng(7, "event-queue-shadow");
  EventQueue q;
  std::map<std::pair<int64_t, uint64_t>, uint64_t> shadow;          // (time, seq) -> payload
  std::vector<std::tuple<EventHandle, int64_t, uint64_t>> handles;  // handle, time, seq
  uint64_t seq = 0;
  int64_t now = 0;
  for (int step = 0; step < 200'000; ++step) {
    const uint64_t op = rng.next_u64() % 10;
    if (op < 5) {
      const int64_t t = now + static_cast<int64_t>(rng.next_u64() % 50);  // many ties
      const EventHandle h = q.insert(Time::ns(t), 0, seq);
      shadow[{t, seq}] = seq;
      handles.emplace_back(h, t, seq);
      ++seq;
    } else if (op < 8) {
      if (shadow.empty()) continue;
      const auto expected = shadow.begin();
      ASSERT_EQ(q.top_time().count_ns(), expected->first.first);
      const PoppedEvent e = q.pop();
      ASSERT_EQ(e.time.count_ns(), expected->first.first);
      ASSERT_EQ(e.payload, expected->second);
      now = e.time.count_ns();
      shadow.erase(expected);
    } else if (!handles.empty()) {
      const size_t i = rng.next_u64() % handles.size();
      const auto [h, t, s] = handles[i];
      const bool live = shadow.count({t, s}) == 1;
      ASSERT_EQ(q.is_pending(h), live);
      ASSERT_EQ(q.cancel(h), live);
      shadow.erase({t, s});
      handles[i] = handles.back();
      handles.pop_back();
    }
    ASSERT_EQ(q.size(), shadow.size());
  }
}

TEST(EventQueue, PastItsCapacityInsertThrowsAndTheQueueStaysUsable) {
  EventQueue q(4);
  for (int i = 0; i < 4; ++i) q.insert(Time::ns(10 + i), 0, static_cast<uint64_t>(i));
  EXPECT_THROW(q.insert(Time::ns(1), 0, 99), EventQueueFull);
  EXPECT_EQ(q.size(), 4u);
  const PoppedEvent first = q.pop();  // the rejected event was not scheduled: 10 ns is first
  EXPECT_EQ(first.time, Time::ns(10));
  EXPECT_EQ(first.payload, 0u);
  q.insert(Time::ns(1), 0, 5);  // a freed slot is reused
  EXPECT_EQ(q.pop().payload, 5u);
}

}  // namespace
}  // namespace sharesim::sim
