// Where a value came from in a scenario file, for messages raised after loading.
#pragma once

#include <string>

namespace sharesim::scenarios {

struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
  std::string field;  // key path, e.g. "workloads[0].env.CUDA_MPS_ACTIVE_THREAD_PERCENTAGE"
};

}  // namespace sharesim::scenarios
