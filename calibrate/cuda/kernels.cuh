// Launching the calibration kernels (defined in kernels.cu). Every kernel that times itself reads
// %globaltimer, the GPU's global nanosecond timer (the same clock for every context on the GPU,
// so timestamps of different processes line up).
//
// The launchers of empty, stamp and sampler kernels do not check the launch (the launch suite times
// a loop of them); their callers call CUDA_CHECK_LAUNCH after the loop, as for a bare <<<>>>.
// launch_compute and launch_memory check their launch.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "sharesim/calibrate/plan.h"

namespace sharesim::calibrate::cuda {

// Does nothing: measures launch overhead. One block of one thread.
void launch_empty(cudaStream_t stream);
// One thread records its start and end in stamps[2 launch] and stamps[2 launch + 1]: back-to-back
// gaps between kernels of one stream.
void launch_stamp(unsigned long long* stamps, int launch, cudaStream_t stream);
// Compute-bound kernel of the plan (plan.h); with `stamps`, records the earliest block start and
// latest block end of launch `launch` (see Stamps in timing.cuh).
void launch_compute(const ComputeKernelShape& shape, float* sink, unsigned long long* stamps, int launch,
                    cudaStream_t stream);
// DRAM-bound kernel of the plan: copies shape.bytes_per_block / 2 bytes per block from src to dst.
void launch_memory(const MemoryKernelShape& shape, const void* src, void* dst, unsigned long long* stamps,
                   int launch, cudaStream_t stream);
// Issue-bound kernel of the plan (plan.h: issue_kernel): shape.blocks blocks of `warps` warps
// (1 .. kThreadsPerBlock / 32).
void launch_issue(const ComputeKernelShape& shape, int warps, float* sink, unsigned long long* stamps,
                  int launch, cudaStream_t stream);
// Latency-bound kernel of the plan (plan.h: latency_kernel): shape.blocks blocks of one warp.
void launch_latency(const ComputeKernelShape& shape, float* sink, unsigned long long* stamps, int launch,
                    cudaStream_t stream);
// One thread that spins spin_ns on %globaltimer, stamped like launch_stamp (unchecked).
void launch_spin(uint64_t spin_ns, unsigned long long* stamps, int launch, cudaStream_t stream);
// One thread watches the global timer for window_ns and records each jump longer than
// threshold_ns as a gap [before, after] (see sampler_kernel in kernels.cu).
void launch_sampler(uint64_t window_ns, uint64_t threshold_ns, unsigned long long* gaps, int max_gaps,
                    int* gap_count, unsigned long long* window, cudaStream_t stream);

}  // namespace sharesim::calibrate::cuda
