// Shared helpers for parsing subcommand options with Boost.Program_options, so every subcommand
// reports bad flags the same way: one line on stderr and exit code 2.
#pragma once

#include <boost/program_options.hpp>
#include <optional>
#include <string>

#include "commands.h"

namespace sharesim::cli {

namespace po = boost::program_options;

// Parses args into vm. Returns an exit code when the command should stop now (after --help: 0,
// after a bad flag: 2), nullopt when it should go on.
std::optional<int> parse_options(const std::string& command, const std::string& usage,
                                 const po::options_description& options,
                                 const po::positional_options_description& positional, const Args& args,
                                 po::variables_map& vm);

// --jobs N (simulations at once): at least 1 and at most max_jobs(). More threads than cores add
// memory (each holds a whole simulation), not speed; -j 1000 used to abort when threads or memory
// ran out. Ok, or a usage error naming the command and the limit.
int max_jobs();
Status check_jobs(const std::string& command, int jobs);

}  // namespace sharesim::cli
