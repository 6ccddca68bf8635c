// GPU profiles: the built-in files load with their published figures, and bad files are rejected
// with errors that name the file, line and parameter.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "sharesim/models/gpu_profile.h"

namespace sharesim::models {
namespace {

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
constexpr int64_t kMiB = 1024 * 1024;

TEST(GpuProfile, BuiltinT4CarriesTheDesignFigures) {
  auto t4 = builtin_gpu_profile("t4");
  ASSERT_TRUE(t4.ok()) << t4.error().to_string();
  EXPECT_EQ(t4->name, "t4");
  EXPECT_EQ(t4->sm_count, 40);
  EXPECT_EQ(t4->max_threads_per_sm, 1024);
  EXPECT_EQ(t4->max_blocks_per_sm, 16);
  EXPECT_DOUBLE_EQ(t4->base_clock_mhz, 585);
  EXPECT_DOUBLE_EQ(t4->boost_clock_mhz, 1590);
  EXPECT_DOUBLE_EQ(t4->dram_bandwidth_nominal, 320e9);
  EXPECT_DOUBLE_EQ(t4->dram_bandwidth_effective, 220 * kGiB);
  EXPECT_EQ(t4->memory_usable_bytes, 15079 * kMiB);
  EXPECT_EQ(t4->memory_total_bytes, int64_t{16} * 1024 * kMiB);
  EXPECT_EQ(t4->l2_cache_bytes, 4 * kMiB);
  EXPECT_EQ(t4->copy_engines, 3);
  EXPECT_EQ(t4->mps_max_clients, 48);
  EXPECT_EQ(t4->time_slice, sim::Time::ms(2));
  EXPECT_EQ(t4->context_switch_cost, sim::Time::us(25));
  EXPECT_FALSE(t4->timeslice_copies_overlap);
  EXPECT_EQ(t4->mps_sm_rounding, SmCapRounding::kCeil);  // MPS documentation: "rounded up"
  EXPECT_EQ(t4->mps_sm_granularity, 2);                  // TPC: 2 SMs
  EXPECT_EQ(t4->registers_per_sm, 65536);                // programming guide, cc 7.5
  EXPECT_EQ(t4->shared_memory_per_sm, 64 * 1024);
  // Every parameter has a source; the unpublished ones are flagged as estimates.
  EXPECT_EQ(t4->provenance.size(), 33u);
  for (const auto& p : t4->provenance) EXPECT_FALSE(p.source.empty()) << p.name;
  auto find = [&](const std::string& name) {
    for (const auto& p : t4->provenance)
      if (p.name == name) return p;
    return ParameterProvenance{};
  };
  EXPECT_TRUE(find("time_slice").estimate);
  EXPECT_TRUE(find("context_switch_cost").estimate);
  EXPECT_FALSE(find("sm_count").estimate);
}

TEST(GpuProfile, BuiltinV100AndA100MatchTheirDatasheets) {
  auto v100 = builtin_gpu_profile("v100-16gb");
  ASSERT_TRUE(v100.ok()) << v100.error().to_string();
  EXPECT_EQ(v100->sm_count, 80);
  EXPECT_DOUBLE_EQ(v100->dram_bandwidth_nominal, 900e9);
  EXPECT_EQ(v100->memory_total_bytes, int64_t{16} * 1024 * kMiB);
  auto a100 = builtin_gpu_profile("a100-80gb-pcie");
  ASSERT_TRUE(a100.ok()) << a100.error().to_string();
  EXPECT_EQ(a100->sm_count, 108);
  EXPECT_DOUBLE_EQ(a100->dram_bandwidth_nominal, 1935e9);
  EXPECT_EQ(a100->memory_total_bytes, int64_t{80} * 1024 * kMiB);
  EXPECT_GT(a100->pcie_h2d_pinned, v100->pcie_h2d_pinned);  // gen4 vs gen3
}

TEST(GpuProfile, EveryBuiltinProfileLoadsAndStatesItsSources) {
  const auto names = builtin_gpu_profile_names();
  ASSERT_EQ(names.size(), 3u);
  for (const auto& name : names) {
    auto p = builtin_gpu_profile(name);
    ASSERT_TRUE(p.ok()) << name << ": " << p.error().to_string();
    EXPECT_EQ(p->name, name);  // the file name and the name inside agree
    for (const auto& param : p->provenance) {
      EXPECT_FALSE(param.source.empty()) << name << "." << param.name;
      EXPECT_FALSE(param.unit.empty()) << name << "." << param.name;
    }
  }
}

TEST(GpuProfile, MpsSmCapRoundsAsTheProfileSays) {
  auto t4 = builtin_gpu_profile("t4");
  ASSERT_TRUE(t4.ok());
  // The T4: 40 SMs given in TPCs of 2, rounded up (20 TPCs x pct / 100, up to a whole TPC).
  EXPECT_EQ(t4->mps_sm_cap(100), 40);
  EXPECT_EQ(t4->mps_sm_cap(25), 10);  // 5 TPCs exactly
  EXPECT_EQ(t4->mps_sm_cap(30), 12);  // 20 x 0.30 = 6 TPCs exactly
  EXPECT_EQ(t4->mps_sm_cap(33), 14);  // 20 x 0.33 = 6.6 TPCs -> 7 TPCs
  EXPECT_EQ(t4->mps_sm_cap(1), 2);    // 0.2 TPC -> one TPC
  GpuProfile p = *t4;
  p.mps_sm_granularity = 1;
  p.mps_sm_rounding = SmCapRounding::kFloor;
  EXPECT_EQ(p.mps_sm_cap(30), 12);  // floor(12.0)
  EXPECT_EQ(p.mps_sm_cap(33), 13);  // floor(13.2)
  EXPECT_EQ(p.mps_sm_cap(1), 1);    // floor(0.4) = 0, but a client always gets one SM
  p.mps_sm_rounding = SmCapRounding::kCeil;
  EXPECT_EQ(p.mps_sm_cap(33), 14);
  p.mps_sm_rounding = SmCapRounding::kNearest;
  EXPECT_EQ(p.mps_sm_cap(34), 14);  // 13.6 -> 14
  p.mps_sm_granularity = 2;
  EXPECT_EQ(p.mps_sm_cap(33), 14);  // 6.6 TPCs -> 7
  EXPECT_EQ(p.mps_sm_cap(32), 12);  // 6.4 TPCs -> 6
}

TEST(GpuProfile, UnknownBuiltinNamesTheKnownOnes) {
  auto p = builtin_gpu_profile("h100");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("t4"), std::string::npos);
}

class ProfileFile : public ::testing::Test {
 protected:
  std::string write(const std::string& text) {
    const auto path = std::filesystem::temp_directory_path() /
                      ("sharesim_profile_test_" + std::to_string(::getpid()) + "_" +
                       ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".yaml");
    std::ofstream(path) << text;
    paths_.push_back(path);
    return path.string();
  }
  void TearDown() override {
    for (const auto& p : paths_) std::filesystem::remove(p);
  }
  // The t4 text with one line replaced.
  static std::string t4_with(const std::string& from, const std::string& to) {
    std::string text;
    std::ifstream in(std::string(SHARESIM_SOURCE_DIR) + "/models/profiles/t4.yaml");
    text.assign(std::istreambuf_iterator<char>(in), {});
    const auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return text;
  }
  std::vector<std::filesystem::path> paths_;
};

TEST_F(ProfileFile, LoadsTheShippedFileFromDisk) {
  auto p = load_gpu_profile_file(std::string(SHARESIM_SOURCE_DIR) + "/models/profiles/t4.yaml");
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  EXPECT_EQ(p->sm_count, 40);
}

TEST_F(ProfileFile, ResolvesNamesAndRelativePaths) {
  auto by_name = resolve_gpu_profile("t4", "/nonexistent");
  ASSERT_TRUE(by_name.ok());
  EXPECT_EQ(by_name->origin, "builtin:t4");
  auto by_path = resolve_gpu_profile("models/profiles/v100-16gb.yaml", SHARESIM_SOURCE_DIR);
  ASSERT_TRUE(by_path.ok()) << by_path.error().to_string();
  EXPECT_EQ(by_path->sm_count, 80);
}

TEST_F(ProfileFile, RejectsUnknownParameterWithLine) {
  const std::string path = write(t4_with("  sm_count:\n", "  sm_cuont:\n"));
  auto p = load_gpu_profile_file(path);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().file, path);
  EXPECT_EQ(p.error().field, "parameters.sm_cuont");
  EXPECT_GT(p.error().line, 5);
  EXPECT_NE(p.error().message.find("unknown parameter"), std::string::npos);
}

