// `sharesim calibrate ...` end to end through run_calibrate_command.
#include "sharesim/calibrate/command.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sharesim/calibrate/raw_reader.h"
#include "sharesim/models/gpu_profile.h"

namespace sharesim::calibrate {
namespace {

namespace fs = std::filesystem;

struct CommandRun {
  int code = 0;
  std::string out;
  std::string err;
};

CommandRun run(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  CommandRun r;
  r.code = run_calibrate_command(args, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

// One folder per test (ctest runs the discovered tests of this file in parallel processes, which
// must not overwrite each other's files).
fs::path scratch(const std::string& name) {
  const testing::TestInfo* test = testing::UnitTest::GetInstance()->current_test_info();
  fs::path dir = fs::path(testing::TempDir()) / "sharesim_calibrate_command_test" /
                 (std::string(test->test_suite_name()) + "." + test->name());
  fs::create_directories(dir);
  return dir / name;
}

TEST(CalibrateCommand, NoArgumentsPrintsUsageAndIsBadInput) {
  CommandRun r = run({});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("usage: sharesim calibrate"), std::string::npos);
}

TEST(CalibrateCommand, UnknownActionAndOptionAreBadInput) {
  CommandRun a = run({"tune"});
  EXPECT_EQ(a.code, 2);
  EXPECT_EQ(a.err,
            "sharesim: error: calibrate: unknown action 'tune' (expected fit, compare, simulate or plan)\n");
  CommandRun b = run({"fit", "raw.csv", "--bogus"});
  EXPECT_EQ(b.code, 2);
  EXPECT_NE(b.err.find("unknown option '--bogus'"), std::string::npos);
  CommandRun c = run({"fit", "raw.csv"});
  EXPECT_EQ(c.code, 2);
  EXPECT_NE(c.err.find("-o OUT.yaml is required"), std::string::npos);
}

TEST(CalibrateCommand, CsvErrorIsOneLineWithFileLineAndField) {
  const fs::path raw = scratch("bad.csv");
  std::ofstream(raw) << "# device.sm_count: 40\n"
                        "suite,case,param,metric,value,unit,rep\n"
                        "copies,h2d_pinned,bytes=4096,time,abc,ns,0\n";
  CommandRun r = run({"fit", raw.string(), "-o", scratch("bad.yaml").string()});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err,
            "sharesim: error: " + raw.string() + ":3:35: value: expected a finite number, found 'abc'\n");
}

// Issue 12 item 12: `calibrate fit` refuses data that cannot identify a parameter, with exit 2 and
// one line naming the file, the line and the column of the row at fault.
struct Refusal {
  std::string name;
  std::string rows;  // after "# device.sm_count: 40", "# device.fp32_lanes_per_sm: 64" and the column line
  std::string location;  // ":LINE:COLUMN: FIELD: " expected after the file name
  std::string message;   // expected part of the message
};
void PrintTo(const Refusal& r, std::ostream* os) {
  *os << r.name;
}

class FitRefuses : public testing::TestWithParam<Refusal> {};

TEST_P(FitRefuses, WithFileLineAndColumn) {
  const Refusal& c = GetParam();
  const fs::path raw = scratch(c.name + ".csv");
  std::ofstream(raw) << "# device.sm_count: 40\n# device.fp32_lanes_per_sm: 64\n"
                        "suite,case,param,metric,value,unit,rep\n"
                     << c.rows;
  const fs::path yaml = scratch(c.name + ".yaml");
  fs::remove(yaml);
  CommandRun r = run({"fit", raw.string(), "-o", yaml.string()});
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_EQ(r.err.rfind("sharesim: error: " + raw.string() + c.location, 0), 0u) << r.err;
  EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_FALSE(fs::exists(yaml));
}

// Rows start at line 4. Columns: "copies,h2d_pinned," is 18 characters, so the param is at 19;
// "bytes=262144,time," 18 more: the value at 37.
INSTANTIATE_TEST_SUITE_P(
    Cases, FitRefuses,
    testing::Values(
        Refusal{"unknown_unit", "copies,h2d_pinned,bytes=4096,time,10,us,0\n",
                ":4:38: unit: ", "expected 'ns' for copies h2d_pinned time, found 'us'"},
        Refusal{"negative_size", "copies,h2d_pinned,bytes=-4096,time,10000,ns,0\n",
                ":4:19: param: ", "expected bytes at least 1"},
        Refusal{"denormal", "copies,h2d_pinned,bytes=4096,time,4.9e-324,ns,0\n",
                ":4:35: value: ", "subnormal"},
        // One size: any line passes through it (residual 0 %).
        Refusal{"single_point",
                "copies,h2d_pinned,bytes=4096,time,10000,ns,0\ncopies,h2d_pinned,bytes=4096,time,10000,ns,1\n"
                "copies,h2d_pinned,bytes=4096,time,10000,ns,2\n",
                ":4:19: param: ", "copies h2d_pinned: 1 distinct sizes cannot identify"},
        // Two sizes: still an exact fit with nothing left to judge it.
        Refusal{
            "two_points",
            "copies,h2d_pinned,bytes=4096,time,10000,ns,0\ncopies,h2d_pinned,bytes=16384,time,11000,ns,0\n",
            ":4:19: param: ", "2 distinct sizes"},
        // Decreasing times: the bounded slope used to land on its floor and read 1e9 GB/s.
        Refusal{
            "decreasing_copies",
            "copies,h2d_pinned,bytes=4096,time,40000,ns,0\ncopies,h2d_pinned,bytes=16384,time,30000,ns,0\n"
            "copies,h2d_pinned,bytes=65536,time,20000,ns,0\ncopies,h2d_pinned,bytes=262144,time,10000,ns,0\n",
            ":7:37: value: ", "copies h2d_pinned: the duration does not grow with the sizes"},
        // "sm-scaling,memory,blocks=640;bytes_per_block=2097152,time," is 58 characters.
        Refusal{
            "decreasing_memory",
            "sm-scaling,memory,blocks=160;bytes_per_block=2097152,time,3000000,ns,0\n"
            "sm-scaling,memory,blocks=320;bytes_per_block=2097152,time,2000000,ns,0\n"
            "sm-scaling,memory,blocks=640;bytes_per_block=2097152,time,1000000,ns,0\n",
            ":6:59: value: ", "sm-scaling memory (grids of one wave or more): the duration does not grow"},
        // "sm-scaling,compute," is 19 characters: the param at 20.
        Refusal{"single_compute_grid", "sm-scaling,compute,blocks=40;iterations=20000,time,2000000,ns,0\n",
                ":4:20: param: ", "sm-scaling compute: 1 distinct work amounts"},
        // "launch,back_to_back,kernels=2,gap," is 34 characters.
        Refusal{"one_launch_gap", "launch,back_to_back,kernels=2,gap,3000,ns,0\n",
                ":4:35: value: ", "1 gap(s) cannot give kernel_launch_overhead"},
        // Two contexts whose windows show no lost turn (as under MPS): no time slice to measure.
        Refusal{"timeslice_without_turns",
                "sharing,timeslice,procs=2;proc=0,window_start,0,ns,0\n"
                "sharing,timeslice,procs=2;proc=0,window_end,300000000,ns,0\n"
                "sharing,timeslice,procs=2;proc=1,window_start,0,ns,0\n"
                "sharing,timeslice,procs=2;proc=1,window_end,300000000,ns,0\n",
                ":4:19: param: ", "0 whole turn(s) and 0 switch(es)"},
        // One kernel alone and one beside another client: a ratio of two numbers, no spread.
        Refusal{
            "one_pair_kernel",
            "sharing,pair,kind=0;procs=1;proc=0,kernel_start,0,ns,0\n"
            "sharing,pair,kind=0;procs=1;proc=0,kernel_end,2000000,ns,0\n"
            "sharing,pair,kind=2;procs=2;proc=0,kernel_start,0,ns,0\n"
            "sharing,pair,kind=2;procs=2;proc=0,kernel_end,2200000,ns,0\n",
            ":6:14: param: ", "sharing pair: 1 kernel(s) with a median of 2.2e+06 ns cannot give a ratio"}),
    [](const testing::TestParamInfo<Refusal>& refusal) { return refusal.param.name; });

TEST(CalibrateCommand, AnUnwritableOutputIsBadInput) {
  // As every sharesim command (docs/hardening.md): exit 2, one line.
  // A folder that cannot exist: its parent is a regular file (root may create any other folder).
  const fs::path file = scratch("a-file");
  std::ofstream(file) << "x\n";
  CommandRun r = run({"simulate", "--profile", "t4", "--suite", "copies", "-o", (file / "sim.csv").string()});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(r.err.rfind("sharesim: error: ", 0), 0u) << r.err;
}

TEST(CalibrateCommand, UnknownProfileIsBadInput) {
  CommandRun r = run({"simulate", "--profile", "h100-sxm", "-o", scratch("x.csv").string()});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("h100-sxm"), std::string::npos) << r.err;
}

TEST(CalibrateCommand, SimulateFitCompare) {
  const fs::path sim_csv = scratch("sim.csv");
  const fs::path fitted = scratch("fitted.yaml");
  CommandRun s = run({"simulate", "--profile", "t4", "-o", sim_csv.string()});
  ASSERT_EQ(s.code, 0) << s.err;
  auto raw = read_raw_csv_file(sim_csv.string());
  ASSERT_TRUE(raw.ok()) << raw.error().to_string();
  EXPECT_FALSE(raw->rows.empty());

  CommandRun f = run({"fit", sim_csv.string(), "-o", fitted.string(), "--name", "my-t4"});
  ASSERT_EQ(f.code, 0) << f.err;
  EXPECT_NE(f.out.find("time_slice"), std::string::npos) << f.out;
  auto profile = models::load_gpu_profile_file(fitted.string());
  ASSERT_TRUE(profile.ok()) << profile.error().to_string();
  EXPECT_EQ(profile->name, "my-t4");
  // Fitting the model's own output gives the model's parameters back.
  EXPECT_NEAR(profile->time_slice.seconds(), 2e-3, 1e-9);
  EXPECT_NEAR(profile->context_switch_cost.seconds(), 25e-6, 1e-9);

  // The model against its own simulation: no error in any suite.
  CommandRun c = run({"compare", sim_csv.string(), "--profile", "t4"});
  ASSERT_EQ(c.code, 0) << c.err;
  for (const char* suite : {"copies", "launch", "sm-scaling", "overlap", "sharing"}) {
    EXPECT_NE(c.out.find(suite), std::string::npos) << suite << "\n" << c.out;
  }
  EXPECT_EQ(c.out.find("unmatched"), std::string::npos);
  // Mean and max error columns all read 0.00% (rounding of whole-ns completions aside).
  std::istringstream lines(c.out);
  std::string line;
  int suites = 0;
  while (std::getline(lines, line)) {
    if (line.find('%') == std::string::npos) continue;
    ++suites;
    EXPECT_NE(line.find("0.00%"), std::string::npos) << line;
  }
  EXPECT_EQ(suites, 5);
}

TEST(CalibrateCommand, CompareAgainstAnotherProfileShowsTheError) {
  const fs::path sim_csv = scratch("copies.csv");
  ASSERT_EQ(
      run({"simulate", "--profile", "t4", "--suite", "copies", "--mps", "off", "-o", sim_csv.string()}).code,
      0);
  // The V100 profile has other PCIe figures: its copies must differ from the T4's.
  CommandRun c = run({"compare", sim_csv.string(), "--profile", "v100-16gb", "--detail"});
  ASSERT_EQ(c.code, 0) << c.err;
  EXPECT_NE(c.out.find("copies/h2d_pinned/bytes=268435456/time"), std::string::npos) << c.out;
  EXPECT_EQ(c.out.find("copies          36       0.00%"), std::string::npos) << c.out;
}

TEST(CalibrateCommand, FitMergesRunsWithoutAndWithMps) {
  // As on a real server: the time-slice probe needs MPS off, the interference pairs need MPS on.
  const fs::path off = scratch("off.csv");
  const fs::path on = scratch("on.csv");
  const fs::path yaml = scratch("merged.yaml");
  ASSERT_EQ(
      run({"simulate", "--profile", "t4", "--suite", "sharing", "--mps", "off", "-o", off.string()}).code, 0);
  ASSERT_EQ(run({"simulate", "--profile", "t4", "--suite", "sharing", "--mps", "on", "-o", on.string()}).code,
            0);
  CommandRun one = run({"fit", off.string(), "-o", yaml.string()});
  ASSERT_EQ(one.code, 0) << one.err;
  EXPECT_NE(one.out.find("not fitted: mps_interference_penalty"), std::string::npos) << one.out;
  CommandRun both = run({"fit", off.string(), on.string(), "-o", yaml.string()});
  ASSERT_EQ(both.code, 0) << both.err;
  auto profile = models::load_gpu_profile_file(yaml.string());
  ASSERT_TRUE(profile.ok()) << profile.error().to_string();
  EXPECT_NEAR(profile->time_slice.seconds(), 2e-3, 1e-9);
  // 0.05 plus what the built-in T4's mps_launch_gap_per_client (1 us per other client) adds to
  // a 1.9 ms pair kernel (+0.05 %), which this fit does not separate yet.
  EXPECT_NEAR(profile->mps_interference_penalty, 0.05, 1e-3);
}

TEST(CalibrateCommand, FitRefusesToMergeDifferentGpus) {
  const fs::path t4 = scratch("t4-copies.csv");
  const fs::path a100 = scratch("a100-copies.csv");
  ASSERT_EQ(run({"simulate", "--profile", "t4", "--suite", "copies", "-o", t4.string()}).code, 0);
  ASSERT_EQ(run({"simulate", "--profile", "a100-80gb-pcie", "--suite", "copies", "-o", a100.string()}).code,
            0);
  CommandRun r = run({"fit", t4.string(), a100.string(), "-o", scratch("mixed.yaml").string()});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(
      r.err.rfind("sharesim: error: " + a100.string() + ": device.sm_count: expected the same SM count", 0),
      0u)
      << r.err;
}

TEST(CalibrateCommand, PlanPrintsEverySuiteAndAnEstimate) {
  CommandRun r = run({"plan", "--sm-count", "40"});
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* suite : {"copies", "launch", "sm-scaling", "overlap", "sharing", "total"}) {
    EXPECT_NE(r.out.find(suite), std::string::npos) << suite;
  }
  EXPECT_NE(r.out.find("estimate"), std::string::npos);
  EXPECT_EQ(run({"plan", "--sm-count", "zero"}).code, 2);
}

}  // namespace
}  // namespace sharesim::calibrate
