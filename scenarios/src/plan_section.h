// Reading the `plan:` node of a scenario's YAML tree into a PlanSpec (plan_spec.h). Private to the
// scenarios library: the loader calls read_plan_section for the top-level `plan` key.
#pragma once

#include <string>

#include "sharesim/scenarios/plan_spec.h"
#include "sharesim/sim/result.h"
#include "sharesim/yaml/yaml_tree.h"

namespace sharesim::scenarios::detail {

// `plan` is the value of the top-level `plan` key; `file` names the scenario in errors (a node
// with a non-empty origin, from a --set override, is named by its origin instead). Every key is
// checked (unknown keys are rejected), every value's type and range; errors carry the key path
// starting at "plan".
Result<PlanSpec> read_plan_section(const yaml::YamlNode& plan, const std::string& file);

}  // namespace sharesim::scenarios::detail
