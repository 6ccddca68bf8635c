// plan.json, plan.md and deployment artifacts; shard files.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>

#include "sharesim/deploy/deploy.h"
#include "sharesim/planner/planner.h"
#include "sharesim/reports/html_report.h"
#include "sharesim/reports/json_writer.h"
#include "sharesim/reports/text_format.h"

namespace sharesim::planner {

using reports::fmt;

using scenarios::Scenario;

namespace {

std::string value_text(const CheckOutcome& c, double v) {
  if (std::isinf(v)) return "unbounded";
  return c.metric == "throughput" ? fmt("%.6g/s", v) : fmt("%.4g ms", v * 1e3);
}

// The worst check of an evaluation (the smallest margin), or nullptr.
const CheckOutcome* worst_check(const Evaluation& e) {
  const CheckOutcome* worst = nullptr;
  for (const CheckOutcome& c : e.checks)
    if (worst == nullptr || c.margin < worst->margin) worst = &c;
  return worst;
}

std::string state_name(Evaluation::State s) {
  switch (s) {
    case Evaluation::State::kNotEvaluated:
      return "not-evaluated";
    case Evaluation::State::kScreenedOut:
      return "screened-out";
    case Evaluation::State::kSimulated:
      return "simulated";
    case Evaluation::State::kError:
      return "error";
  }
  return "?";
}

struct PartEnv {
  std::string part;  // scenario workload name
  std::string device;
  size_t gpu = 0;
  bool passthrough = false;
  std::string vm;
  int replicas = 1;
  std::vector<std::pair<std::string, std::string>> env;
};

std::vector<PartEnv> part_envs(const PlanInput& input, const Candidate& c) {
  const Scenario s = candidate_scenario(input.scenario, *input.spec, c);
  std::vector<PartEnv> out;
  for (const auto& w : s.workloads) {
    PartEnv p;
    p.part = w.name;
    p.device = w.device;
    p.passthrough = w.runtime == scenarios::RuntimeKind::kVm;
    p.vm = w.vm;
    p.replicas = w.replicas;
    if (w.visible_device) p.gpu = static_cast<size_t>(*w.visible_device);
    for (const auto& [k, v] : w.env) p.env.emplace_back(k, v);
    out.push_back(std::move(p));
  }
  return out;
}

void write_candidate(reports::JsonWriter& j, const PlanInput& input, const Candidate& c,
                     const Evaluation& e) {
  j.begin_object();
  j.field("level", static_cast<uint64_t>(c.level)).field("index", static_cast<uint64_t>(c.index));
  j.field("cost", c.cost).field("policy", c.policy_label()).field("description", c.describe(input.scenario));
  j.field("state", state_name(e.state)).field("feasible", e.feasible);
  if (e.state == Evaluation::State::kSimulated) j.field("margin", e.margin);
  if (!e.reason.empty()) j.field("reason", e.reason);
  j.key("checks").begin_array();
  for (const CheckOutcome& o : e.checks) {
    j.begin_object().field("workload", o.workload).field("metric", o.metric).field("target", o.target);
    j.field("measured", o.measured).field("margin", o.margin).field("met", o.met).end_object();
  }
  j.end_array();
  j.end_object();
}

std::string setup_order(const DevicePlan& d) {
  std::string out =
      "# Creation order on device '" + d.name +
      "': VMs claim GPUs in the order they are created,\n"
      "# so every GPU VM comes before Kubernetes (Kubernetes created first would claim every GPU).\n";
  int step = 0;
  for (size_t g = 0; g < d.gpus.size(); ++g) {
    if (d.gpus[g].passthrough)
      out += std::to_string(++step) + ". create VM '" + d.name + "-vm" + std::to_string(g) + "' (GPU " +
             std::to_string(g) + ", passthrough)\n";
  }
  if (d.has_containers())
    out += std::to_string(++step) + ". create Kubernetes (" + (d.mps ? "mps" : "time-slicing") + ")\n";
  return out;
}

// Why the chosen plan, one line each (plan.md, report.html): the binding SLO and its margin, the
// rate at which the configuration stops holding, and the constraints that decided.
std::vector<std::string> explanation_lines(const PlanResult& r) {
  std::vector<std::string> out;
  if (!r.explanation) return out;
  const ChoiceExplanation& x = *r.explanation;
  if (!x.binding_workload.empty()) {
    out.push_back("Binding SLO: " + x.binding_workload + " " + x.binding_metric + ", margin " +
                  fmt("%.1f", x.binding_margin * 100) + " %" +
                  (x.headroom > 0 ? " (headroom required: " + fmt("%.0f", x.headroom * 100) + " %)" : ""));
  }
  if (x.max_rate_per_s) {
    out.push_back(
        "This configuration keeps every SLO" + std::string(x.headroom > 0 ? " (without headroom)" : "") +
        " up to " + fmt("%.4g", *x.max_rate_per_s) + " requests/s of " + x.binding_workload +
        " (offered: " + fmt("%.4g", x.offered_rate_per_s) + "/s; fails at " +
        fmt("%.4g", x.fails_above_per_s.value_or(0)) + "/s): above that rate the decision changes.");
  } else if (!x.max_rate_note.empty()) {
    out.push_back("Rate at which the plan stops holding: not searched (" + x.max_rate_note + ").");
  }
  for (const std::string& why : x.decided_by) out.push_back("Decided by " + why + ".");
  for (const auto& alt : x.alternatives) {
    const Candidate& c = r.levels[alt.level].candidates[alt.index];
    std::string line = "Rejected " + c.policy_label() + " at cost " + fmt("%.6g", c.cost) + " misses " +
                       alt.workload + " " + alt.metric + " by " + fmt("%.1f", -alt.margin * 100) + " %";
    if (alt.holds_up_to_per_s) {
      line += "; it would hold every SLO up to " + fmt("%.4g", *alt.holds_up_to_per_s) + " requests/s of " +
              alt.workload + " (offered " + fmt("%.4g", alt.offered_rate_per_s) + "/s)";
    } else {
      line += "; no rate of " + alt.workload + " found at which it holds";
    }
    out.push_back(line + ".");
  }
  return out;
}

}  // namespace

// Best candidate per cost level and policy label (simulated before screened out, then feasible,
// then larger margin, then earlier), so the table shows what each cheaper level misses.
std::vector<std::pair<size_t, size_t>> best_alternatives(const PlanResult& r) {
  std::map<std::pair<size_t, std::string>, std::pair<size_t, size_t>> best;
  auto better = [&](std::pair<size_t, size_t> a, std::pair<size_t, size_t> b) {
    const Evaluation& ea = r.levels[a.first].evaluations[a.second];
    const Evaluation& eb = r.levels[b.first].evaluations[b.second];
    const bool sa = ea.state == Evaluation::State::kSimulated, sb = eb.state == Evaluation::State::kSimulated;
    if (sa != sb) return sa;
    if (ea.feasible != eb.feasible) return ea.feasible;
    if (a.first != b.first) return a.first < b.first;
    if (ea.margin != eb.margin) return ea.margin > eb.margin;
    return a.second < b.second;
  };
  for (size_t l = 0; l < r.levels.size(); ++l) {
    for (size_t i = 0; i < r.levels[l].candidates.size(); ++i) {
      if (r.levels[l].evaluations[i].state == Evaluation::State::kNotEvaluated) continue;
      const std::pair<size_t, std::string> key{l, r.levels[l].candidates[i].policy_label()};
      auto it = best.find(key);
      if (it == best.end() || better({l, i}, it->second)) best[key] = {l, i};
    }
  }
  std::vector<std::pair<size_t, size_t>> out;
  for (const auto& [label, at] : best) out.push_back(at);
  return out;
}

// report.html: the chosen plan and the best alternative per cost level and policy, with each
// workload's simulated p99 against its target (reports/html_report.h).
std::string plan_report_html(const PlanInput& input, const PlanResult& r,
                             const std::vector<std::pair<size_t, size_t>>& alternatives) {
  const scenarios::Scenario& base = input.scenario;
  reports::PlanComparison page;
  page.title = "sharesim plan: " + base.name;
  page.notes = explanation_lines(r);
  std::vector<std::pair<size_t, size_t>> rows;
  if (r.chosen) rows.push_back(*r.chosen);
  for (const auto& alt : alternatives) {
    if (!r.chosen || alt != *r.chosen) rows.push_back(alt);
  }
  for (const auto& [l, i] : rows) {
    const Candidate& c = r.levels[l].candidates[i];
    const Evaluation& e = r.levels[l].evaluations[i];
    reports::PlanCandidateRow row;
    row.label = c.describe(base);
    row.policy = c.policy_label();
    row.cost = c.cost;
    row.feasible = e.feasible;
    row.chosen = r.chosen && *r.chosen == std::make_pair(l, i);
    if (!e.feasible) {
      row.why_not = e.reason;
      if (const CheckOutcome* w = worst_check(e); w != nullptr && row.why_not.empty()) {
        row.why_not = w->workload + " " + w->metric + ": " + value_text(*w, w->measured) + " vs " +
                      value_text(*w, w->target);
      }
    }
    for (const auto& workload : base.workloads) {
      reports::PlanWorkloadResult result;
      result.workload = workload.name;
      if (workload.slo.p99) result.target_ms = workload.slo.p99->milliseconds();
      result.slo_met = e.state == Evaluation::State::kSimulated;
      bool measured = false;
      for (const CheckOutcome& o : e.checks) {
        // Split workloads are checked per part ("name@device/gpuN"): the worst part stands for it.
        if (o.workload != workload.name && o.workload.rfind(workload.name + "@", 0) != 0) continue;
        result.slo_met = result.slo_met && o.met;
        if (o.metric == "p99" && std::isfinite(o.measured)) {
          result.p99_ms = std::max(result.p99_ms.value_or(0.0), o.measured * 1e3);
          measured = true;
        }
      }
      if (!measured) result.p99_ms.reset();
      row.workloads.push_back(result);
    }
    page.rows.push_back(std::move(row));
  }
  return reports::plan_comparison_html(page);
}

std::vector<OutputFile> plan_outputs(const PlanInput& input, const PlanResult& r) {
  std::vector<OutputFile> files;
  const Scenario& base = input.scenario;
  const Candidate* chosen = r.chosen ? &r.levels[r.chosen->first].candidates[r.chosen->second] : nullptr;
  const Evaluation* chosen_eval =
      r.chosen ? &r.levels[r.chosen->first].evaluations[r.chosen->second] : nullptr;
  const auto alts = best_alternatives(r);

  reports::JsonWriter j;
  j.begin_object();
  j.field("scenario", base.name).field("file", base.file).field("seed", base.seed);
  j.field("status", chosen ? "found" : "infeasible");
  j.field("target", std::string(models::deploy_target_name(input.spec->target)));
  j.key("search").begin_object();
  j.field("levels_evaluated", static_cast<uint64_t>(r.levels.size()));
  j.field("candidates", static_cast<uint64_t>(r.candidates));
  j.field("screened_out", static_cast<uint64_t>(r.screened_out));
  j.field("simulated", static_cast<uint64_t>(r.simulated));
  uint64_t truncated = 0;
  for (const LevelResult& level : r.levels) truncated += level.truncated ? 1 : 0;
  j.field("truncated_levels", truncated);
  j.end_object();
  if (chosen) {
    j.key("plan").begin_object();
    j.field("cost", chosen->cost)
        .field("policy", chosen->policy_label())
        .field("margin", chosen_eval->margin);
    j.field("description", chosen->describe(base));
    j.key("devices").begin_array();
    const auto parts = part_envs(input, *chosen);
    for (const DevicePlan& d : chosen->devices) {
      const auto& option = input.spec->device_options[d.option];
      j.begin_object().field("name", d.name).field("option", option.name).field("gpu_count", option.gpus);
      j.field("gpu_profile", option.gpu_profile).field("cost", option.cost);
      j.field("container_sharing", d.has_containers() ? (d.mps ? "mps" : "time-slicing") : "none");
      j.key("setup").begin_array();
      for (size_t g = 0; g < d.gpus.size(); ++g)
        if (d.gpus[g].passthrough)
          j.begin_object().field("vm", d.name + "-vm" + std::to_string(g)).end_object();
      if (d.has_containers()) j.begin_object().field("kubernetes", true).end_object();
      j.end_array();
      j.key("gpus").begin_array();
      for (size_t g = 0; g < d.gpus.size(); ++g) {
        const GpuPlan& gpu = d.gpus[g];
        j.begin_object().field("index", static_cast<uint64_t>(g));
        j.field("policy", gpu.tenants.empty()
                              ? "unused"
                              : (gpu.passthrough ? "passthrough" : (d.mps ? "mps" : "time-slicing")));
        j.key("processes").begin_array();
        for (const Tenant& t : gpu.tenants) {
          j.begin_object().field("workload", base.workloads[t.workload].name).field("replicas", t.processes);
          if (t.mps_percentage > 0) j.field("cuda_mps_active_thread_percentage", t.mps_percentage);
          j.end_object();
        }
        j.end_array().end_object();
      }
      j.end_array();
      j.end_object();
    }
    j.end_array();
    j.key("deployments").begin_array();
    for (const PartEnv& p : parts) {
      j.begin_object().field("name", p.part).field("device", p.device).field("replicas", p.replicas);
      if (p.passthrough) j.field("vm", p.vm);
      j.key("env").begin_object();
      for (const auto& [k, v] : p.env) j.field(k, v);
      j.end_object().end_object();
    }
    j.end_array();
    j.key("slo").begin_array();
    for (const CheckOutcome& o : chosen_eval->checks) {
      j.begin_object().field("workload", o.workload).field("metric", o.metric).field("target", o.target);
      j.field("measured", o.measured).field("margin", o.margin).field("met", o.met).end_object();
    }
    j.end_array();
    if (r.explanation) {
      const ChoiceExplanation& x = *r.explanation;
      j.key("explanation").begin_object();
      j.field("binding_workload", x.binding_workload).field("binding_metric", x.binding_metric);
      j.field("binding_margin", x.binding_margin).field("headroom", x.headroom);
      j.field("offered_rate_per_s", x.offered_rate_per_s);
      if (x.max_rate_per_s) j.field("max_rate_per_s", *x.max_rate_per_s);
      if (x.fails_above_per_s) j.field("fails_above_per_s", *x.fails_above_per_s);
      if (!x.max_rate_note.empty()) j.field("max_rate_note", x.max_rate_note);
      j.key("decided_by").begin_array();
      for (const std::string& why : x.decided_by) j.value(why);
      j.end_array();
      j.key("alternatives").begin_array();
      for (const auto& alt : x.alternatives) {
        j.begin_object()
            .field("level", static_cast<uint64_t>(alt.level))
            .field("index", static_cast<uint64_t>(alt.index));
        j.field("workload", alt.workload).field("metric", alt.metric).field("margin", alt.margin);
        j.field("offered_rate_per_s", alt.offered_rate_per_s);
        if (alt.holds_up_to_per_s) j.field("holds_up_to_per_s", *alt.holds_up_to_per_s);
        j.end_object();
      }
      j.end_array().end_object();
    }
    j.end_object();
  }
  j.key("alternatives").begin_array();
  for (const auto& [l, i] : alts)
    write_candidate(j, input, r.levels[l].candidates[i], r.levels[l].evaluations[i]);
  j.end_array();
  j.key("infeasible").begin_array();
  for (const std::string& why : r.infeasible) j.value(why);
  j.end_array();
  j.end_object();
  files.push_back({"plan.json", j.str() + "\n"});

  // plan.md
  std::ostringstream md;
  md << "# Capacity plan for '" << base.name << "'\n\n";
  md << "Searched " << r.levels.size() << " cost level(s): " << r.candidates << " candidates, "
     << r.screened_out << " rejected by the cheap bounds, " << r.simulated << " simulated (" << base.file
     << ", seed " << base.seed << ").\n\n";
  for (const LevelResult& level : r.levels) {
    if (level.truncated) {
      md << "**Note:** the level of cost " << fmt("%.6g", level.cost)
         << " had more candidates than the search evaluates per level; only the first ones (in search order) "
            "were tried.\n\n";
    }
  }
  if (chosen) {
    md << "## Chosen plan: cost " << fmt("%.6g", chosen->cost) << " (" << chosen->policy_label() << ")\n\n";
    md << "Smallest SLO margin: " << fmt("%.1f", chosen_eval->margin * 100)
       << " %. Target: " << models::deploy_target_name(input.spec->target) << ".\n\n";
    const auto why = explanation_lines(r);
    if (!why.empty()) {
      md << "### Why this plan\n\n";
      for (const std::string& line : why) md << "- " << line << "\n";
      md << "\n";
    }
    md << "| device | GPU | policy | processes |\n|---|---|---|---|\n";
    for (const DevicePlan& d : chosen->devices) {
      for (size_t g = 0; g < d.gpus.size(); ++g) {
        const GpuPlan& gpu = d.gpus[g];
        std::string procs;
        for (const Tenant& t : gpu.tenants) {
          procs += (procs.empty() ? "" : ", ") + base.workloads[t.workload].name + " x" +
                   std::to_string(t.processes);
          if (t.mps_percentage > 0) procs += " at " + std::to_string(t.mps_percentage) + " %";
        }
        md << "| " << d.name << " (" << input.spec->device_options[d.option].name << ") | " << g << " | "
           << (gpu.tenants.empty()
                   ? "unused"
                   : (gpu.passthrough ? "passthrough (VM)" : (d.mps ? "MPS" : "time-slicing")))
           << " | " << (procs.empty() ? "-" : procs) << " |\n";
      }
    }
    md << "\n### SLOs (simulated)\n\n| workload | metric | target | measured | margin "
          "|\n|---|---|---|---|---|\n";
    for (const CheckOutcome& o : chosen_eval->checks) {
      md << "| " << o.workload << " | " << o.metric << " | " << value_text(o, o.target) << " | "
         << value_text(o, o.measured) << " | " << fmt("%+.1f", o.margin * 100) << " % |\n";
    }
    md << "\n### Creation order\n\n";
    for (const DevicePlan& d : chosen->devices) md << "```\n" << setup_order(d) << "```\n";
    md << "\nDeployment files: `deploy/` (`deploy/README.md` says how to apply them).\n";
  } else {
    md << "## No plan: infeasible\n\n";
    for (const std::string& why : r.infeasible) md << "- " << why << "\n";
  }
  md << "\n## Best alternative per cost level and policy\n\n| policy | cost | configuration | result | worst "
        "SLO |\n|---|---|---|---|---|\n";
  for (const auto& [l, i] : alts) {
    const Candidate& c = r.levels[l].candidates[i];
    const Evaluation& e = r.levels[l].evaluations[i];
    std::string result = e.feasible
                             ? "meets every SLO"
                             : (e.state == Evaluation::State::kScreenedOut ? "rejected by bound" : "misses");
    std::string worst = "-";
    if (const CheckOutcome* w = worst_check(e)) {
      worst = w->workload + " " + w->metric + ": " + value_text(*w, w->measured) + " vs " +
              value_text(*w, w->target) + " (" + fmt("%+.1f", w->margin * 100) + " %)";
    }
    if (!e.reason.empty() && !e.feasible) worst = e.reason + (worst == "-" ? "" : "; " + worst);
    md << "| " << c.policy_label() << " | " << fmt("%.6g", c.cost) << " | " << c.describe(base) << " | "
       << result << " | " << worst << " |\n";
  }
  files.push_back({"plan.md", md.str()});
  files.push_back({"report.html", plan_report_html(input, r, alts)});

  if (chosen) {
    // What a person applies: the target's manifests for the scenario the chosen candidate stands for.
    const Scenario planned = candidate_scenario(base, *input.spec, *chosen);
    for (deploy::DeployFile& f : deploy::deploy_files(planned, input.spec->target))
      files.push_back({std::move(f.path), std::move(f.content)});
  }
  return files;
}

// ---- Shard files -----------------------------------------------------------------------------------
// Line format (one record per line, fields separated by tabs, text fields percent-encoded):
//   sharesim-plan-shard 1
//   scenario <path>        override <text>        shard <i> <n>
//   level <l> <candidates>
//   eval <index> <state> <feasible> <margin> <reason>
//   check <workload> <metric> <target> <measured> <margin> <met>
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
  for (const std::string& o : input.overrides) out += "override\t" + encode(o) + "\n";
  out += "shard\t" + std::to_string(options.shard_index) + "\t" + std::to_string(options.shard_count) + "\n";
  for (const std::string& why : result.infeasible) out += "infeasible\t" + encode(why) + "\n";
  for (size_t l = 0; l < result.levels.size(); ++l) {
    const LevelResult& level = result.levels[l];
    out += "level\t" + std::to_string(l) + "\t" + std::to_string(level.candidates.size()) + "\n";
    for (size_t i = 0; i < level.evaluations.size(); ++i) {
      const Evaluation& e = level.evaluations[i];
      if (e.state == Evaluation::State::kNotEvaluated) continue;
      out += "eval\t" + std::to_string(i) + "\t" + std::to_string(static_cast<int>(e.state)) + "\t" +
             (e.feasible ? "1" : "0") + "\t" + hex(e.margin) + "\t" + encode(e.reason) + "\n";
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
    } else if (f[0] == "override" && f.size() == 2) {
      data.overrides.push_back(decode(f[1]));
    } else if (f[0] == "shard" && f.size() == 3) {
      data.shard_index = std::atoi(f[1].c_str());
      data.shard_count = std::atoi(f[2].c_str());
      if (data.shard_count < 1 || data.shard_index < 0 || data.shard_index >= data.shard_count)
        return bad("shard i n with 0 <= i < n");
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
    } else {
      return bad("a shard record (scenario, override, shard, infeasible, level, eval, check)");
    }
  }
  if (!header) return Error{file, 1, 1, "", "expected a sharesim plan shard file, found an empty file"};
  return data;
}

}  // namespace sharesim::planner
