// Test tool: writes the deploy/ files of a scenario on a target (deploy::deploy_files), after the
// target's checks, so the validator test can check what every example would deploy.
// Usage: deploy_files_writer SCENARIO TARGET OUT_DIR. Exit 2 on a load error or a target error.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "sharesim/deploy/manifests.h"
#include "sharesim/scenarios/loader.h"
#include "sharesim/scenarios/target_rules.h"

int main(int argc, char** argv) {
  using namespace sharesim;
  if (argc != 4) {
    std::cerr << "usage: deploy_files_writer SCENARIO TARGET OUT_DIR\n";
    return 2;
  }
  auto target = models::parse_deploy_target(argv[2]);
  if (!target) {
    std::cerr << "unknown target " << argv[2] << "\n";
    return 2;
  }
  auto scenario = scenarios::load_scenario(argv[1]);
  if (!scenario) {
    std::cerr << scenario.error().to_string() << "\n";
    return 2;
  }
  bool error = false;
  for (const scenarios::Finding& f : scenarios::check_target(*scenario, *target)) {
    std::cerr << scenarios::finding_text(f) << "\n";
    error = error || f.severity == scenarios::Finding::Severity::kError;
  }
  if (error) return 2;
  scenarios::apply_target_rules(*scenario, *target);
  for (const sim::OutputFile& f : deploy::deploy_files(*scenario, *target)) {
    const std::filesystem::path p = std::filesystem::path(argv[3]) / f.path;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << f.content;
  }
  return 0;
}
