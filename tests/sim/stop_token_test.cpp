#include "sharesim/sim/stop_token.h"

#include <gtest/gtest.h>

#include <csignal>

namespace sharesim::sim {
namespace {

TEST(StopToken, NothingStopsWithoutADeadlineOrASignal) {
  const StopToken token;
  EXPECT_FALSE(token.should_stop());
  EXPECT_EQ(token.cause(), StopToken::Cause::kNone);
  EXPECT_EQ(token.description(), "");
}

TEST(StopToken, APassedDeadlineStopsAndStaysStopped) {
  StopToken token;
  token.set_deadline(StopToken::Clock::now() - std::chrono::seconds(1));
  EXPECT_TRUE(token.should_stop());
  EXPECT_EQ(token.cause(), StopToken::Cause::kDeadline);
  EXPECT_EQ(token.description(), "the time budget ran out");
  StopToken later;
  later.set_deadline(StopToken::Clock::now() + std::chrono::hours(1));
  EXPECT_FALSE(later.should_stop());
}

TEST(StopToken, ASignalWinsOverTheDeadline) {
  StopToken token;
  token.set_deadline(StopToken::Clock::now() - std::chrono::seconds(1));
  token.request_stop(SIGTERM);
  EXPECT_TRUE(token.should_stop());
  EXPECT_EQ(token.cause(), StopToken::Cause::kSignal);
  EXPECT_EQ(token.signal_number(), SIGTERM);
  EXPECT_EQ(token.description(), "interrupted by SIGTERM");
}

TEST(StopPoll, ReadsTheTokenEveryNCallsAndLatches) {
  StopToken token;
  StopPoll poll(&token, 4);
  token.request_stop(SIGINT);
  // The first three calls do not look; the fourth does, and every call after it says stop.
  EXPECT_FALSE(poll());
  EXPECT_FALSE(poll());
  EXPECT_FALSE(poll());
  EXPECT_TRUE(poll());
  EXPECT_TRUE(poll());
  StopPoll none(nullptr, 1);
  EXPECT_FALSE(none());
}

}  // namespace
}  // namespace sharesim::sim
