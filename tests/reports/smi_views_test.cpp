// `sharesim smi` views read back from a results.json: the table and CSV show results.json's values,
// dmon prints one row per GPU per second, and bad files are clear errors.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sharesim/reports/smi.h"

namespace sharesim::reports {
namespace {

// A results.json shaped like `sharesim run`'s (only the keys smi reads), with round values:
// GPU 0 time-slicing, 45 % utilization, 3000 MiB used of 15079; GPU 1 idle.
constexpr const char* kResults = R"({
  "scenario": "two-gpus",
  "simulated_seconds": 4.0,
  "config": {"duration_s": 4.0, "warmup_s": 1.0},
  "gpus": [
    {"device": "edge", "index": 0, "claimed_by": "kubernetes", "policy": "time-slicing", "profile": "t4",
     "utilization_gpu": 0.45, "utilization_memory": 0.12, "sm_occupancy": 0.3, "copy_any_busy_fraction": 0.05,
     "memory_used_bytes": 3145728000, "memory_total_bytes": 15811477504, "memory_peak_bytes": 3145728000,
     "context_switches": 7, "faults": 0, "sample_window_s": 0.5, "sm_count": 40,
     "utilization_gpu_series": [1.0, 0.0, 0.5, 0.5, 0.2, 0.4],
     "utilization_memory_series": [0.1, 0.1, 0.1, 0.1, 0.1, 0.1],
     "sm_occupancy_series": [0.5, 0.5, 0.25, 0.25, 0.0, 0.0],
     "copy_busy_series": [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
     "processes": [
       {"workload": "detector", "replica": 0, "memory_bytes": 2097152000, "mps_active_thread_percentage": null,
        "sm_cap": 40, "failed": false, "failure": ""},
       {"workload": "ocr", "replica": 0, "memory_bytes": 1048576000, "mps_active_thread_percentage": null,
        "sm_cap": 40, "failed": false, "failure": ""}]},
    {"device": "edge", "index": 1, "claimed_by": "", "policy": "", "profile": "t4",
     "utilization_gpu": 0, "utilization_memory": 0, "sm_occupancy": 0, "memory_used_bytes": 0,
     "memory_total_bytes": 15811477504, "sample_window_s": 1, "utilization_gpu_series": [], "processes": []}
  ]
})";

std::string write_temp(const std::string& name, const std::string& content) {
  const auto path = std::filesystem::temp_directory_path() / ("sharesim_smi_test_" + name);
  std::ofstream(path) << content;
  return path.string();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(SmiViewsTest, LoadsTheValuesOfResultsJson) {
  auto s = load_smi_snapshot(write_temp("load.json", kResults));
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  EXPECT_EQ(s->scenario, "two-gpus");
  EXPECT_DOUBLE_EQ(s->warmup_s, 1.0);
  ASSERT_EQ(s->gpus.size(), 2u);
  EXPECT_DOUBLE_EQ(s->gpus[0].utilization_gpu, 0.45);
  EXPECT_EQ(s->gpus[0].memory_used_bytes, 3145728000);
  ASSERT_EQ(s->gpus[0].processes.size(), 2u);
  EXPECT_EQ(s->gpus[0].processes[1].name, "ocr/0");
}

// 3145728000 B = 3000 MiB; 15811477504 B = 15079 MiB; 2097152000 B = 2000 MiB; 0.45 -> 45 %.
TEST(SmiViewsTest, TableShowsResultsJsonValues) {
  auto s = load_smi_snapshot(write_temp("table.json", kResults));
  ASSERT_TRUE(s.ok());
  auto table = smi_table(*s, std::nullopt);
  ASSERT_TRUE(table.ok());
  EXPECT_NE(table->find("3000MiB / 15079MiB"), std::string::npos) << *table;
  EXPECT_NE(table->find("     45%"), std::string::npos) << *table;
  EXPECT_NE(table->find("detector/0"), std::string::npos);
  EXPECT_NE(table->find("2000MiB"), std::string::npos);
  EXPECT_NE(table->find("1000MiB"), std::string::npos);
  EXPECT_NE(table->find("0MiB / 15079MiB"), std::string::npos);  // the idle GPU
  // Every box line has the same width, as nvidia-smi's.
  for (const auto& line : lines_of(*table)) {
    if (!line.empty() && (line[0] == '|' || line[0] == '+')) {
      EXPECT_EQ(line.size(), 91u) << line;
    }
  }
}

// --at picks the sample window containing the instant: 2.3 s is 1.3 s into the measurement,
// window floor(1.3 / 0.5) = 2, whose utilization is 0.5.
TEST(SmiViewsTest, AtPicksTheWindow) {
  auto s = load_smi_snapshot(write_temp("at.json", kResults));
  ASSERT_TRUE(s.ok());
  auto csv = smi_query_csv(*s, 2.3);
  ASSERT_TRUE(csv.ok());
  const auto lines = lines_of(*csv);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1], "0, t4 edge/0, time-slicing, 50, 10, 25, 3000, 15079");
  EXPECT_EQ(lines[2], "1, t4 edge/1, idle, 0, 0, 0, 0, 15079");
  auto means = smi_query_csv(*s, std::nullopt);
  ASSERT_TRUE(means.ok());
  EXPECT_EQ(lines_of(*means)[1], "0, t4 edge/0, time-slicing, 45, 12, 30, 3000, 15079");
  EXPECT_FALSE(smi_table(*s, 0.5).ok());  // before the warm-up ended
  EXPECT_FALSE(smi_table(*s, 4.5).ok());  // after the run
}

