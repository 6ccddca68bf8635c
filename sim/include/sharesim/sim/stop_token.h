// Stopping a long computation early: a wall-clock deadline (--time-budget) and a stop request
// from a signal (Ctrl-C, SIGTERM), polled by whoever runs the work (the run's start-up and its
// event loop, the planner between candidates). It lives in sim/, the lowest layer, so that run/
// and planner/ can poll it without knowing about the command line (docs/hardening.md, "Stopping").
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>

namespace sharesim::sim {

class StopToken {
 public:
  using Clock = std::chrono::steady_clock;
  enum class Cause { kNone, kDeadline, kSignal };

  StopToken() = default;
  StopToken(const StopToken&) = delete;
  StopToken& operator=(const StopToken&) = delete;

  // The wall-clock deadline; set before the work starts (not thread-safe against polls).
  void set_deadline(Clock::time_point deadline) { deadline_ = deadline; }
  [[nodiscard]] bool has_deadline() const { return deadline_.has_value(); }

  // A stop for signal `signal_number`. Async-signal-safe: one lock-free atomic store, so a signal
  // handler may call it (it must do nothing else: no I/O, no allocation).
  void request_stop(int signal_number) noexcept { signal_.store(signal_number, std::memory_order_relaxed); }

  // True once a signal asked for a stop or the deadline passed (it reads the clock). Thread-safe.
  [[nodiscard]] bool should_stop() const;
  // Why should_stop() said true (the signal wins when both hold); kNone before.
  [[nodiscard]] Cause cause() const;
  [[nodiscard]] int signal_number() const { return signal_.load(std::memory_order_relaxed); }
  // Why, in words: "the time budget ran out", "interrupted by SIGINT (Ctrl-C)"; "" before.
  [[nodiscard]] std::string description() const;

 private:
  static_assert(std::atomic<int>::is_always_lock_free && std::atomic<bool>::is_always_lock_free);
  std::atomic<int> signal_{0};
  mutable std::atomic<bool> deadline_passed_{false};  // latched: a stop stays a stop
  std::optional<Clock::time_point> deadline_;
};

// A stop check for loops too tight to read the clock at every step: should_stop() every `every`
// calls, true from then on once it said so.
class StopPoll {
 public:
  StopPoll(const StopToken* token, unsigned every) : token_(token), every_(every) {}
  bool operator()() {
    if (stopped_) return true;
    if (token_ == nullptr || ++count_ < every_) return false;
    count_ = 0;
    stopped_ = token_->should_stop();
    return stopped_;
  }

 private:
  const StopToken* token_;
  unsigned every_;
  unsigned count_ = 0;
  bool stopped_ = false;
};

}  // namespace sharesim::sim
