// Suite sm-scaling: the compute and DRAM kernels from one block to many waves.
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "kernels.cuh"
#include "suites.cuh"
#include "timing.cuh"

namespace sharesim::calibrate::cuda {

void run_sm_scaling(const Plan& plan, RawData& data) {
  const SmScalingPlan& p = plan.sm_scaling;
  const int max_grid = *std::max_element(p.grids.begin(), p.grids.end());
  DeviceBuffer sink(sizeof(float) * static_cast<size_t>(max_grid));
  const auto half_bytes = static_cast<size_t>(p.memory_bytes_per_block / 2) * static_cast<size_t>(max_grid);
  DeviceBuffer src(half_bytes), dst(half_bytes);
  CUDA_CHECK(cudaMemset(src.ptr, 0, half_bytes));
  Stream stream;
  Event start, stop;
  for (int grid : p.grids) {
    ComputeKernelShape compute{.blocks = grid, .iterations = p.compute_iterations};
    MemoryKernelShape memory{.blocks = grid, .bytes_per_block = p.memory_bytes_per_block};
    std::vector<double> compute_times, memory_times;
    for (int rep = -1; rep < p.reps; ++rep) {
      CUDA_CHECK(cudaEventRecord(start.event, stream.stream));
      launch_compute(compute, sink.as<float>(), nullptr, 0, stream.stream);
      CUDA_CHECK(cudaEventRecord(stop.event, stream.stream));
      CUDA_CHECK(cudaEventSynchronize(stop.event));
      double tc = elapsed_ns(start, stop);
      CUDA_CHECK(cudaEventRecord(start.event, stream.stream));
      launch_memory(memory, src.ptr, dst.ptr, nullptr, 0, stream.stream);
      CUDA_CHECK(cudaEventRecord(stop.event, stream.stream));
      CUDA_CHECK(cudaEventSynchronize(stop.event));
      double tm = elapsed_ns(start, stop);
      if (rep < 0) continue;
      compute_times.push_back(tc);
      memory_times.push_back(tm);
      data.add("sm-scaling", "compute",
               param_string({{"blocks", grid}, {"iterations", p.compute_iterations}}), "time", tc, "ns", rep);
      data.add("sm-scaling", "memory",
               param_string({{"blocks", grid}, {"bytes_per_block", p.memory_bytes_per_block}}), "time", tm,
               "ns", rep);
    }
    std::fprintf(stderr, "  sm-scaling grid %5d: compute %9.1f us, memory %9.1f us (%.1f GB/s)\n", grid,
                 median(compute_times) * 1e-3, median(memory_times) * 1e-3,
                 memory.bytes() / median(memory_times));
  }
}

}  // namespace sharesim::calibrate::cuda
