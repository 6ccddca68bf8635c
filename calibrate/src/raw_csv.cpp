#include "sharesim/calibrate/raw_csv.h"

#include <charconv>
#include <cmath>

namespace sharesim::calibrate {

std::string RawData::header_value(const std::string& key) const {
  for (const auto& [k, v] : header) {
    if (k == key) return v;
  }
  return "";
}

void RawData::set_header(const std::string& key, const std::string& value) {
  for (auto& [k, v] : header) {
    if (k == key) {
      v = value;
      return;
    }
  }
  header.emplace_back(key, value);
}

void RawData::add(std::string suite, std::string case_name, std::string param, std::string metric,
                  double value, std::string unit, int64_t rep) {
  rows.push_back(Measurement{.suite = std::move(suite),
                             .case_name = std::move(case_name),
                             .param = std::move(param),
                             .metric = std::move(metric),
                             .value = value,
                             .unit = std::move(unit),
                             .rep = rep,
                             .origin = {}});
}

namespace {
std::string format_value(double value) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  if (ec != std::errc()) return "0";
  return std::string(buffer, end);
}
}  // namespace

void write_raw_csv(std::ostream& out, const RawData& data) {
  out << "# sharesim calibration measurements, format 1\n";
  for (const auto& [key, value] : data.header) out << "# " << key << ": " << value << '\n';
  out << kCsvColumns << '\n';
  for (const Measurement& m : data.rows) {
    out << m.suite << ',' << m.case_name << ',' << m.param << ',' << m.metric << ','
        << (std::isfinite(m.value) ? format_value(m.value) : std::string("nan")) << ',' << m.unit << ','
        << m.rep << '\n';
  }
}

int fp32_lanes_per_sm(int major, int minor) {
  // Volta GV100 (7.0), Turing TU10x (7.5) and Ampere GA100 (8.0): 64 FP32 lanes per SM.
  // Ampere GA10x (8.6, 8.7), Ada (8.9), Hopper (9.0), Blackwell (10.x, 12.x): 128.
  if (major == 7) return 64;
  if (major == 8) return minor == 0 ? 64 : 128;
  if (major >= 9) return 128;
  return 0;
}

}  // namespace sharesim::calibrate
