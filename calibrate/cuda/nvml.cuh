// The GPU's clocks through NVML, the driver's management library, so each measurement says which
// clock it ran at (issue 19). libnvidia-ml.so.1 is opened at run time (dlopen), not linked: it
// ships with the driver, not with the CUDA toolkit (this toolkit has neither nvml.h nor its
// stub), and a binary linked to it would not even start on a machine without the driver, where
// sharesim-calibrate must say "no CUDA device" instead. The few NVML functions used are declared
// in nvml.cu from the NVML API reference; their C ABI is stable across drivers.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "sharesim/calibrate/raw_csv.h"

namespace sharesim::calibrate::cuda {

struct ClockSample {
  unsigned sm_mhz = 0;
  unsigned memory_mhz = 0;
  unsigned long long throttle_reasons = 0;  // nvmlClocksThrottleReasons bit mask (0: none)
  unsigned power_mw = 0;
  unsigned temperature_c = 0;
};

class Nvml {
 public:
  // NVML for the CUDA device with PCI bus id `pci_bus_id` (cudaDeviceGetPCIBusId), or nullptr
  // with `why` set when the library or the device cannot be had.
  static std::unique_ptr<Nvml> open(const std::string& pci_bus_id, std::string& why);
  ~Nvml();
  Nvml(const Nvml&) = delete;
  Nvml& operator=(const Nvml&) = delete;

  // Current clocks, power, temperature; fields NVML cannot read stay 0.
  [[nodiscard]] ClockSample sample() const;
  // Maximum and application clocks (MHz; 0 when unknown).
  [[nodiscard]] unsigned max_sm_mhz() const;
  [[nodiscard]] unsigned max_memory_mhz() const;
  [[nodiscard]] unsigned application_sm_mhz() const;

  struct Api;  // the functions found in the library (nvml.cu)

 private:
  Nvml() = default;
  void* library_ = nullptr;
  void* device_ = nullptr;  // nvmlDevice_t
  std::unique_ptr<Api> api_;
};

// Samples the clocks every `period_ms` on a thread of its own between start() and stop(), so a
// suite's rows can say what the GPU ran at while they were measured.
class ClockSampler {
 public:
  ClockSampler(const Nvml* nvml, int period_ms) : nvml_(nvml), period_ms_(period_ms) {}
  ~ClockSampler() { stop(); }
  ClockSampler(const ClockSampler&) = delete;
  ClockSampler& operator=(const ClockSampler&) = delete;

  void start();
  // Stops and returns the samples taken since start() (empty without NVML).
  std::vector<ClockSample> stop();

 private:
  const Nvml* nvml_;
  int period_ms_;
  std::atomic<bool> running_{false};
  std::thread thread_;
  std::mutex mutex_;
  std::vector<ClockSample> samples_;
};

// Writes "clock.<suite>.sm_mhz_median", _min, _max, "clock.<suite>.memory_mhz_median",
// "clock.<suite>.throttle_reasons" (the OR of every sample, hex), power_w_max, temperature_c_max
// and "clock.<suite>.samples" into the CSV header.
void record_clocks(const std::string& suite, const std::vector<ClockSample>& samples, RawData& data);

}  // namespace sharesim::calibrate::cuda
