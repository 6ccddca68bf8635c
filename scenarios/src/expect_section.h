// Reading the top-level `expect:` section of a scenario's YAML tree into Expectations
// (sharesim/scenarios/expect_spec.h). Private to the scenarios library; the loader calls it with
// the value of the `expect` key:
//
//   if (const yaml::YamlNode* expect = root.find("expect")) {
//     auto expectations = detail::read_expect_section(*expect, file);
//     if (!expectations) return expectations.error();
//     scenario.expectations = std::move(*expectations);
//   }
#pragma once

#include <string>
#include <vector>

#include "sharesim/scenarios/expect_spec.h"
#include "sharesim/sim/result.h"
#include "sharesim/yaml/yaml_tree.h"

namespace sharesim::scenarios::detail {

// `expect_value` is the node under the `expect` key: a sequence of scalars (each one expectation),
// or null (no expectations). Anything else, and any malformed item, is an Error with the item's
// file, line and column and the field "expect[<index>]".
Result<std::vector<Expectation>> read_expect_section(const yaml::YamlNode& expect_value,
                                                     const std::string& file);

}  // namespace sharesim::scenarios::detail
