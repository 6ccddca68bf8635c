// Shard files: one shard's evaluations as text (exact: reals as hexadecimal floating point), and
// back, for `sharesim merge`.
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "sharesim/planner/planner.h"

namespace sharesim::planner {

// Line format (one record per line, fields separated by tabs, text fields percent-encoded):
//   sharesim-plan-shard 1
//   scenario <path>        override <text>        shard <i> <n>        limit <candidates per level>
//   level <l> <candidates>
//   eval <index> <state> <feasible> <margin> <reason>
//   check <workload> <metric> <target> <measured> <margin> <met>
//   proof <kind>           (after its eval: Evaluation::Proof 1..3)
// Reals are hexadecimal floating point (%a), which reads back exactly.
namespace {

std::string encode(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '%' || c == '\t' || c == '\n' || c == '\r' || c == ' ') {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
      out += buf;
    } else {
      out.push_back(c);
    }
  }
  return out.empty() ? "%" : out;  // a lone '%' stands for the empty string
}

std::string decode(std::string_view s) {
  if (s == "%") return "";
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out.push_back(static_cast<char>(std::strtol(std::string(s.substr(i + 1, 2)).c_str(), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string hex(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%a", v);
  return buf;
}

std::vector<std::string> split_tabs(std::string_view line) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (true) {
    size_t tab = line.find('\t', pos);
    out.emplace_back(line.substr(pos, tab == std::string_view::npos ? std::string_view::npos : tab - pos));
    if (tab == std::string_view::npos) break;
    pos = tab + 1;
  }
  return out;
}

}  // namespace

std::string shard_text(const PlanInput& input, const PlanOptions& options, const PlanResult& result) {
  std::string out = "sharesim-plan-shard\t1\n";
  out += "scenario\t" + encode(input.path) + "\n";
  if (!input.content_hash.empty()) out += "content\t" + input.content_hash + "\n";
  for (const std::string& o : input.overrides) out += "override\t" + encode(o) + "\n";
  out += "shard\t" + std::to_string(options.shard_index) + "\t" + std::to_string(options.shard_count) + "\n";
  out += "limit\t" + std::to_string(options.max_candidates_per_level) + "\n";
  for (const std::string& why : result.infeasible) out += "infeasible\t" + encode(why) + "\n";
  for (size_t l = 0; l < result.levels.size(); ++l) {
    const LevelResult& level = result.levels[l];
    out += "level\t" + std::to_string(l) + "\t" + std::to_string(level.candidates.size()) + "\n";
    for (size_t i = 0; i < level.evaluations.size(); ++i) {
      const Evaluation& e = level.evaluations[i];
      if (e.state == Evaluation::State::kNotEvaluated) continue;
      out += "eval\t" + std::to_string(i) + "\t" + std::to_string(static_cast<int>(e.state)) + "\t" +
             (e.feasible ? "1" : "0") + "\t" + hex(e.margin) + "\t" + encode(e.reason) + "\n";
      if (e.proof != Evaluation::Proof::kNone)
        out += "proof\t" + std::to_string(static_cast<int>(e.proof)) + "\n";
      for (const CheckOutcome& c : e.checks) {
        out += "check\t" + encode(c.workload) + "\t" + encode(c.metric) + "\t" + hex(c.target) + "\t" +
               hex(c.measured) + "\t" + hex(c.margin) + "\t" + (c.met ? "1" : "0") + "\n";
      }
    }
  }
  return out;
}

Result<ShardData> parse_shard_text(std::string_view text, const std::string& file) {
  ShardData data;
  int line_no = 0;
  size_t pos = 0;
  bool header = false;
  Evaluation* current = nullptr;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (line.empty()) continue;
    const std::vector<std::string> f = split_tabs(line);
    auto bad = [&](const std::string& what) {
      return Error{file, line_no, 1, f[0], "expected " + what + ", found '" + std::string(line) + "'"};
    };
    auto to_size = [](const std::string& s) {
      return static_cast<size_t>(std::strtoull(s.c_str(), nullptr, 10));
    };
    if (!header) {
      if (f.size() != 2 || f[0] != "sharesim-plan-shard" || f[1] != "1")
        return bad("a sharesim plan shard file (version 1)");
      header = true;
    } else if (f[0] == "scenario" && f.size() == 2) {
      data.path = decode(f[1]);
    } else if (f[0] == "content" && f.size() == 2) {
      data.content_hash = f[1];
    } else if (f[0] == "override" && f.size() == 2) {
      data.overrides.push_back(decode(f[1]));
    } else if (f[0] == "shard" && f.size() == 3) {
      data.shard_index = std::atoi(f[1].c_str());
      data.shard_count = std::atoi(f[2].c_str());
      if (data.shard_count < 1 || data.shard_index < 0 || data.shard_index >= data.shard_count)
        return bad("shard i n with 0 <= i < n");
    } else if (f[0] == "limit" && f.size() == 2) {
      data.max_candidates_per_level = to_size(f[1]);
      if (data.max_candidates_per_level == 0) return bad("limit N with N >= 1 (candidates per level)");
    } else if (f[0] == "infeasible" && f.size() == 2) {
      data.result.infeasible.push_back(decode(f[1]));
    } else if (f[0] == "level" && f.size() == 3) {
      if (to_size(f[1]) != data.result.levels.size()) return bad("levels in order");
      LevelResult level;
      level.evaluations.resize(to_size(f[2]));
      data.result.levels.push_back(std::move(level));
      current = nullptr;
    } else if (f[0] == "eval" && f.size() == 6 && !data.result.levels.empty()) {
      auto& evals = data.result.levels.back().evaluations;
      const size_t i = to_size(f[1]);
      const int state = std::atoi(f[2].c_str());
      if (i >= evals.size() || state < 1 || state > 3)
        return bad("a candidate index within its level and a state 1..3");
      current = &evals[i];
      current->state = static_cast<Evaluation::State>(state);
      current->feasible = f[3] == "1";
      current->margin = std::strtod(f[4].c_str(), nullptr);
      current->reason = decode(f[5]);
    } else if (f[0] == "check" && f.size() == 7 && current != nullptr) {
      CheckOutcome c;
      c.workload = decode(f[1]);
      c.metric = decode(f[2]);
      c.target = std::strtod(f[3].c_str(), nullptr);
      c.measured = std::strtod(f[4].c_str(), nullptr);
      c.margin = std::strtod(f[5].c_str(), nullptr);
      c.met = f[6] == "1";
      current->checks.push_back(std::move(c));
    } else if (f[0] == "proof" && f.size() == 2 && current != nullptr) {
      const int proof = std::atoi(f[1].c_str());
      if (proof < 1 || proof > 3) return bad("proof 1..3 (dominance, short run, confidence)");
      current->proof = static_cast<Evaluation::Proof>(proof);
    } else {
      return bad("a shard record (scenario, override, shard, limit, infeasible, level, eval, check, proof)");
    }
  }
  if (!header) return Error{file, 1, 1, "", "expected a sharesim plan shard file, found an empty file"};
  return data;
}

}  // namespace sharesim::planner
