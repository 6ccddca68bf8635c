// A small streaming JSON writer with a fixed, deterministic layout: two-space indentation, keys in
// the order written, numbers printed the same way on every platform (integers exactly, reals with
// %.*g at a fixed number of significant digits). Byte-identical output for identical values is what
// makes `results.json` diffable and testable.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sharesim::reports {

class JsonWriter {
 public:
  explicit JsonWriter(int significant_digits = 9) : digits_(significant_digits) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  // Inside an object: the next value's key.
  JsonWriter& key(std::string_view name);

  JsonWriter& value(std::string_view text);
  JsonWriter& value(const char* text) { return value(std::string_view(text)); }
  JsonWriter& value(const std::string& text) { return value(std::string_view(text)); }
  JsonWriter& value(bool flag);
  JsonWriter& value(int64_t number);
  JsonWriter& value(uint64_t number);
  JsonWriter& value(int number) { return value(static_cast<int64_t>(number)); }
  JsonWriter& value(double number);  // NaN and infinity are written as null
  JsonWriter& null();

  // Shorthand for key(name).value(v).
  template <class T>
  JsonWriter& field(std::string_view name, const T& v) {
    key(name);
    return value(v);
  }

  // Shorthand for key(name) and an array of plain values (numbers, strings).
  template <class T>
  JsonWriter& array_field(std::string_view name, const std::vector<T>& values) {
    key(name);
    begin_array();
    for (const T& v : values) value(v);
    return end_array();
  }

  // REQUIRES: every object and array closed.
  [[nodiscard]] std::string str() const;

  static std::string escape(std::string_view text);
  static std::string format_number(double number, int significant_digits);

 private:
  void before_value();
  JsonWriter& close(char bracket);
  void newline();

  std::string out_;
  std::vector<bool> has_items_;  // per open container
  bool after_key_ = false;
  int digits_;
};

}  // namespace sharesim::reports
