#include "sharesim/yaml/yaml_tree.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <cstdint>
#include <map>
#include <optional>
#include <sstream>

namespace sharesim::yaml {
namespace {

// A scenario has hundreds of nodes. Aliases copy the anchored subtree, so a few lines can
// describe exponentially many nodes (the "billion laughs" attack: 9 levels of 9 aliases are 9^9
// scalars); the tree builder refuses a document that would grow past this many nodes, counting
// every alias as the size of what it copies, before it copies anything.
constexpr int64_t kMaxYamlNodes = 1'000'000;

bool is_null_word(const std::string& s) {
  return s == "~" || s == "null" || s == "Null" || s == "NULL";
}

// Builds a YamlNode tree from parser events. Event handlers cannot return errors, so the first
// error is remembered and later events are ignored.
class TreeBuilder final : public YAML::EventHandler {
 public:
  TreeBuilder(std::string file, const ParseOptions& options) : file_(std::move(file)), options_(options) {}

  void OnDocumentStart(const YAML::Mark& mark) override { document_start = mark; }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (!count_nodes(mark, 1)) return;
    YamlNode node = at(mark);
    node.kind = YamlNode::Kind::kNull;
    add(std::move(node), anchor);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) {
      fail(mark, "alias to an unknown or unfinished anchor");
      return;
    }
    if (!count_nodes(mark, anchor_sizes_[anchor])) return;
    add(it->second, 0);
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    if (!count_nodes(mark, 1)) return;
    YamlNode node = at(mark);
    // yaml-cpp gives plain scalars the tag "?" and quoted/block scalars "!".
    const bool plain = (tag == "?");
    if (plain && is_null_word(value)) {
      node.kind = YamlNode::Kind::kNull;
    } else {
      node.kind = YamlNode::Kind::kScalar;
      node.value = value;
      node.quoted = !plain;
    }
    add(std::move(node), anchor);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value /*style*/) override {
    Frame frame;
    frame.nodes_before = nodes_;
    if (!count_nodes(mark, 1)) return;
    frame.node = at(mark);
    frame.node.kind = YamlNode::Kind::kSequence;
    frame.anchor = anchor;
    frame.path = child_path();
    stack_.push_back(std::move(frame));
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value /*style*/) override {
    Frame frame;
    frame.nodes_before = nodes_;
    if (!count_nodes(mark, 1)) return;
    frame.node = at(mark);
    frame.node.kind = YamlNode::Kind::kMap;
    frame.anchor = anchor;
    frame.path = child_path();
    stack_.push_back(std::move(frame));
  }
  void OnMapEnd() override { close(); }

  std::optional<Error> error;
  std::optional<YamlNode> root;
  YAML::Mark document_start = YAML::Mark::null_mark();  // where the last document began

 private:
  struct Frame {
    YamlNode node;
    YAML::anchor_t anchor = 0;
    bool have_key = false;
    YamlNode key;
    std::string path;          // key path of this node, e.g. "workloads[0].env"
    int64_t nodes_before = 0;  // nodes_ when the collection opened: its size is nodes_ - nodes_before
  };

  // Adds `count` nodes to the document's total; false (and the error) past kMaxYamlNodes.
  bool count_nodes(const YAML::Mark& mark, int64_t count) {
    if (error) return false;
    nodes_ += count;
    if (nodes_ <= kMaxYamlNodes) return true;
    fail(mark, "the document has more than " + std::to_string(kMaxYamlNodes) +
                   " values once its aliases (*name) are expanded; expected a scenario-sized document "
                   "(aliases that repeat aliases grow exponentially)");
    return false;
  }

  // The key path of the node that is about to be added to the innermost open collection.
  std::string child_path() const {
    if (stack_.empty()) return "";
    const Frame& top = stack_.back();
    if (top.node.is_sequence()) {
      std::string p = top.path;
      p.append(1, '[').append(std::to_string(top.node.items.size())).append(1, ']');
      return p;
    }
    if (!top.have_key) return top.path;
    return top.path.empty() ? top.key.value : top.path + "." + top.key.value;
  }

  static YamlNode at(const YAML::Mark& mark) {
    YamlNode node;
    node.line = mark.is_null() ? 0 : mark.line + 1;
    node.column = mark.is_null() ? 0 : mark.column + 1;
    return node;
  }

  void fail(int line, int column, std::string message, std::string field = "") {
    if (!error) error = Error{file_, line, column, std::move(field), std::move(message)};
  }
  void fail(const YAML::Mark& mark, std::string message) {
    fail(mark.line + 1, mark.column + 1, std::move(message));
  }

