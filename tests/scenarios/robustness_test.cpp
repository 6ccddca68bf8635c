// Bad input never crashes or asserts: many deterministic mutations of the example scenarios and of
// CSV inputs each give either a Scenario or an Error that names a file and says what was expected.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "sharesim/scenarios/csv.h"
#include "sharesim/scenarios/loader.h"

namespace sharesim::scenarios {
namespace {

// A small deterministic generator (the test must not depend on <random>'s per-library algorithms).
struct SplitMix {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  size_t below(size_t n) { return static_cast<size_t>(next() % n); }
};

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Replaces, deletes or inserts one character, or swaps in a token that is often wrong.
std::string mutate(std::string text, SplitMix& rng) {
  static const char* kTokens[] = {"-1", ".nan", ".inf",  "0",  "[]",
                                  "{}", "\"\"", "1e400", "x",  ": ",
                                  "- ", "\n",   "&a",    "*a", "99999999999999999999",
                                  "0=", ",",    "\t",    "'",  "\""};
  if (text.empty()) return text;
  const size_t at = rng.below(text.size());
  switch (rng.below(4)) {
    case 0:
      text.erase(at, 1 + rng.below(3));
      break;
    case 1:
      text.insert(at, kTokens[rng.below(std::size(kTokens))]);
      break;
    case 2:
      text[at] = static_cast<char>(' ' + rng.below(95));
      break;
    default: {
      // Replace the value after a ": " with a token.
      const size_t colon = text.find(": ", at);
      if (colon != std::string::npos) {
        const size_t end = text.find_first_of(",}\n", colon + 2);
        text.replace(colon + 2, end == std::string::npos ? 0 : end - colon - 2,
                     kTokens[rng.below(std::size(kTokens))]);
      }
    }
  }
  return text;
}

TEST(Robustness, MutatedExampleScenariosGiveAScenarioOrALocatedError) {
  const std::string dir = std::string(SHARESIM_SOURCE_DIR) + "/scenarios/examples";
  SplitMix rng{12345};
  int errors = 0;
  int loaded = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml" || entry.path().filename() == "azure-llm-trace.yaml") continue;
    const std::string original = read(entry.path().string());
    for (int i = 0; i < 150; ++i) {
      std::string text = original;
      for (int m = 0; m < 1 + static_cast<int>(rng.below(3)); ++m) text = mutate(text, rng);
      auto r = load_scenario_text(text, "mutated.yaml", dir);
      if (r.ok()) {
        ++loaded;
        EXPECT_FALSE(r->devices.empty());
        EXPECT_FALSE(r->workloads.empty());
      } else {
        ++errors;
        EXPECT_FALSE(r.error().file.empty()) << r.error().to_string();
        EXPECT_FALSE(r.error().message.empty());
      }
    }
  }
  EXPECT_GT(errors, 100);  // most mutations break something...
  EXPECT_GT(loaded, 10);   // ...and some (e.g. in comments) do not
}

TEST(Robustness, MutatedCsvInputsGiveAValueOrALocatedError) {
  const std::string data = SHARESIM_TEST_DATA_DIR;
  const std::string trace = read(data + "/azure_conv_head.csv");
  const std::string nsys = read(data + "/nsys_resnet_request_cuda_gpu_trace.csv");
  const std::string profile =
      "Name,Profile,Memory_footprint,SM_usage,Duration\nConv,1,0,98,100480\nBN,0,0,64,40480\nk,-1,0,1,5472\n";
  SplitMix rng{777};
  for (int i = 0; i < 400; ++i) {
    auto t = parse_trace_csv(mutate(trace, rng), "t.csv", {.scale_column = "ContextTokens"});
    if (!t.ok()) {
      EXPECT_EQ(t.error().file, "t.csv");
      EXPECT_FALSE(t.error().message.empty());
    } else {
      EXPECT_FALSE(t->offsets.empty());
    }
    auto n = parse_nsys_gpu_trace_csv(mutate(nsys, rng), "n.csv", {});
    if (!n.ok()) {
      EXPECT_EQ(n.error().file, "n.csv");
    }
    auto p = parse_kernel_profile_csv(mutate(profile, rng), "p.csv", {});
    if (!p.ok()) {
      EXPECT_EQ(p.error().file, "p.csv");
    }
  }
}

}  // namespace
}  // namespace sharesim::scenarios
