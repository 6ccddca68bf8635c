// `sharesim merge SHARD-DIR... -o OUT/`: combines the shard.txt of every `sharesim plan --shard i/N`
// run into the plan a single run gives (byte-identical plan.json).
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "commands.h"
#include "options.h"
#include "outputs.h"
#include "sharesim/planner/planner.h"
#include "sharesim/sim/input_file.h"

namespace sharesim::cli {

int report_plan(const planner::PlanInput& input, const planner::PlanResult& result,
                const std::string& out_dir, bool quiet);

int run_merge_command(const Args& args) {
  po::options_description options("merge options");
  std::vector<std::string> shard_dirs;
  std::string out_dir;
  options.add_options()("shards", po::value(&shard_dirs)->required()->multitoken(),
                        "folders written by 'sharesim plan --shard i/N'")(
      "out,o", po::value(&out_dir)->default_value("out"), "folder for plan.json, plan.md and deploy/")(
      "quiet,q", "print nothing but errors and the verdict");
  po::positional_options_description positional;
  positional.add("shards", -1);
  po::variables_map vm;
  if (auto code = parse_options("merge", "SHARD-DIR... [-o OUT]", options, positional, args, vm))
    return *code;
  if (auto folder = check_output_folder("-o", out_dir); !folder) return input_error(folder.error());
  std::vector<planner::ShardData> shards;
  for (const std::string& dir : shard_dirs) {
    const std::string path = dir + "/shard.txt";
    auto text = sim::read_input_file(path, "a shard file written by 'sharesim plan --shard'",
                                     sim::kMaxResultsInputBytes);
    if (!text) return input_error(text.error());
    auto shard = planner::parse_shard_text(*text, path);
    if (!shard) return input_error(shard.error());
    shards.push_back(std::move(*shard));
  }
  auto input = planner::load_plan_input(shards.front().path, shards.front().overrides);
  if (!input) return input_error(input.error());
  auto merged = planner::merge_shards(*input, std::move(shards));
  if (!merged) return input_error(merged.error());
  return report_plan(*input, *merged, out_dir, vm.count("quiet") > 0);
}

}  // namespace sharesim::cli
