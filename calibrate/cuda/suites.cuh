// The measurement suites: each runs its cases of the plan (plan.h) and appends rows to `data`
// in the raw CSV format (raw_csv.h). One file per suite: copies.cu, launch.cu, sm_scaling.cu,
// overlap.cu, sharing.cu (which runs child processes: children.cuh).
#pragma once

#include <string>

#include "device.cuh"
#include "sharesim/calibrate/plan.h"
#include "sharesim/calibrate/raw_csv.h"

namespace sharesim::calibrate::cuda {

void run_copies(const Plan& plan, RawData& data);
void run_launch(const Plan& plan, RawData& data);
void run_sm_scaling(const Plan& plan, RawData& data);
void run_overlap(const Plan& plan, RawData& data);
void run_sharing(const Plan& plan, const DeviceInfo& info, int device, RawData& data);

// Whether MPS serves the GPU, decided by what the GPU does rather than by a pipe's existence:
// two child processes each run the one-thread time-slice sampler (kernels.cuh) for 50 ms. Under
// MPS both run at once: each sampler keeps the GPU nearly all of its window (busy >= 0.9) and
// the windows overlap (>= half). Time-sliced contexts take turns: each is busy about 1/2.
struct MpsProbe {
  bool mps = false;
  std::string evidence;  // "overlap probe: busy 0.99 and 0.98 of 50 ms, overlap 0.97 -> on"
};
MpsProbe probe_mps(int device);

}  // namespace sharesim::calibrate::cuda
