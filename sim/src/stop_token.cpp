#include "sharesim/sim/stop_token.h"

#include <csignal>

namespace sharesim::sim {

bool StopToken::should_stop() const {
  if (signal_number() != 0) return true;
  if (deadline_passed_.load(std::memory_order_relaxed)) return true;
  if (deadline_ && Clock::now() >= *deadline_) {
    deadline_passed_.store(true, std::memory_order_relaxed);
    return true;
  }
  return false;
}

StopToken::Cause StopToken::cause() const {
  if (signal_number() != 0) return Cause::kSignal;
  if (deadline_passed_.load(std::memory_order_relaxed)) return Cause::kDeadline;
  return Cause::kNone;
}

std::string StopToken::description() const {
  switch (cause()) {
    case Cause::kNone:
      return "";
    case Cause::kDeadline:
      return "the time budget ran out";
    case Cause::kSignal:
      break;
  }
  const int s = signal_number();
  if (s == SIGINT) return "interrupted by SIGINT (Ctrl-C)";
  if (s == SIGTERM) return "interrupted by SIGTERM";
  return "interrupted by signal " + std::to_string(s);
}

}  // namespace sharesim::sim
