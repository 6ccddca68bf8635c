// Profiler output in, as measured: nsys copies kept at their measured duration, one request cut
// out of a whole export by time window or NVTX range, and perf_analyzer's CSV as a service curve.
// Expected values are read off the hand-written CSV texts.
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "sharesim/scenarios/csv.h"

namespace sharesim::scenarios {
namespace {

using sim::Time;

// Two requests of one export: each an H2D copy (7.2 MB, 661 us measured) and a kernel.
const std::string kHeader =
    "Start (ns),Duration (ns),CorrId,GrdX,GrdY,GrdZ,BlkX,BlkY,BlkZ,Reg/Trd,StcSMem (B),DymSMem (B),Bytes (B),"
    "Throughput (MB/s),SrcMemKd,DstMemKd,Device,Ctx,Strm,Name\n";
const std::string kTwoRequests =
    kHeader +
    "1000000,661000,1,,,,,,,,,,7200000,0,Pinned,Device,Tesla T4 (0),1,7,[CUDA memcpy HtoD]\n"
    "1700000,500000,2,40,1,1,256,1,1,32,0,0,,,,,Tesla T4 (0),1,7,first_kernel\n"
    "5000000,661000,3,,,,,,,,,,7200000,0,Pinned,Device,Tesla T4 (0),1,7,[CUDA memcpy HtoD]\n"
    "5700000,300000,4,40,1,1,256,1,1,32,0,0,,,,,Tesla T4 (0),1,7,second_kernel\n";

TEST(NsysMeasured, CopiesKeepTheirMeasuredDurationWhenAsked) {
  auto modeled = parse_nsys_gpu_trace_csv(kTwoRequests, "t.csv", {});
  ASSERT_TRUE(modeled.ok()) << modeled.error().to_string();
  EXPECT_FALSE(std::get<models::CopyOpSpec>((*modeled)[0]).measured.has_value());
  NsysOptions o;
  o.measured_copies = true;
  auto measured = parse_nsys_gpu_trace_csv(kTwoRequests, "t.csv", o);
  ASSERT_TRUE(measured.ok());
  const auto& copy = std::get<models::CopyOpSpec>((*measured)[0]);
  EXPECT_EQ(copy.measured, Time::us(661));
  EXPECT_EQ(copy.bytes, 7'200'000);
}

TEST(NsysMeasured, TimeWindowCutsOneRequestOutOfTheExport) {
  NsysOptions o;
  o.window_ns = {4'000'000, 6'100'000};  // the second request: rows starting at 5.0 and 5.7 ms
  auto ops = parse_nsys_gpu_trace_csv(kTwoRequests, "t.csv", o);
  ASSERT_TRUE(ops.ok()) << ops.error().to_string();
  ASSERT_EQ(ops->size(), 2u);
  EXPECT_EQ(std::get<models::KernelOpSpec>((*ops)[1]).name, "second_kernel");
  o.window_ns = {10'000'000, 11'000'000};
  auto none = parse_nsys_gpu_trace_csv(kTwoRequests, "t.csv", o);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("in the window"), std::string::npos);
}

TEST(NsysMeasured, NvtxRangeGivesTheWindowOfItsOccurrence) {
  const std::string pushpop =
      "Processing [r.sqlite] with [nvtx_pushpop_trace.py]...\n"
      "Start (ns),End (ns),Duration (ns),DurChild (ns),DurNonChild (ns),Name,PID,TID,Lvl,NumChild,RangeId,"
      "ParentId,RangeStack,NameTree\n"
      "900000,2300000,1400000,0,1400000,infer,1,1,0,0,1,,:1,infer\n"
      "4900000,6000000,1100000,0,1100000,infer,1,1,0,0,2,,:2,infer\n"
      "3000000,3100000,100000,0,100000,warmup,1,1,0,0,3,,:3,warmup\n";
  auto second = parse_nvtx_range_csv(pushpop, "n.csv", "infer", 2);
  ASSERT_TRUE(second.ok()) << second.error().to_string();
  EXPECT_DOUBLE_EQ(second->first, 4'900'000);
  EXPECT_DOUBLE_EQ(second->second, 6'000'000);
  auto missing = parse_nvtx_range_csv(pushpop, "n.csv", "infer", 3);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("found 2"), std::string::npos);
  // The GPU projection: start + duration, in microseconds here.
  const std::string projected =
      "Name,Projected Start (us),Projected Duration (us),Orig Start (us),Orig Duration (us),Style,PID,TID\n"
      "infer,1000.5,1200,900,1400,PushPop,1,1\n";
  auto p = parse_nvtx_range_csv(projected, "p.csv", "infer", 1);
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  EXPECT_DOUBLE_EQ(p->first, 1'000'500);
  EXPECT_DOUBLE_EQ(p->second, 2'200'500);
}

TEST(PerfAnalyzerCsv, ConcurrencyOneRowsBecomeTheServiceCurve) {
  // Batch 1: input 43 us, infer 4719 us, output 5 us; batch 8: 300, 20000, 40. The concurrency-4
  // row (queueing) is not an input.
  const std::string csv =
      "Batch Size,Concurrency,Inferences/Second,Client Send,Network+Server Send/Recv,Server Queue,Server "
      "Compute "
      "Input,Server Compute Infer,Server Compute Output,Client Recv,p50 latency,p90 latency,p95 latency,p99 "
      "latency\n"
      "1,1,163.6,69,1230,33,43,4719,5,9,6133,6191,6224,6415\n"
      "1,4,209.8,173,1268,12835,40,4706,5,9,19000,19500,19600,19900\n"
      "8,1,380.0,300,5000,40,300,20000,40,20,21000,21500,21600,21900\n";
  auto ops = parse_perf_analyzer_csv(csv, "pa.csv", {});
  ASSERT_TRUE(ops.ok()) << ops.error().to_string();
  ASSERT_EQ(ops->size(), 3u);
  const auto& infer = std::get<models::KernelOpSpec>((*ops)[1]);
  ASSERT_EQ(infer.batch_curve.size(), 2u);
  EXPECT_EQ(models::batch_curve_at(infer.batch_curve, 1), Time::us(4719));
  EXPECT_EQ(models::batch_curve_at(infer.batch_curve, 8), Time::us(20000));
  EXPECT_EQ(models::batch_curve_at(std::get<models::HostOpSpec>((*ops)[0]).batch_curve, 8), Time::us(300));
  EXPECT_EQ(models::batch_curve_at(std::get<models::HostOpSpec>((*ops)[2]).batch_curve, 1), Time::us(5));
  // Without a Batch Size column the sizes come from the scenario, one per row.
  const std::string plain =
      "Concurrency,Inferences/Second,Client Send,Network+Server Send/Recv,Server Queue,Server Compute Input,"
      "Server Compute Infer,Server Compute Output,Client Recv,p50 latency,p90 latency,p95 latency,p99 "
      "latency\n"
      "1,163.6,69,1230,33,43,4719,5,9,6133,6191,6224,6415\n";
  auto given = parse_perf_analyzer_csv(plain, "pa.csv", {2});
  ASSERT_TRUE(given.ok()) << given.error().to_string();
  EXPECT_EQ(std::get<models::KernelOpSpec>((*given)[1]).batch_curve.front().batch, 2);
  EXPECT_FALSE(parse_perf_analyzer_csv(plain, "pa.csv", {}).ok());
}

}  // namespace
}  // namespace sharesim::scenarios
