// libFuzzer target: the GPU profile loader (models/gpu_profile.h). Any input must give a profile
// or an Error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sharesim/models/gpu_profile.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto profile = sharesim::models::parse_gpu_profile(text, "fuzz-profile.yaml");
  if (profile) {
    // A profile that loads must satisfy the contract the models rely on.
    if (profile->sm_count < 1) __builtin_trap();
    (void)profile->mps_sm_cap(1);
    (void)profile->mps_sm_cap(100);
  } else {
    (void)profile.error().to_string();
  }
  return 0;
}
