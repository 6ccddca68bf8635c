// Failing clearly: every CUDA call's status is checked, and an error stops the program with one
// line on stderr and exit status 1 (never an exception, never a crash).
#pragma once

#include <cuda_runtime.h>

#include <charconv>
#include <string>
#include <system_error>

namespace sharesim::calibrate::cuda {

inline constexpr const char* kProgram = "sharesim-calibrate";

[[noreturn]] void fail(const std::string& message);

void check(cudaError_t status, const char* call, const char* file, int line);
#define CUDA_CHECK(call) check((call), #call, __FILE__, __LINE__)
// After a kernel launch: configuration errors show up in cudaGetLastError.
#define CUDA_CHECK_LAUNCH() check(cudaGetLastError(), "kernel launch", __FILE__, __LINE__)

// A whole number, or a clear failure (never an exception).
template <class T>
T parse_integer(const std::string& text, const char* what) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    fail(std::string(what) + ": expected an integer, found '" + text + "'");
  }
  return value;
}

}  // namespace sharesim::calibrate::cuda
