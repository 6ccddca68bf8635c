// CSV inputs: the reader, arrival traces, kernel profiles and Nsight Systems exports. Expected
// values are hand computations (written out beside each check) or sums taken with awk over the
// data files, never the program's own output.
#include "sharesim/scenarios/csv.h"

#include <gtest/gtest.h>

#include <string>

namespace sharesim::scenarios {
namespace {

using sim::Time;

const std::string kData = SHARESIM_TEST_DATA_DIR;
const std::string kOrion = std::string(SHARESIM_SOURCE_DIR) + "/scenarios/profiles/orion_resnet50_4_fwd.csv";
const std::string kAzure =
    std::string(SHARESIM_SOURCE_DIR) + "/scenarios/traces/AzureLLMInferenceTrace_conv.csv";

// ---- Reader -------------------------------------------------------------------------------------

TEST(CsvReader, QuotesCommasCrlfBomAndBlankLines) {
  const std::string text = "\xEF\xBB\xBFName,Value\r\n\"a, b\",1\r\n\r\n\"say \"\"hi\"\"\", 2 \r\nplain,3";
  auto t = parse_csv(text, "x.csv");
  ASSERT_TRUE(t.ok()) << t.error().to_string();
  ASSERT_EQ(t->header.size(), 2u);
  EXPECT_EQ(t->header[0], "Name");  // BOM skipped
  ASSERT_EQ(t->rows.size(), 3u);
  EXPECT_EQ(t->rows[0].fields[0], "a, b");
  EXPECT_EQ(t->rows[0].line, 2);
  EXPECT_EQ(t->rows[1].fields[0], "say \"hi\"");
  EXPECT_EQ(t->rows[1].fields[1], "2");  // unquoted fields are trimmed
  EXPECT_EQ(t->rows[1].line, 4);         // the blank line 3 is skipped
  EXPECT_EQ(t->rows[1].columns[1], 15);  // "say ""hi""" spans columns 1-12, the comma 13, a blank 14, then 2
  EXPECT_EQ(t->rows[2].fields[1], "3");
  EXPECT_EQ(t->column("value"), 1u);  // case-insensitive fallback
}

TEST(CsvReader, WrongFieldCountAndUnclosedQuoteAreErrorsWithLines) {
  auto t = parse_csv("a,b\n1,2\n3\n", "x.csv");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().line, 3);
  EXPECT_NE(t.error().message.find("expected 2 comma-separated fields"), std::string::npos);
  auto q = parse_csv("a,b\n1,\"2\n", "x.csv");
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.error().line, 2);
  EXPECT_EQ(q.error().column, 3);
}

// ---- Timestamps and traces ----------------------------------------------------------------------

