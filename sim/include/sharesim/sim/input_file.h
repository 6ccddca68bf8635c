// Reading an input file whole, with the checks every reader needs: a folder is refused (an
// ifstream opens a folder and reads it as empty, so `sharesim run OUT/` used to say "empty file"),
// and so is anything larger than a limit, so that `sharesim run /dev/zero` is an error after
// max_bytes instead of an abort when memory runs out. Errors name the path.
#pragma once

#include <cstdint>
#include <string>

#include "sharesim/sim/result.h"

namespace sharesim::sim {

// Limits per kind of input (docs/hardening.md, "Limits"): hand-written YAML is small; CSV traces
// and profiles may be large.
inline constexpr int64_t kMaxYamlInputBytes = int64_t{64} << 20;      // 64 MiB
inline constexpr int64_t kMaxCsvInputBytes = int64_t{1} << 30;        // 1 GiB: line numbers stay in an int
inline constexpr int64_t kMaxResultsInputBytes = int64_t{256} << 20;  // results.json, shards: 256 MiB

// `what` names the expected content in messages ("a scenario", "a results.json from 'sharesim run'").
Result<std::string> read_input_file(const std::string& path, const std::string& what, int64_t max_bytes);

}  // namespace sharesim::sim
