// Suite launch: host cost of launches, GPU-side gaps between back-to-back kernels, one empty kernel.
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

void run_launch(const Plan& plan, RawData& data) {
  Stream stream;
  // Host-side cost of launching empty kernels back to back, and their throughput.
  for (int rep = -1; rep < plan.launch.host_reps; ++rep) {
    CUDA_CHECK(cudaStreamSynchronize(stream.stream));
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < plan.launch.host_launches; ++i) launch_empty(stream.stream);
    CUDA_CHECK_LAUNCH();
    auto t1 = std::chrono::steady_clock::now();
    CUDA_CHECK(cudaStreamSynchronize(stream.stream));
    auto t2 = std::chrono::steady_clock::now();
    if (rep < 0) continue;
    const double n = plan.launch.host_launches;
    const std::string param = param_string({{"kernels", plan.launch.host_launches}});
    data.add("launch", "host_launch", param, "time_per_launch",
             static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count()) / n,
             "ns", rep);
    data.add("launch", "host_launch", param, "time_per_kernel",
             static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(t2 - t0).count()) / n,
             "ns", rep);
  }
  // GPU-side gaps between consecutive kernels of one stream.
  const int kernels = plan.launch.gap_kernels;
  DeviceBuffer stamps(sizeof(unsigned long long) * 2 * static_cast<size_t>(kernels));
  std::vector<double> gaps;
  int64_t item = 0;
  for (int rep = -1; rep < plan.launch.gap_reps; ++rep) {
    for (int k = 0; k < kernels; ++k) launch_stamp(stamps.as<unsigned long long>(), k, stream.stream);
    CUDA_CHECK_LAUNCH();
    CUDA_CHECK(cudaStreamSynchronize(stream.stream));
    std::vector<unsigned long long> host(2 * static_cast<size_t>(kernels));
    CUDA_CHECK(cudaMemcpy(host.data(), stamps.ptr, host.size() * sizeof host[0], cudaMemcpyDeviceToHost));
    if (rep < 0) continue;
    for (int k = 1; k < kernels; ++k) {
      double gap = static_cast<double>(host[2 * static_cast<size_t>(k)]) -
                   static_cast<double>(host[2 * static_cast<size_t>(k) - 1]);
      gaps.push_back(gap);
      data.add("launch", "back_to_back", param_string({{"kernels", kernels}}), "gap", gap, "ns", item++);
    }
  }
  // One empty kernel timed with events.
  Event start, stop;
  std::vector<double> single;
  for (int rep = -3; rep < plan.launch.event_reps; ++rep) {
    CUDA_CHECK(cudaEventRecord(start.event, stream.stream));
    launch_empty(stream.stream);
    CUDA_CHECK_LAUNCH();
    CUDA_CHECK(cudaEventRecord(stop.event, stream.stream));
    CUDA_CHECK(cudaEventSynchronize(stop.event));
    if (rep < 0) continue;
    double ns = elapsed_ns(start, stop);
    single.push_back(ns);
    data.add("launch", "empty_kernel", param_string({{"kernels", 1}}), "time", ns, "ns", rep);
  }
  std::fprintf(stderr, "  launch: back-to-back gap median %.0f ns, empty kernel (events) median %.0f ns\n",
               median(gaps), median(single));

  // Host ahead: spinning kernels launched back to back; the host time of every launch call, and
  // the GPU-side gaps (plan.h).
  {
    const LaunchPlan& p = plan.launch;
    Stamps ahead(p.ahead_kernels);
    std::vector<double> calls(static_cast<size_t>(p.ahead_kernels));
    CUDA_CHECK(cudaStreamSynchronize(stream.stream));
    for (int k = 0; k < p.ahead_kernels; ++k) {
      const auto t0 = std::chrono::steady_clock::now();
      launch_spin(static_cast<uint64_t>(p.spin_ns), ahead.buffer.as<unsigned long long>(), k, stream.stream);
      const auto t1 = std::chrono::steady_clock::now();
      calls[static_cast<size_t>(k)] =
          static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
    }
    CUDA_CHECK_LAUNCH();
    CUDA_CHECK(cudaStreamSynchronize(stream.stream));
    const std::vector<unsigned long long> ahead_stamps = ahead.read();
    const std::string param = param_string({{"kernels", p.ahead_kernels}, {"spin_ns", p.spin_ns}});
    std::vector<double> ahead_gaps;
    for (int k = 0; k < p.ahead_kernels; ++k) {
      data.add("launch", "ahead", param, "call_time", std::max(1.0, calls[static_cast<size_t>(k)]), "ns", k);
      if (k == 0) continue;
      const double gap = static_cast<double>(ahead_stamps[2 * static_cast<size_t>(k)]) -
                         static_cast<double>(ahead_stamps[2 * static_cast<size_t>(k) - 1]);
      ahead_gaps.push_back(gap);
      data.add("launch", "ahead", param, "gap", std::max(0.0, gap), "ns", k - 1);
    }
    std::fprintf(stderr, "  launch: host ahead of %lld-ns kernels: gap median %.0f ns\n",
                 static_cast<long long>(p.spin_ns), median(ahead_gaps));
  }
  // A synchronising host: launch, synchronize, launch; the gaps between consecutive kernels.
  {
    const LaunchPlan& p = plan.launch;
    Stamps sync_stamps(p.sync_kernels);
    int64_t sync_item = 0;
    for (int rep = -1; rep < p.sync_reps; ++rep) {
      for (int k = 0; k < p.sync_kernels; ++k) {
        launch_stamp(sync_stamps.buffer.as<unsigned long long>(), k, stream.stream);
        CUDA_CHECK_LAUNCH();
        CUDA_CHECK(cudaStreamSynchronize(stream.stream));
      }
      const std::vector<unsigned long long> host = sync_stamps.read();
      if (rep < 0) continue;
      for (int k = 1; k < p.sync_kernels; ++k) {
        const double gap = static_cast<double>(host[2 * static_cast<size_t>(k)]) -
                           static_cast<double>(host[2 * static_cast<size_t>(k) - 1]);
        data.add("launch", "sync", param_string({{"kernels", p.sync_kernels}}), "gap", std::max(0.0, gap),
                 "ns", sync_item++);
      }
    }
  }
}

}  // namespace sharesim::calibrate::cuda
