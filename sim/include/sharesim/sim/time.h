// Simulated time: a signed 64-bit count of nanoseconds (about +-292 years), never a double.
//
// One type serves both for instants (time since the start of the simulation) and for durations,
// as in ns-3. Doubles appear only at the edges: converting to seconds for output, and scaling a
// duration by a rate (rounded to the nearest nanosecond).
//
// Invariant: arithmetic never wraps. Sums, differences, products and conversions from doubles
// saturate at Time::max() (and Time::min()): a value past 292 years, such as a per-item duration
// times a batch of 100,000, or an exponential draw with a mean of 2,000,000 h, becomes Time::max(),
// which the engine treats as "never" (no run is that long: durations are parsed below 292 years).
// Saturating is exact for everything a run can observe: a kernel that ends at Time::max() and one
// that ends in 10^4 years both run past the end of any run.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "sharesim/sim/result.h"
#include "sharesim/sim/saturating.h"

namespace sharesim::sim {

class Time {
 public:
  constexpr Time() = default;

  static constexpr Time ns(int64_t n) { return Time(n); }
  static constexpr Time us(int64_t n) { return Time(saturating_mul(n, 1'000)); }
  static constexpr Time ms(int64_t n) { return Time(saturating_mul(n, 1'000'000)); }
  static constexpr Time s(int64_t n) { return Time(saturating_mul(n, 1'000'000'000)); }
  // Rounded to the nearest nanosecond; saturates beyond 64 bits (+-inf too). REQUIRES: not NaN.
  static Time from_seconds(double seconds);
  // The same from a count of nanoseconds held in a double.
  static Time from_ns(double ns);
  static constexpr Time zero() { return Time(0); }
  static constexpr Time max() { return Time(std::numeric_limits<int64_t>::max()); }
  static constexpr Time min() { return Time(std::numeric_limits<int64_t>::min()); }

  [[nodiscard]] constexpr int64_t count_ns() const { return ns_; }
  [[nodiscard]] constexpr double seconds() const { return static_cast<double>(ns_) * 1e-9; }
  [[nodiscard]] constexpr double milliseconds() const { return static_cast<double>(ns_) * 1e-6; }

  constexpr auto operator<=>(const Time&) const = default;
  constexpr Time operator+(Time o) const { return Time(saturating_add(ns_, o.ns_)); }
  constexpr Time operator-(Time o) const { return Time(saturating_sub(ns_, o.ns_)); }
  constexpr Time& operator+=(Time o) { return *this = *this + o; }
  constexpr Time& operator-=(Time o) { return *this = *this - o; }
  constexpr Time operator*(int64_t k) const { return Time(saturating_mul(ns_, k)); }
  // Scales by a real factor, rounded to the nearest nanosecond (saturating). REQUIRES: not NaN.
  [[nodiscard]] Time scaled(double factor) const;

 private:
  constexpr explicit Time(int64_t ns) : ns_(ns) {}
  int64_t ns_ = 0;
};

// Parses a duration with a unit: "1.5ms", "2s", "500us", "250ns", "10m", "1h", "0" (zero needs no
// unit). Fractions are exact to the nanosecond (decimal arithmetic, not binary floating point).
// Rejects negative values, missing or unknown units, NaN/inf and values beyond 64-bit nanoseconds.
Result<Time> parse_duration(std::string_view text);

// Shortest human form that prints the value exactly: "1.5ms", "2s", "500us", "17ns".
std::string format_duration(Time t);

}  // namespace sharesim::sim
