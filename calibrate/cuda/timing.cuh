// Shared by the suites: RAII holders for CUDA resources (errors on release are reported, not
// ignored), event timing, per-launch %globaltimer stamps, and the median of repetitions.
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "check.cuh"

namespace sharesim::calibrate::cuda {

inline double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

struct DeviceBuffer {
  void* ptr = nullptr;
  explicit DeviceBuffer(size_t bytes) { CUDA_CHECK(cudaMalloc(&ptr, bytes)); }
  ~DeviceBuffer() {
    if (ptr != nullptr) CUDA_CHECK(cudaFree(ptr));
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  template <class T>
  T* as() const {
    return static_cast<T*>(ptr);
  }
};

struct PinnedBuffer {
  void* ptr = nullptr;
  explicit PinnedBuffer(size_t bytes) {
    CUDA_CHECK(cudaMallocHost(&ptr, bytes));
    std::memset(ptr, 1, bytes);
  }
  ~PinnedBuffer() {
    if (ptr != nullptr) CUDA_CHECK(cudaFreeHost(ptr));
  }
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;
};

struct Stream {
  cudaStream_t stream = nullptr;
  Stream() { CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking)); }
  ~Stream() { CUDA_CHECK(cudaStreamDestroy(stream)); }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
};

struct Event {
  cudaEvent_t event = nullptr;
  Event() { CUDA_CHECK(cudaEventCreate(&event)); }
  ~Event() { CUDA_CHECK(cudaEventDestroy(event)); }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
};

inline double elapsed_ns(const Event& start, const Event& stop) {
  float ms = 0;
  CUDA_CHECK(cudaEventElapsedTime(&ms, start.event, stop.event));
  return static_cast<double>(ms) * 1e6;
}

// Stamps for `launches` kernels: starts at UINT64_MAX, ends at 0 (see stamp_block_start/end).
struct Stamps {
  int launches;
  DeviceBuffer buffer;
  explicit Stamps(int n) : launches(n), buffer(sizeof(unsigned long long) * 2 * static_cast<size_t>(n)) {
    reset();
  }
  void reset() {
    std::vector<unsigned long long> init(2 * static_cast<size_t>(launches), 0);
    for (int k = 0; k < launches; ++k)
      init[2 * static_cast<size_t>(k)] = std::numeric_limits<unsigned long long>::max();
    CUDA_CHECK(cudaMemcpy(buffer.ptr, init.data(), init.size() * sizeof init[0], cudaMemcpyHostToDevice));
  }
  std::vector<unsigned long long> read() const {
    std::vector<unsigned long long> host(2 * static_cast<size_t>(launches));
    CUDA_CHECK(cudaMemcpy(host.data(), buffer.ptr, host.size() * sizeof host[0], cudaMemcpyDeviceToHost));
    return host;
  }
};

}  // namespace sharesim::calibrate::cuda
