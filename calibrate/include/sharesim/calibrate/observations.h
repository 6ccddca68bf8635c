// From raw rows to observations: the per-case quantities that fit and compare work on.
//
// Repetitions collapse to their median (robust to the odd slow repetition). The sharing suite's
// timelines become derived quantities:
//   timeslice  on-intervals of each process (a process owns the GPU between two of its gaps; the
//              first and last are cut by the window and dropped) -> "slice", the median turn
//              length; the idle time between the end of one process's turn and the start of the
//              next process's turn (all processes' turns merged on the global timer) -> "switch".
//   share/pair kernel durations (end - start) of the middle half of each process's kernels, when
//              every process is running -> "kernel_time" (also mps_pct, mps_pct_memory, latency,
//              beside_memory).
//   launch_clients  gaps between consecutive kernels of each client (start of k - end of k-1),
//              middle half -> "gap".
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "sharesim/calibrate/raw_csv.h"

namespace sharesim::calibrate {

struct Observation {
  std::string suite;
  std::string case_name;
  std::string param;  // as in the CSV, without the per-process "proc" key for pooled quantities
  std::string metric;
  double value = 0;  // median
  std::string unit;
  int samples = 0;    // values the median was taken over
  double spread = 0;  // median absolute deviation / |median| (0 for one sample)
  std::vector<std::pair<std::string, int64_t>> params;  // parsed `param`
  std::vector<double> values;  // the samples (for fits that need more than the median)
  RowOrigin origin;            // the first row it was made from (for errors that point at the data)
};

// Key: "suite/case/param/metric".
using Observations = std::map<std::string, Observation>;

std::string observation_key(const std::string& suite, const std::string& case_name, const std::string& param,
                            const std::string& metric);

// REQUIRES: params of every row parse (true for data from parse_raw_csv or the writers).
Observations summarize(const RawData& data);

// Turn lengths and switch gaps of one timeslice case (all processes of one procs=N run).
struct TimesliceAnalysis {
  std::vector<double> turns;     // ns
  std::vector<double> switches;  // ns
};
TimesliceAnalysis analyze_timeslice(const RawData& data, int64_t processes);

double median_of(std::vector<double> values);
// Median absolute deviation divided by |median| (0 when the median is 0 or one value).
double relative_spread(const std::vector<double>& values);
// Value of `key` in parsed params, or `fallback`.
int64_t param_value(const std::vector<std::pair<std::string, int64_t>>& params, const std::string& key,
                    int64_t fallback);

}  // namespace sharesim::calibrate
