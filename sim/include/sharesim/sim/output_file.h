// A file an output step produces: its path relative to the output folder and its bytes. The CLI
// writes each one atomically (atomic_file.h); producers never touch the file system.
#pragma once

#include <string>

namespace sharesim::sim {

struct OutputFile {
  std::string path;  // relative to the output folder, '/'-separated
  std::string content;
};

}  // namespace sharesim::sim
