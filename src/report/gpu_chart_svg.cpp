// RenderGpuChartSvg: the chart layout as SVG text.
#include <cstdio>
#include <string>

#include "report/chart_layout.h"
#include "report/gpu_chart.h"

namespace facefuse::report {
namespace {

std::string Num(double v, int digits = 2) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string Text(double x, double y, const std::string& s, const char* anchor = "start", int size = 12) {
  return "<text x=\"" + Num(x) + "\" y=\"" + Num(y) + "\" font-size=\"" + std::to_string(size) +
         "\" text-anchor=\"" + anchor + "\">" + Escape(s) + "</text>\n";
}

}  // namespace

std::string RenderGpuChartSvg(const ChartInput& input) {
  const chart::Layout L = chart::MakeLayout(input);
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                    Num(L.width, 0) + "\" height=\"" + Num(L.height, 0) + "\" viewBox=\"0 0 " + Num(L.width, 0) +
                    " " + Num(L.height, 0) + "\" font-family=\"sans-serif\">\n";
  out += "<title>" + Escape(L.title) + "</title>\n";
  out += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";
  out += Text(L.width / 2, 24, L.heading, "middle", 15);
  out += Text(L.width / 2, 46, L.stats, "middle", 13);
  out += "<text class=\"subtitle\" x=\"" + Num(L.width / 2) + "\" y=\"66\" font-size=\"12\" text-anchor=\"middle\">" +
         Escape(L.subtitle) + "</text>\n";
  if (!L.notice.empty()) {
    out += "<g class=\"notice\">\n<rect x=\"" + Num(L.x0) + "\" y=\"" + Num(L.notice_y0) + "\" width=\"" +
           Num(L.x1 - L.x0) + "\" height=\"" + Num(L.notice_y1 - L.notice_y0) +
           "\" fill=\"#f4f4f4\" stroke=\"#cccccc\" stroke-dasharray=\"4 4\"/>\n" +
           Text((L.x0 + L.x1) / 2, (L.notice_y0 + L.notice_y1) / 2 + 8, L.notice, "middle", 22) + "</g>\n";
  }
  for (const auto& p : L.panels) {
    out += "<g class=\"panel\" data-panel=\"" + p.name + "\">\n";
    out += Text(L.x0, p.y0 - 8, p.label, "start", 13);
    double lx = L.x0 + 160;
    for (const auto& s : p.series) {  // a legend when the panel holds several series
      if (s.label.empty()) continue;
      out += "<line x1=\"" + Num(lx) + "\" x2=\"" + Num(lx + 18) + "\" y1=\"" + Num(p.y0 - 12) + "\" y2=\"" +
             Num(p.y0 - 12) + "\" stroke=\"" + s.color + "\" stroke-width=\"2\"" +
             (s.dashed ? " stroke-dasharray=\"6 4\"" : "") + "/>\n" + Text(lx + 22, p.y0 - 8, s.label, "start", 11);
      lx += 120;
    }
    out += "<rect x=\"" + Num(L.x0) + "\" y=\"" + Num(p.y0) + "\" width=\"" + Num(L.x1 - L.x0) + "\" height=\"" +
           Num(p.y1 - p.y0) + "\" fill=\"none\" stroke=\"#999999\"/>\n";
    for (double v : p.ticks) {
      const double y = p.y1 - (v - p.vmin) / (p.vmax - p.vmin) * (p.y1 - p.y0);
      out += "<line x1=\"" + Num(L.x0) + "\" x2=\"" + Num(L.x1) + "\" y1=\"" + Num(y) + "\" y2=\"" + Num(y) +
             "\" stroke=\"#e5e5e5\"/>\n";
      out += Text(L.x0 - 6, y + 4, Num(v, v == static_cast<long long>(v) ? 0 : 1), "end", 11);
    }
    for (const auto& b : L.bands) {  // faint stage bands behind the series
      out += "<rect class=\"stage-band\" x=\"" + Num(b.xa) + "\" y=\"" + Num(p.y0) + "\" width=\"" + Num(b.xb - b.xa) +
             "\" height=\"" + Num(p.y1 - p.y0) + "\" fill=\"" + b.color + "\" fill-opacity=\"0.07\"/>\n";
    }
    for (const auto& s : p.series) {
      out += "<polyline class=\"series\" data-series=\"" + s.column + "\" data-x0=\"" + Num(L.x0, 3) +
             "\" data-x1=\"" + Num(L.x1, 3) + "\" data-t0=\"" + Num(L.t0, 6) + "\" data-t1=\"" + Num(L.t1, 6) +
             "\" data-y0=\"" + Num(s.y0, 3) + "\" data-y1=\"" + Num(s.y1, 3) + "\" data-vmin=\"" + Num(s.vmin, 6) +
             "\" data-vmax=\"" + Num(s.vmax, 6) + "\" data-scale=\"" +
             (s.scale == 1 ? std::string("1") : std::string("1e-9")) + "\" fill=\"none\" stroke=\"" + s.color +
             "\" stroke-width=\"1.8\"" + (s.dashed ? " stroke-dasharray=\"6 4\"" : "") + " points=\"";
      for (size_t i = 0; i < s.points.size(); ++i) {
        out += (i ? " " : "") + Num(s.points[i].first, 3) + "," + Num(s.points[i].second, 3);
      }
      out += "\"/>\n";
    }
    out += "</g>\n";
  }
  out += "<g class=\"stages\">\n" + Text(L.x0 - 6, L.stage_y1 - 8, "stages", "end", 11);
  for (const auto& b : L.bands) {
    out += "<rect class=\"stage\" data-stage=\"" + b.stage + "\" x=\"" + Num(b.xa) + "\" y=\"" + Num(L.stage_y0) +
           "\" width=\"" + Num(b.xb - b.xa) + "\" height=\"" + Num(L.stage_y1 - L.stage_y0) + "\" fill=\"" + b.color +
           "\"><title>" + b.stage + " " + Num(b.start_s, 3) + "-" + Num(b.end_s, 3) + " s</title></rect>\n";
  }
  out += "</g>\n<g class=\"time-axis\">\n";
  for (const auto& [x, label] : L.time_ticks) {
    out += "<line x1=\"" + Num(x) + "\" x2=\"" + Num(x) + "\" y1=\"" + Num(L.stage_y1) + "\" y2=\"" +
           Num(L.stage_y1 + 5) + "\" stroke=\"#666666\"/>\n";
    out += Text(x, L.stage_y1 + 18, label, "middle", 11);
  }
  double lx = L.x0;
  for (const auto& [stage, color] : L.legend) {
    out += "<rect x=\"" + Num(lx) + "\" y=\"" + Num(L.stage_y1 + 30) + "\" width=\"12\" height=\"12\" fill=\"" + color +
           "\"/>\n" + Text(lx + 16, L.stage_y1 + 40, stage, "start", 11);
    lx += 110;
  }
  out += "</g>\n</svg>\n";
  return out;
}

}  // namespace facefuse::report
