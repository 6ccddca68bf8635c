// Hardening (issue 9, docs/hardening.md): the inputs the fuzzers found, kept as regressions; the
// YAML bombs (aliases, nesting) refused with a located error; the up-front event estimate and its
// limit. The whole bad-input corpus (tests/bad_inputs/) runs through the real binary in
// tests/bad_inputs/run_corpus.sh.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "sharesim/models/gpu_profile.h"
#include "sharesim/run/load_options.h"
#include "sharesim/scenarios/csv.h"
#include "sharesim/scenarios/estimate.h"
#include "sharesim/scenarios/loader.h"

namespace sharesim::scenarios {
namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// An error names the file it is about and says something. (That the CLI prints it as one line,
// even when the message quotes a line break from the input, is checked through the binary:
// tests/bad_inputs/t_newline_in_field.csv.)
void expect_located_error(const Error& error, const std::string& file, const std::string& input_name) {
  EXPECT_EQ(error.file, file) << input_name << ": " << error.to_string();
  EXPECT_FALSE(error.message.empty()) << input_name;
}

// Every input a fuzz target once crashed on (fuzz/regressions/<target>/) goes through the same
// parser again: it must give a value or an Error naming the file, and (under the sanitizer build) no
// sanitizer report. The first byte of a CSV regression picks the parser, as in fuzz/fuzz_csv.cpp.
TEST(FuzzRegressions, EveryKeptInputGivesAValueOrALocatedError) {
  const fs::path root = fs::path(SHARESIM_SOURCE_DIR) / "fuzz" / "regressions";
  int inputs = 0;
  for (const char* target : {"scenario", "csv", "gpu_profile"}) {
    if (!fs::is_directory(root / target)) continue;
    for (const auto& entry : fs::directory_iterator(root / target)) {
      const std::string name = entry.path().filename().string();
      if (!entry.is_regular_file() || name.starts_with(".")) continue;
      const std::string data = read(entry.path());
      ++inputs;
      if (std::string(target) == "scenario") {
        auto s =
            load_scenario_text(data, "fuzz.yaml", "/nonexistent-sharesim-fuzz", run::default_load_options());
        if (!s) expect_located_error(s.error(), "fuzz.yaml", name);
      } else if (std::string(target) == "gpu_profile") {
        auto p = models::parse_gpu_profile(data, "fuzz-profile.yaml");
        if (!p) expect_located_error(p.error(), "fuzz-profile.yaml", name);
      } else if (!data.empty()) {
        const std::string_view text = std::string_view(data).substr(1);
        switch (static_cast<unsigned char>(data[0]) % 4) {
          case 0: {
            auto t = parse_csv(text, "fuzz.csv");
            if (!t) expect_located_error(t.error(), "fuzz.csv", name);
            break;
          }
          case 1: {
            auto t = parse_trace_csv(text, "fuzz-trace.csv", {});
            if (!t) expect_located_error(t.error(), "fuzz-trace.csv", name);
            break;
          }
          case 2: {
            auto k = parse_kernel_profile_csv(text, "fuzz-profile.csv", {});
            if (!k) expect_located_error(k.error(), "fuzz-profile.csv", name);
            break;
          }
          default: {
            auto n = parse_nsys_gpu_trace_csv(text, "fuzz-nsys.csv", {});
            if (!n) expect_located_error(n.error(), "fuzz-nsys.csv", name);
            break;
          }
        }
      }
    }
  }
  // The folder holds the inputs the fuzzers found while this was written (docs/hardening.md).
  EXPECT_GE(inputs, 1);
}

// ---- YAML bombs -----------------------------------------------------------------------------

// "Billion laughs": level i is a list of 9 aliases of level i-1, so level 9 stands for 9^9 =
// 387,420,489 scalars. Expanding it would take tens of GB; the tree builder must refuse it while
// counting, at the alias that crosses 10^6 nodes. Level i counts 1 + 9 x level(i-1) nodes:
// 1, 10, 91, 820, 7,381, 66,430, 597,871 for levels 0..6, so the document holds about 672,600
// nodes after lol6, and the first alias on lol7 (+597,871) crosses 10^6. Lines: name 1,
// duration 2, lol0 3, ..., lol7 10.
TEST(YamlBombs, BillionLaughsIsRefusedWithoutExpanding) {
  std::string yaml = "name: bomb\nduration: 10s\nlol0: &a0 \"lol\"\n";
  for (int i = 1; i < 10; ++i) {
    yaml += "lol" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 9; ++j) yaml += (j ? ", *a" : "*a") + std::to_string(i - 1);
    yaml += "]\n";
  }
  auto s = load_scenario_text(yaml, "bomb.yaml", ".");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().file, "bomb.yaml");
  EXPECT_EQ(s.error().line, 10) << s.error().to_string();
  EXPECT_NE(s.error().message.find("aliases"), std::string::npos) << s.error().to_string();
}

// Aliases within the bound still work (docs/scenarios.md: anchors and aliases are expanded).
TEST(YamlBombs, OrdinaryAliasesStillExpand) {
  const std::string yaml =
      "name: aliases\nduration: 1s\n"
      "devices: [{name: box, setup: [{kubernetes: {}}]}]\n"
      "workloads:\n"
      "  - {name: a, device: box, arrivals: &arr {poisson: {rate: 10/s}}, request: &req {ops: [{kernel: "
      "{duration: 1ms}}]}}\n"
      "  - {name: b, device: box, arrivals: *arr, request: *req}\n";
  auto s = load_scenario_text(yaml, "aliases.yaml", ".");
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  ASSERT_EQ(s->workloads.size(), 2u);
  EXPECT_EQ(std::get<models::PoissonArrivals>(s->workloads[1].arrivals).rate_per_s, 10.0);
}

