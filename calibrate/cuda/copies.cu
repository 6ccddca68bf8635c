// Suite copies: host-device copies of every size, direction and host memory kind.
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

void run_copies(const Plan& plan, RawData& data) {
  const int64_t max_bytes = plan.copies.sizes_bytes.back();
  const auto max_size = static_cast<size_t>(max_bytes);
  DeviceBuffer device(max_size);
  PinnedBuffer pinned(max_size);
  std::vector<char> pageable(max_size, 1);  // touched, so its pages are resident
  Stream stream;
  Event start, stop;
  for (bool h2d : {true, false}) {
    for (bool is_pinned : {true, false}) {
      void* host = is_pinned ? pinned.ptr : static_cast<void*>(pageable.data());
      const std::string case_name = copy_case_name(h2d, is_pinned);
      for (int64_t bytes : plan.copies.sizes_bytes) {
        const auto size = static_cast<size_t>(bytes);
        std::vector<double> times;
        for (int rep = -plan.copies.warmup; rep < plan.copies.reps; ++rep) {
          CUDA_CHECK(cudaEventRecord(start.event, stream.stream));
          if (h2d) {
            CUDA_CHECK(cudaMemcpyAsync(device.ptr, host, size, cudaMemcpyHostToDevice, stream.stream));
          } else {
            CUDA_CHECK(cudaMemcpyAsync(host, device.ptr, size, cudaMemcpyDeviceToHost, stream.stream));
          }
          CUDA_CHECK(cudaEventRecord(stop.event, stream.stream));
          CUDA_CHECK(cudaEventSynchronize(stop.event));
          if (rep < 0) continue;
          double ns = elapsed_ns(start, stop);
          times.push_back(ns);
          data.add("copies", case_name, param_string({{"bytes", bytes}}), "time", ns, "ns", rep);
        }
        double t = median(times);
        std::fprintf(stderr, "  copies %-12s %10lld B  median %10.1f us  %7.2f GB/s\n", case_name.c_str(),
                     static_cast<long long>(bytes), t * 1e-3, static_cast<double>(bytes) / t);
      }
    }
  }
}

}  // namespace sharesim::calibrate::cuda
