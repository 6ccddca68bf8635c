// Small, dependency-free SVG charts for the HTML report: line charts (linear or log-10 x axis)
// and horizontal stacked bars. Output is inline SVG text with fixed number formatting, so the
// same data gives the same bytes. Every chart has a title, axis labels with units, tick labels
// and a legend placed outside the plot area (below it), so nothing overlaps the data.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sharesim::reports {

// A colour-blind-safe qualitative palette (Okabe-Ito); series take colours in order.
const std::vector<std::string>& chart_palette();

struct ChartSeries {
  std::string label;
  std::vector<std::pair<double, double>> points;  // (x, y), in drawing order
  bool step = false;                              // draw as a step function (x-sorted points)
};

// A vertical reference line, e.g. an SLO target on a latency axis.
struct ChartMarker {
  double x = 0;
  std::string label;
};

struct LineChart {
  std::string id;  // the <svg> element's id (unique in the page)
  std::string title;
  std::string x_label;                 // with unit, e.g. "latency (ms, log scale)"
  std::string y_label;                 // with unit, e.g. "fraction of requests"
  bool log_x = false;                  // points with x <= 0 are skipped on a log axis
  std::optional<double> y_min, y_max;  // default: from the data (0 included)
  std::optional<double> x_min, x_max;
  bool y_percent = false;  // tick labels as percent of 1.0
  std::vector<ChartSeries> series;
  std::vector<ChartMarker> markers;
  int width = 600;
  int height = 300;
};

std::string render_line_chart(const LineChart& chart);

struct BarSegment {
  std::string label;
  double value = 0;
};

// One horizontal bar made of stacked segments against a capacity (e.g. memory used per process
// against the GPU's memory), with an optional marker (e.g. the peak).
struct StackedBar {
  std::string id;
  std::string title;
  std::string unit;  // e.g. "MiB"
  double capacity = 0;
  std::vector<BarSegment> segments;
  std::optional<ChartMarker> marker;
  int width = 600;
};

std::string render_stacked_bar(const StackedBar& bar);

// "Nice" axis ticks covering [lo, hi] (about `count` of them, steps of 1, 2 or 5 x 10^k).
std::vector<double> nice_ticks(double lo, double hi, int count);

}  // namespace sharesim::reports
