// libFuzzer target: the scenario loader (YAML tree builder, overrides, validation, expectations,
// and the device claim rules the CLI wires in). Any input must give a Scenario or an Error: a
// crash, a sanitizer report, a leak or an exception escaping the loader is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sharesim/run/load_options.h"
#include "sharesim/scenarios/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // Relative trace and profile paths resolve against a folder that does not exist, so file
  // reads fail quickly with an Error instead of touching the disk.
  static const sharesim::scenarios::LoadOptions options = sharesim::run::default_load_options();
  auto scenario =
      sharesim::scenarios::load_scenario_text(text, "fuzz.yaml", "/nonexistent-sharesim-fuzz", options);
  if (!scenario) (void)scenario.error().to_string();
  return 0;
}
