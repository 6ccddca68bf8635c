#include "sharesim/reports/html_report.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "llm_report.h"
#include "sharesim/reports/markup.h"
#include "sharesim/reports/svg_chart.h"
#include "sharesim/sim/text_format.h"

namespace sharesim::reports {

using sim::fmt;

namespace {

constexpr double kMiB = 1024.0 * 1024.0;

std::string ms_text(sim::Time t) {
  return t == sim::Time::max() ? "unbounded" : fmt("%.3f", t.milliseconds());
}

const char* kStyle = R"(
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; margin: 24px; color: #1a1a1a;
       max-width: 1400px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 18px; margin-top: 28px; border-bottom: 1px solid #ccc; }
h3 { font-size: 15px; margin: 8px 0; }
.meta { color: #555; font-size: 13px; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0 16px; }
th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: right; }
th { background: #f3f3f3; } td.name, th.name { text-align: left; }
.ok { color: #1b7a1b; font-weight: 600; } .bad { color: #b00020; font-weight: 600; } .na { color: #777; }
.cards { display: flex; flex-wrap: wrap; gap: 16px; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 8px 12px; background: #fff; }
.card p { margin: 4px 0; font-size: 13px; }
svg.chart { display: block; background: #fff; }
svg .chart-title { font-size: 13px; font-weight: 600; fill: #1a1a1a; }
svg .tick { font-size: 11px; fill: #444; } svg .axis-label { font-size: 12px; fill: #1a1a1a; }
svg .legend { font-size: 12px; fill: #1a1a1a; } svg .empty { font-size: 13px; fill: #777; }
svg .grid { stroke: #e5e5e5; stroke-width: 1; } svg .frame { fill: none; stroke: #888; stroke-width: 1; }
svg .series { fill: none; stroke-width: 2; } svg .marker { stroke: #b00020; stroke-width: 1.5; stroke-dasharray: 5 3; }
svg .capacity { fill: #eeeeee; stroke: #888; } svg .segment { stroke: #fff; stroke-width: 1; }
.bar { background: #0072B2; height: 10px; display: inline-block; vertical-align: middle; }
.bar.infeasible { background: #bbb; }
tr.chosen td { background: #eef7ee; }
)";

std::string page_head(const std::string& title) {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
         xml_escape(title) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n";
}

std::string status_cell(bool ok, const std::string& ok_text = "met", const std::string& bad_text = "MISSED") {
  return std::string("<span class=\"") + (ok ? "ok\">" + ok_text : "bad\">" + bad_text) + "</span>";
}

// Unique ids even when two names slug the same.
std::string unique_slug(const std::string& name, std::set<std::string>& used) {
  std::string slug = html_slug(name);
  std::string candidate = slug;
  for (int n = 2; used.count(candidate) > 0; ++n) candidate = slug + "-" + std::to_string(n);
  used.insert(candidate);
  return candidate;
}

// The latency CDF as a step function through the histogram's quantiles: 200 evenly spaced ones
// plus the tail (99.9 %, 99.99 %) and the maximum, so the tail an SLO cares about is visible.
ChartSeries latency_cdf(const models::WorkloadStats& w) {
  ChartSeries s;
  s.label = w.name + " latency CDF";
  s.step = true;
  if (w.latency.count() == 0) return s;
  std::vector<double> qs;
  for (int i = 1; i < 200; ++i) qs.push_back(i / 200.0);
  qs.push_back(0.999);
  qs.push_back(0.9999);
  std::sort(qs.begin(), qs.end());
  s.points.emplace_back(w.latency.min().milliseconds(), 0.0);
  for (const double q : qs) s.points.emplace_back(w.latency.quantile(q).milliseconds(), q);
  s.points.emplace_back(w.latency.max().milliseconds(), 1.0);
  // Quantiles are monotone; keep x non-decreasing against bucket rounding anyway.
  for (size_t i = 1; i < s.points.size(); ++i)
    s.points[i].first = std::max(s.points[i].first, s.points[i - 1].first);
  return s;
}

std::string workload_section(const models::WorkloadStats& w, const std::string& slug) {
  std::string out = "<section class=\"workload card\" id=\"workload-" + slug + "\">\n<h3>" +
                    xml_escape(w.name) + " &mdash; SLO " +
                    (w.slo.empty() ? "<span class=\"na\">none set</span>" : status_cell(w.slo_met)) +
                    "</h3>\n";
  out += "<p>throughput " + fmt("%.2f", w.throughput_per_s) + " requests/s; " + std::to_string(w.completed) +
         " completed, " + std::to_string(w.failed) + " failed, " + std::to_string(w.outstanding) +
         " outstanding at the end</p>\n";
  out += "<p>latency ms: mean " + fmt("%.3f", w.latency.mean_ns() * 1e-6) + ", p50 " +
         ms_text(w.latency.quantile(0.5)) + ", p99 " + ms_text(w.latency.quantile(0.99)) + ", p99.9 " +
         ms_text(w.latency.quantile(0.999)) + ", max " + ms_text(w.latency.max()) + "</p>\n";
  for (const models::SloCheck& c : w.slo) {
    if (c.metric == models::SloMetric::kMinThroughput) {
      out += "<p>SLO throughput &ge; " + fmt("%.2f", c.throughput_target_per_s) + "/s: measured " +
             fmt("%.2f", c.throughput_measured_per_s) + " " + status_cell(c.met) + "</p>\n";
    } else {
      out += "<p>SLO " + std::string(models::slo_metric_name(c.metric)) + " &le; " +
             ms_text(c.latency_target) + " ms: measured " + ms_text(c.latency_measured) + " " +
             status_cell(c.met) + "</p>\n";
    }
  }
  if (w.llm) out += detail::llm_html(*w.llm);
  LineChart chart;
  chart.id = "cdf-" + slug;
  chart.title = "Latency CDF: " + w.name + " (" + std::to_string(w.latency.count()) + " requests)";
  chart.x_label = "latency, arrival to completion (ms, log scale)";
  chart.y_label = "fraction of requests";
  chart.log_x = true;
  chart.y_min = 0;
  chart.y_max = 1;
  chart.y_percent = true;
  chart.series.push_back(latency_cdf(w));
  for (const models::SloCheck& c : w.slo) {
    if (c.metric == models::SloMetric::kMinThroughput || c.latency_target <= sim::Time::zero()) continue;
    chart.markers.push_back(
        {c.latency_target.milliseconds(), "SLO " + std::string(models::slo_metric_name(c.metric)) +
                                              " target " + ms_text(c.latency_target) + " ms"});
  }
  out += chart.series.front().points.empty() ? "<p class=\"na\">no completed requests: no CDF</p>\n" : "";
  out += render_line_chart(chart);
  out += "</section>\n";
  return out;
}

// A per-window series as a step line over time since the start of measurement.
ChartSeries window_series(const std::string& label, const std::vector<double>& values, double window_s,
                          double total_s) {
  ChartSeries s;
  s.label = label;
  s.step = true;
  for (size_t i = 0; i < values.size(); ++i)
    s.points.emplace_back(static_cast<double>(i) * window_s, values[i]);
  if (!values.empty())
    s.points.emplace_back(std::max(total_s, static_cast<double>(values.size() - 1) * window_s),
                          values.back());
  return s;
}

std::string gpu_section(const run::GpuReport& g, const std::string& slug) {
  const models::GpuMetrics& m = g.metrics;
  const std::string name = g.device + "/" + std::to_string(g.index);
  std::string out = "<section class=\"gpu card\" id=\"gpu-" + slug + "\">\n<h3>GPU " + xml_escape(name) +
                    " (" + xml_escape(g.profile) + ", " + xml_escape(g.policy) + ", claimed by " +
                    xml_escape(g.claimed_by.empty() ? "-" : g.claimed_by) + ")</h3>\n";
  out += "<p>utilization.gpu " + fmt("%.1f", 100 * m.utilization_gpu_mean) + " %, SM occupancy " +
         fmt("%.1f", 100 * m.sm_occupancy) + " %, memory controller " +
         fmt("%.1f", 100 * m.utilization_memory_mean) + " %, copy engines busy " +
         fmt("%.1f", 100 * m.copy_any_busy_fraction) + " %; " + std::to_string(m.context_switches) +
         " context switches, " + std::to_string(m.faults) + " faults</p>\n";
  const double window_s = m.sample_window.seconds();
  const double total_s = (m.end - m.start).seconds();
  LineChart chart;
  chart.id = "gpu-" + slug + "-util";
  chart.title = "GPU " + name + ": utilization per " + fmt("%g", window_s) + " s window";
  chart.x_label = "time since warm-up (s)";
  chart.y_label = "percent of window";
  chart.y_min = 0;
  chart.y_max = 1;
  chart.y_percent = true;
  chart.x_min = 0;
  chart.x_max = std::max(total_s, window_s);
  chart.series.push_back(
      window_series("utilization.gpu (any kernel running)", m.utilization_gpu, window_s, total_s));
  chart.series.push_back(window_series("SM occupancy", m.sm_occupancy_series, window_s, total_s));
  chart.series.push_back(window_series("memory controller", m.utilization_memory, window_s, total_s));
  chart.series.push_back(window_series("copy engines busy", m.copy_busy_series, window_s, total_s));
  out += render_line_chart(chart);

  StackedBar bar;
  bar.id = "gpu-" + slug + "-memory";
  bar.title = "GPU " + name + ": device memory by process";
  bar.unit = "MiB";
  bar.capacity = static_cast<double>(g.memory_total_bytes) / kMiB;
  for (const run::ProcessReport& p : g.processes) {
    if (p.failed && p.sm_cap == 0) continue;  // never started: holds no memory
    bar.segments.push_back(
        {p.workload + "/" + std::to_string(p.replica), static_cast<double>(p.memory_bytes) / kMiB});
  }
  bar.marker = ChartMarker{static_cast<double>(m.memory_peak_bytes) / kMiB,
                           "peak " + fmt("%.0f", static_cast<double>(m.memory_peak_bytes) / kMiB) + " MiB"};
  out += render_stacked_bar(bar);

  out +=
      "<table class=\"processes\">\n<tr><th class=\"name\">process</th><th>memory MiB</th><th>MPS active "
      "threads</th><th>SM cap</th><th class=\"name\">state</th></tr>\n";
  for (const run::ProcessReport& p : g.processes) {
    out += "<tr><td class=\"name\">" + xml_escape(p.workload + "/" + std::to_string(p.replica)) +
           "</td><td>" + fmt("%.0f", static_cast<double>(p.memory_bytes) / kMiB) + "</td><td>" +
           (p.mps_active_thread_percentage ? std::to_string(*p.mps_active_thread_percentage) + " %" : "-") +
           "</td><td>" + std::to_string(p.sm_cap) + "</td><td class=\"name\">" +
           (p.failed ? "<span class=\"bad\">failed: " + xml_escape(p.failure) + "</span>" : "running") +
           "</td></tr>\n";
  }
  out += "</table>\n</section>\n";
  return out;
}

}  // namespace

std::string html_slug(const std::string& name) {
  std::string out;
  bool dash = false;
  for (const char raw : name) {
    const char c = (raw >= 'A' && raw <= 'Z') ? static_cast<char>(raw - 'A' + 'a') : raw;
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      if (dash && !out.empty()) out += '-';
      out += c;
      dash = false;
    } else {
      dash = true;
    }
  }
  return out.empty() ? "x" : out;
}

std::string html_report(const run::RunReport& report) {
  std::string out = page_head("sharesim: " + report.scenario_name);
  out += "<h1>sharesim report: " + xml_escape(report.scenario_name) + "</h1>\n";
  out += "<p class=\"meta\">scenario file " + xml_escape(report.scenario_file) + ", seed " +
         std::to_string(report.seed) + "; " + fmt("%.3f", report.ended_at.seconds()) + " s simulated, " +
         fmt("%.3f", (report.ended_at - report.warmup).seconds()) + " s measured after a " +
         fmt("%.3f", report.warmup.seconds()) + " s warm-up; " + std::to_string(report.events) + " events" +
         (report.interrupted ? "; <span class=\"bad\">INTERRUPTED</span>" : "") + "</p>\n";
  out += "<p>All SLOs: " + status_cell(report.slo_met) + "</p>\n";

  std::set<std::string> used;
  std::vector<std::string> workload_slugs;
  for (const auto& w : report.workloads) workload_slugs.push_back(unique_slug(w.name, used));
  std::vector<std::string> gpu_slugs;
  for (const auto& g : report.gpus)
    gpu_slugs.push_back(unique_slug(g.device + "-" + std::to_string(g.index), used));

  out +=
      "<h2>Workloads</h2>\n<table id=\"workloads\">\n<tr><th class=\"name\">workload</th><th>completed</th>"
      "<th>failed</th><th>throughput (req/s)</th><th>mean ms</th><th>p50 ms</th><th>p99 ms</th><th>p99.9 "
      "ms</th>"
      "<th>max ms</th><th>mean batch</th><th class=\"name\">SLO</th></tr>\n";
  for (const auto& w : report.workloads) {
    out += "<tr><td class=\"name\">" + xml_escape(w.name) + "</td><td>" + std::to_string(w.completed) +
           "</td><td>" + std::to_string(w.failed) + "</td><td>" + fmt("%.2f", w.throughput_per_s) +
           "</td><td>" + fmt("%.3f", w.latency.mean_ns() * 1e-6) + "</td><td>" +
           ms_text(w.latency.quantile(0.5)) + "</td><td>" + ms_text(w.latency.quantile(0.99)) + "</td><td>" +
           ms_text(w.latency.quantile(0.999)) + "</td><td>" + ms_text(w.latency.max()) + "</td><td>" +
           fmt("%.2f", w.mean_batch_size) + "</td><td class=\"name\">" +
           (w.completed == 0 && w.failed > 0
                ? status_cell(false, "", "FAILED: no request completed")
                : (w.slo.empty() ? "<span class=\"na\">-</span>" : status_cell(w.slo_met))) +
           "</td></tr>\n";
  }
  out += "</table>\n";
  // Where the mean latency went, split as perf_analyzer splits it (the parts add up to the mean).
  out +=
      "<h3>Latency breakdown (mean ms over completed requests, as perf_analyzer splits it)</h3>\n"
      "<table id=\"latency-breakdown\">\n<tr><th class=\"name\">workload</th><th>client send</th>"
      "<th>network</th><th>server queue</th><th>server CPU</th><th>compute input</th><th>compute infer</th>"
      "<th>compute output</th><th>client recv</th><th>rejected</th><th>timed out</th></tr>\n";
  for (const auto& w : report.workloads) {
    const double per = w.completed > 0 ? 1e-6 / static_cast<double>(w.completed) : 0.0;
    const auto cell = [&](sim::Time total) {
      return "<td>" + fmt("%.3f", static_cast<double>(total.count_ns()) * per) + "</td>";
    };
    const models::LatencyBreakdown& b = w.breakdown;
    out += "<tr><td class=\"name\">" + xml_escape(w.name) + "</td>" + cell(b.client_send) + cell(b.network) +
           cell(b.server_queue) + cell(b.server_cpu) + cell(b.compute_input) + cell(b.compute_infer) +
           cell(b.compute_output) + cell(b.client_recv) + "<td>" + std::to_string(w.rejected) + "</td><td>" +
           std::to_string(w.timed_out) + "</td></tr>\n";
  }
  out += "</table>\n<div class=\"cards\">\n";
  for (size_t i = 0; i < report.workloads.size(); ++i)
    out += workload_section(report.workloads[i], workload_slugs[i]);
  out += "</div>\n";

  out +=
      "<h2>GPUs</h2>\n<p class=\"meta\">utilization.gpu is what nvidia-smi reports: the share of time at "
      "least "
      "one kernel runs. SM occupancy is the share of SMs kernels hold; a GPU can be 100 % "
      "&quot;utilized&quot; "
      "with SMs to spare (room for more MPS clients).</p>\n";
  out +=
      "<table id=\"gpus\">\n<tr><th class=\"name\">GPU</th><th class=\"name\">claimed by</th><th "
      "class=\"name\">policy</th><th>utilization.gpu</th><th>SM occupancy</th><th>memory ctrl</th><th>memory "
      "used "
      "MiB</th><th>total MiB</th><th>context switches</th><th>faults</th></tr>\n";
  for (const auto& g : report.gpus) {
    const auto& m = g.metrics;
    out += "<tr><td class=\"name\">" + xml_escape(g.device + "/" + std::to_string(g.index)) +
           "</td><td class=\"name\">" + xml_escape(g.claimed_by.empty() ? "-" : g.claimed_by) +
           "</td><td class=\"name\">" + xml_escape(g.in_use ? g.policy : "idle") + "</td><td>" +
           fmt("%.1f %%", 100 * m.utilization_gpu_mean) + "</td><td>" + fmt("%.1f %%", 100 * m.sm_occupancy) +
           "</td><td>" + fmt("%.1f %%", 100 * m.utilization_memory_mean) + "</td><td>" +
           fmt("%.0f", static_cast<double>(m.memory_used_bytes) / kMiB) + "</td><td>" +
           fmt("%.0f", static_cast<double>(g.memory_total_bytes) / kMiB) + "</td><td>" +
           std::to_string(m.context_switches) + "</td><td>" + std::to_string(m.faults) + "</td></tr>\n";
  }
  out += "</table>\n<div class=\"cards\">\n";
  for (size_t i = 0; i < report.gpus.size(); ++i) {
    if (report.gpus[i].in_use) out += gpu_section(report.gpus[i], gpu_slugs[i]);
  }
  out += "</div>\n";
  if (!report.warnings.empty()) {
    out += "<h2>Warnings</h2>\n<ul>\n";
    for (const auto& w : report.warnings) out += "<li>" + xml_escape(w) + "</li>\n";
    out += "</ul>\n";
  }
  out +=
      "<p class=\"meta\">Generated by sharesim from simulated data; results.json has the same figures.</p>\n"
      "</body>\n</html>\n";
  return out;
}

std::string plan_comparison_html(const PlanComparison& plan) {
  std::string out = page_head(plan.title);
  out += "<h1>" + xml_escape(plan.title) + "</h1>\n";
  if (!plan.notes.empty()) {
    out += "<ul id=\"plan-why\">\n";
    for (const std::string& note : plan.notes) out += "<li>" + xml_escape(note) + "</li>\n";
    out += "</ul>\n";
  }
  double max_cost = 0;
  for (const auto& r : plan.rows) max_cost = std::max(max_cost, r.cost);
  if (max_cost <= 0) max_cost = 1;

  // The cost chart: one horizontal bar per candidate, grey when infeasible.
  constexpr double kRowH = 22, kLabelW = 260, kBarW = 300, kTop = 26;
  const double height = kTop + kRowH * static_cast<double>(plan.rows.size()) + 30;
  out += "<svg id=\"plan-cost\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
         fmt("%.0f", kLabelW + kBarW + 140) + "\" height=\"" + fmt("%.0f", height) +
         "\" role=\"img\" "
         "aria-label=\"cost per candidate\">\n<title>cost per candidate</title>\n"
         "<text class=\"chart-title\" x=\"0\" y=\"16\">cost per candidate (" +
         xml_escape(plan.cost_unit) + "); blue: meets every SLO, grey: does not</text>\n";
  for (size_t i = 0; i < plan.rows.size(); ++i) {
    const auto& r = plan.rows[i];
    const double y = kTop + kRowH * static_cast<double>(i);
    const double w = kBarW * std::max(0.0, r.cost) / max_cost;
    out += "<text class=\"legend\" x=\"0\" y=\"" + fmt("%.1f", y + 14) + "\">" +
           xml_escape((r.chosen ? "\u2605 " : "") + r.label) + "</text>\n";
    out += "<rect x=\"" + fmt("%.1f", kLabelW) + "\" y=\"" + fmt("%.1f", y + 4) + "\" width=\"" +
           fmt("%.1f", w) + "\" height=\"14\" fill=\"" + (r.feasible ? "#0072B2" : "#bbbbbb") + "\"/>\n";
    out += "<text class=\"tick\" x=\"" + fmt("%.1f", kLabelW + w + 6) + "\" y=\"" + fmt("%.1f", y + 15) +
           "\">" + fmt("%g", r.cost) + " " + xml_escape(plan.cost_unit) + "</text>\n";
  }
  out += "</svg>\n";

  out +=
      "<table id=\"plan-candidates\">\n<tr><th class=\"name\">candidate</th><th "
      "class=\"name\">policy</th><th>" +
      xml_escape(plan.cost_unit) +
      "</th><th class=\"name\">meets SLOs</th><th class=\"name\">per workload: "
      "p99 / target (ms)</th><th class=\"name\">why not</th></tr>\n";
  for (const auto& r : plan.rows) {
    out += std::string("<tr") + (r.chosen ? " class=\"chosen\"" : "") + "><td class=\"name\">" +
           xml_escape((r.chosen ? "\u2605 " : "") + r.label) + "</td><td class=\"name\">" +
           xml_escape(r.policy) + "</td><td>" + fmt("%g", r.cost) + "</td><td class=\"name\">" +
           status_cell(r.feasible, "yes", "no") + "</td><td class=\"name\">";
    for (size_t i = 0; i < r.workloads.size(); ++i) {
      const auto& w = r.workloads[i];
      out += (i ? "<br>" : "") + xml_escape(w.workload) + ": " +
             (w.p99_ms ? fmt("%.2f", *w.p99_ms) : std::string("unbounded")) + " / " +
             (w.target_ms ? fmt("%.2f", *w.target_ms) : std::string("-")) + " " +
             status_cell(w.slo_met, "ok", "miss");
    }
    out += "</td><td class=\"name\">" + xml_escape(r.why_not) + "</td></tr>\n";
  }
  out += "</table>\n</body>\n</html>\n";
  return out;
}

}  // namespace sharesim::reports
