// Suite overlap: a kernel and copies in both directions, alone and on three streams together.
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

void run_overlap(const Plan& plan, RawData& data) {
  const OverlapPlan& p = plan.overlap;
  const auto bytes = static_cast<size_t>(p.copy_bytes);
  DeviceBuffer sink(sizeof(float) * static_cast<size_t>(p.kernel.blocks));
  DeviceBuffer device_in(bytes), device_out(bytes);
  PinnedBuffer host_in(bytes), host_out(bytes);
  Stream s_kernel, s_h2d, s_d2h;
  Event start, stop, k_end, h_end, d_end;
  const std::string param = param_string(
      {{"bytes", p.copy_bytes}, {"blocks", p.kernel.blocks}, {"iterations", p.kernel.iterations}});
  auto time_alone = [&](int which) {
    CUDA_CHECK(cudaEventRecord(start.event, s_kernel.stream));
    if (which == 0) launch_compute(p.kernel, sink.as<float>(), nullptr, 0, s_kernel.stream);
    if (which == 1)
      CUDA_CHECK(cudaMemcpyAsync(device_in.ptr, host_in.ptr, bytes, cudaMemcpyHostToDevice, s_kernel.stream));
    if (which == 2)
      CUDA_CHECK(
          cudaMemcpyAsync(host_out.ptr, device_out.ptr, bytes, cudaMemcpyDeviceToHost, s_kernel.stream));
    CUDA_CHECK(cudaEventRecord(stop.event, s_kernel.stream));
    CUDA_CHECK(cudaEventSynchronize(stop.event));
    return elapsed_ns(start, stop);
  };
  const char* alone_cases[] = {"kernel_alone", "h2d_alone", "d2h_alone"};
  for (int rep = -1; rep < p.reps; ++rep) {
    for (int which = 0; which < 3; ++which) {
      double ns = time_alone(which);
      if (rep >= 0) data.add("overlap", alone_cases[which], param, "time", ns, "ns", rep);
    }
    // All three at once on separate streams, released together by one event.
    CUDA_CHECK(cudaEventRecord(start.event, s_kernel.stream));
    CUDA_CHECK(cudaStreamWaitEvent(s_h2d.stream, start.event, 0));
    CUDA_CHECK(cudaStreamWaitEvent(s_d2h.stream, start.event, 0));
    launch_compute(p.kernel, sink.as<float>(), nullptr, 0, s_kernel.stream);
    CUDA_CHECK(cudaMemcpyAsync(device_in.ptr, host_in.ptr, bytes, cudaMemcpyHostToDevice, s_h2d.stream));
    CUDA_CHECK(cudaMemcpyAsync(host_out.ptr, device_out.ptr, bytes, cudaMemcpyDeviceToHost, s_d2h.stream));
    CUDA_CHECK(cudaEventRecord(k_end.event, s_kernel.stream));
    CUDA_CHECK(cudaEventRecord(h_end.event, s_h2d.stream));
    CUDA_CHECK(cudaEventRecord(d_end.event, s_d2h.stream));
    CUDA_CHECK(cudaDeviceSynchronize());
    double tk = elapsed_ns(start, k_end), th = elapsed_ns(start, h_end), td = elapsed_ns(start, d_end);
    if (rep < 0) continue;
    data.add("overlap", "together", param, "kernel_time", tk, "ns", rep);
    data.add("overlap", "together", param, "h2d_time", th, "ns", rep);
    data.add("overlap", "together", param, "d2h_time", td, "ns", rep);
    data.add("overlap", "together", param, "total_time", std::max({tk, th, td}), "ns", rep);
  }
  std::fprintf(stderr, "  overlap: recorded %d repetitions\n", p.reps);
}

}  // namespace sharesim::calibrate::cuda