  void close() {
    // After an error, start events were dropped: the stack no longer matches the events.
    if (error || stack_.empty()) return;
    Frame frame = std::move(stack_.back());
    stack_.pop_back();
    if (frame.anchor != 0) anchor_sizes_[frame.anchor] = nodes_ - frame.nodes_before;
    add(std::move(frame.node), frame.anchor);
  }

  void add(YamlNode node, YAML::anchor_t anchor) {
    if (error) return;
    if (anchor != 0) {
      anchors_[anchor] = node;
      // A collection's size was recorded by close(); a scalar, null or alias copy counts as its
      // own size (an alias of an alias carries the size of what it copies).
      if (!anchor_sizes_.count(anchor)) anchor_sizes_[anchor] = 1;
    }
    if (stack_.empty()) {
      root = std::move(node);
      return;
    }
    Frame& top = stack_.back();
    if (top.node.is_sequence()) {
      top.node.items.push_back(std::move(node));
      return;
    }
    if (!top.have_key) {
      if (!node.is_scalar()) {
        fail(node.line, node.column, "expected a key (a plain word), found " + node.describe(), top.path);
        return;
      }
      for (const auto& [key, value] : top.node.entries) {
        if (key.value == node.value && !options_.keep_duplicate_keys) {
          std::ostringstream msg;
          msg << "duplicate key '" << node.value << "' (first written at line " << key.line << ", column "
              << key.column << "); each key may appear once";
          fail(node.line, node.column, msg.str(),
               top.path.empty() ? node.value : top.path + "." + node.value);
          return;
        }
      }
      top.key = std::move(node);
      top.have_key = true;
      return;
    }
    top.node.entries.push_back(YamlEntry{std::move(top.key), std::move(node)});
    top.key = YamlNode{};
    top.have_key = false;
  }

  std::string file_;
  ParseOptions options_;
  std::vector<Frame> stack_;
  std::map<YAML::anchor_t, YamlNode> anchors_;
  std::map<YAML::anchor_t, int64_t> anchor_sizes_;  // nodes each anchored subtree counts for
  int64_t nodes_ = 0;                               // nodes in the document so far, aliases expanded
};

}  // namespace

const YamlNode* YamlNode::find(std::string_view key) const {
  if (!is_map()) return nullptr;
  for (const auto& [k, v] : entries) {
    if (k.value == key) return &v;
  }
  return nullptr;
}

YamlNode* YamlNode::find(std::string_view key) {
  if (!is_map()) return nullptr;
  for (auto& [k, v] : entries) {
    if (k.value == key) return &v;
  }
  return nullptr;
}

std::string YamlNode::describe() const {
  switch (kind) {
    case Kind::kNull:
      return "nothing (null)";
    case Kind::kScalar:
      return "'" + value + "'";
    case Kind::kSequence:
      return "a list";
    case Kind::kMap:
      return "a mapping";
  }
  return "?";
}

void set_origin(YamlNode& node, const std::string& origin) {
  node.origin = origin;
  for (auto& item : node.items) set_origin(item, origin);
  for (auto& [key, value] : node.entries) {
    set_origin(key, origin);
    set_origin(value, origin);
  }
}

Result<YamlNode> parse_yaml(std::string_view text, const std::string& file, const ParseOptions& options) {
  std::istringstream in{std::string(text)};
  TreeBuilder builder(file, options);
  try {
    YAML::Parser parser(in);
    if (!parser.HandleNextDocument(builder)) return YamlNode{};
    if (builder.error) return *builder.error;
    if (parser.HandleNextDocument(builder)) {
      const YAML::Mark& at = builder.document_start;
      return Error{file, at.is_null() ? 0 : at.line + 1, at.is_null() ? 0 : at.column + 1, "",
                   "expected one YAML document, found a second one ('---')"};
    }
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp's parser recurses once per nesting level and stops at its depth guard.
    return Error{file, e.mark.line + 1, e.mark.column + 1, "",
                 "YAML nested more than " + std::to_string(e.depth()) +
                     " levels deep; expected a scenario-sized document"};
  } catch (const YAML::ParserException& e) {
    return Error{file, e.mark.line + 1, e.mark.column + 1, "", "YAML syntax error: " + e.msg};
  } catch (const YAML::Exception& e) {
    return Error{file, e.mark.is_null() ? 0 : e.mark.line + 1, e.mark.is_null() ? 0 : e.mark.column + 1, "",
                 "YAML error: " + e.msg};
  }
  if (builder.error) return *builder.error;
  if (!builder.root) return YamlNode{};
  return std::move(*builder.root);
}

}  // namespace sharesim::yaml
