// What the program records about the GPU it measures (the CSV header) and whether MPS serves it.
#pragma once

#include <cuda_runtime.h>

#include <string>

#include "options.cuh"
#include "sharesim/calibrate/raw_csv.h"

namespace sharesim::calibrate::cuda {

struct DeviceInfo {
  cudaDeviceProp prop{};
  int clock_khz = 0;
  int memory_clock_khz = 0;
  int driver_version = 0;
  int runtime_version = 0;
  int compute_mode = 0;           // cudaComputeMode
  bool mps = false;               // decided by --mps on/off, or by the overlap probe (auto)
  bool mps_control_pipe = false;  // $CUDA_MPS_PIPE_DIRECTORY/control (or /tmp/nvidia-mps) exists
  std::string mps_detection;      // how `mps` was decided, for the CSV header
  std::string pci_bus_id;         // cudaDeviceGetPCIBusId, for NVML
};

const char* compute_mode_name(int mode);
// Selects options.device and queries it; fails (exit 1) without a usable GPU. With --mps auto,
// `mps` is left for the overlap probe (sharing.cu, probe_mps) to decide.
DeviceInfo query_device(const Options& options);
// Writes the device facts and the suites run into the CSV header.
void record_device(const DeviceInfo& info, const Options& options, RawData& data);

}  // namespace sharesim::calibrate::cuda
