// The scenario loader's hooks wired to the models: the device claim rules (so a claim-order error
// comes from load_scenario with file and line) and the GPU profiles' throughput figures and SM
// limits (for rescaling kernel profiles and reading nsys exports).
#pragma once

#include <string>
#include <vector>

#include "sharesim/scenarios/loader.h"

namespace sharesim::run {

scenarios::LoadOptions default_load_options(std::vector<std::string> overrides = {});

}  // namespace sharesim::run
