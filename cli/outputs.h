// What every subcommand does with the files it writes (docs/hardening.md, "Outputs"): output
// paths are checked before any work starts (an empty folder name, two outputs or an output and an
// input naming the same file), and one command's outputs are written together as one unit.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "sharesim/sim/atomic_file.h"
#include "sharesim/sim/result.h"

namespace sharesim::cli {

// "-o ''" would put the outputs at the root of the file system: refused.
Status check_output_folder(const std::string& flag, const std::string& folder);

// One path a command reads or writes, with the flag or role that names it ("--requests",
// "results.json", "the scenario").
struct NamedPath {
  std::string role;
  std::string path;
};

// Refuses, before any work is done, an output that is an existing folder, two outputs that are the
// same file, or an output that is one of the inputs: the later write would silently replace the
// earlier one, or the input. Character devices (/dev/null) may be named any number of times.
Status check_output_paths(const std::vector<NamedPath>& outputs, const std::vector<NamedPath>& inputs);

// Writes the files as one unit (sim::write_files_together). On failure prints one error line and
// returns 2 (the exit status of every command that cannot write its outputs); 0 on success.
int write_outputs(const std::vector<sim::FileToWrite>& files);
// The same with folders replaced as a whole (a plan's deploy/).
int write_outputs(const std::vector<sim::FileToWrite>& files, const std::vector<sim::FolderToWrite>& folders);

}  // namespace sharesim::cli
