#include "sharesim/run/load_options.h"

#include "run_steps.h"

namespace sharesim::run {

scenarios::LoadOptions default_load_options(std::vector<std::string> overrides) {
  scenarios::LoadOptions options;
  options.overrides = std::move(overrides);
  options.check_device = [](const scenarios::DeviceSpec& device) -> Status {
    auto claims = detail::claim_device(device, nullptr);
    if (!claims) return claims.error();
    return Ok{};
  };
  options.gpu_throughput = [](const std::string& name_or_path,
                              const std::string& base_dir) -> std::optional<scenarios::GpuThroughput> {
    auto profile = models::resolve_gpu_profile(name_or_path, base_dir);
    if (!profile) return std::nullopt;
    return scenarios::GpuThroughput{profile->sm_count,
                                    profile->boost_clock_mhz * profile->sustained_clock_factor / 1000.0,
                                    profile->dram_bandwidth_nominal / 1e9};
  };
  options.sm_limits = [](const std::string& name_or_path,
                         const std::string& base_dir) -> std::optional<scenarios::SmLimits> {
    auto profile = models::resolve_gpu_profile(name_or_path, base_dir);
    if (!profile) return std::nullopt;
    return scenarios::SmLimits{profile->sm_count, profile->max_threads_per_sm, profile->max_blocks_per_sm};
  };
  return options;
}

}  // namespace sharesim::run
