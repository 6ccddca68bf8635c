#include "sharesim/sim/event_queue.h"

#include <algorithm>
#include <cassert>
#include <string>
#include <utility>

#include "sharesim/sim/kept_vectors.h"

namespace sharesim::sim {

namespace {
constexpr int kSlotBits = 24;
constexpr uint64_t kSlotMask = (uint64_t{1} << kSlotBits) - 1;
constexpr uint64_t kMaxSeq = uint64_t{1} << (64 - kSlotBits);
}  // namespace

// The arrays of the last queue destroyed in this thread (the constructor's comment, event_queue.h).
template <class T>
using KeptArray = KeptVectors<T, 1>;

EventQueue::EventQueue(uint32_t max_pending)
    : max_pending_(std::min(max_pending, kMaxPending)),
      heap_(KeptArray<HeapEntry>::take(0)),
      slots_(KeptArray<Slot>::take(0)) {}

EventQueue::~EventQueue() {
  KeptArray<HeapEntry>::give_back(heap_);
  KeptArray<Slot>::give_back(slots_);
}

uint32_t EventQueue::allocate_slot() {
  if (free_head_ != kNoSlot) {
    const uint32_t slot = free_head_;
    free_head_ = static_cast<uint32_t>(slots_[slot].payload);
    return slot;
  }
  if (slots_.size() >= max_pending_) {
    throw EventQueueFull(
        max_pending_ == kMaxPending
            ? "more than 2^24 (16,777,216) events were pending at once, the event engine's limit"
            : "more than " + std::to_string(max_pending_) + " events were pending at once");
  }
  slots_.push_back(Slot{0, 1, 0});
  return static_cast<uint32_t>(slots_.size() - 1);
}

void EventQueue::free_slot(uint32_t slot) {
  Slot& s = slots_[slot];
  // Generation 0 means "no event" in a handle, so skip it on wrap-around.
  if (++s.generation == 0) s.generation = 1;
  s.handler = kCancelled;
  s.payload = free_head_;
  free_head_ = slot;
}

EventHandle EventQueue::insert(Time at, HandlerId handler, uint64_t payload) {
  assert(handler != kCancelled);
  if (next_seq_ >= kMaxSeq)
    throw EventQueueFull("more than 2^40 events were inserted, the event engine's limit");
  const uint32_t slot = allocate_slot();
  slots_[slot].handler = handler;
  slots_[slot].payload = payload;
  const HeapEntry entry{at.count_ns(), (next_seq_++ << kSlotBits) | slot};
  if (top_vacant_) {
    // The entry popped last is still at the root: put the new one there and sift it down once,
    // instead of moving the last leaf to the root and then sifting the new entry up.
    top_vacant_ = false;
    heap_.front() = entry;
    sift_down(0);
  } else {
    heap_.push_back(entry);
    sift_up(heap_.size() - 1);
  }
  ++live_;
  return EventHandle(slot, slots_[slot].generation);
}

bool EventQueue::is_pending(EventHandle handle) const {
  if (!handle.is_set() || handle.slot_ >= slots_.size()) return false;
  const Slot& s = slots_[handle.slot_];
  return s.generation == handle.generation_ && s.handler != kCancelled;
}

bool EventQueue::cancel(EventHandle handle) {
  if (!is_pending(handle)) return false;
  // The heap entry stays until it reaches the top (or a rebuild); the slot stays allocated with it,
  // so its generation still matches and a second cancel is refused by the kCancelled mark.
  slots_[handle.slot_].handler = kCancelled;
  --live_;
  ++cancelled_in_heap_;
  if (cancelled_in_heap_ > 64 && cancelled_in_heap_ > live_) rebuild_without_cancelled();
  return true;
}

Time EventQueue::top_time() {
  assert(!empty());
  drop_cancelled_top();
  return Time::ns(heap_.front().time_ns);
}

PoppedEvent EventQueue::pop() {
  assert(!empty());
  drop_cancelled_top();
  const HeapEntry top = heap_.front();
  const auto slot = static_cast<uint32_t>(top.seq_slot & kSlotMask);
  const PoppedEvent event{Time::ns(top.time_ns), slots_[slot].handler, slots_[slot].payload};
  // The root is left in place and marked vacant: in a simulation the popped event's handler
  // usually schedules a new event next, which then takes the root's place (see insert).
  top_vacant_ = true;
  free_slot(slot);
  --live_;
  return event;
}

void EventQueue::fill_vacant_top() {
  if (!top_vacant_) return;
  top_vacant_ = false;
  heap_.front() = heap_.back();
  heap_.pop_back();
  if (!heap_.empty()) sift_down(0);
}

void EventQueue::drop_cancelled_top() {
  fill_vacant_top();
  while (slots_[heap_.front().seq_slot & kSlotMask].handler == kCancelled) {
    free_slot(static_cast<uint32_t>(heap_.front().seq_slot & kSlotMask));
    heap_.front() = heap_.back();
    heap_.pop_back();
    --cancelled_in_heap_;
    if (!heap_.empty()) sift_down(0);
  }
}

void EventQueue::rebuild_without_cancelled() {
  fill_vacant_top();
  size_t kept = 0;
  for (const HeapEntry& e : heap_) {
    const auto slot = static_cast<uint32_t>(e.seq_slot & kSlotMask);
    if (slots_[slot].handler == kCancelled) {
      free_slot(slot);
    } else {
      heap_[kept++] = e;
    }
  }
  heap_.resize(kept);
  cancelled_in_heap_ = 0;
  // Floyd's bottom-up heap construction: O(n).
  for (size_t i = heap_.size() / 2; i-- > 0;) sift_down(i);
}

void EventQueue::sift_up(size_t i) {
  const HeapEntry moving = heap_[i];
  while (i > 0) {
    const size_t parent = (i - 1) / 2;
    if (!earlier(moving, heap_[parent])) break;
    heap_[i] = heap_[parent];
    i = parent;
  }
  heap_[i] = moving;
}

void EventQueue::sift_down(size_t i) {
  // Bottom-up (Floyd/Wegener): walk the hole down to a leaf along the smaller children without
  // comparing against the moving entry, then sift the entry up from there. An entry placed at the
  // root usually belongs near the bottom, so this needs about one comparison per level instead of
  // two (libstdc++'s pop_heap does the same).
  const size_t n = heap_.size();
  const HeapEntry moving = heap_[i];
  const size_t top = i;
  size_t child = 2 * i + 1;
  while (child < n) {
    if (child + 1 < n && earlier(heap_[child + 1], heap_[child])) ++child;
    heap_[i] = heap_[child];
    i = child;
    child = 2 * i + 1;
  }
  while (i > top) {
    const size_t parent = (i - 1) / 2;
    if (!earlier(moving, heap_[parent])) break;
    heap_[i] = heap_[parent];
    i = parent;
  }
  heap_[i] = moving;
}

void EventQueue::reserve(size_t pending) {
  heap_.reserve(pending);
  slots_.reserve(pending);
}

size_t EventQueue::memory_bytes() const {
  return heap_.capacity() * sizeof(HeapEntry) + slots_.capacity() * sizeof(Slot);
}

}  // namespace sharesim::sim
