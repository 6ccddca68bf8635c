// The measurement suites: each runs its cases of the plan (plan.h) and appends rows to `data`
// in the raw CSV format (raw_csv.h). One file per suite: copies.cu, launch.cu, sm_scaling.cu,
// overlap.cu, sharing.cu (which runs child processes: children.cuh).
#pragma once

#include "device.cuh"
#include "sharesim/calibrate/plan.h"
#include "sharesim/calibrate/raw_csv.h"

namespace sharesim::calibrate::cuda {

void run_copies(const Plan& plan, RawData& data);
void run_launch(const Plan& plan, RawData& data);
void run_sm_scaling(const Plan& plan, RawData& data);
void run_overlap(const Plan& plan, RawData& data);
void run_sharing(const Plan& plan, const DeviceInfo& info, int device, RawData& data);

}  // namespace sharesim::calibrate::cuda
