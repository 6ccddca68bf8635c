// Shared by the fitter's files (fit.cpp: the closed-form fits; fit_mps.cpp: the MPS parameters,
// fitted by simulating the suite's cases with candidate values). Not a public header.
#pragma once

#include <string>

#include "sharesim/calibrate/fit.h"
#include "sharesim/calibrate/observations.h"
#include "sharesim/calibrate/raw_csv.h"
#include "sharesim/models/gpu_profile.h"
#include "sharesim/sim/result.h"

namespace sharesim::calibrate::fit_detail {

// A median (launch gap, turn, switch, pair kernel) needs this many samples: with one or two the
// median absolute deviation, the residual reported, is 0 whatever the data.
inline constexpr int kMinSamples = 3;

// An error that points at the data: the row an observation came from (file, line, and the
// column of its param or value), or the whole file for rows made in memory.
Error data_error(const RowOrigin& origin, const std::string& raw_file, bool at_value, std::string message);

std::string format_number(double value);  // %.6g
std::string percent(double fraction);     // 0.0123 -> "1.230%"

// mps_interference_penalty from every co-run case (pairs compute+compute, compute+memory,
// memory+memory and the share cases of 2+ processes at 100 %), and mps_sm_rounding from the
// percentage sweep; see fit.h. `model` is the base profile with the fitted device facts.
Status fit_mps(const Observations& obs, const models::GpuProfile& model, int lanes,
               const std::string& raw_file, FitOutcome& out);

}  // namespace sharesim::calibrate::fit_detail
