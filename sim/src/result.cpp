#include "sharesim/sim/result.h"

namespace sharesim {

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
  return out;
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