TEST_F(ProfileFile, RejectsUnknownKeyInsideAParameter) {
  const std::string path = write(t4_with("    unit: count\n    source: \"NVIDIA Turing",
                                         "    unit: count\n    sauce: x\n    source: \"NVIDIA Turing"));
  auto p = load_gpu_profile_file(path);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().field, "parameters.sm_count.sauce");
}

TEST_F(ProfileFile, RejectsWrongUnit) {
  const std::string path = write(t4_with("    value: 2\n    unit: ms", "    value: 2\n    unit: fortnights"));
  auto p = load_gpu_profile_file(path);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().field, "parameters.time_slice.unit");
  EXPECT_NE(p.error().message.find("ns, us, ms or s"), std::string::npos);
  EXPECT_NE(p.error().message.find("fortnights"), std::string::npos);
  EXPECT_GT(p.error().line, 0);
}

TEST_F(ProfileFile, RejectsOutOfRangeAndNonIntegerCounts) {
  auto p = load_gpu_profile_file(write(t4_with("    value: 40\n", "    value: 0\n")));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().field, "parameters.sm_count.value");
  auto q = load_gpu_profile_file(write(t4_with("    value: 40\n", "    value: 40.5\n")));
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.error().message.find("whole number"), std::string::npos);
}

TEST_F(ProfileFile, RejectsMissingSourceAndMissingParameter) {
  auto p = load_gpu_profile_file(
      write(t4_with("    source: \"deviceQuery on a T4: L2 Cache Size 4194304 bytes\"\n", "")));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().field, "parameters.l2_cache.source");
  auto q = load_gpu_profile_file(
      write(t4_with("  copy_engines:\n    value: 3\n    unit: count\n",
                    "  copy_engines_removed_marker:\n    value: 3\n    unit: count\n")));
  ASSERT_FALSE(q.ok());  // unknown key first
  const std::string only_header = "name: x\nparameters:\n  sm_count: {value: 40, unit: count, source: s}\n";
  auto r = load_gpu_profile_file(write(only_header));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("missing parameter"), std::string::npos);
}

