#include "sharesim/reports/results.h"

#include <cstdio>
#include <string>

#include "llm_report.h"
#include "sharesim/reports/json_writer.h"
#include "sharesim/sim/text_format.h"

namespace sharesim::reports {

using sim::fmt;

namespace {

double ms(sim::Time t) {
  return t.milliseconds();
}

// A latency that failures made unbounded is written as null.
void latency_value(JsonWriter& json, sim::Time t) {
  if (t == sim::Time::max()) {
    json.null();
  } else {
    json.value(ms(t));
  }
}

void write_workload(JsonWriter& json, const models::WorkloadStats& w) {
  json.begin_object();
  json.field("name", w.name);
  // No request completed and some failed: its latency figures are not results (issue 12 item 4);
  // why is in the failed processes of "gpus".
  if (w.completed == 0 && w.failed > 0) json.field("status", "failed");
  json.field("arrived", w.arrived);
  json.field("completed", w.completed);
  json.field("failed", w.failed);
  json.field("rejected", w.rejected);
  json.field("timed_out", w.timed_out);
  json.field("outstanding", w.outstanding);
  json.field("throughput_rps", w.throughput_per_s);
  json.key("latency_ms").begin_object();
  json.field("mean", w.latency.mean_ns() * 1e-6);
  json.field("p50", ms(w.latency.quantile(0.50)));
  json.field("p90", ms(w.latency.quantile(0.90)));
  json.field("p99", ms(w.latency.quantile(0.99)));
  json.field("p999", ms(w.latency.quantile(0.999)));
  json.field("max", ms(w.latency.max()));
  json.end_object();
  json.key("queue_ms").begin_object();
  json.field("mean", w.queueing_delay.mean_ns() * 1e-6);
  json.field("p99", ms(w.queueing_delay.quantile(0.99)));
  json.end_object();
  // Means over completed requests, as perf_analyzer reports them; they add up to latency_ms.mean.
  json.key("latency_breakdown_ms").begin_object();
  const models::LatencyBreakdown& b = w.breakdown;
  const double per_request = w.completed > 0 ? 1e-6 / static_cast<double>(w.completed) : 0.0;
  const auto mean_ms = [&](sim::Time total) { return static_cast<double>(total.count_ns()) * per_request; };
  json.field("client_send", mean_ms(b.client_send));
  json.field("network", mean_ms(b.network));
  json.field("server_queue", mean_ms(b.server_queue));
  json.field("server_cpu", mean_ms(b.server_cpu));
  json.field("compute_input", mean_ms(b.compute_input));
  json.field("compute_infer", mean_ms(b.compute_infer));
  json.field("compute_output", mean_ms(b.compute_output));
  json.field("client_recv", mean_ms(b.client_recv));
  json.end_object();
  json.field("batches", w.batches);
  json.field("mean_batch_size", w.mean_batch_size);
  json.array_field("requests_per_replica", w.requests_per_replica);
  json.key("slo").begin_object();
  json.field("met", w.slo_met);
  for (const models::SloCheck& check : w.slo) {
    json.key(check.metric == models::SloMetric::kMinThroughput
                 ? "min_throughput_rps"
                 : std::string(models::slo_metric_name(check.metric)) + "_ms");
    json.begin_object();
    if (check.metric == models::SloMetric::kMinThroughput) {
      json.field("target", check.throughput_target_per_s);
      json.field("measured", check.throughput_measured_per_s);
    } else {
      json.field("target", ms(check.latency_target));
      json.key("measured");
      latency_value(json, check.latency_measured);
    }
    json.field("met", check.met);
    json.end_object();
  }
  json.end_object();
  if (w.llm) detail::write_llm_json(json, *w.llm);
  json.end_object();
}

void write_gpu(JsonWriter& json, const run::GpuReport& g) {
  const models::GpuMetrics& m = g.metrics;
  json.begin_object();
  json.field("device", g.device);
  json.field("index", g.index);
  json.field("claimed_by", g.claimed_by);
  json.field("policy", g.policy);
  json.field("profile", g.profile);
  json.field("utilization_gpu", m.utilization_gpu_mean);
  json.field("utilization_memory", m.utilization_memory_mean);
  json.field("sm_occupancy", m.sm_occupancy);
  json.field("copy_engine_busy_s", m.copy_engine_busy_seconds);
  json.field("memory_used_bytes", m.memory_used_bytes);
  json.field("memory_peak_bytes", m.memory_peak_bytes);
  json.field("context_switches", m.context_switches);
  json.field("faults", m.faults);
  json.field("kernels_completed", m.kernels_completed);
  json.field("copies_completed", m.copies_completed);
  json.field("sample_window_s", m.sample_window.seconds());
  json.array_field("utilization_gpu_series", m.utilization_gpu);
  // Added for the HTML report and `sharesim smi` (same windows as utilization_gpu_series).
  json.field("sm_count", g.sm_count);
  json.field("memory_total_bytes", g.memory_total_bytes);
  json.field("copy_any_busy_fraction", m.copy_any_busy_fraction);
  json.array_field("utilization_memory_series", m.utilization_memory);
  json.array_field("sm_occupancy_series", m.sm_occupancy_series);
  json.array_field("copy_busy_series", m.copy_busy_series);
  json.key("processes").begin_array();
  for (const run::ProcessReport& p : g.processes) {
    json.begin_object();
    json.field("workload", p.workload);
    json.field("replica", p.replica);
    json.field("memory_bytes", p.memory_bytes);
    json.key("mps_active_thread_percentage");
    if (p.mps_active_thread_percentage) {
      json.value(*p.mps_active_thread_percentage);
    } else {
      json.null();
    }
    json.field("sm_cap", p.sm_cap);
    json.field("failed", p.failed);
    json.field("failure", p.failure);
    json.end_object();
  }
  json.end_array();
  json.key("fault_log").begin_array();
  for (const models::FaultRecord& f : g.faults) {
    json.begin_object();
    json.field("at_s", f.at.seconds());
    json.field("process", static_cast<uint64_t>(f.process));
    json.field("reason", f.reason);
    json.end_object();
  }
  json.end_array();
  json.end_object();
}

std::string pad(std::string text, size_t width, bool right = true) {
  if (text.size() >= width) return text;
  return right ? std::string(width - text.size(), ' ') + text : text + std::string(width - text.size(), ' ');
}

std::string ms_text(sim::Time t) {
  return t == sim::Time::max() ? "inf" : fmt("%.2f", t.milliseconds());
}

}  // namespace

std::string results_json(const run::RunReport& report) {
  JsonWriter json;
  json.begin_object();
  json.field("scenario", report.scenario_name);
  json.field("seed", report.seed);
  json.field("simulated_seconds", report.ended_at.seconds());
  json.field("measured_seconds", (report.ended_at - report.warmup).seconds());
  json.field("interrupted", report.interrupted);
  json.key("config").begin_object();
  json.field("duration_s", report.duration.seconds());
  json.field("warmup_s", report.warmup.seconds());
  json.end_object();
  json.field("events", report.events);
  json.field("kernels_completed", report.kernels);
  json.field("slo_met", report.slo_met);
  json.key("workloads").begin_array();
  for (const auto& w : report.workloads) write_workload(json, w);
  json.end_array();
  json.key("gpus").begin_array();
  for (const auto& g : report.gpus) write_gpu(json, g);
  json.end_array();
  json.array_field("warnings", report.warnings);
  json.end_object();
  return json.str();
}

std::string summary_text(const run::RunReport& report) {
  std::string out;
  out += "scenario " + report.scenario_name + " (seed " + std::to_string(report.seed) +
         "): " + fmt("%.3f", report.ended_at.seconds()) + " s simulated, " +
         fmt("%.3f", (report.ended_at - report.warmup).seconds()) + " s measured" +
         (report.interrupted ? ", INTERRUPTED" : "") + "\n\n";
  out += pad("workload", 18, false) + pad("done", 9) + pad("failed", 8) + pad("req/s", 10) +
         pad("mean ms", 10) + pad("p50 ms", 9) + pad("p99 ms", 9) + pad("p99.9 ms", 10) + pad("max ms", 9) +
         "  SLO\n";
  // Why a workload's processes failed: the first reason reported for one of them.
  const auto failure_of = [&report](const std::string& workload) -> std::string {
    for (const auto& g : report.gpus) {
      for (const auto& p : g.processes) {
        if (p.failed && p.workload == workload) return p.failure;
      }
    }
    return "";
  };
  for (const auto& w : report.workloads) {
    std::string slo = w.slo.empty() ? "-" : (w.slo_met ? "met" : "MISSED");
    // A workload with no completed request has no latency: "-", not 0.00, and FAILED with the
    // reason when its requests failed (issue 12 item 4).
    const bool no_latency = w.completed == 0;
    if (no_latency && w.failed > 0) {
      const std::string why = failure_of(w.name);
      slo =
          "FAILED (" + std::to_string(w.failed) + " requests failed" + (why.empty() ? "" : ": " + why) + ")";
    } else if (no_latency && !w.slo.empty()) {
      slo = "MISSED (no request completed)";
    }
    const auto latency_cell = [no_latency](const std::string& text) { return no_latency ? "-" : text; };
    bool latency_missed = false;
    for (const auto& c : w.slo) {
      if (c.met || no_latency) continue;
      latency_missed = latency_missed || c.metric != models::SloMetric::kMinThroughput;
      slo += c.metric == models::SloMetric::kMinThroughput
                 ? " (throughput " + fmt("%.1f", c.throughput_measured_per_s) + " < " +
                       fmt("%.1f", c.throughput_target_per_s) + "/s)"
                 : " (" + std::string(models::slo_metric_name(c.metric)) + " " + ms_text(c.latency_measured) +
                       " > " + ms_text(c.latency_target) + " ms)";
    }
    // The targets count unanswered requests at their age (models/workload.h, "SLOs"), the
    // columns only answered ones: say so where the two can differ.
    if (latency_missed && w.outstanding > 0) {
      slo += " with " + std::to_string(w.outstanding) + " unanswered at their age";
    }
    out += pad(w.name, 18, false) + pad(std::to_string(w.completed), 9) + pad(std::to_string(w.failed), 8) +
           pad(fmt("%.1f", w.throughput_per_s), 10) +
           pad(latency_cell(fmt("%.2f", w.latency.mean_ns() * 1e-6)), 10) +
           pad(latency_cell(ms_text(w.latency.quantile(0.5))), 9) +
           pad(latency_cell(ms_text(w.latency.quantile(0.99))), 9) +
           pad(latency_cell(ms_text(w.latency.quantile(0.999))), 10) +
           pad(latency_cell(ms_text(w.latency.max())), 9) + "  " + slo + "\n";
  }
  std::string llm_lines;
  for (const auto& w : report.workloads) {
    if (w.llm) llm_lines += detail::llm_summary_line(w.name, *w.llm);
  }
  if (!llm_lines.empty()) out += "\n" + llm_lines;
  out += "\n" + pad("gpu", 16, false) + pad("claimed by", 14, false) + pad("policy", 14, false) +
         pad("util.gpu", 9) + pad("SM occ.", 9) + pad("mem.util", 9) + pad("memory MiB", 11) +
         pad("switches", 10) + pad("faults", 8) + "\n";
  for (const auto& g : report.gpus) {
    const auto& m = g.metrics;
    out += pad(g.device + "/" + std::to_string(g.index), 16, false) +
           pad(g.claimed_by.empty() ? "-" : g.claimed_by, 14, false) +
           pad(g.policy.empty() ? "idle" : g.policy, 14, false) +
           pad(fmt("%.1f%%", 100 * m.utilization_gpu_mean), 9) + pad(fmt("%.1f%%", 100 * m.sm_occupancy), 9) +
           pad(fmt("%.1f%%", 100 * m.utilization_memory_mean), 9) +
           pad(fmt("%.0f", static_cast<double>(m.memory_used_bytes) / (1024.0 * 1024.0)), 11) +
           pad(std::to_string(m.context_switches), 10) + pad(std::to_string(m.faults), 8) + "\n";
    // Identical failures (47 replicas refused for the same reason) become one line with a count;
    // "the same" ignores the process's own name in the message.
    const auto generic = [](const run::ProcessReport& p) {
      std::string text = p.failure;
      const std::string own = "'" + p.workload + "/" + std::to_string(p.replica) + "'";
      for (size_t at = text.find(own); at != std::string::npos; at = text.find(own, at + 1))
        text.replace(at, own.size(), "'" + p.workload + "/N'");
      return text;
    };
    for (size_t i = 0; i < g.processes.size(); ++i) {
      const auto& p = g.processes[i];
      if (!p.failed) continue;
      const std::string key = generic(p);
      bool seen = false;
      for (size_t j = 0; j < i && !seen; ++j) {
        seen =
            g.processes[j].failed && g.processes[j].workload == p.workload && generic(g.processes[j]) == key;
      }
      if (seen) continue;
      size_t same = 0;
      for (const auto& q : g.processes) same += q.failed && q.workload == p.workload && generic(q) == key;
      out += same == 1
                 ? "  ! " + p.workload + "/" + std::to_string(p.replica) + " failed: " + p.failure + "\n"
                 : "  ! " + p.workload + ": " + std::to_string(same) + " processes failed (first " +
                       p.workload + "/" + std::to_string(p.replica) + "): " + key + "\n";
    }
  }
  for (const auto& w : report.warnings) out += "warning: " + w + "\n";
  return out;
}

}  // namespace sharesim::reports
