#include "sharesim/reports/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "sharesim/reports/markup.h"

namespace sharesim::reports {

namespace {

// Layout of a line chart (pixels): the plot area sits inside these margins; the legend goes in
// the bottom margin below the x-axis label, one row per three series.
constexpr double kLeft = 64;
constexpr double kRight = 16;
constexpr double kTop = 30;
constexpr double kAxisBelow = 44;  // tick labels + x label
constexpr double kLegendRow = 18;

// Legend entries flow left to right and wrap, each as wide as its text needs (estimated at 7 px
// per character of the 12 px legend font, generous for proportional fonts), so no two overlap.
struct LegendSlot {
  double x = 0;
  int row = 0;
};
std::vector<LegendSlot> legend_layout(const std::vector<std::string>& labels, double left, double right) {
  std::vector<LegendSlot> slots;
  double x = left;
  int row = 0;
  for (const std::string& label : labels) {
    const double w = 28 + 7.0 * static_cast<double>(label.size()) + 20;
    if (x > left && x + w > right) {
      x = left;
      ++row;
    }
    slots.push_back({x, row});
    x += w;
  }
  return slots;
}
int legend_rows(const std::vector<LegendSlot>& slots) {
  return slots.empty() ? 0 : slots.back().row + 1;
}

std::string num(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", v);
  return buffer;
}

// A tick label: short, no trailing zeros.
std::string tick_text(double v, bool percent) {
  if (percent) v *= 100;
  char buffer[32];
  if (v != 0 && (std::fabs(v) >= 1e5 || std::fabs(v) < 1e-3)) {
    std::snprintf(buffer, sizeof buffer, "%.0e", v);
  } else {
    std::snprintf(buffer, sizeof buffer, "%.6g", v);
  }
  std::string text = buffer;
  return percent ? text + "%" : text;
}

// The opening <svg> element of a chart, with its accessible title.
std::string svg_open(const std::string& id, const std::string& title, int width, double height) {
  return "<svg id=\"" + xml_escape(id) + "\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
         std::to_string(width) + "\" height=\"" + num(height) + "\" viewBox=\"0 0 " + std::to_string(width) +
         " " + num(height) + "\" role=\"img\" aria-label=\"" + xml_escape(title) + "\">\n<title>" +
         xml_escape(title) + "</title>\n";
}

}  // namespace

const std::vector<std::string>& chart_palette() {
  static const std::vector<std::string> palette = {"#0072B2", "#E69F00", "#009E73", "#CC79A7",
                                                   "#D55E00", "#56B4E9", "#000000", "#F0E442"};
  return palette;
}

std::vector<double> nice_ticks(double lo, double hi, int count) {
  if (!(hi > lo)) hi = lo + 1;
  const double raw = (hi - lo) / std::max(1, count);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (const double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * magnitude;
    if (step >= raw) break;
  }
  std::vector<double> ticks;
  const double first = std::ceil(lo / step - 1e-9);
  for (int i = 0;; ++i) {
    const double t = (first + i) * step;
    if (t > hi + step * 1e-9) break;
    ticks.push_back(std::fabs(t) < step * 1e-9 ? 0.0 : t);
  }
  return ticks;
}

std::string render_line_chart(const LineChart& chart) {
  // Data ranges.
  double xlo = std::numeric_limits<double>::infinity(), xhi = -xlo;
  double ylo = 0, yhi = 0;
  bool any = false;
  for (const ChartSeries& s : chart.series) {
    for (const auto& [x, y] : s.points) {
      if (chart.log_x && x <= 0) continue;
      xlo = std::min(xlo, x);
      xhi = std::max(xhi, x);
      ylo = std::min(ylo, y);
      yhi = std::max(yhi, y);
      any = true;
    }
  }
  for (const ChartMarker& m : chart.markers) {
    if (chart.log_x && m.x <= 0) continue;
    xlo = std::min(xlo, m.x);
    xhi = std::max(xhi, m.x);
  }
  if (!std::isfinite(xlo)) {
    xlo = chart.log_x ? 1 : 0;
    xhi = chart.log_x ? 10 : 1;
  }
  if (chart.x_min) xlo = *chart.x_min;
  if (chart.x_max) xhi = *chart.x_max;
  if (chart.y_min) ylo = *chart.y_min;
  if (chart.y_max) yhi = *chart.y_max;
  if (!(yhi > ylo)) yhi = ylo + 1;

  // X scale: on a log axis, whole decades around the data.
  std::vector<double> xticks;
  double ax = xlo, bx = xhi;
  if (chart.log_x) {
    ax = std::floor(std::log10(xlo));
    bx = std::ceil(std::log10(xhi));
    if (bx <= ax) bx = ax + 1;
    for (double d = ax; d <= bx + 1e-9; d += 1) xticks.push_back(std::pow(10.0, d));
  } else {
    if (!(bx > ax)) bx = ax + 1;
    xticks = nice_ticks(ax, bx, 6);
  }
  const std::vector<double> yticks = nice_ticks(ylo, yhi, 5);

  std::vector<std::string> legend_labels;
  for (const ChartSeries& s : chart.series) legend_labels.push_back(s.label);
  for (const ChartMarker& m : chart.markers) legend_labels.push_back(m.label);
  const std::vector<LegendSlot> legend = legend_layout(legend_labels, kLeft, chart.width - kRight);
  const double plot_w = chart.width - kLeft - kRight;
  const double plot_h = chart.height - kTop - kAxisBelow;
  const double total_h = chart.height + legend_rows(legend) * kLegendRow + 12;
  const auto sx = [&](double x) {
    const double t = chart.log_x ? (std::log10(x) - ax) / (bx - ax) : (x - ax) / (bx - ax);
    return kLeft + std::clamp(t, 0.0, 1.0) * plot_w;
  };
  const auto sy = [&](double y) {
    return kTop + (1 - std::clamp((y - ylo) / (yhi - ylo), 0.0, 1.0)) * plot_h;
  };

  std::string svg = svg_open(chart.id, chart.title, chart.width, total_h);
  svg += "<text class=\"chart-title\" x=\"" + num(kLeft) + "\" y=\"18\">" + xml_escape(chart.title) +
         "</text>\n";
  // Grid and tick labels.
  for (const double t : yticks) {
    const double y = sy(t);
    svg += "<line class=\"grid\" x1=\"" + num(kLeft) + "\" x2=\"" + num(kLeft + plot_w) + "\" y1=\"" +
           num(y) + "\" y2=\"" + num(y) + "\"/>\n";
    svg += "<text class=\"tick\" x=\"" + num(kLeft - 6) + "\" y=\"" + num(y + 4) + "\" text-anchor=\"end\">" +
           tick_text(t, chart.y_percent) + "</text>\n";
  }
  for (const double t : xticks) {
    const double x = sx(t);
    svg += "<line class=\"grid\" x1=\"" + num(x) + "\" x2=\"" + num(x) + "\" y1=\"" + num(kTop) + "\" y2=\"" +
           num(kTop + plot_h) + "\"/>\n";
    svg += "<text class=\"tick\" x=\"" + num(x) + "\" y=\"" + num(kTop + plot_h + 16) +
           "\" text-anchor=\"middle\">" + tick_text(t, false) + "</text>\n";
  }
  svg += "<rect class=\"frame\" x=\"" + num(kLeft) + "\" y=\"" + num(kTop) + "\" width=\"" + num(plot_w) +
         "\" height=\"" + num(plot_h) + "\"/>\n";
  // Axis labels.
  svg += "<text class=\"axis-label\" x=\"" + num(kLeft + plot_w / 2) + "\" y=\"" + num(kTop + plot_h + 36) +
         "\" text-anchor=\"middle\">" + xml_escape(chart.x_label) + "</text>\n";
  svg += "<text class=\"axis-label\" transform=\"translate(14 " + num(kTop + plot_h / 2) +
         ") rotate(-90)\" text-anchor=\"middle\">" + xml_escape(chart.y_label) + "</text>\n";
  // Series.
  const auto& palette = chart_palette();
  for (size_t i = 0; i < chart.series.size(); ++i) {
    const ChartSeries& s = chart.series[i];
    std::string d;
    bool first = true;
    double last_y = 0;
    for (const auto& [x, y] : s.points) {
      if (chart.log_x && x <= 0) continue;
      if (!first && s.step) d += "L" + num(sx(x)) + " " + num(last_y) + " ";
      d += (first ? "M" : "L") + num(sx(x)) + " " + num(sy(y)) + " ";
      last_y = sy(y);
      first = false;
    }
    if (d.empty()) continue;
    svg += "<path class=\"series\" data-series=\"" + xml_escape(s.label) + "\" d=\"" + d + "\" stroke=\"" +
           palette[i % palette.size()] + "\"/>\n";
  }
  for (size_t i = 0; i < chart.markers.size(); ++i) {
    const ChartMarker& m = chart.markers[i];
    if (chart.log_x && m.x <= 0) continue;
    const double x = sx(m.x);
    svg += "<line class=\"marker\" x1=\"" + num(x) + "\" x2=\"" + num(x) + "\" y1=\"" + num(kTop) +
           "\" y2=\"" + num(kTop + plot_h) + "\"/>\n";
  }
  // Legend, below the axis label.
  const double legend_top = chart.height + 8;
  size_t slot = 0;
  const auto legend_item = [&](const std::string& label, const std::string& style) {
    const double x = legend[slot].x;
    const double y = legend_top + legend[slot].row * kLegendRow;
    svg += "<line " + style + " x1=\"" + num(x) + "\" x2=\"" + num(x + 22) + "\" y1=\"" + num(y) +
           "\" y2=\"" + num(y) + "\"/>\n";
    svg += "<text class=\"legend\" x=\"" + num(x + 28) + "\" y=\"" + num(y + 4) + "\">" + xml_escape(label) +
           "</text>\n";
    ++slot;
  };
  for (size_t i = 0; i < chart.series.size(); ++i) {
    legend_item(chart.series[i].label, "class=\"series\" stroke=\"" + palette[i % palette.size()] + "\"");
  }
  for (const ChartMarker& m : chart.markers) legend_item(m.label, "class=\"marker\"");
  if (!any) {
    svg += "<text class=\"empty\" x=\"" + num(kLeft + plot_w / 2) + "\" y=\"" + num(kTop + plot_h / 2) +
           "\" text-anchor=\"middle\">no data</text>\n";
  }
  svg += "</svg>\n";
  return svg;
}

std::string render_stacked_bar(const StackedBar& bar) {
  constexpr double kBarTop = 28, kBarH = 26;
  const double plot_w = bar.width - kLeft - kRight;
  double total = 0;
  for (const BarSegment& s : bar.segments) total += std::max(0.0, s.value);
  const double capacity = std::max({bar.capacity, total, bar.marker ? bar.marker->x : 0.0, 1e-9});
  const auto sx = [&](double v) { return kLeft + std::clamp(v / capacity, 0.0, 1.0) * plot_w; };
  std::vector<std::string> legend_labels;
  for (const BarSegment& s : bar.segments) {
    char value[48];
    std::snprintf(value, sizeof value, " (%.0f %s)", s.value, bar.unit.c_str());
    legend_labels.push_back(s.label + value);
  }
  legend_labels.push_back("free");
  if (bar.marker) legend_labels.push_back(bar.marker->label);
  const std::vector<LegendSlot> legend = legend_layout(legend_labels, kLeft, bar.width - kRight);
  const double axis_bottom = kBarTop + kBarH + 52;  // first legend row, below the axis label
  const double total_h = axis_bottom + legend_rows(legend) * kLegendRow + 8;

  std::string svg = svg_open(bar.id, bar.title, bar.width, total_h);
  svg +=
      "<text class=\"chart-title\" x=\"" + num(kLeft) + "\" y=\"18\">" + xml_escape(bar.title) + "</text>\n";
  svg += "<rect class=\"capacity\" x=\"" + num(kLeft) + "\" y=\"" + num(kBarTop) + "\" width=\"" +
         num(plot_w) + "\" height=\"" + num(kBarH) + "\"/>\n";
  const auto& palette = chart_palette();
  double at = 0;
  for (size_t i = 0; i < bar.segments.size(); ++i) {
    const double v = std::max(0.0, bar.segments[i].value);
    svg += "<rect class=\"segment\" data-series=\"" + xml_escape(bar.segments[i].label) + "\" x=\"" +
           num(sx(at)) + "\" y=\"" + num(kBarTop) + "\" width=\"" + num(sx(at + v) - sx(at)) +
           "\" height=\"" + num(kBarH) + "\" fill=\"" + palette[i % palette.size()] + "\"/>\n";
    at += v;
  }
  if (bar.marker) {
    const double x = sx(bar.marker->x);
    svg += "<line class=\"marker\" x1=\"" + num(x) + "\" x2=\"" + num(x) + "\" y1=\"" + num(kBarTop - 4) +
           "\" y2=\"" + num(kBarTop + kBarH + 4) + "\"/>\n";
  }
  for (const double t : nice_ticks(0, capacity, 6)) {
    if (t > capacity * (1 + 1e-9)) continue;
    const double x = sx(t);
    svg += "<line class=\"grid\" x1=\"" + num(x) + "\" x2=\"" + num(x) + "\" y1=\"" + num(kBarTop + kBarH) +
           "\" y2=\"" + num(kBarTop + kBarH + 4) + "\"/>\n";
    svg += "<text class=\"tick\" x=\"" + num(x) + "\" y=\"" + num(kBarTop + kBarH + 16) +
           "\" text-anchor=\"middle\">" + tick_text(t, false) + "</text>\n";
  }
  svg += "<text class=\"axis-label\" x=\"" + num(kLeft + plot_w / 2) + "\" y=\"" + num(kBarTop + kBarH + 30) +
         "\" text-anchor=\"middle\">" + xml_escape(bar.unit) + " (of " + tick_text(bar.capacity, false) +
         " " + xml_escape(bar.unit) + ")</text>\n";
  size_t slot = 0;
  const auto legend_box = [&](const std::string& label, const std::string& shape) {
    const double x = legend[slot].x;
    const double y = axis_bottom + legend[slot].row * kLegendRow;
    svg += shape.empty() ? ""
                         : "<rect " + shape + " x=\"" + num(x) + "\" y=\"" + num(y - 6) +
                               "\" width=\"22\" height=\"10\"/>\n";
    svg += "<text class=\"legend\" x=\"" + num(x + 28) + "\" y=\"" + num(y + 4) + "\">" + xml_escape(label) +
           "</text>\n";
    ++slot;
  };
  for (size_t i = 0; i < bar.segments.size(); ++i) {
    legend_box(legend_labels[i], "fill=\"" + palette[i % palette.size()] + "\"");
  }
  legend_box("free", "class=\"capacity\"");
  if (bar.marker) {
    const double x = legend[slot].x;
    const double y = axis_bottom + legend[slot].row * kLegendRow;
    svg += "<line class=\"marker\" x1=\"" + num(x + 11) + "\" x2=\"" + num(x + 11) + "\" y1=\"" + num(y - 7) +
           "\" y2=\"" + num(y + 5) + "\"/>\n";
    svg += "<text class=\"legend\" x=\"" + num(x + 28) + "\" y=\"" + num(y + 4) + "\">" +
           xml_escape(bar.marker->label) + "</text>\n";
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace sharesim::reports
