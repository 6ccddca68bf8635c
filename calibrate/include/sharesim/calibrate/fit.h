// Fitting a GPU profile to measurements.
//
// Each fit, its data and its model (t: a duration, B: bytes, W: waves = ceil(blocks / sm_count)):
//   copy_latency, pcie_*_pinned   copies suite, pinned cases together:
//                                 t = copy_latency + B / bandwidth(case), weighted least squares
//                                 on relative error, copy_latency >= 0, bandwidth > 0.
//   pcie_*_pageable               the same line per pageable case, with copy_latency fixed from the
//                                 pinned fit (the profile has one per-copy latency).
//   kernel_launch_overhead        launch suite: median gap between back-to-back kernels of a stream
//                                 (the model's launch gap before each kernel).
//   dram_bandwidth_effective      sm-scaling memory kernel at >= memory_fit_min_waves waves:
//                                 t = a + B / bandwidth (a >= 0 absorbs the launch).
//   sustained_clock_factor        sm-scaling compute kernel at every grid:
//                                 t = a + W x flops_per_block / (fp32_lanes x 2 x clock), then
//                                 clock / boost_clock, bounded to (0, 1].
//   time_slice, context_switch_cost  sharing suite, timeslice probe: median turn length and median
//                                 idle gap between turns of different processes.
//   mps_interference_penalty      sharing suite (MPS only), every co-run case: the pairs
//                                 compute+compute, compute+memory, memory+memory and the share cases
//                                 of 2 or more clients at 100 %. Each gives a ratio kernel_time
//                                 (together) / kernel_time (alone); the fit simulates the same cases
//                                 with the model (calibrate simulate) for candidate penalties in
//                                 [0, 2] and keeps the one of least squared relative error of the
//                                 ratios (a grid, then golden-section search). Ratios cancel the
//                                 clock and bandwidth, which other suites fit.
//   mps_sm_rounding               sharing suite (MPS only), percentage sweep: kernel_time (pct) /
//                                 kernel_time (100 %) of a 16-wave kernel, against the model's for
//                                 floor, nearest and ceil rounding; the rule of least error is kept,
//                                 and none when every rule predicts the same for the sweep's
//                                 percentages on this SM count.
//   mps_interference_per_client, mps_interference_memory, mps_launch_gap_per_client,
//   dram_bandwidth_per_sm, issue_saturation_warps   sharing suite (MPS only), the same way, each from
//                                 its cases (latency clients, beside memory, launch clients, memory
//                                 sweep; issue kernel of 1..8 warps per block at 25 % against 100 %),
//                                 by coordinate descent over the terms; issue_saturation_warps is a
//                                 count: the best of the integer grid 1 .. resident warps per SM.
// Device facts (sm_count, boost_clock, copy_engines) come from the CSV header's device query.
// Parameters without data are copied from the base profile unchanged.
#pragma once

#include <string>
#include <vector>

#include "sharesim/calibrate/observations.h"
#include "sharesim/calibrate/raw_csv.h"
#include "sharesim/models/gpu_profile.h"
#include "sharesim/sim/result.h"

namespace sharesim::calibrate {

struct FittedParameter {
  std::string name;     // the profile parameter, e.g. "pcie_h2d_pinned"
  double value = 0;     // in `unit`
  std::string text;     // the value of an enum parameter (mps_sm_rounding: floor, nearest, ceil)
  std::string unit;     // a unit the profile loader accepts (GB/s, us, ratio, count, MHz, GiB/s)
  std::string suite;    // where it came from: a suite name or "device"
  int points = 0;       // observations the fit used
  double residual = 0;  // rms relative residual of the fit (or relative spread of a median)
  std::string note;     // how it was fitted, bounds hit, per-case details
};

struct FitOutcome {
  std::vector<FittedParameter> fitted;
  std::vector<std::string> skipped;  // "parameter: why it was not fitted"
  // What the suites measured that no profile parameter takes (yet): the host's launch cost,
  // the launch queue depth, copy/kernel overlap, co-run slowdowns against the number and kind of
  // clients. Printed by `calibrate fit` and written as comments in the profile.
  std::vector<std::string> findings;
  [[nodiscard]] const FittedParameter* find(const std::string& name) const;
};

// Fits what the measurements support. Fails only when nothing at all can be fitted or the header
// lacks the device facts a present suite needs (the error names the file and the header key).
Result<FitOutcome> fit_profile(const RawData& raw, const models::GpuProfile& base,
                               const std::string& raw_file);

// The profile YAML: the base profile's parameters in its order, fitted ones replaced (value, unit,
// source naming the suite and the device, note with residual and points, estimate dropped).
// `name` becomes the profile's name.
std::string fitted_profile_yaml(const models::GpuProfile& base, const FitOutcome& outcome, const RawData& raw,
                                const std::string& name, const std::string& raw_file);

// Minimises sum_i (w_i (A_i x - b_i))^2 subject to lower <= x <= upper (per coefficient) by
// fixing violated coefficients at their bound and solving again (enough for the few, well
// separated unknowns here). Returns x.
std::vector<double> bounded_least_squares(const std::vector<std::vector<double>>& a,
                                          const std::vector<double>& b, const std::vector<double>& w,
                                          const std::vector<double>& lower, const std::vector<double>& upper);

}  // namespace sharesim::calibrate
