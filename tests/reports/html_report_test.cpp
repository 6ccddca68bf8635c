// report.html: one chart per workload and per GPU in use, self-contained, escaped, deterministic;
// the SVG chart helpers; the plan comparison page.
#include "sharesim/reports/html_report.h"

#include <gtest/gtest.h>

#include <string>

#include "sharesim/reports/results.h"
#include "sharesim/reports/svg_chart.h"

namespace sharesim::reports {
namespace {

using sim::Time;

size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

models::WorkloadStats workload(const std::string& name, int requests, Time base) {
  models::WorkloadStats w;
  w.name = name;
  for (int i = 1; i <= requests; ++i) w.latency.record(base * i);
  w.completed = static_cast<uint64_t>(requests);
  w.throughput_per_s = 10;
  models::SloCheck check;
  check.metric = models::SloMetric::kP99;
  check.latency_target = Time::ms(50);
  check.latency_measured = w.latency.quantile(0.99);
  check.met = check.latency_measured <= check.latency_target;
  w.slo = {check};
  w.slo_met = check.met;
  return w;
}

run::RunReport sample_report() {
  run::RunReport r;
  r.scenario_name = "two <workloads> & one GPU";
  r.duration = Time::s(3);
  r.ended_at = Time::s(3);
  r.warmup = Time::s(1);
  r.workloads = {workload("Detector A", 100, Time::ms(1)), workload("ocr", 10, Time::ms(20))};
  run::GpuReport used;
  used.device = "Edge Box";
  used.index = 0;
  used.policy = "mps";
  used.profile = "t4";
  used.in_use = true;
  used.memory_total_bytes = int64_t{15079} * 1024 * 1024;
  used.metrics.start = Time::s(1);
  used.metrics.end = Time::s(3);
  used.metrics.sample_window = Time::s(1);
  used.metrics.utilization_gpu = {0.9, 0.8};
  used.metrics.sm_occupancy_series = {0.3, 0.2};
  used.metrics.utilization_memory = {0.1, 0.1};
  used.metrics.copy_busy_series = {0.0, 0.05};
  used.processes = {
      {.workload = "Detector A", .replica = 0, .memory_bytes = int64_t{2000} * 1024 * 1024, .sm_cap = 20},
      {.workload = "ocr", .replica = 0, .memory_bytes = int64_t{1000} * 1024 * 1024, .sm_cap = 20}};
  run::GpuReport idle;
  idle.device = "Edge Box";
  idle.index = 1;
  idle.profile = "t4";
  r.gpus = {used, idle};
  r.slo_met = r.workloads[0].slo_met && r.workloads[1].slo_met;
  return r;
}

TEST(HtmlReportTest, OneCdfPerWorkloadAndChartsPerGpuInUse) {
  const std::string html = html_report(sample_report());
  EXPECT_EQ(count_of(html, "<svg id=\"cdf-"), 2u);
  EXPECT_NE(html.find("<svg id=\"cdf-detector-a\""), std::string::npos);
  EXPECT_NE(html.find("<svg id=\"cdf-ocr\""), std::string::npos);
  EXPECT_NE(html.find("<section class=\"workload card\" id=\"workload-ocr\""), std::string::npos);
  EXPECT_NE(html.find("<svg id=\"gpu-edge-box-0-util\""), std::string::npos);
  EXPECT_NE(html.find("<svg id=\"gpu-edge-box-0-memory\""), std::string::npos);
  // The idle GPU is in the table but has no charts.
  EXPECT_EQ(html.find("gpu-edge-box-1-util"), std::string::npos);
  EXPECT_NE(html.find("<table id=\"workloads\">"), std::string::npos);
  EXPECT_NE(html.find("<table id=\"gpus\">"), std::string::npos);
  // Axes say their units; the CDF's x axis is logarithmic; the SLO target is drawn and labelled.
  EXPECT_NE(html.find("latency, arrival to completion (ms, log scale)"), std::string::npos);
  EXPECT_NE(html.find("SLO p99 target 50.000 ms"), std::string::npos);
  // Dashed markers: per CDF the SLO line and its legend entry; the memory chart's peak and its legend.
  EXPECT_EQ(count_of(html, "class=\"marker\""), 2u * 2u + 2u);
}

TEST(HtmlReportTest, SelfContainedAndEscaped) {
  const std::string html = html_report(sample_report());
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("href="), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
  // The only URL is the SVG namespace name, which browsers never fetch.
  EXPECT_EQ(count_of(html, "http"), count_of(html, "xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_NE(html.find("two &lt;workloads&gt; &amp; one GPU"), std::string::npos);
  EXPECT_EQ(html.find("<workloads>"), std::string::npos);
}

TEST(HtmlReportTest, SameReportSameBytes) {
  EXPECT_EQ(html_report(sample_report()), html_report(sample_report()));
}

// 100 requests at 1, 2, ..., 100 ms: SLO p99 <= 50 ms is missed; the table says so.
TEST(HtmlReportTest, SloStatusShown) {
  const std::string html = html_report(sample_report());
  EXPECT_NE(html.find("Detector A &mdash; SLO <span class=\"bad\">MISSED"), std::string::npos);
  EXPECT_NE(html.find("All SLOs: <span class=\"bad\">MISSED"), std::string::npos);
}

TEST(SummaryTextTest, AMissedLatencyTargetSaysHowManyUnansweredRequestsItCounted) {
  // The targets count unanswered requests at their age, the table's columns answered ones only,
  // so the two can differ; a miss says how many it counted. Both sample workloads miss their
  // 50 ms p99 (answers of 1..100 ms and of 20..200 ms); only ocr has requests outstanding.
  run::RunReport r = sample_report();
  r.workloads[1].outstanding = 3;
  const std::string text = summary_text(r);
  EXPECT_NE(text.find(" > 50.00 ms) with 3 unanswered at their age\n"), std::string::npos) << text;
  EXPECT_EQ(count_of(text, "unanswered"), 1u) << text;  // not on the detector's line
}

TEST(HtmlReportTest, SlugsAreLowerCaseAndUnique) {
  EXPECT_EQ(html_slug("Edge Box #1"), "edge-box-1");
  EXPECT_EQ(html_slug("--a__b--"), "a-b");
  EXPECT_EQ(html_slug("!!"), "x");
  run::RunReport r = sample_report();
  r.workloads[1].name = "detector a";  // slugs the same as "Detector A"
  const std::string html = html_report(r);
  EXPECT_NE(html.find("<svg id=\"cdf-detector-a\""), std::string::npos);
  EXPECT_NE(html.find("<svg id=\"cdf-detector-a-2\""), std::string::npos);
}

TEST(SvgChartTest, NiceTicksUseSteps125) {
  const auto unit = nice_ticks(0, 1, 5);  // raw step 0.2 -> 0.2
  ASSERT_EQ(unit.size(), 6u);
  for (size_t i = 0; i < unit.size(); ++i) EXPECT_NEAR(unit[i], 0.2 * static_cast<double>(i), 1e-12);
  const auto ticks = nice_ticks(0, 37, 5);  // raw step 7.4 -> 10
  ASSERT_EQ(ticks.size(), 4u);
  EXPECT_DOUBLE_EQ(ticks[3], 30.0);
}

TEST(SvgChartTest, LogAxisTicksAreDecades) {
  LineChart c;
  c.id = "t";
  c.log_x = true;
  c.series.push_back({"s", {{0.5, 0.1}, {20, 0.9}}, false});
  const std::string svg = render_line_chart(c);
  // 0.5 .. 20 ms spans the decades 0.1, 1, 10, 100.
  for (const char* label : {">0.1</text>", ">1</text>", ">10</text>", ">100</text>"}) {
    EXPECT_NE(svg.find(label), std::string::npos) << label;
  }
  EXPECT_NE(svg.find("data-series=\"s\""), std::string::npos);
}

TEST(SvgChartTest, EmptyChartSaysSo) {
  LineChart c;
  c.id = "empty";
  EXPECT_NE(render_line_chart(c).find("no data"), std::string::npos);
}

TEST(PlanComparisonTest, RowsWithCostFeasibilityAndP99) {
  PlanComparison plan;
  plan.cost_unit = "USD/month";
  plan.rows.push_back({.label = "1 x edge, mps 50%",
                       .policy = "mps",
                       .cost = 800,
                       .feasible = true,
                       .chosen = true,
                       .workloads = {{"det", 12.5, 50.0, true}}});
  plan.rows.push_back({.label = "1 x edge, time-slicing",
                       .policy = "time-slicing",
                       .cost = 800,
                       .feasible = false,
                       .why_not = "det p99 71.2 ms > 50 ms",
                       .workloads = {{"det", 71.2, 50.0, false}}});
  const std::string html = plan_comparison_html(plan);
  EXPECT_NE(html.find("<table id=\"plan-candidates\">"), std::string::npos);
  EXPECT_NE(html.find("<svg id=\"plan-cost\""), std::string::npos);
  EXPECT_EQ(count_of(html, "<tr"), 3u);  // header + 2 rows
  EXPECT_NE(html.find("det: 12.50 / 50.00"), std::string::npos);
  EXPECT_NE(html.find("det p99 71.2 ms &gt; 50 ms"), std::string::npos);
  EXPECT_EQ(count_of(html, "class=\"chosen\""), 1u);
}

}  // namespace
}  // namespace sharesim::reports
