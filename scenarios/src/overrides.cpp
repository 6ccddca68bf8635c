#include "overrides.h"

#include <vector>

#include "sharesim/sim/text_util.h"

namespace sharesim::scenarios::detail {

using sim::closest_match;
using sim::trim;
using yaml::YamlEntry;
using yaml::YamlNode;
namespace {

constexpr std::string_view kPrefix = "--set ";

struct Segment {
  bool is_index = false;
  std::string key;
  size_t index = 0;
  int column = 0;  // 1-based column in the origin string "--set <text>"
};

Error override_error(const std::string& origin, int column, const std::string& field, std::string message) {
  return Error{origin, 1, column, field, std::move(message)};
}

Result<std::vector<Segment>> split_path(std::string_view path, size_t path_offset,
                                        const std::string& origin) {
  std::vector<Segment> segs;
  size_t i = 0;
  const auto col = [&](size_t at) { return static_cast<int>(kPrefix.size() + path_offset + at + 1); };
  const std::string shown(path);
  while (i < path.size()) {
    if (path[i] == '[') {
      const size_t close = path.find(']', i);
      const std::string_view digits = path.substr(i + 1, close == std::string_view::npos ? 0 : close - i - 1);
      bool ok = close != std::string_view::npos && !digits.empty();
      size_t index = 0;
      for (char c : digits) {
        ok = ok && c >= '0' && c <= '9';
        if (ok) index = index * 10 + static_cast<size_t>(c - '0');
      }
      if (!ok || digits.size() > 9) {
        return override_error(
            origin, col(i), shown,
            "expected a list index such as [0], found '" +
                std::string(path.substr(
                    i, close == std::string_view::npos ? std::string_view::npos : close - i + 1)) +
                "'");
      }
      segs.push_back(Segment{true, "", index, col(i)});
      i = close + 1;
      if (i < path.size() && path[i] == '.') ++i;
      continue;
    }
    size_t end = i;
    while (end < path.size() && path[end] != '.' && path[end] != '[') ++end;
    const std::string_view key = trim(path.substr(i, end - i));
    if (key.empty()) {
      return override_error(origin, col(i), shown, "expected a key name between dots, found an empty one");
    }
    segs.push_back(Segment{false, std::string(key), 0, col(i)});
    i = end;
    if (i < path.size() && path[i] == '.') {
      ++i;
      if (i == path.size())
        return override_error(origin, col(i), shown, "expected a key after the last '.', found nothing");
    }
  }
  return segs;
}

void shift_columns(YamlNode& node, int line, int by) {
  if (node.line == line) node.column += by;
  for (auto& item : node.items) shift_columns(item, line, by);
  for (auto& [k, v] : node.entries) {
    shift_columns(k, line, by);
    shift_columns(v, line, by);
  }
}

}  // namespace

Result<std::pair<std::string, std::string>> split_override(std::string_view text) {
  const std::string origin = std::string(kPrefix) + std::string(text);
  const size_t eq = text.find('=');
  if (eq == std::string_view::npos) {
    return override_error(origin, 1, "",
                          "expected key.path=value (e.g. workloads[0].replicas=3), found no '='");
  }
  const std::string path(trim(text.substr(0, eq)));
  if (path.empty()) {
    return override_error(origin, static_cast<int>(kPrefix.size()) + 1, "",
                          "expected a key path before '=', found nothing");
  }
  return std::make_pair(path, std::string(trim(text.substr(eq + 1))));
}

Status apply_override(YamlNode& root, std::string_view text) {
  const std::string origin = std::string(kPrefix) + std::string(text);
  auto split = split_override(text);
  if (!split) return split.error();
  const auto& [path, value_text] = *split;
  const size_t path_offset = text.find_first_not_of(" \t");
  auto segs = split_path(path, path_offset == std::string_view::npos ? 0 : path_offset, origin);
  if (!segs) return segs.error();

  YamlNode* node = &root;
  std::string walked;
  for (size_t k = 0; k < segs->size(); ++k) {
    const Segment& seg = (*segs)[k];
    const bool last = k + 1 == segs->size();
    const std::string where = walked.empty() ? "the top level" : "'" + walked + "'";
    if (seg.is_index) {
      if (!node->is_sequence()) {
        return override_error(origin, seg.column, path,
                              "expected a list at " + where + " for [" + std::to_string(seg.index) +
                                  "], found " + node->describe());
      }
      if (seg.index >= node->items.size()) {
        return override_error(origin, seg.column, path,
                              "no item [" + std::to_string(seg.index) + "] in " + where + ", which has " +
                                  std::to_string(node->items.size()) + " item(s)");
      }
      node = &node->items[seg.index];
      walked.append(1, '[').append(std::to_string(seg.index)).append(1, ']');
      continue;
    }
    if (node->is_map()) {
      YamlNode* child = node->find(seg.key);
      if (child == nullptr) {
        if (!last) {
          std::vector<std::string_view> keys;
          for (const auto& [key, v] : node->entries) keys.push_back(key.value);
          const std::string sug = closest_match(seg.key, keys);
          return override_error(
              origin, seg.column, path,
              "no key '" + seg.key + "' in " + where + (sug.empty() ? "" : " (did you mean '" + sug + "'?)"));
        }
        YamlNode key;
        key.kind = YamlNode::Kind::kScalar;
        key.value = seg.key;
        key.line = 1;
        key.column = seg.column;
        key.origin = origin;
        node->entries.push_back(YamlEntry{std::move(key), YamlNode{}});
        child = &node->entries.back().second;
      }
      node = child;
    } else if (node->is_sequence()) {
      YamlNode* found = nullptr;
      std::vector<std::string_view> names;
      for (auto& item : node->items) {
        const YamlNode* n = item.find("name");
        if (n != nullptr && n->is_scalar()) {
          names.push_back(n->value);
          if (n->value == seg.key && found == nullptr) found = &item;
        }
      }
      if (found == nullptr) {
        const std::string sug = closest_match(seg.key, names);
        std::string list;
        for (auto n : names) list += (list.empty() ? "" : ", ") + std::string(n);
        return override_error(origin, seg.column, path,
                              "no item named '" + seg.key + "' in " + where + " (names: " + list + ")" +
                                  (sug.empty() ? "" : "; did you mean '" + sug + "'?"));
      }
      node = found;
    } else {
      return override_error(
          origin, seg.column, path,
          "no key '" + seg.key + "': " + where + " is " + node->describe() + ", not a mapping");
    }
    walked += (walked.empty() ? "" : ".") + seg.key;
  }

  auto value = yaml::parse_yaml(value_text, origin);
  if (!value) {
    Error e = value.error();
    e.field = path;
    return e;
  }
  const size_t eq = text.find('=');
  size_t value_offset = eq + 1;
  while (value_offset < text.size() && (text[value_offset] == ' ' || text[value_offset] == '\t'))
    ++value_offset;
  const int shift = static_cast<int>(kPrefix.size() + value_offset);
  shift_columns(*value, 1, shift);
  if (value->line == 0) {
    value->line = 1;
    value->column = shift + 1;
  }
  yaml::set_origin(*value, origin);
  *node = std::move(*value);
  return Ok{};
}

}  // namespace sharesim::scenarios::detail
