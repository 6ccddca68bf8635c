#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "nvml.cuh"

namespace sharesim::calibrate::cuda {
namespace {

// From the NVML API reference (nvml.h): return codes are an int enum with NVML_SUCCESS = 0;
// nvmlClockType_t: NVML_CLOCK_GRAPHICS = 0, NVML_CLOCK_SM = 1, NVML_CLOCK_MEM = 2;
// nvmlTemperatureSensors_t: NVML_TEMPERATURE_GPU = 0; nvmlDevice_t is an opaque pointer.
using NvmlReturn = int;
using NvmlDevice = void*;
constexpr NvmlReturn kNvmlSuccess = 0;
constexpr int kClockSm = 1;
constexpr int kClockMemory = 2;
constexpr int kTemperatureGpu = 0;

template <class F>
F symbol(void* library, const char* name) {
  return reinterpret_cast<F>(dlsym(library, name));
}

}  // namespace

struct Nvml::Api {
  NvmlReturn (*init)() = nullptr;                                             // nvmlInit_v2
  NvmlReturn (*shutdown)() = nullptr;                                         // nvmlShutdown
  NvmlReturn (*by_pci_bus_id)(const char*, NvmlDevice*) = nullptr;            // ..._v2
  NvmlReturn (*clock)(NvmlDevice, int, unsigned*) = nullptr;                  // nvmlDeviceGetClockInfo
  NvmlReturn (*max_clock)(NvmlDevice, int, unsigned*) = nullptr;              // nvmlDeviceGetMaxClockInfo
  NvmlReturn (*application_clock)(NvmlDevice, int, unsigned*) = nullptr;      // ...ApplicationsClock
  NvmlReturn (*throttle_reasons)(NvmlDevice, unsigned long long*) = nullptr;  // ...ClocksThrottleReasons
  NvmlReturn (*power)(NvmlDevice, unsigned*) = nullptr;                       // nvmlDeviceGetPowerUsage
  NvmlReturn (*temperature)(NvmlDevice, int, unsigned*) = nullptr;            // nvmlDeviceGetTemperature
  const char* (*error_string)(NvmlReturn) = nullptr;                          // nvmlErrorString
};

std::unique_ptr<Nvml> Nvml::open(const std::string& pci_bus_id, std::string& why) {
  void* library = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    const char* error = dlerror();
    why = std::string("dlopen libnvidia-ml.so.1: ") + (error != nullptr ? error : "failed");
    return nullptr;
  }
  auto api = std::make_unique<Api>();
  api->init = symbol<decltype(api->init)>(library, "nvmlInit_v2");
  api->shutdown = symbol<decltype(api->shutdown)>(library, "nvmlShutdown");
  api->by_pci_bus_id = symbol<decltype(api->by_pci_bus_id)>(library, "nvmlDeviceGetHandleByPciBusId_v2");
  api->clock = symbol<decltype(api->clock)>(library, "nvmlDeviceGetClockInfo");
  api->max_clock = symbol<decltype(api->max_clock)>(library, "nvmlDeviceGetMaxClockInfo");
  api->application_clock =
      symbol<decltype(api->application_clock)>(library, "nvmlDeviceGetApplicationsClock");
  api->throttle_reasons =
      symbol<decltype(api->throttle_reasons)>(library, "nvmlDeviceGetCurrentClocksThrottleReasons");
  api->power = symbol<decltype(api->power)>(library, "nvmlDeviceGetPowerUsage");
  api->temperature = symbol<decltype(api->temperature)>(library, "nvmlDeviceGetTemperature");
  api->error_string = symbol<decltype(api->error_string)>(library, "nvmlErrorString");
  if (api->init == nullptr || api->shutdown == nullptr || api->by_pci_bus_id == nullptr ||
      api->clock == nullptr) {
    why = "libnvidia-ml.so.1 lacks nvmlInit_v2, nvmlDeviceGetHandleByPciBusId_v2 or nvmlDeviceGetClockInfo";
    dlclose(library);
    return nullptr;
  }
  auto describe = [&](NvmlReturn r) {
    return api->error_string != nullptr ? std::string(api->error_string(r)) : "error " + std::to_string(r);
  };
  if (NvmlReturn r = api->init(); r != kNvmlSuccess) {
    why = "nvmlInit_v2: " + describe(r);
    dlclose(library);
    return nullptr;
  }
  NvmlDevice device = nullptr;
  if (NvmlReturn r = api->by_pci_bus_id(pci_bus_id.c_str(), &device); r != kNvmlSuccess) {
    why = "nvmlDeviceGetHandleByPciBusId_v2(" + pci_bus_id + "): " + describe(r);
    api->shutdown();
    dlclose(library);
    return nullptr;
  }
  std::unique_ptr<Nvml> nvml(new Nvml());  // private constructor: make_unique cannot reach it
  nvml->library_ = library;
  nvml->device_ = device;
  nvml->api_ = std::move(api);
  return nvml;
}

