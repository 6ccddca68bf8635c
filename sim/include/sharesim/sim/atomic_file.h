// Writing output files so that a reader never sees half a file: the content goes to a temporary
// file in the same folder, is flushed, and is renamed over the target (rename is atomic on POSIX
// file systems within one folder).
#pragma once

#include <string>
#include <string_view>

#include "sharesim/sim/result.h"

namespace sharesim::sim {

// Creates missing parent folders. On failure the target is left as it was.
Status write_file_atomically(const std::string& path, std::string_view content);

}  // namespace sharesim::sim
