#include "sharesim/sim/result.h"

namespace sharesim {

namespace {

// Messages quote what the user wrote; a quoted CSV field or a YAML scalar may hold a line break or
// other control characters, and an error must stay one line: they are shown escaped.
std::string escape_controls(const std::string& text) {
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (byte < 0x20 || byte == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string Error::to_string() const {
  std::string out;
  if (!file.empty()) {
    out += file;
    if (line > 0) {
      out += ":" + std::to_string(line);
      if (column > 0) out += ":" + std::to_string(column);
    }
    out += ": ";
  }
  if (!field.empty()) out += field + ": ";
  out += message;
  return escape_controls(out);
}

Error Error::at(std::string file_, int line_, int column_, std::string field_) const {
  Error e = *this;
  if (e.file.empty()) e.file = std::move(file_);
  if (e.line == 0) {
    e.line = line_;
    e.column = column_;
  }
  if (e.field.empty()) e.field = std::move(field_);
  return e;
}

}  // namespace sharesim