TEST_F(ProfileFile, ReportsInvalidYamlWithLine) {
  auto p = load_gpu_profile_file(write("name: t4\nparameters: [unclosed\n"));
  ASSERT_FALSE(p.ok());
  EXPECT_GT(p.error().line, 0);
  EXPECT_NE(p.error().message.find("invalid YAML"), std::string::npos);
}

TEST_F(ProfileFile, RejectsInconsistentFigures) {
  auto p = load_gpu_profile_file(write(t4_with("    value: 15079\n", "    value: 17000\n")));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().field, "parameters.memory_usable");
}

// issue_saturation_warps: 16 on the T4 (4 schedulers x 4-cycle dependent issue); optional (absent:
// 0, issue saturation not modeled); at most the resident warps per SM (1,024 / 32 = 32).
TEST_F(ProfileFile, IssueSaturationWarpsIsOptionalAndBoundedByTheResidentWarps) {
  auto t4 = builtin_gpu_profile("t4");
  ASSERT_TRUE(t4.ok());
  EXPECT_EQ(t4->issue_saturation_warps, 16);
  // The shipped file without the entry (it is the last parameter of the file).
  const std::string shipped = t4_with("", "");
  const auto at = shipped.find("  issue_saturation_warps:\n");
  ASSERT_NE(at, std::string::npos);
  auto absent = load_gpu_profile_file(write(shipped.substr(0, at)));
  ASSERT_TRUE(absent.ok()) << absent.error().message;
  EXPECT_EQ(absent->issue_saturation_warps, 0);
  auto too_many = load_gpu_profile_file(write(
      t4_with("  issue_saturation_warps:\n    value: 16\n", "  issue_saturation_warps:\n    value: 33\n")));
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.error().field, "parameters.issue_saturation_warps");
}

TEST_F(ProfileFile, MissingFileIsAnError) {
  auto p = load_gpu_profile_file("/nonexistent/profile.yaml");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().file, "/nonexistent/profile.yaml");
}

}  // namespace
}  // namespace sharesim::models