// 100,000 nested flow lists would overflow the stack of a recursive parser or tree; yaml-cpp
// stops at its depth guard (2,000 levels) and the loader reports it on line 2.
TEST(YamlBombs, DeepNestingIsRefusedWithoutOverflowingTheStack) {
  const std::string yaml =
      "name: deep\nduration: " + std::string(100000, '[') + std::string(100000, ']') + "\n";
  auto s = load_scenario_text(yaml, "deep.yaml", ".");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().file, "deep.yaml");
  EXPECT_EQ(s.error().line, 2) << s.error().to_string();
}

// ---- The up-front event estimate ------------------------------------------------------------

Scenario load(const std::string& arrivals, const std::string& extra = "",
              const std::string& duration = "10s") {
  const std::string yaml = "name: estimate\nduration: " + duration + "\n" + extra +
                           "devices: [{name: box, gpus: 1, setup: [{kubernetes: {}}]}]\n"
                           "workloads:\n"
                           "  - name: app\n"
                           "    device: box\n"
                           "    arrivals: " +
                           arrivals +
                           "\n"
                           "    request: {ops: [{h2d: 1KiB}, {kernel: {duration: 1ms}}, {d2h: 1KiB}]}\n";
  auto s = load_scenario_text(yaml, "estimate.yaml", ".");
  EXPECT_TRUE(s.ok()) << s.error().to_string();
  return s.ok() ? std::move(*s) : Scenario{};
}

// Poisson 100/s for 10 s: 1,000 requests x (3 ops + 2) = 5,000 events, plus one GPU sampled every
// 1 s (the default utilization window) for 10 s: 10 events. Total 5,010.
TEST(EventEstimate, OpenLoopIsRateTimesDurationTimesOpsPlusTwo) {
  const EventEstimate e = estimate_events(load("{poisson: {rate: 100/s}}"));
  ASSERT_EQ(e.workloads.size(), 1u);
  EXPECT_DOUBLE_EQ(e.workloads[0].requests, 1000.0);
  EXPECT_DOUBLE_EQ(e.workloads[0].events_per_request, 5.0);
  EXPECT_DOUBLE_EQ(e.sampling_events, 10.0);
  EXPECT_DOUBLE_EQ(e.events, 5010.0);
}

// On/off: 100/s during ON (mean 1 s), 0 during OFF (mean 3 s): long-run rate 100 x 1 / 4 = 25/s,
// x 10 s = 250 requests.
TEST(EventEstimate, OnOffUsesTheLongRunRate) {
  const EventEstimate e =
      estimate_events(load("{onoff: {on_rate: 100/s, off_rate: 0/s, mean_on: 1s, mean_off: 3s}}"));
  EXPECT_DOUBLE_EQ(e.workloads[0].requests, 250.0);
}

// Closed loop: 4 clients, 9 ms think + 1 ms kernel = one request per 10 ms per client at most:
// 4 x 10 s / 0.01 s = 4,000 requests.
TEST(EventEstimate, ClosedLoopIsBoundedByThinkPlusWork) {
  const EventEstimate e = estimate_events(load("{closed_loop: {clients: 4, think: 9ms}}"));
  EXPECT_NEAR(e.workloads[0].requests, 4000.0, 1e-6);
}

// A trace counts the rows that arrive within the duration: offsets 0, 1, 2, 5 s are within
// 10 s; 20 s is not: 4 requests.
TEST(EventEstimate, TraceCountsTheRowsWithinTheDuration) {
  const fs::path dir = fs::temp_directory_path() / "sharesim_estimate_test";
  fs::create_directories(dir);
  std::ofstream(dir / "t.csv") << "time\n0\n1\n2\n5\n20\n";
  const std::string yaml =
      "name: estimate\nduration: 10s\n"
      "devices: [{name: box, setup: [{kubernetes: {}}]}]\n"
      "workloads: [{name: app, device: box, arrivals: {trace: {file: t.csv, time_column: time}}, "
      "request: {ops: [{kernel: {duration: 1ms}}]}}]\n";
  auto s = load_scenario_text(yaml, "estimate.yaml", dir.string());
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  EXPECT_DOUBLE_EQ(estimate_events(*s).workloads[0].requests, 4.0);
}

// 10^6/s for 10^6 s is 10^12 requests: refused at the workload's line (line 5: "  - name: app"),
// naming the estimate and the flag. Within the limit it passes.
TEST(EventEstimate, TheLimitRefusesAHugeRunAtTheWorkloadsLine) {
  const Scenario s = load("{poisson: {rate: 1000000/s}}", "", "1000000s");
  auto refused = check_event_limit(s, kDefaultMaxEvents);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().file, "estimate.yaml");
  EXPECT_EQ(refused.error().line, 5) << refused.error().to_string();
  EXPECT_NE(refused.error().message.find("--max-events"), std::string::npos) << refused.error().to_string();
  EXPECT_NE(refused.error().message.find("5e+12"), std::string::npos) << refused.error().to_string();
  EXPECT_TRUE(check_event_limit(s, 1e13).ok());
  EXPECT_TRUE(check_event_limit(load("{poisson: {rate: 100/s}}"), kDefaultMaxEvents).ok());
}

}  // namespace
}  // namespace sharesim::scenarios
