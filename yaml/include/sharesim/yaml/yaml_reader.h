// The typed reading of a located YAML tree (yaml_tree.h): structure checks (a mapping, known keys
// with a "did you mean", required and optional keys, one-of kinds) and typed scalars (strings,
// bounded integers and numbers, booleans, durations, sizes, rates, existing files). Each read_*
// returns false after recording the first error, which names file:line:column, the key path and
// what was expected and found; later failures keep the first error. Section readers (the
// scenario's devices, workloads, ops, arrivals, ...) derive from it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sharesim/sim/result.h"
#include "sharesim/sim/time.h"
#include "sharesim/yaml/yaml_tree.h"

namespace sharesim::yaml {

class YamlReader {
 public:
  // `file` names the document in errors (a node's own origin, e.g. an override, wins); relative
  // file names resolve against `base_dir`.
  YamlReader(std::string file, std::string base_dir)
      : file_(std::move(file)), base_dir_(std::move(base_dir)) {}

  // The first error recorded, if any.
  std::optional<Error> error;

 protected:
  // "a, b, c": for "expected one of" messages.
  static std::string join(const std::vector<std::string_view>& words);
  // Key paths as errors print them: "workloads[0].arrivals.poisson.rate".
  static std::string key_path(const std::string& parent, std::string_view key);
  static std::string index_path(const std::string& parent, size_t i);

  // ---- errors ----
  bool fail(const YamlNode& at, const std::string& path, std::string message);

  // ---- structure ----
  bool expect_map(const YamlNode& node, const std::string& path, std::string_view what);
  // Rejects keys not in `allowed`, suggesting the closest allowed key.
  bool check_keys(const YamlNode& map, const std::string& path, const std::vector<std::string_view>& allowed);
  // The value of an optional key; nullptr when absent or null.
  static const YamlNode* optional(const YamlNode& map, std::string_view key);
  // The value of a required key; nullptr (after recording the error) when absent or null.
  const YamlNode* required(const YamlNode& map, const std::string& path, std::string_view key,
                           std::string_view what);
  // A mapping with exactly one key naming a kind, e.g. {poisson: {...}}. Returns the key's entry.
  const YamlEntry* one_of(const YamlNode& node, const std::string& path, std::string_view what,
                          const std::vector<std::string_view>& kinds);

  // ---- scalars ----
  bool scalar(const YamlNode& node, const std::string& path, std::string_view what);
  bool read_string(const YamlNode& node, const std::string& path, std::string& out, bool allow_empty = false);
  bool read_int(const YamlNode& node, const std::string& path, int64_t lo, int64_t hi, int64_t& out);
  bool read_int(const YamlNode& node, const std::string& path, int lo, int hi, int& out);
  // A number in [lo, hi], or (lo, hi] when `lo_open`.
  bool read_number(const YamlNode& node, const std::string& path, double lo, double hi, bool lo_open,
                   double& out);
  bool read_bool(const YamlNode& node, const std::string& path, bool& out);
  // A duration with a unit; `positive` requires > 0, else >= 0.
  bool read_duration(const YamlNode& node, const std::string& path, bool positive, sim::Time& out);
  // A size such as 600KiB; `positive` requires > 0, else >= 0.
  bool read_bytes(const YamlNode& node, const std::string& path, bool positive, int64_t& out);
  // A rate such as 200/s, at most 1e9/s; `allow_zero` admits 0.
  bool read_rate(const YamlNode& node, const std::string& path, bool allow_zero, double& out);

  // ---- files ----
  // `file` resolved against the base folder (absolute paths stay), normalised.
  std::string resolve(const std::string& file) const;
  // A string naming an existing regular file; `out` is the resolved path.
  bool read_existing_file(const YamlNode& node, const std::string& path, std::string& out);

  std::string file_;
  std::string base_dir_;
};

}  // namespace sharesim::yaml
