#include "options.h"

#include <cstdio>
#include <iostream>

namespace sharesim::cli {

std::optional<int> parse_options(const std::string& command, const std::string& usage,
                                 const po::options_description& options,
                                 const po::positional_options_description& positional, const Args& args,
                                 po::variables_map& vm) {
  po::options_description all(options);
  all.add_options()("help,h", "show this help");
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
    if (vm.count("help")) {
      std::cout << "usage: sharesim " << command << " " << usage << "\n\n" << all << "\n";
      return 0;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    return usage_error(command + ": " + e.what() + " (try 'sharesim " + command + " --help')");
  }
  return std::nullopt;
}

int input_error(const Error& error) {
  std::fprintf(stderr, "sharesim: error: %s\n", error.to_string().c_str());
  return 2;
}

}  // namespace sharesim::cli