// 3 s measured in 0.5 s windows: 3 rows per GPU. GPU 0's sm per second: (1.0 + 0.0) / 2 = 50,
// (0.5 + 0.5) / 2 = 50, (0.2 + 0.4) / 2 = 30; smocc 50, 25, 0.
TEST(SmiViewsTest, DmonPrintsOneRowPerGpuPerSecond) {
  auto s = load_smi_snapshot(write_temp("dmon.json", kResults));
  ASSERT_TRUE(s.ok());
  const auto lines = lines_of(smi_dmon(*s, true));
  ASSERT_EQ(lines.size(), 1u + 3u * 2u);
  EXPECT_EQ(lines[0], "time_s,gpu,sm,mem,copy,smocc,fb_mib");
  EXPECT_EQ(lines[1], "2.000,0,50,10,0,50,3000");
  EXPECT_EQ(lines[2], "2.000,1,0,0,0,0,0");
  EXPECT_EQ(lines[3], "3.000,0,50,10,0,25,3000");
  EXPECT_EQ(lines[5], "4.000,0,30,10,0,0,3000");
  const auto table = lines_of(smi_dmon(*s, false));
  ASSERT_EQ(table.size(), 2u + 6u);
  EXPECT_EQ(table[0].substr(0, 5), "#Time");
}

TEST(SmiViewsTest, ResampleHandlesPartialSecondsAndLongWindows) {
  // 2 s windows over 3 s measured: seconds 0 and 1 lie in window 0, second 2 in window 1.
  EXPECT_EQ(resample_per_second({0.4, 0.8}, 2.0, 3.0), (std::vector<double>{0.4, 0.4, 0.8}));
  // 1 s windows, 2.5 s measured: the last (partial) second keeps its own value.
  EXPECT_EQ(resample_per_second({0.1, 0.2, 0.6}, 1.0, 2.5), (std::vector<double>{0.1, 0.2, 0.6}));
  EXPECT_TRUE(resample_per_second({}, 1.0, 2.0).empty());
}

TEST(SmiViewsTest, MissingFileIsAnError) {
  auto s = load_smi_snapshot("/nonexistent/sharesim/results.json");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().file, "/nonexistent/sharesim/results.json");
  EXPECT_NE(s.error().message.find("cannot open"), std::string::npos);
}

TEST(SmiViewsTest, GarbledFileIsAnError) {
  auto garbled = load_smi_snapshot(write_temp("garbled.json", "{\"gpus\": [ {\"device\": "));
  ASSERT_FALSE(garbled.ok());
  EXPECT_NE(garbled.error().message.find("not valid JSON"), std::string::npos);
  auto other = load_smi_snapshot(write_temp("other.json", "{\"hello\": 1}"));
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.error().message.find("'gpus'"), std::string::npos);
  auto wrong = load_smi_snapshot(write_temp("wrong.json", R"({"simulated_seconds": 1, "gpus": [{"device": "e",
    "index": 0, "utilization_gpu": "high", "memory_used_bytes": 0}]})"));
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message.find("utilization_gpu"), std::string::npos);
}

}  // namespace
}  // namespace sharesim::reports
