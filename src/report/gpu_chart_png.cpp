// WriteGpuChartPng: the chart layout drawn with OpenCV.
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>

#include "common/env.h"
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
    Label(img, L.heading, L.width / 2, 26, 0.5, 1);
    Label(img, L.stats, L.width / 2, 48, 0.45, 1);
    Label(img, L.subtitle, L.width / 2, 68, 0.42, 1);
    if (!L.notice.empty()) {
      cv::rectangle(img, P(L.x0, L.notice_y0), P(L.x1, L.notice_y1), cv::Scalar(244, 244, 244), cv::FILLED);
      cv::rectangle(img, P(L.x0, L.notice_y0), P(L.x1, L.notice_y1), cv::Scalar(204, 204, 204), 1);
      Label(img, L.notice, (L.x0 + L.x1) / 2, (L.notice_y0 + L.notice_y1) / 2 + 8, 0.8, 1);
    }
    for (const auto& p : L.panels) {
      Label(img, p.label, L.x0, p.y0 - 8, 0.45);
      double lx = L.x0 + 160;
      for (const auto& s : p.series) {
        if (s.label.empty()) continue;
        cv::line(img, P(lx, p.y0 - 12), P(lx + 18, p.y0 - 12), Bgr(s.color), 2);
        Label(img, s.label, lx + 22, p.y0 - 8, 0.38);
        lx += 120;
      }
      for (const auto& b : L.bands) {
        const cv::Rect r = cv::Rect(P(b.xa, p.y0), P(b.xb, p.y1)) & cv::Rect(0, 0, img.cols, img.rows);
        if (r.area() == 0) continue;
        cv::Mat roi = img(r);
        cv::Mat tint(roi.size(), roi.type(), Bgr(b.color));
        cv::addWeighted(tint, 0.07, roi, 0.93, 0, roi);
      }
      for (double v : p.ticks) {
        const double y = p.y1 - (v - p.vmin) / (p.vmax - p.vmin) * (p.y1 - p.y0);
        cv::line(img, P(L.x0, y), P(L.x1, y), cv::Scalar(229, 229, 229), 1);
        char buf[32];
        std::snprintf(buf, sizeof(buf), v == static_cast<long long>(v) ? "%.0f" : "%.1f", v);
        Label(img, buf, L.x0 - 6, y + 4, 0.38, 2);
      }
      cv::rectangle(img, P(L.x0, p.y0), P(L.x1, p.y1), cv::Scalar(153, 153, 153), 1);
      for (const auto& s : p.series) {
        std::vector<cv::Point> pts;
        for (const auto& [x, y] : s.points) pts.push_back(P(x, y));
        if (pts.size() == 1) cv::circle(img, pts[0], 2, Bgr(s.color), cv::FILLED, cv::LINE_AA);
        if (pts.size() < 2) continue;
        if (!s.dashed) {
          cv::polylines(img, pts, false, Bgr(s.color), 2, cv::LINE_AA);
          continue;
        }
        double along = 0;  // dashed: 6 px on, 4 px off, measured along the whole line
        for (size_t i = 1; i < pts.size(); ++i) {
          const cv::Point2d a(s.points[i - 1].first, s.points[i - 1].second);
          const cv::Point2d d = cv::Point2d(s.points[i].first, s.points[i].second) - a;
          const double len = std::hypot(d.x, d.y);
          for (double t = 0; t < len;) {
            const double phase = std::fmod(along + t, 10.0);
            const double e = std::min(len, t + (phase < 6 ? 6 - phase : 10 - phase));
            if (phase < 6) {
              cv::line(img, P(a.x + d.x * t / len, a.y + d.y * t / len), P(a.x + d.x * e / len, a.y + d.y * e / len),
                       Bgr(s.color), 1, cv::LINE_AA);
            }
            t = e;
          }
          along += len;
        }
      }
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
    std::vector<uchar> png;
    if (!cv::imencode(".png", img, png)) return IoError(path.string() + ": cannot write PNG");
    return WriteStringToFile(Env::Default(), path, std::string_view(reinterpret_cast<const char*>(png.data()), png.size()));
  } catch (const std::exception& e) {  // cv::Exception
    return IoError(path.string() + ": " + e.what());
  }
  return Status::Ok();
}

}  // namespace facefuse::report
