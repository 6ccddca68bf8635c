// libFuzzer target: the CSV reader and the three CSV formats (arrival traces, kernel profiles,
// Nsight Systems cuda_gpu_trace exports). The first byte picks the parser and its options, the
// rest is the file. Any input must give a value or an Error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sharesim/scenarios/csv.h"

namespace sc = sharesim::scenarios;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t selector = data[0];
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (selector % 4) {
    case 0: {
      auto table = sc::parse_csv(text, "fuzz.csv", 1 + (selector >> 2));
      if (table) {
        for (const auto& row : table->rows) {
          if (row.fields.size() != table->header.size()) __builtin_trap();  // documented invariant
        }
      }
      break;
    }
    case 1: {
      sc::TraceCsvOptions options;
      if (selector & 4) options.time_column = "time";
      if (selector & 8) options.scale_column = "ContextTokens";
      if (selector & 16) options.time_scale = 0.5;
      if (selector & 32) options.start = 1;
      if (selector & 64) options.limit = 3;
      (void)sc::parse_trace_csv(text, "fuzz-trace.csv", options);
      break;
    }
    case 2: {
      sc::KernelProfileOptions options;
      if (selector & 4) {
        options.measured_on = sc::builtin_gpu_throughput("v100-16gb");
        options.target = sc::builtin_gpu_throughput("t4");
      }
      (void)sc::parse_kernel_profile_csv(text, "fuzz-profile.csv", options);
      break;
    }
    default: {
      sc::NsysOptions options;
      if (selector & 4) {
        options.measured_on = sc::builtin_gpu_throughput("v100-16gb");
        options.target = sc::builtin_gpu_throughput("t4");
      }
      (void)sc::parse_nsys_gpu_trace_csv(text, "fuzz-nsys.csv", options);
      break;
    }
  }
  return 0;
}
