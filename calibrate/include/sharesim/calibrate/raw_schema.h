// What a raw-measurement row may say: every case of every suite, its parameters with their
// ranges, and its metrics with their unit and the values they can take. The reader
// (raw_reader.h) refuses rows outside this table, so the fitter never sees a duration in an
// unknown unit, a negative size, or a value no timer can produce.
//
// Value domains:
//   duration   > 0, and at least 1 ns: the finest clock the program reads (%globaltimer) counts
//              whole nanoseconds and cudaEvents resolve about 0.5 us, so a positive duration
//              below 1 ns is not a measurement (subnormal numbers included).
//   timestamp  >= 0 (ns since the earliest start of the case), also used for gaps between two
//              kernels, which a coarse timer may read as 0.
//   count      >= 0 (e.g. a clock in MHz, a number of kernels).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sharesim::calibrate {

enum class ValueDomain { kDuration, kTimestamp, kCount };

struct ParamSpec {
  std::string_view key;
  int64_t min = 0;
  int64_t max = 0;
};

struct MetricSpec {
  std::string_view metric;
  std::string_view unit;
  ValueDomain domain = ValueDomain::kDuration;
};

struct CaseSpec {
  std::string_view suite;
  std::string_view case_name;
  std::vector<ParamSpec> params;  // every key is required, in any order
  std::vector<MetricSpec> metrics;
};

// All cases, by suite in plan order.
const std::vector<CaseSpec>& raw_schema();
// The case, or nullptr when the suite has no such case.
const CaseSpec* find_case_spec(std::string_view suite, std::string_view case_name);
const MetricSpec* find_metric_spec(const CaseSpec& spec, std::string_view metric);
// For error messages: "h2d_pinned, h2d_pageable, ..." (the cases of `suite`), "time" (the
// metrics of a case), and what a domain admits ("a duration >= 1 ns").
std::string case_names(std::string_view suite);
std::string metric_names(const CaseSpec& spec);
std::string_view domain_text(ValueDomain domain);

}  // namespace sharesim::calibrate
