// `--set key.path=value` overrides, applied to the YAML tree before validation. Private.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "sharesim/sim/result.h"
#include "sharesim/yaml/yaml_tree.h"

namespace sharesim::scenarios::detail {

// "a.b[0].c=value" -> {"a.b[0].c", "value"} (both trimmed). Errors name the override.
Result<std::pair<std::string, std::string>> split_override(std::string_view text);

// Replaces the node at the override's path with its value (parsed as YAML). Path segments are
// keys of mappings, `[i]` list indices, or, inside a list, the `name` of an item. Every segment
// must exist except the last key, which may be added to an existing mapping. The new nodes carry
// origin "--set <text>" so later validation errors name the override.
Status apply_override(yaml::YamlNode& root, std::string_view text);

}  // namespace sharesim::scenarios::detail
