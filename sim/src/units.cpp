#include "sharesim/sim/units.h"

#include <charconv>
#include <cmath>
#include <string>

#include "decimal.h"

namespace sharesim::sim {

namespace {

struct ByteUnit {
  std::string_view name;
  int64_t bytes;
};
constexpr ByteUnit kByteUnits[] = {
    {"B", 1},
    {"KiB", int64_t{1} << 10},
    {"MiB", int64_t{1} << 20},
    {"GiB", int64_t{1} << 30},
    {"TiB", int64_t{1} << 40},
    {"KB", 1'000},
    {"kB", 1'000},
    {"MB", 1'000'000},
    {"GB", 1'000'000'000},
    {"TB", 1'000'000'000'000},
};

}  // namespace

Result<int64_t> parse_bytes(std::string_view text) {
  const std::string shown(detail::trim(text));
  const auto parsed = detail::split_number_and_unit(text);
  if (!parsed) {
    return make_error("expected a size such as 600KiB, 2GiB or 4096B, found '" + shown + "'");
  }
  const std::string_view unit = parsed->unit.empty() ? std::string_view("B") : parsed->unit;
  for (const auto& u : kByteUnits) {
    if (u.name == unit) {
      const auto bytes = detail::scale_to_integer(parsed->number, u.bytes);
      if (!bytes) return make_error("size '" + shown + "' is too large");
      return *bytes;
    }
  }
  return make_error("unknown size unit '" + std::string(unit) + "' in '" + shown +
                    "' (expected B, KiB, MiB, GiB, TiB, KB, MB, GB or TB)");
}

Result<double> parse_number(std::string_view text) {
  const std::string_view trimmed = detail::trim(text);
  double value = 0;
  const char* begin = trimmed.data();
  const char* end = trimmed.data() + trimmed.size();
  if (!trimmed.empty() && *begin == '+') ++begin;
  const auto [ptr, ec] = std::from_chars(begin, end, value);
  if (trimmed.empty() || ec != std::errc() || ptr != end) {
    return make_error("expected a number, found '" + std::string(trimmed) + "'");
  }
  if (!std::isfinite(value)) {
    return make_error("expected a finite number, found '" + std::string(trimmed) + "'");
  }
  return value;
}

Result<double> parse_rate_per_second(std::string_view text) {
  const std::string shown(detail::trim(text));
  const auto slash = shown.find('/');
  if (slash == std::string::npos) {
    return make_error("expected a rate such as 200/s, 50/m or 3600/h, found '" + shown + "'");
  }
  auto number = parse_number(std::string_view(shown).substr(0, slash));
  if (!number) {
    return make_error("expected a rate such as 200/s, found '" + shown + "' (" + number.error().message +
                      ")");
  }
  const std::string_view per = detail::trim(std::string_view(shown).substr(slash + 1));
  double seconds = 0;
  if (per == "s") {
    seconds = 1;
  } else if (per == "m" || per == "min") {
    seconds = 60;
  } else if (per == "h") {
    seconds = 3600;
  } else if (per == "ms") {
    seconds = 1e-3;
  } else {
    return make_error("unknown rate unit '/" + std::string(per) + "' in '" + shown +
                      "' (expected /s, /m or /h)");
  }
  if (*number < 0) return make_error("expected a non-negative rate, found '" + shown + "'");
  return *number / seconds;
}

}  // namespace sharesim::sim