TEST(TraceTimestamps, AbsoluteAndRelativeForms) {
  bool absolute = false;
  // `date -u -d '2023-11-16 18:15:46' +%s` = 1700158546; plus .6805900 s.
  auto t = parse_trace_timestamp_ns("2023-11-16 18:15:46.6805900", &absolute);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_TRUE(absolute);
  EXPECT_EQ(*t, int64_t{1'700'158'546} * 1'000'000'000 + 680'590'000);
  auto epoch = parse_trace_timestamp_ns("1970-01-01T00:00:00", &absolute);
  ASSERT_TRUE(epoch.ok());
  EXPECT_EQ(*epoch, 0);
  // 2024 is a leap year: 2024-03-01 is 60 days after 2024-01-01; 2023 is not.
  auto leap = parse_trace_timestamp_ns("2024-02-29 00:00:00", nullptr);
  ASSERT_TRUE(leap.ok());
  EXPECT_FALSE(parse_trace_timestamp_ns("2023-02-29 00:00:00", nullptr).ok());
  EXPECT_FALSE(parse_trace_timestamp_ns("2023-11-16 24:00:00", nullptr).ok());
  EXPECT_FALSE(parse_trace_timestamp_ns("2023-11-16 18:15:46.1234567891", nullptr).ok());  // 10 digits
  // Beyond 64-bit nanoseconds since 1970 (about 292 years): rejected, not overflowed.
  EXPECT_FALSE(parse_trace_timestamp_ns("9999-12-31 23:59:59", nullptr).ok());
  EXPECT_TRUE(parse_trace_timestamp_ns("2200-01-01 00:00:00", nullptr).ok());

  auto rel = parse_trace_timestamp_ns("12.000000001", &absolute);
  ASSERT_TRUE(rel.ok());
  EXPECT_FALSE(absolute);
  EXPECT_EQ(*rel, 12'000'000'001);
  EXPECT_EQ(*parse_trace_timestamp_ns(".5", nullptr), 500'000'000);
  for (const char* bad : {"", "-1", "1e3", "abc", "1.2.3", "nan"}) {
    EXPECT_FALSE(parse_trace_timestamp_ns(bad, nullptr).ok()) << bad;
  }
}

TEST(TraceCsv, AzureTimestampsGiveExactGaps) {
  TraceCsvOptions o;
  o.scale_column = "ContextTokens";
  auto t = load_trace_csv(kData + "/azure_conv_head.csv", o);
  ASSERT_TRUE(t.ok()) << t.error().to_string();
  ASSERT_EQ(t->offsets.size(), 6u);
  // Hand subtraction from 18:15:46.6805900:
  EXPECT_EQ(t->offsets[0], Time::zero());
  EXPECT_EQ(t->offsets[1], Time::ns(4'314'579'000));  // 50.9951690 - 46.6805900 = 4.3145790 s
  EXPECT_EQ(t->offsets[2], Time::ns(4'541'877'000));  // 51.2224670 - 46.6805900 = 4.5418770 s
  EXPECT_EQ(t->offsets[3], Time::ns(4'710'427'000));  // 51.3910170 - 46.6805900 = 4.7104270 s
  EXPECT_EQ(t->offsets[4], Time::ns(5'892'655'000));  // 52.5732450 - 46.6805900 = 5.8926550 s
  EXPECT_EQ(t->offsets[5], Time::ns(6'311'529'000));  // 52.9921190 - 46.6805900 = 6.3115290 s
  // ContextTokens 374, 396, 879, 91, 91, 381: sum 2,212, mean 2212 / 6; scale = value * 6 / 2212.
  ASSERT_EQ(t->work_scale.size(), 6u);
  EXPECT_DOUBLE_EQ(t->work_scale[0], 374.0 * 6 / 2212);
  EXPECT_DOUBLE_EQ(t->work_scale[2], 879.0 * 6 / 2212);
  EXPECT_EQ(t->source, kData + "/azure_conv_head.csv");
}

TEST(TraceCsv, TimeScaleStartAndLimit) {
  TraceCsvOptions o;
  o.time_scale = 0.5;  // twice as fast: every gap halves
  auto fast = load_trace_csv(kData + "/azure_conv_head.csv", o);
  ASSERT_TRUE(fast.ok());
  EXPECT_EQ(fast->offsets[1], Time::ns(2'157'289'500));  // 4.3145790 s / 2
  EXPECT_TRUE(fast->work_scale.empty());

  o.time_scale = 1.0;
  o.start = 1;
  o.limit = 2;
  auto part = load_trace_csv(kData + "/azure_conv_head.csv", o);
  ASSERT_TRUE(part.ok());
  ASSERT_EQ(part->offsets.size(), 2u);
  EXPECT_EQ(part->offsets[0], Time::zero());
  EXPECT_EQ(part->offsets[1], Time::ns(227'298'000));  // 51.2224670 - 50.9951690 = 0.2272980 s

  o.start = 6;  // one past the last of 6 rows
  auto beyond = load_trace_csv(kData + "/azure_conv_head.csv", o);
  ASSERT_FALSE(beyond.ok());
  EXPECT_EQ(beyond.error().field, "start");
  o.start = 0;
  o.limit = 0;
  EXPECT_FALSE(load_trace_csv(kData + "/azure_conv_head.csv", o).ok());
  o.limit.reset();
  o.time_scale = 0;
  EXPECT_FALSE(load_trace_csv(kData + "/azure_conv_head.csv", o).ok());
}

TEST(TraceCsv, RelativeSecondsWithBomAndCrlf) {
  TraceCsvOptions o;
  o.time_column = "time_s";
  o.scale_column = "tokens";
  auto t = load_trace_csv(kData + "/trace_relative_bom_crlf.csv", o);
  ASSERT_TRUE(t.ok()) << t.error().to_string();
  ASSERT_EQ(t->offsets.size(), 3u);
  EXPECT_EQ(t->offsets[1], Time::ms(250));
  EXPECT_EQ(t->offsets[2], Time::ms(1500));
  // tokens 10, 30, 20: mean 20.
  EXPECT_DOUBLE_EQ(t->work_scale[0], 0.5);
  EXPECT_DOUBLE_EQ(t->work_scale[1], 1.5);
  EXPECT_DOUBLE_EQ(t->work_scale[2], 1.0);
}

TEST(TraceCsv, ErrorsNameLineAndColumn) {
  auto back = load_trace_csv(kData + "/trace_backwards.csv", {});
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.error().line, 4);
  EXPECT_EQ(back.error().column, 1);
  EXPECT_EQ(back.error().field, "column 'TIMESTAMP'");
  EXPECT_NE(back.error().message.find("must not go backwards"), std::string::npos);
  EXPECT_NE(back.error().message.find("line 3"), std::string::npos);

  auto bad = load_trace_csv(kData + "/trace_malformed.csv", {});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().line, 3);
  EXPECT_EQ(bad.error().field, "column 'TIMESTAMP'");
  EXPECT_NE(bad.error().message.find("18:15:4x"), std::string::npos);

  TraceCsvOptions o;
  o.time_column = "arrival";
  auto missing = load_trace_csv(kData + "/azure_conv_head.csv", o);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().line, 1);
  EXPECT_NE(missing.error().message.find(
                "expected a column named 'arrival', found only: TIMESTAMP, ContextTokens, GeneratedTokens"),
            std::string::npos);

  auto mixed = parse_trace_csv("t\n2023-11-16 18:15:46\n5\n", "m.csv", {.time_column = "t"});
  ASSERT_FALSE(mixed.ok());
  EXPECT_EQ(mixed.error().line, 3);

  auto bad_scale = parse_trace_csv("t,n\n0,1\n1,-2\n", "s.csv", {.time_column = "t", .scale_column = "n"});
  ASSERT_FALSE(bad_scale.ok());
  EXPECT_EQ(bad_scale.error().field, "column 'n'");
  EXPECT_EQ(bad_scale.error().column, 3);

  auto no_file = load_trace_csv(kData + "/nope.csv", {});
  ASSERT_FALSE(no_file.ok());
  EXPECT_NE(no_file.error().message.find("cannot open"), std::string::npos);
}

TEST(TraceCsv, WholeAzureTrace) {
  auto t = load_trace_csv(kAzure, {});
  ASSERT_TRUE(t.ok()) << t.error().to_string();
  EXPECT_EQ(t->offsets.size(), 19'366u);  // `grep -c 2023` over the file
  // 19:14:08.4025270 - 18:15:46.6805900 = 58 min 21.7219370 s = 3,501.7219370 s.
  EXPECT_EQ(t->offsets.back(), Time::ns(3'501'721'937'000));
}

// ---- Kernel profiles ----------------------------------------------------------------------------

TEST(KernelProfileCsv, OrionResnet50TotalsMatchTheFile) {
  auto k = load_kernel_profile_csv(kOrion, {});
  ASSERT_TRUE(k.ok()) << k.error().to_string();
  ASSERT_EQ(k->size(), 175u);
  // awk -F, 'NR>1{s[$2]+=$5; n[$2]++}': Profile 1: 54 kernels 4,970,114 ns; 0: 80, 1,306,362 ns;
  // -1: 41, 221,948 ns; all: 6,498,424 ns (the README's 6.50 ms).
  int64_t total = 0, compute = 0, memory = 0, unknown = 0;
  int n_compute = 0, n_memory = 0, n_unknown = 0;
  for (const auto& kernel : *k) {
    const int64_t ns = kernel.duration.mean().count_ns();
    total += ns;
    if (kernel.memory_bound == 0.0) {
      compute += ns;
      ++n_compute;
    } else if (kernel.memory_bound == 1.0) {
      memory += ns;
      ++n_memory;
    } else {
      EXPECT_EQ(kernel.memory_bound, 0.5);
      unknown += ns;
      ++n_unknown;
    }
  }
  EXPECT_EQ(total, 6'498'424);
  EXPECT_EQ(compute, 4'970'114);
  EXPECT_EQ(memory, 1'306'362);
  EXPECT_EQ(unknown, 221'948);
  EXPECT_EQ(n_compute, 54);
  EXPECT_EQ(n_memory, 80);
  EXPECT_EQ(n_unknown, 41);
  // First row: Conv,1,0,98,100480.
  EXPECT_EQ((*k)[0].name, "Conv");
  EXPECT_EQ((*k)[0].sms, 98);
  EXPECT_EQ((*k)[0].duration.mean(), Time::ns(100'480));
  EXPECT_EQ((*k)[0].duration.kind(), sim::DurationDistribution::Kind::kDeterministic);
}

TEST(KernelProfileCsv, RooflineRescalingFromV100ToT4) {
  const GpuThroughput v100 = *builtin_gpu_throughput("v100-16gb");
  const GpuThroughput t4 = *builtin_gpu_throughput("t4");
  // Compute-bound: F_v100 / F_t4 = (80 x 1.53) / (40 x 1.59) = 122.4 / 63.6; memory-bound:
  // 900 / 320 = 2.8125; unknown (m = 0.5): the mean of the two.
  EXPECT_DOUBLE_EQ(roofline_time_factor(v100, t4, 0.0), 122.4 / 63.6);
  EXPECT_DOUBLE_EQ(roofline_time_factor(v100, t4, 1.0), 2.8125);
  EXPECT_DOUBLE_EQ(roofline_time_factor(v100, t4, 0.5), 0.5 * 122.4 / 63.6 + 0.5 * 2.8125);
  EXPECT_DOUBLE_EQ(roofline_time_factor(t4, t4, 0.3), 1.0);

  auto k = load_kernel_profile_csv(kOrion, {.measured_on = v100, .target = t4});
  ASSERT_TRUE(k.ok());
  int64_t total = 0;
  for (const auto& kernel : *k) total += kernel.duration.mean().count_ns();
  // Per class sums (awk) times the factors: 4,970,114 x 1.9245283 = 9,565,125.06;
  // 1,306,362 x 2.8125 = 3,674,143.13; 221,948 x 2.3685142 = 525,686.98; total 13,764,955.2 ns.
  // Each of the 175 kernels is rounded to a whole nanosecond, so the sum is within 175 x 0.5 ns.
  EXPECT_NEAR(static_cast<double>(total), 9'565'125.06 + 3'674'143.13 + 525'686.98, 88.0);
}

TEST(KernelProfileCsv, BadRowsNameLineAndColumn) {
  auto bad = parse_kernel_profile_csv(
      "Name,Profile,Memory_footprint,SM_usage,Duration\nConv,1,0,98,100480\nBN,2,0,64,40480\n", "p.csv", {});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().line, 3);
  EXPECT_EQ(bad.error().column, 4);
  EXPECT_EQ(bad.error().field, "column 'Profile'");
  auto dur = parse_kernel_profile_csv("Name,Profile,Memory_footprint,SM_usage,Duration\nConv,1,0,98,-5\n",
                                      "p.csv", {});
  ASSERT_FALSE(dur.ok());
  EXPECT_EQ(dur.error().field, "column 'Duration'");
  auto sms = parse_kernel_profile_csv("Name,Profile,Memory_footprint,SM_usage,Duration\nConv,1,0,0,5\n",
                                      "p.csv", {});
  ASSERT_FALSE(sms.ok());
  EXPECT_EQ(sms.error().field, "column 'SM_usage'");
  auto col = parse_kernel_profile_csv("Name,Profile,SMs,Duration\nConv,1,4,5\n", "p.csv", {});
  ASSERT_FALSE(col.ok());
  EXPECT_NE(col.error().message.find("'SM_usage'"), std::string::npos);
}

// ---- Nsight Systems -----------------------------------------------------------------------------

TEST(NsysTrace, SmDemandFromLaunchShape) {
  const SmLimits t4;
  // 784 blocks of 128 threads, 64 registers, 8,000 B shared: blocks/SM = min(16, 1024/128 = 8,
  // 65536/(64 x 128) = 8, 65536/8000 = 8) = 8 -> ceil(784 / 8) = 98 SMs -> capped at 40.
  EXPECT_EQ(estimate_sm_demand(784, 128, 64, 8000, t4), 40);
  // 4 blocks of 128 threads: 8 fit on one SM -> 1 SM.
  EXPECT_EQ(estimate_sm_demand(4, 128, 16, 0, t4), 1);
  // 16 blocks of 256 threads, 126 registers, 33,000 B shared: min(16, 4, 65536/32256 = 2,
  // 65536/33000 = 1) = 1 block per SM -> 16 SMs.
  EXPECT_EQ(estimate_sm_demand(16, 256, 126, 33000, t4), 16);
  // 100 blocks of 1024 threads: one per SM -> 100 -> 40.
  EXPECT_EQ(estimate_sm_demand(100, 1024, 0, 0, t4), 40);
  // 33 blocks of 32 threads: 16 per SM (block limit) -> ceil(33 / 16) = 3.
  EXPECT_EQ(estimate_sm_demand(33, 32, 0, 0, t4), 3);
}

TEST(NsysTrace, FixtureBecomesOpsInOrder) {
  auto ops = load_nsys_gpu_trace_csv(kData + "/nsys_resnet_request_cuda_gpu_trace.csv", {});
  ASSERT_TRUE(ops.ok()) << ops.error().to_string();
  ASSERT_EQ(ops->size(), 7u);
  const auto& in = std::get<models::CopyOpSpec>((*ops)[0]);
  EXPECT_EQ(in.direction, models::CopyDirection::kHostToDevice);
  EXPECT_EQ(in.bytes, 602'000);  // 0.602 MB, decimal as nsys writes it
  EXPECT_TRUE(in.pinned);        // SrcMemKd Pinned
  const auto& conv = std::get<models::KernelOpSpec>((*ops)[1]);
  EXPECT_EQ(conv.duration.mean(), Time::ns(412'345));
  EXPECT_EQ(conv.sms, 40);  // 784 blocks of 128 threads (see SmDemandFromLaunchShape)
  EXPECT_NE(conv.name.find("implicit_convolve_sgemm<float, float, 128"), std::string::npos);
  EXPECT_DOUBLE_EQ(conv.memory_bound, 0.5);
  // 16 x 64 = 1,024 blocks of 32 x 16 = 512 threads, 32 registers: min(16, 2, 4) = 2 per SM -> 512 -> 40.
  EXPECT_EQ(std::get<models::KernelOpSpec>((*ops)[2]).sms, 40);
  EXPECT_EQ(std::get<models::KernelOpSpec>((*ops)[3]).sms, 1);
  const auto& gemm = std::get<models::KernelOpSpec>((*ops)[4]);
  EXPECT_EQ(gemm.name, "turing_sgemm_128x64_nn");
  EXPECT_EQ(gemm.sms, 16);  // 33,000 B of shared memory allow one block per SM
  const auto& memset = std::get<models::KernelOpSpec>((*ops)[5]);
  EXPECT_EQ(memset.memory_bound, 1.0);
  EXPECT_EQ(memset.duration.mean(), Time::ns(1'216));
  const auto& out = std::get<models::CopyOpSpec>((*ops)[6]);
  EXPECT_EQ(out.direction, models::CopyDirection::kDeviceToHost);
  EXPECT_EQ(out.bytes, 4'000);
  EXPECT_FALSE(out.pinned);  // DstMemKd Pageable
  // Kernel time: 412,345 + 35,872 + 2,848 + 98,112 + 1,216 (memset) = 550,393 ns.
  int64_t kernel_ns = 0;
  for (const auto& op : *ops) {
    if (const auto* k = std::get_if<models::KernelOpSpec>(&op)) kernel_ns += k->duration.mean().count_ns();
  }
  EXPECT_EQ(kernel_ns, 550'393);
}

TEST(NsysTrace, OlderNamesOtherUnitsAndUnsortedRows) {
  const std::string text =
      "Start (us),Duration (us),CorrId,GrdX,GrdY,GrdZ,BlkX,BlkY,BlkZ,Reg/Trd,StcSMem (B),DymSMem (B),Bytes "
      "(B),Throughput (MBps),SrcMemKd,DstMemKd,Device,Ctx,Strm,Name\n"
      "20.000,2.500,3,,,,,,,,,,4096,0,Device,Pinned,Tesla T4 (0),1,7,[CUDA memcpy DtoH]\n"
      "1.000,3.250,1,,,,,,,,,,1048576,0,Pageable,Device,Tesla T4 (0),1,7,[CUDA memcpy HtoD]\n"
      "5.000,10.000,2,40,1,1,256,1,1,32,0,0,,,,,Tesla T4 (0),1,7,my_kernel\n";
  auto ops = parse_nsys_gpu_trace_csv(text, "old.csv", {});
  ASSERT_TRUE(ops.ok()) << ops.error().to_string();
  ASSERT_EQ(ops->size(), 3u);
  const auto& in = std::get<models::CopyOpSpec>((*ops)[0]);  // sorted by start: 1 us first
  EXPECT_EQ(in.bytes, 1'048'576);
  EXPECT_FALSE(in.pinned);  // SrcMemKd Pageable
  const auto& k = std::get<models::KernelOpSpec>((*ops)[1]);
  EXPECT_EQ(k.duration.mean(), Time::us(10));
  EXPECT_EQ(k.sms, 10);  // 40 blocks of 256 threads: 4 per SM -> 10 SMs
  const auto& out = std::get<models::CopyOpSpec>((*ops)[2]);
  EXPECT_EQ(out.direction, models::CopyDirection::kDeviceToHost);
  EXPECT_EQ(out.bytes, 4'096);
  EXPECT_TRUE(out.pinned);  // DstMemKd Pinned
}

TEST(NsysTrace, ErrorsNameTheLine) {
  auto none = parse_nsys_gpu_trace_csv("Time,Name\n1,k\n", "x.csv", {});
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("'Start ('"), std::string::npos);
  const std::string header =
      "Start (ns),Duration (ns),CorrId,GrdX,GrdY,GrdZ,BlkX,BlkY,BlkZ,Reg/Trd,StcSMem (MB),DymSMem (MB),Bytes "
      "(MB),Throughput (MB/s),SrcMemKd,DstMemKd,Device,Ctx,GreenCtx,Strm,Name\n";
  auto peer = parse_nsys_gpu_trace_csv(
      "NOTICE: x\n" + header +
          "1,2,3,,,,,,,,,,0.001,,Device,Device,GPU (0),1,,7,[CUDA memcpy Peer-to-Peer]\n",
      "p.csv", {});
  ASSERT_FALSE(peer.ok());
  EXPECT_EQ(peer.error().line, 3);  // the preamble line counts
  EXPECT_EQ(peer.error().field, "column 'Name'");
  auto grid =
      parse_nsys_gpu_trace_csv(header + "1,2,3,0,1,1,128,1,1,32,0,0,,,,,GPU (0),1,,7,k\n", "g.csv", {});
  ASSERT_FALSE(grid.ok());
  EXPECT_EQ(grid.error().line, 2);
  EXPECT_EQ(grid.error().field, "column 'GrdX'");
}

}  // namespace
}  // namespace sharesim::scenarios
