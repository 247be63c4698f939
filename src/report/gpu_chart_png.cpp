// WriteGpuChartPng: the chart layout drawn with OpenCV.
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cstdio>
#include <exception>

#include "report/chart_layout.h"
#include "report/gpu_chart.h"

namespace facefuse::report {
namespace {

cv::Scalar Bgr(const std::string& hex) {
  unsigned r = 0, g = 0, b = 0;
  if (hex.size() == 7) std::sscanf(hex.c_str() + 1, "%02x%02x%02x", &r, &g, &b);
  return cv::Scalar(b, g, r);
}

cv::Point P(double x, double y) { return cv::Point(static_cast<int>(x + 0.5), static_cast<int>(y + 0.5)); }

void Label(cv::Mat& img, const std::string& s, double x, double y, double size, int align = 0) {
  int base = 0;
  const cv::Size sz = cv::getTextSize(s, cv::FONT_HERSHEY_SIMPLEX, size, 1, &base);
  const double dx = align == 0 ? 0 : align == 1 ? -sz.width / 2.0 : -sz.width;
  cv::putText(img, s, P(x + dx, y), cv::FONT_HERSHEY_SIMPLEX, size, cv::Scalar(40, 40, 40), 1, cv::LINE_AA);
}

}  // namespace

Status WriteGpuChartPng(const ChartInput& input, const std::filesystem::path& path) {
  const chart::Layout L = chart::MakeLayout(input);
  try {
    cv::Mat img(static_cast<int>(L.height), static_cast<int>(L.width), CV_8UC3, cv::Scalar(255, 255, 255));
    Label(img, L.title, L.width / 2, 30, 0.5, 1);
    for (const auto& s : L.series) {
      Label(img, s.label, L.x0, s.y0 - 8, 0.45);
      for (const auto& b : L.bands) {
        const cv::Rect r = cv::Rect(P(b.xa, s.y0), P(b.xb, s.y1)) & cv::Rect(0, 0, img.cols, img.rows);
        if (r.area() == 0) continue;
        cv::Mat roi = img(r);
        cv::Mat tint(roi.size(), roi.type(), Bgr(b.color));
        cv::addWeighted(tint, 0.07, roi, 0.93, 0, roi);
      }
      for (double v : s.ticks) {
        const double y = s.y1 - (v - s.vmin) / (s.vmax - s.vmin) * (s.y1 - s.y0);
        cv::line(img, P(L.x0, y), P(L.x1, y), cv::Scalar(229, 229, 229), 1);
        char buf[32];
        std::snprintf(buf, sizeof(buf), v == static_cast<long long>(v) ? "%.0f" : "%.1f", v);
        Label(img, buf, L.x0 - 6, y + 4, 0.38, 2);
      }
      cv::rectangle(img, P(L.x0, s.y0), P(L.x1, s.y1), cv::Scalar(153, 153, 153), 1);
      std::vector<cv::Point> pts;
      for (const auto& [x, y] : s.points) pts.push_back(P(x, y));
      if (pts.size() == 1) cv::circle(img, pts[0], 2, Bgr(s.color), cv::FILLED, cv::LINE_AA);
      if (pts.size() > 1) cv::polylines(img, pts, false, Bgr(s.color), 2, cv::LINE_AA);
    }
    Label(img, "stages", L.x0 - 6, L.stage_y1 - 8, 0.38, 2);
    for (const auto& b : L.bands) cv::rectangle(img, P(b.xa, L.stage_y0), P(b.xb, L.stage_y1), Bgr(b.color), cv::FILLED);
    for (const auto& [x, label] : L.time_ticks) {
      cv::line(img, P(x, L.stage_y1), P(x, L.stage_y1 + 5), cv::Scalar(102, 102, 102), 1);
      Label(img, label, x, L.stage_y1 + 18, 0.38, 1);
    }
    double lx = L.x0;
    for (const auto& [stage, color] : L.legend) {
      cv::rectangle(img, P(lx, L.stage_y1 + 30), P(lx + 12, L.stage_y1 + 42), Bgr(color), cv::FILLED);
      Label(img, stage, lx + 16, L.stage_y1 + 41, 0.4);
      lx += 110;
    }
    if (!cv::imwrite(path.string(), img)) return IoError(path.string() + ": cannot write PNG");
  } catch (const std::exception& e) {  // cv::Exception
    return IoError(path.string() + ": " + e.what());
  }
  return Status::Ok();
}

}  // namespace facefuse::report
