#include "decimal.h"

#include <limits>

namespace sharesim::sim::detail {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::optional<NumberWithUnit> split_number_and_unit(std::string_view text) {
  text = trim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  NumberWithUnit out;
  size_t i = 0;
  int digits = 0;
  bool seen_point = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c >= '0' && c <= '9') {
      if (++digits > 30) return std::nullopt;
      out.number.mantissa = out.number.mantissa * 10 + static_cast<unsigned>(c - '0');
      if (seen_point) ++out.number.fraction_digits;
    } else if (c == '.' && !seen_point) {
      seen_point = true;
    } else {
      break;
    }
  }
  if (digits == 0) return std::nullopt;
  out.unit = trim(text.substr(i));
  return out;
}

std::optional<int64_t> scale_to_integer(const Decimal& number, int64_t multiplier) {
  uint128 divisor = 1;
  for (int k = 0; k < number.fraction_digits; ++k) divisor *= 10;
  const auto limit = static_cast<uint128>(std::numeric_limits<int64_t>::max());
  const auto mult = static_cast<uint128>(multiplier);
  // mantissa < 10^30 < 2^100 and multiplier <= 3.6e12 < 2^42: the product can overflow 128 bits,
  // so divide first where that keeps the result exact enough.
  if (number.mantissa != 0 && mult > (~static_cast<uint128>(0)) / number.mantissa) {
    return std::nullopt;
  }
  const uint128 product = number.mantissa * mult;
  const uint128 rounded = (product + divisor / 2) / divisor;
  if (rounded > limit) return std::nullopt;
  return static_cast<int64_t>(rounded);
}

}  // namespace sharesim::sim::detail
