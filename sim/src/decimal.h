// Private: exact parsing of decimal numbers with a unit suffix, shared by time.cpp and units.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace sharesim::sim::detail {

__extension__ using uint128 = unsigned __int128;  // GCC/Clang extension: exact decimal scaling

// "12.345" -> {mantissa 12345, scale 3}; leading '+' allowed, no sign otherwise, no exponent.
struct Decimal {
  uint128 mantissa = 0;
  int fraction_digits = 0;
};

// Splits "1.5ms" into the decimal part and the unit ("ms"); spaces between are allowed.
// Returns nullopt when there is no digit at the start, or too many digits (> 30).
struct NumberWithUnit {
  Decimal number;
  std::string_view unit;
};
std::optional<NumberWithUnit> split_number_and_unit(std::string_view text);

// number * multiplier, rounded to the nearest integer (halves away from zero); nullopt when the
// result does not fit in int64_t.
std::optional<int64_t> scale_to_integer(const Decimal& number, int64_t multiplier);

std::string_view trim(std::string_view text);

}  // namespace sharesim::sim::detail
