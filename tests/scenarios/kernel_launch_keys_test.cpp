// The kernel keys of the co-execution model (blocks, threads_per_block, registers_per_thread,
// shared_memory_per_block, sm_throughput, dram_throughput) and the request's `launch` key: a valid
// file fills KernelOpSpec / RequestSpec; bad values name file, line, column and field (counted by
// hand, 1-based, in kText).
#include <gtest/gtest.h>

#include <string>

#include "sharesim/scenarios/csv.h"
#include "sharesim/scenarios/loader.h"

namespace sharesim::scenarios {
namespace {

// Lines: 1 name  2 duration  3 devices  4 - name  5 sharing  6 workloads  7 - name  8 device
// 9 arrivals  10 request  11 launch  12 ops  13 - kernel  14 blocks...
constexpr const char* kText = R"(name: keys
duration: 1s
devices:
  - name: edge-1
    sharing: mps
workloads:
  - name: w
    device: edge-1
    arrivals: {poisson: {rate: 10/s}}
    request:
      launch: async
      ops:
        - kernel: {duration: 1ms, blocks: 80, threads_per_block: 256, registers_per_thread: 64,
                   shared_memory_per_block: 32KiB, sm_throughput: 0.4, dram_throughput: 0.3}
)";

std::string with(std::string_view from, std::string_view to) {
  std::string text = kText;
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "test bug: " << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

Result<Scenario> load(const std::string& yaml) {
  return load_scenario_text(yaml, "k.yaml", ".");
}

TEST(KernelLaunchKeys, AreReadIntoTheRequest) {
  auto s = load(kText);
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  const models::RequestSpec& r = s->workloads.at(0).request;
  EXPECT_EQ(r.launch, models::LaunchMode::kAsynchronous);
  const auto& k = std::get<models::KernelOpSpec>(r.ops.at(0));
  EXPECT_EQ(k.blocks, 80);
  EXPECT_EQ(k.threads_per_block, 256);
  EXPECT_EQ(k.registers_per_thread, 64);
  EXPECT_EQ(k.shared_memory_per_block, 32 * 1024);
  EXPECT_DOUBLE_EQ(k.sm_throughput, 0.4);
  EXPECT_DOUBLE_EQ(k.dram_throughput, 0.3);
}

TEST(KernelLaunchKeys, DefaultsAreTheSimpleKernelAndSynchronousLaunch) {
  auto s = load(with("      launch: async\n", ""));
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  EXPECT_EQ(s->workloads.at(0).request.launch, models::LaunchMode::kSynchronous);
}

TEST(KernelLaunchKeys, BadLaunchModeNamesTheField) {
  auto s = load(with("launch: async", "launch: later"));
  ASSERT_FALSE(s.ok());
  // "      launch: " is 14 characters: the value starts at column 15 of line 11.
  EXPECT_EQ(s.error().file, "k.yaml");
  EXPECT_EQ(s.error().line, 11);
  EXPECT_EQ(s.error().column, 15);
  EXPECT_EQ(s.error().field, "workloads[0].request.launch");
}

TEST(KernelLaunchKeys, ThroughputAboveOneAndThreadsWithoutBlocksAreRejected) {
  auto high = load(with("sm_throughput: 0.4", "sm_throughput: 40"));
  ASSERT_FALSE(high.ok());
  EXPECT_EQ(high.error().line, 14);
  EXPECT_EQ(high.error().field, "workloads[0].request.ops[0].kernel.sm_throughput");
  auto orphan = load(with("blocks: 80, ", ""));
  ASSERT_FALSE(orphan.ok());
  EXPECT_EQ(orphan.error().line, 13);
  EXPECT_EQ(orphan.error().field, "workloads[0].request.ops[0].kernel.threads_per_block");
  EXPECT_NE(orphan.error().message.find("expected blocks"), std::string::npos) << orphan.error().message;
}

// An nsys cuda_gpu_trace row gives the launch configuration: GrdX x GrdY x GrdZ blocks of
// BlkX x BlkY x BlkZ threads, Reg/Trd, StcSMem + DymSMem (here 40 x 2 blocks of 256 threads, 32
// registers, 1 KiB + 2 KiB of shared memory).
TEST(KernelLaunchKeys, NsysTraceCarriesTheLaunchConfiguration) {
  const std::string text =
      "Start (ns),Duration (ns),CorrId,GrdX,GrdY,GrdZ,BlkX,BlkY,BlkZ,Reg/Trd,StcSMem (B),DymSMem (B),Bytes "
      "(B),Throughput (MBps),SrcMemKd,DstMemKd,Device,Ctx,Strm,Name\n"
      "1000,5000,2,40,2,1,128,2,1,32,1024,2048,,,,,Tesla T4 (0),1,7,my_kernel\n";
  auto ops = parse_nsys_gpu_trace_csv(text, "t.csv", {});
  ASSERT_TRUE(ops.ok()) << ops.error().to_string();
  const auto& k = std::get<models::KernelOpSpec>(ops->at(0));
  EXPECT_EQ(k.blocks, 80);
  EXPECT_EQ(k.threads_per_block, 256);
  EXPECT_EQ(k.registers_per_thread, 32);
  EXPECT_EQ(k.shared_memory_per_block, 3072);
}

// A kernel-profile CSV may carry the same fields as extra columns (throughputs in percent, as
// Nsight Compute prints them); a bad value names its line and column.
TEST(KernelLaunchKeys, KernelProfileCsvCarriesOptionalLaunchColumns) {
  const std::string text =
      "Name,Profile,SM_usage,Duration,Blocks,Threads_per_block,Registers_per_thread,Shared_memory_per_block,"
      "SM_throughput,DRAM_throughput\n"
      "Conv,1,40,100000,160,256,64,32768,85.5,12\n"
      "Relu,0,20,5000,,,,,,\n";
  auto kernels = parse_kernel_profile_csv(text, "k.csv", {});
  ASSERT_TRUE(kernels.ok()) << kernels.error().to_string();
  const models::KernelOpSpec& conv = kernels->at(0);
  EXPECT_EQ(conv.blocks, 160);
  EXPECT_EQ(conv.threads_per_block, 256);
  EXPECT_EQ(conv.registers_per_thread, 64);
  EXPECT_EQ(conv.shared_memory_per_block, 32768);
  EXPECT_DOUBLE_EQ(conv.sm_throughput, 0.855);
  EXPECT_DOUBLE_EQ(conv.dram_throughput, 0.12);
  const models::KernelOpSpec& relu = kernels->at(1);  // empty cells: the simple description
  EXPECT_EQ(relu.blocks, 0);
  EXPECT_DOUBLE_EQ(relu.sm_throughput, -1);
  auto bad = parse_kernel_profile_csv(
      "Name,Profile,SM_usage,Duration,Blocks,SM_throughput\nConv,1,40,100000,160,120\n", "b.csv", {});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().line, 2);
  EXPECT_NE(bad.error().message.find("percentage"), std::string::npos) << bad.error().message;
}

}  // namespace
}  // namespace sharesim::scenarios
