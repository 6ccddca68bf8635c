#include <sys/stat.h>

#include <cstdlib>
#include <ctime>
#include <string>

#include "check.cuh"
#include "device.cuh"

namespace sharesim::calibrate::cuda {

const char* compute_mode_name(int mode) {
  switch (mode) {
    case cudaComputeModeDefault:
      return "default";
    case cudaComputeModeExclusiveProcess:
      return "exclusive_process";
    case cudaComputeModeProhibited:
      return "prohibited";
    default:
      return "unknown";
  }
}

namespace {

bool mps_control_pipe_exists() {
  const char* dir = std::getenv("CUDA_MPS_PIPE_DIRECTORY");
  std::string path = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp/nvidia-mps") + "/control";
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISFIFO(st.st_mode);
}

}  // namespace

DeviceInfo query_device(const Options& options) {
  int count = 0;
  cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess || count == 0) {
    std::string why = status != cudaSuccess
                          ? std::string(cudaGetErrorName(status)) + ": " + cudaGetErrorString(status)
                          : std::string("no devices");
    fail(
        "no CUDA device available (cudaGetDeviceCount: " + why +
        "); run sharesim-calibrate on a machine with an NVIDIA GPU and its driver (see docs/calibration.md)");
  }
  if (options.device < 0 || options.device >= count) {
    fail("--device " + std::to_string(options.device) + " does not exist (this machine has " +
         std::to_string(count) + " CUDA device(s), numbered from 0)");
  }
  CUDA_CHECK(cudaSetDevice(options.device));
  DeviceInfo info;
  CUDA_CHECK(cudaGetDeviceProperties(&info.prop, options.device));
  CUDA_CHECK(cudaDeviceGetAttribute(&info.clock_khz, cudaDevAttrClockRate, options.device));
  CUDA_CHECK(cudaDeviceGetAttribute(&info.memory_clock_khz, cudaDevAttrMemoryClockRate, options.device));
  CUDA_CHECK(cudaDeviceGetAttribute(&info.compute_mode, cudaDevAttrComputeMode, options.device));
  CUDA_CHECK(cudaDriverGetVersion(&info.driver_version));
  CUDA_CHECK(cudaRuntimeGetVersion(&info.runtime_version));
  char bus_id[64] = {};
  CUDA_CHECK(cudaDeviceGetPCIBusId(bus_id, sizeof bus_id, options.device));
  info.pci_bus_id = bus_id;
  info.mps_control_pipe = mps_control_pipe_exists();
  info.mps = options.mps == "on";
  if (options.mps != "auto") info.mps_detection = "--mps " + options.mps;
  return info;
}

void record_device(const DeviceInfo& info, const Options& options, RawData& data) {
  const cudaDeviceProp& p = info.prop;
  data.set_header(kHeaderDeviceName, p.name);
  data.set_header(kHeaderSmCount, std::to_string(p.multiProcessorCount));
  data.set_header(kHeaderComputeCapability, std::to_string(p.major) + "." + std::to_string(p.minor));
  data.set_header(kHeaderFp32LanesPerSm, std::to_string(fp32_lanes_per_sm(p.major, p.minor)));
  data.set_header(kHeaderClockMhz, std::to_string(info.clock_khz / 1000));
  data.set_header(kHeaderMemoryClockMhz, std::to_string(info.memory_clock_khz / 1000));
  data.set_header(kHeaderMemoryBusBits, std::to_string(p.memoryBusWidth));
  // Two transfers per memory clock on the bus, as CUDA's bandwidthTest and deviceQuery compute it.
  const double peak_gbps = 2.0 * info.memory_clock_khz * 1e3 * (p.memoryBusWidth / 8.0) / 1e9;
  data.set_header(kHeaderDramPeakGbps, std::to_string(static_cast<long long>(peak_gbps + 0.5)));
  data.set_header(kHeaderMemoryBytes, std::to_string(p.totalGlobalMem));
  data.set_header(kHeaderAsyncEngines, std::to_string(p.asyncEngineCount));
  data.set_header(kHeaderDriverVersion, std::to_string(info.driver_version));
  data.set_header(kHeaderRuntimeVersion, std::to_string(info.runtime_version));
  data.set_header(kHeaderMps, info.mps ? "on" : "off");
  data.set_header("device.mps_detection", info.mps_detection);
  data.set_header("device.mps_control_pipe", info.mps_control_pipe ? "present" : "absent");
  data.set_header("device.pci_bus_id", info.pci_bus_id);
  data.set_header(kHeaderComputeMode, compute_mode_name(info.compute_mode));
  data.set_header(kHeaderTool, std::string(kProgram) + " 0.1.0");
  // When it ran (UTC), so a committed CSV names its GPU, driver and date by itself.
  const std::time_t now = std::time(nullptr);
  char date[32] = "unknown";
  if (std::tm utc{}; gmtime_r(&now, &utc) != nullptr)
    std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &utc);
  data.set_header("run.date_utc", date);
  std::string suites;
  for (SuiteId suite : options.suites) {
    if (!suites.empty()) suites += ',';
    suites += suite_name(suite);
  }
  data.set_header(kHeaderSuites, suites);
}

}  // namespace sharesim::calibrate::cuda
