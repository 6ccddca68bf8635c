#include "sharesim/calibrate/plan.h"

#include <gtest/gtest.h>

namespace sharesim::calibrate {
namespace {

TEST(SuiteList, AllSelectsEverySuiteInPlanOrder) {
  std::vector<SuiteId> suites;
  std::string error;
  ASSERT_TRUE(parse_suite_list("all", suites, error));
  EXPECT_EQ(suites, all_suites());
}

TEST(SuiteList, ListKeepsPlanOrderAndDropsDuplicates) {
  std::vector<SuiteId> suites;
  std::string error;
  ASSERT_TRUE(parse_suite_list("launch,copies, launch", suites, error));
  EXPECT_EQ(suites, (std::vector<SuiteId>{SuiteId::kCopies, SuiteId::kLaunch}));
}

TEST(SuiteList, UnknownNameIsRejectedWithTheChoices) {
  std::vector<SuiteId> suites;
  std::string error;
  EXPECT_FALSE(parse_suite_list("copies,gemm", suites, error));
  EXPECT_NE(error.find("unknown suite 'gemm'"), std::string::npos) << error;
  EXPECT_NE(error.find("sm-scaling"), std::string::npos) << error;
  EXPECT_FALSE(parse_suite_list("", suites, error));
}

TEST(Plan, CopySizesGoFrom4KiBTo256MiBByFactorsOf4) {
  const Plan plan = make_plan(40);
  // 4 KiB * 4^k for k = 0..8: 4 KiB, 16 KiB, ..., 256 MiB.
  ASSERT_EQ(plan.copies.sizes_bytes.size(), 9u);
  EXPECT_EQ(plan.copies.sizes_bytes.front(), 4096);
  EXPECT_EQ(plan.copies.sizes_bytes.back(), 256ll * 1024 * 1024);
}

TEST(Plan, GridsRunFromOneBlockToSixteenWavesOfTheSmCount) {
  const Plan plan = make_plan(40);
  // {1, 2, 4, 8, 40/4, 40/2, 40, 41, 80, 160, 320, 640}
  EXPECT_EQ(plan.sm_scaling.grids, (std::vector<int>{1, 2, 4, 8, 10, 20, 40, 41, 80, 160, 320, 640}));
  const Plan small = make_plan(2);  // 2/4 = 0 is dropped, duplicates merged
  EXPECT_EQ(small.sm_scaling.grids, (std::vector<int>{1, 2, 3, 4, 8, 16, 32}));
}

TEST(Plan, SharingKernelsAreOneWaveAndHalfTheGpu) {
  const Plan plan = make_plan(40);
  EXPECT_EQ(plan.share_kernel().blocks, 40);
  EXPECT_EQ(plan.pair_compute_kernel().blocks, 20);
  EXPECT_EQ(plan.pair_memory_kernel().blocks, 40 * plan.sharing.pair_memory_waves);
}

TEST(Plan, ComputeKernelFlops) {
  // 1024 threads x 100 iterations x 8 FMAs x 2 flops = 1,638,400 flops per block.
  const ComputeKernelShape shape{.blocks = 3, .iterations = 100};
  EXPECT_DOUBLE_EQ(shape.flops_per_block(), 1'638'400.0);
  EXPECT_DOUBLE_EQ(shape.flops(), 3 * 1'638'400.0);
}

TEST(ParamString, RoundTripsAndRejectsMalformedText) {
  const std::vector<std::pair<std::string, int64_t>> params{{"procs", 2}, {"pct", 50}, {"proc", -1}};
  const std::string text = param_string(params);
  EXPECT_EQ(text, "procs=2;pct=50;proc=-1");
  std::vector<std::pair<std::string, int64_t>> back;
  ASSERT_TRUE(parse_param_string(text, back));
  EXPECT_EQ(back, params);
  EXPECT_FALSE(parse_param_string("procs", back));
  EXPECT_FALSE(parse_param_string("procs=two", back));
  EXPECT_FALSE(parse_param_string("=2", back));
  EXPECT_TRUE(parse_param_string("", back));
  EXPECT_TRUE(back.empty());
}

TEST(CopyCaseName, NamesDirectionAndMemory) {
  EXPECT_EQ(copy_case_name(true, true), "h2d_pinned");
  EXPECT_EQ(copy_case_name(false, false), "d2h_pageable");
}

}  // namespace
}  // namespace sharesim::calibrate
