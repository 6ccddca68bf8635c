#include "sharesim/sim/time.h"

#include <cassert>
#include <cmath>
#include <string>

#include "decimal.h"

namespace sharesim::sim {

int64_t saturating_round(double value) {
  assert(!std::isnan(value));
  const double rounded = std::round(value);
  // 2^63 is exactly representable as a double; every double below it converts exactly.
  if (!(rounded < 0x1p63)) return std::numeric_limits<int64_t>::max();
  if (rounded < -0x1p63) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(rounded);
}

Time Time::from_ns(double ns) {
  return Time(saturating_round(ns));
}

Time Time::from_seconds(double seconds) {
  return from_ns(seconds * 1e9);
}

Time Time::scaled(double factor) const {
  return from_ns(static_cast<double>(ns_) * factor);
}

namespace {

struct TimeUnit {
  std::string_view name;
  int64_t ns;
};
constexpr TimeUnit kTimeUnits[] = {
    {"ns", 1},
    {"us", 1'000},
    {"\xC2\xB5s", 1'000},  // µs
    {"ms", 1'000'000},
    {"s", 1'000'000'000},
    {"m", 60'000'000'000},
    {"min", 60'000'000'000},
    {"h", 3'600'000'000'000},
};

}  // namespace

Result<Time> parse_duration(std::string_view text) {
  const std::string shown(detail::trim(text));
  const auto parsed = detail::split_number_and_unit(text);
  if (!parsed) {
    return make_error("expected a duration such as 1.5ms, 2s or 500us, found '" + shown + "'");
  }
  if (parsed->unit.empty()) {
    if (parsed->number.mantissa == 0) return Time::zero();
    return make_error("expected a unit (ns, us, ms, s, m, h) after the number, found '" + shown + "'");
  }
  for (const auto& unit : kTimeUnits) {
    if (unit.name == parsed->unit) {
      const auto ns = detail::scale_to_integer(parsed->number, unit.ns);
      if (!ns) return make_error("duration '" + shown + "' is too large (limit about 292 years)");
      return Time::ns(*ns);
    }
  }
  return make_error("unknown time unit '" + std::string(parsed->unit) + "' in '" + shown +
                    "' (expected ns, us, ms, s, m or h)");
}

std::string format_duration(Time t) {
  int64_t ns = t.count_ns();
  std::string sign;
  if (ns < 0) {
    sign = "-";
    ns = -ns;  // -2^63 cannot occur for durations users write
  }
  if (ns == 0) return "0s";
  struct Unit {
    const char* name;
    int64_t ns;
    int digits;
  };
  constexpr Unit kUnits[] = {{"s", 1'000'000'000, 9}, {"ms", 1'000'000, 6}, {"us", 1'000, 3}};
  for (const auto& unit : kUnits) {
    if (ns >= unit.ns) {
      std::string out = sign + std::to_string(ns / unit.ns);
      int64_t frac = ns % unit.ns;
      if (frac != 0) {
        std::string digits = std::to_string(frac);
        digits.insert(0, static_cast<size_t>(unit.digits) - digits.size(), '0');
        while (digits.back() == '0') digits.pop_back();
        out += "." + digits;
      }
      return out + unit.name;
    }
  }
  return sign + std::to_string(ns) + "ns";
}

}  // namespace sharesim::sim
