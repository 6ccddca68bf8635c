// Errors from bad user input, carried as values (never exceptions, never asserts).
//
// Programmer bugs assert; input that a user wrote (a scenario, a trace, a profile, a flag) produces
// an Error that names where it came from (file, line, column, key path), what was expected and what
// was found, and becomes one line at the command line.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace sharesim {

struct Error {
  std::string file;     // the input file, or "" (e.g. for a command-line flag)
  int line = 0;         // 1-based; 0 when unknown
  int column = 0;       // 1-based; 0 when unknown
  std::string field;    // key path such as "workloads[1].arrivals.poisson.rate", or a CSV column
  std::string message;  // what was expected and what was found

  // "file:line:column: field: message", leaving out the parts that are unknown, on one line:
  // control characters quoted from the input (a line break in a CSV field) are shown escaped.
  [[nodiscard]] std::string to_string() const;

  // The same error with the location filled in where it is still unknown (used by layers that
  // know the file but not the line, e.g. a value parser called from the YAML loader).
  [[nodiscard]] Error at(std::string file_, int line_, int column_, std::string field_) const;
};

// Either a value or an Error. A minimal std::expected (C++23) for C++20.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  [[nodiscard]] bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // REQUIRES: ok().
  T& value() & {
    assert(ok());
    return std::get<0>(state_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(state_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // REQUIRES: !ok().
  [[nodiscard]] const Error& error() const {
    assert(!ok());
    return std::get<1>(state_);
  }

 private:
  std::variant<T, Error> state_;
};

// For operations that produce nothing but may fail.
struct Ok {};
using Status = Result<Ok>;

inline Error make_error(std::string message) {
  return Error{.message = std::move(message)};
}

}  // namespace sharesim
