#include "sharesim/calibrate/plan.h"

#include <algorithm>
#include <cassert>
#include <charconv>

namespace sharesim::calibrate {

std::string_view suite_name(SuiteId suite) {
  switch (suite) {
    case SuiteId::kCopies:
      return "copies";
    case SuiteId::kLaunch:
      return "launch";
    case SuiteId::kSmScaling:
      return "sm-scaling";
    case SuiteId::kOverlap:
      return "overlap";
    case SuiteId::kSharing:
      return "sharing";
  }
  return "?";
}

std::vector<SuiteId> all_suites() {
  return {SuiteId::kCopies, SuiteId::kLaunch, SuiteId::kSmScaling, SuiteId::kOverlap, SuiteId::kSharing};
}

bool parse_suite_list(std::string_view text, std::vector<SuiteId>& suites, std::string& error) {
  std::vector<bool> wanted(all_suites().size(), false);
  size_t start = 0;
  bool any = false;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view word = text.substr(start, comma - start);
    while (!word.empty() && word.front() == ' ') word.remove_prefix(1);
    while (!word.empty() && word.back() == ' ') word.remove_suffix(1);
    if (word == "all") {
      std::fill(wanted.begin(), wanted.end(), true);
      any = true;
    } else {
      bool found = false;
      for (SuiteId suite : all_suites()) {
        if (word == suite_name(suite)) {
          wanted[static_cast<size_t>(suite)] = true;
          found = true;
        }
      }
      if (!found) {
        error = "unknown suite '" + std::string(word) +
                "' (expected a comma-separated list of copies, launch, sm-scaling, overlap, sharing, or all)";
        return false;
      }
      any = true;
    }
    start = comma + 1;
  }
  if (!any) {
    error = "empty suite list (expected copies, launch, sm-scaling, overlap, sharing, or all)";
    return false;
  }
  suites.clear();
  for (SuiteId suite : all_suites()) {
    if (wanted[static_cast<size_t>(suite)]) suites.push_back(suite);
  }
  return true;
}

double ComputeKernelShape::flops_per_block() const {
  return static_cast<double>(kThreadsPerBlock) * iterations * kFmasPerIteration * 2.0;
}

double ComputeKernelShape::flops() const {
  return flops_per_block() * blocks;
}

ComputeKernelShape Plan::share_kernel() const {
  return ComputeKernelShape{.blocks = sm_count, .iterations = sharing.share_iterations};
}

ComputeKernelShape Plan::pair_compute_kernel() const {
  return ComputeKernelShape{.blocks = std::max(1, sm_count / 2),
                            .iterations = sharing.pair_compute_iterations};
}

MemoryKernelShape Plan::pair_memory_kernel() const {
  return MemoryKernelShape{.blocks = sm_count * sharing.pair_memory_waves,
                           .bytes_per_block = sharing.pair_memory_bytes_per_block};
}

ComputeKernelShape Plan::sweep_kernel() const {
  return ComputeKernelShape{.blocks = sm_count * sharing.sweep_waves, .iterations = sharing.sweep_iterations};
}

ComputeKernelShape Plan::latency_kernel() const {
  return ComputeKernelShape{.blocks = sm_count, .iterations = sharing.latency_iterations};
}

ComputeKernelShape Plan::issue_kernel() const {
  return ComputeKernelShape{.blocks = sm_count, .iterations = sharing.issue_iterations};
}

Plan make_plan(int sm_count) {
  assert(sm_count >= 1);
  Plan plan;
  plan.sm_count = sm_count;
  for (int64_t size = 4 * 1024; size <= 256ll * 1024 * 1024; size *= 4)
    plan.copies.sizes_bytes.push_back(size);

  std::vector<int> grids{1,
                         2,
                         4,
                         8,
                         sm_count / 4,
                         sm_count / 2,
                         sm_count,
                         sm_count + 1,
                         2 * sm_count,
                         4 * sm_count,
                         8 * sm_count,
                         16 * sm_count};
  std::erase_if(grids, [](int g) { return g < 1; });
  std::sort(grids.begin(), grids.end());
  grids.erase(std::unique(grids.begin(), grids.end()), grids.end());
  plan.sm_scaling.grids = grids;

  plan.overlap.kernel = ComputeKernelShape{.blocks = 4 * sm_count, .iterations = 20000};
  return plan;
}

std::string copy_case_name(bool host_to_device, bool pinned) {
  return std::string(host_to_device ? "h2d" : "d2h") + (pinned ? "_pinned" : "_pageable");
}

std::string param_string(const std::vector<std::pair<std::string, int64_t>>& params) {
  std::string text;
  for (const auto& [key, value] : params) {
    if (!text.empty()) text += ';';
    text += key;
    text += '=';
    text += std::to_string(value);
  }
  return text;
}

bool parse_param_string(std::string_view text, std::vector<std::pair<std::string, int64_t>>& params) {
  params.clear();
  if (text.empty()) return true;
  size_t start = 0;
  while (start <= text.size()) {
    size_t semi = text.find(';', start);
    if (semi == std::string_view::npos) semi = text.size();
    std::string_view item = text.substr(start, semi - start);
    size_t eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0) return false;
    int64_t value = 0;
    std::string_view number = item.substr(eq + 1);
    auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (ec != std::errc() || end != number.data() + number.size() || number.empty()) return false;
    params.emplace_back(std::string(item.substr(0, eq)), value);
    start = semi + 1;
  }
  return true;
}

}  // namespace sharesim::calibrate
