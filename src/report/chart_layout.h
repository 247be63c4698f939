// Geometry shared by the SVG and PNG renderings of the GPU chart (internal).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "report/gpu_chart.h"

namespace facefuse::report::chart {

// One plotted CSV column, in a panel.
struct Series {
  std::string column;  // CSV column
  std::string label;   // legend text inside the panel
  std::string color;   // "#rrggbb"
  bool dashed = false;
  double scale = 1;    // plotted value = CSV value * scale
  double vmin = 0, vmax = 1;  // the panel's
  double y0 = 0, y1 = 0;      // panel top and bottom (pixels)
  std::vector<std::pair<double, double>> points;  // pixels
};

// One panel: a y axis and the series drawn on it.
struct Panel {
  std::string name;   // e.g. "memory"
  std::string label;  // panel title
  double vmin = 0, vmax = 1;
  double y0 = 0, y1 = 0;
  std::vector<double> ticks;  // plotted-value ticks
  std::vector<Series> series;
};

// Stages shorter than this many pixels are drawn this wide, so they stay visible.
inline constexpr double kMinStageWidth = 3;

struct Layout {
  double width = 1000, height = 880;
  double x0 = 80, x1 = 970;  // plot area left/right
  double t0 = 0, t1 = 1;     // Unix seconds at x0/x1
  std::string title;     // the job and its figures, in one line (the SVG's <title>)
  std::string heading;   // drawn: the job (a long name keeps its end)
  std::string stats;     // drawn under it: peak VRAM, mean utilisation, samples
  std::string subtitle;  // drawn under that: the GPU and the job's start time
  // Non-empty (e.g. "no GPU"): there is no GPU data; the panels are not drawn
  // (empty axes would look like data) and this notice stands in their place.
  std::string notice;
  double notice_y0 = 0, notice_y1 = 0;
  std::vector<Panel> panels;
  double stage_y0 = 0, stage_y1 = 0;
  struct Band {
    std::string stage, color;
    double xa, xb;
    double start_s, end_s;  // from job start
  };
  std::vector<Band> bands;
  std::vector<std::pair<double, std::string>> time_ticks;  // x, label
  std::vector<std::pair<std::string, std::string>> legend;  // stage, color
  double X(double t) const { return x0 + (t - t0) / (t1 - t0) * (x1 - x0); }
};

Layout MakeLayout(const ChartInput& input);
double UnixSeconds(Clock::time_point t);
// Ticks at 1/2/5 x 10^k steps covering [lo, hi] (about `target` of them).
std::vector<double> NiceTicks(double lo, double hi, int target);

}  // namespace facefuse::report::chart
