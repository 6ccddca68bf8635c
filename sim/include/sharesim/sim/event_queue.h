// The pending-event set: a binary min-heap on (time, insertion sequence).
//
// Five operations, as in ns-3's scheduler: insert, empty, top, pop, cancel. Keys are totally
// ordered: equal times come out in insertion order (a heap is not stable, so the sequence number
// breaks ties, never a pointer), which makes every run deterministic.
//
// Memory: 16 bytes of heap entry plus 16 bytes of slot per pending event (32 in all). An event
// names a handler (registered once with the Simulator) and a 64-bit payload, so nothing is
// allocated per event and no std::function is copied on the hot path.
//
// Cancellation is O(1) and lazy: the slot is marked, and its heap entry is dropped when it reaches
// the top. When cancelled entries outnumber live ones the heap is rebuilt (O(n), amortised O(1) per
// cancel), so memory stays bounded by twice the live events even when timers are cancelled
// constantly (rate changes, time slices).
//
// Not thread-safe: one queue per simulation.
#pragma once

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "sharesim/sim/time.h"

namespace sharesim::sim {

using HandlerId = uint32_t;

// Names one scheduled event. A handle stays safe to use after its event ran or was cancelled:
// cancelling it then does nothing. A default-constructed handle names no event.
class EventHandle {
 public:
  constexpr EventHandle() = default;
  [[nodiscard]] constexpr bool is_set() const { return generation_ != 0; }

 private:
  friend class EventQueue;
  constexpr EventHandle(uint32_t slot, uint32_t generation) : slot_(slot), generation_(generation) {}
  uint32_t slot_ = 0;
  uint32_t generation_ = 0;  // 0 = no event
};

// Thrown by EventQueue::insert past its capacity (see kMaxPending). A run catches it and stops
// with its results so far, as for its other limits (run/src/run_loop.cpp).
class EventQueueFull : public std::length_error {
 public:
  using std::length_error::length_error;
};

struct PoppedEvent {
  Time time;
  HandlerId handler;
  uint64_t payload;
};

class EventQueue {
 public:
  // At most 2^24 events pending at once, and 2^40 insertions over a queue's life: the slot index
  // and the insertion sequence share one 64-bit word. Past either, insert() throws
  // EventQueueFull rather than wrap (a wrapped index would run another event's handler).
  static constexpr uint32_t kMaxPending = 1u << 24;

  // `max_pending` (at most kMaxPending) lowers the limit, for tests of what happens past it.
  // A new queue takes the arrays a destroyed queue of the same thread left (empty, with their
  // capacity): a planner worker runs thousands of short simulations one after the other, and
  // each would otherwise allocate and regrow its heap and slots. Nothing else is kept.
  explicit EventQueue(uint32_t max_pending = kMaxPending);
  EventQueue(const EventQueue&) = delete;
  EventQueue& operator=(const EventQueue&) = delete;
  ~EventQueue();

  EventHandle insert(Time at, HandlerId handler, uint64_t payload);
  // Returns true when the event was pending and is now cancelled.
  bool cancel(EventHandle handle);
  // REQUIRES: the handle names a pending event (is_pending(handle)).
  [[nodiscard]] bool is_pending(EventHandle handle) const;

  [[nodiscard]] bool empty() const { return live_ == 0; }
  [[nodiscard]] size_t size() const { return live_; }
  // Time of the earliest live event. REQUIRES: !empty().
  [[nodiscard]] Time top_time();
  // Removes and returns the earliest live event. REQUIRES: !empty().
  PoppedEvent pop();

  void reserve(size_t pending);
  // Bytes held by the queue's arrays (their capacity, not just their size).
  [[nodiscard]] size_t memory_bytes() const;

 private:
  struct HeapEntry {
    int64_t time_ns;
    uint64_t seq_slot;  // insertion sequence (high 40 bits) and slot index (low 24 bits)
  };
  struct Slot {
    HandlerId handler;    // kCancelled once cancelled
    uint32_t generation;  // bumped when the slot is freed, so stale handles miss
    uint64_t payload;     // the event's payload; the next free slot while on the free list
  };
  static constexpr HandlerId kCancelled = ~HandlerId{0};
  uint32_t max_pending_;
  static constexpr uint32_t kNoSlot = ~uint32_t{0};

  static bool earlier(const HeapEntry& a, const HeapEntry& b) {
    return a.time_ns < b.time_ns || (a.time_ns == b.time_ns && a.seq_slot < b.seq_slot);
  }
  void sift_up(size_t i);
  void sift_down(size_t i);
  void fill_vacant_top();
  void drop_cancelled_top();
  void rebuild_without_cancelled();
  uint32_t allocate_slot();
  void free_slot(uint32_t slot);

  std::vector<HeapEntry> heap_;
  std::vector<Slot> slots_;
  uint32_t free_head_ = kNoSlot;
  uint64_t next_seq_ = 0;
  size_t live_ = 0;
  size_t cancelled_in_heap_ = 0;
  bool top_vacant_ = false;  // heap_[0] holds an entry already popped (see pop)
};

}  // namespace sharesim::sim
