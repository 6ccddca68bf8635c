#include <cstdio>
#include <cstdlib>

#include "check.cuh"

namespace sharesim::calibrate::cuda {

[[noreturn]] void fail(const std::string& message) {
  std::fprintf(stderr, "%s: error: %s\n", kProgram, message.c_str());
  std::fflush(stderr);
  std::exit(1);
}

void check(cudaError_t status, const char* call, const char* file, int line) {
  if (status != cudaSuccess) {
    fail(std::string(file) + ":" + std::to_string(line) + ": " + call + ": " + cudaGetErrorName(status) +
         ": " + cudaGetErrorString(status));
  }
}

}  // namespace sharesim::calibrate::cuda