Nvml::~Nvml() {
  if (api_ != nullptr) api_->shutdown();
  if (library_ != nullptr) dlclose(library_);
}

ClockSample Nvml::sample() const {
  ClockSample s;
  if (api_->clock(device_, kClockSm, &s.sm_mhz) != kNvmlSuccess) s.sm_mhz = 0;
  if (api_->clock(device_, kClockMemory, &s.memory_mhz) != kNvmlSuccess) s.memory_mhz = 0;
  if (api_->throttle_reasons == nullptr ||
      api_->throttle_reasons(device_, &s.throttle_reasons) != kNvmlSuccess)
    s.throttle_reasons = 0;
  if (api_->power == nullptr || api_->power(device_, &s.power_mw) != kNvmlSuccess) s.power_mw = 0;
  if (api_->temperature == nullptr ||
      api_->temperature(device_, kTemperatureGpu, &s.temperature_c) != kNvmlSuccess)
    s.temperature_c = 0;
  return s;
}

unsigned Nvml::max_sm_mhz() const {
  unsigned v = 0;
  return api_->max_clock != nullptr && api_->max_clock(device_, kClockSm, &v) == kNvmlSuccess ? v : 0;
}

unsigned Nvml::max_memory_mhz() const {
  unsigned v = 0;
  return api_->max_clock != nullptr && api_->max_clock(device_, kClockMemory, &v) == kNvmlSuccess ? v : 0;
}

unsigned Nvml::application_sm_mhz() const {
  unsigned v = 0;
  return api_->application_clock != nullptr && api_->application_clock(device_, kClockSm, &v) == kNvmlSuccess
             ? v
             : 0;
}

void ClockSampler::start() {
  if (nvml_ == nullptr || running_) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    samples_.clear();
  }
  running_ = true;
  thread_ = std::thread([this] {
    while (running_) {
      ClockSample s = nvml_->sample();
      {
        std::lock_guard<std::mutex> lock(mutex_);
        samples_.push_back(s);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(period_ms_));
    }
  });
}

std::vector<ClockSample> ClockSampler::stop() {
  if (running_) {
    running_ = false;
    thread_.join();
  }
  std::lock_guard<std::mutex> lock(mutex_);
  return samples_;
}

void record_clocks(const std::string& suite, const std::vector<ClockSample>& samples, RawData& data) {
  const std::string prefix = "clock." + suite + ".";
  data.set_header(prefix + "samples", std::to_string(samples.size()));
  if (samples.empty()) return;
  auto median_of = [&](auto field) {
    std::vector<unsigned> v;
    for (const ClockSample& s : samples) v.push_back(s.*field);
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  auto extreme = [&](auto field, bool largest) {
    unsigned best = samples.front().*field;
    for (const ClockSample& s : samples) best = largest ? std::max(best, s.*field) : std::min(best, s.*field);
    return best;
  };
  unsigned long long reasons = 0;
  for (const ClockSample& s : samples) reasons |= s.throttle_reasons;
  char hex[32];
  std::snprintf(hex, sizeof hex, "0x%llx", reasons);
  data.set_header(prefix + "sm_mhz_median", std::to_string(median_of(&ClockSample::sm_mhz)));
  data.set_header(prefix + "sm_mhz_min", std::to_string(extreme(&ClockSample::sm_mhz, false)));
  data.set_header(prefix + "sm_mhz_max", std::to_string(extreme(&ClockSample::sm_mhz, true)));
  data.set_header(prefix + "memory_mhz_median", std::to_string(median_of(&ClockSample::memory_mhz)));
  data.set_header(prefix + "throttle_reasons", hex);
  data.set_header(prefix + "power_w_max", std::to_string(extreme(&ClockSample::power_mw, true) / 1000));
  data.set_header(prefix + "temperature_c_max", std::to_string(extreme(&ClockSample::temperature_c, true)));
}

}  // namespace sharesim::calibrate::cuda
