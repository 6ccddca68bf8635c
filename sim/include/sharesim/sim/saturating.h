// 64-bit integer arithmetic that stops at the limits instead of wrapping. Used for simulated time
// (time.h) and for byte counts that grow with a batch: a value past the limit means "more than
// can ever be reached", never a small or negative number.
#pragma once

#include <cstdint>
#include <limits>

namespace sharesim::sim {

constexpr int64_t saturating_add(int64_t a, int64_t b) {
  int64_t r = 0;
  if (!__builtin_add_overflow(a, b, &r)) return r;
  return b > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
}

constexpr int64_t saturating_sub(int64_t a, int64_t b) {
  int64_t r = 0;
  if (!__builtin_sub_overflow(a, b, &r)) return r;
  return b < 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
}

constexpr int64_t saturating_mul(int64_t a, int64_t b) {
  int64_t r = 0;
  if (!__builtin_mul_overflow(a, b, &r)) return r;
  return (a < 0) == (b < 0) ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
}

// Rounds a real number to the nearest integer, saturating beyond 64 bits (+-inf too).
// REQUIRES: not NaN.
int64_t saturating_round(double value);

}  // namespace sharesim::sim
