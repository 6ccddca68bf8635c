// A YAML document as a plain tree that remembers where every node came from.
//
// yaml-cpp's Node API forgets duplicate keys (the last one silently wins) and the position of
// keys; this tree is built from yaml-cpp's event parser instead, so a duplicate key is an error
// naming both places, and every error can point at the key or value the user wrote.
// Used by the scenario loader (scenarios/) and the GPU profile loader (models/).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sharesim/sim/result.h"

namespace sharesim::yaml {

struct YamlEntry;

struct YamlNode {
  enum class Kind { kNull, kScalar, kSequence, kMap };

  Kind kind = Kind::kNull;
  std::string value;    // scalar text as written (without quotes)
  bool quoted = false;  // a quoted or block scalar ("20", '20'): a string, never a number
  int line = 0;         // 1-based position of the node's first character
  int column = 0;
  // Where the node was written: "" for the document being parsed, or e.g. "--set a.b=1" for a
  // node that came from a command-line override (positions are then within that text).
  std::string origin;

  std::vector<YamlNode> items;  // kSequence
  // kMap: (key, value), in file order. A named struct, not std::pair: std::pair<YamlNode, YamlNode>
  // inside YamlNode is instantiated while YamlNode is incomplete, which clang with libstdc++
  // rejects (the fuzz build uses clang).
  std::vector<YamlEntry> entries;

  [[nodiscard]] bool is_null() const { return kind == Kind::kNull; }
  [[nodiscard]] bool is_scalar() const { return kind == Kind::kScalar; }
  [[nodiscard]] bool is_sequence() const { return kind == Kind::kSequence; }
  [[nodiscard]] bool is_map() const { return kind == Kind::kMap; }

  // The value of key `key` in a map, or nullptr (also when this is not a map).
  [[nodiscard]] const YamlNode* find(std::string_view key) const;
  [[nodiscard]] YamlNode* find(std::string_view key);
  // "a mapping", "a sequence", "the scalar '3ms'", "nothing (null)": for "found ..." messages.
  [[nodiscard]] std::string describe() const;
};

// One key and its value in a mapping (members named as std::pair's, for structured bindings).
struct YamlEntry {
  YamlNode first;   // the key: a scalar
  YamlNode second;  // the value
};

struct ParseOptions {
  // By default a duplicate key is an error naming both places. With this set both entries are
  // kept, in file order, for a reader that reports duplicates in its own terms (a GPU profile's
  // "parameter given twice").
  bool keep_duplicate_keys = false;
};

// Parses one YAML document. An empty document gives a null node. Errors (syntax, duplicate keys,
// non-scalar keys, more than one document) name `file` and the line and column.
Result<YamlNode> parse_yaml(std::string_view text, const std::string& file, const ParseOptions& options = {});

// Sets `origin` on a node and all its children.
void set_origin(YamlNode& node, const std::string& origin);

}  // namespace sharesim::yaml
