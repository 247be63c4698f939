// The per-job GPU report with the fake NVML driving a known utilisation curve:
// one CSV row per interval with the exact columns and the curve's values, and an
// SVG whose plotted points map back to the CSV rows. Plus right-sizing.
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include <cmath>
#include <ctime>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "facefuse/gpu.h"
#include "gpu/gpu_classes.h"
#include "report/gpu_job_report.h"

namespace facefuse::report {
namespace {

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  if (!s.empty() && s.back() == sep) out.emplace_back();
  return out;
}

double ParseIso(const std::string& ts) {  // "2024-05-01T12:34:56.123456Z" -> Unix seconds
  std::tm tm{};
  int us = 0;
  EXPECT_EQ(std::sscanf(ts.c_str(), "%d-%d-%dT%d:%d:%d.%6dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                        &tm.tm_min, &tm.tm_sec, &us), 7) << ts;
  EXPECT_EQ(ts.size(), 27u) << ts;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<double>(timegm(&tm)) + us / 1e6;
}

std::string Attr(const std::string& element, const std::string& name) {
  std::smatch m;
  const std::regex re(" " + name + "=\"([^\"]*)\"");
  return std::regex_search(element, m, re) ? m[1].str() : std::string();
}

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(GpuReport, FakeCurveGivesOneRowPerIntervalAndAnSvgThatMatchesTheCsv) {
  setenv("FACEFUSE_NVML_LIBRARY", FACEFUSE_FAKE_NVML, 1);
  const std::vector<double> curve = {5, 25, 45, 65, 85, 100, 70, 40, 10};
  setenv("FACEFUSE_FAKE_NVML_CURVE", "5 25 45 65 85 100 70 40 10", 1);
  auto source = gpu::OpenNvml();
  unsetenv("FACEFUSE_NVML_LIBRARY");
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  const double interval = 0.1;
  gpu::SamplerOptions o;
  o.interval = std::chrono::milliseconds(100);
  gpu::GpuSampler sampler(std::move(source).value(), o);

  const auto dir = std::filesystem::temp_directory_path() / ("facefuse-gpu-report-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const GpuReportPaths paths = GpuReportPathsBeside(dir / "job.json");
  EXPECT_EQ(paths.csv, dir / "job.gpu.csv");
  auto recorder = GpuJobRecorder::Start(sampler, 0, paths, "test job");
  ASSERT_TRUE(recorder.ok()) << recorder.status().ToString();

  // A job of about 1.5 s with three stages; the sampler starts with it.
  const auto start = Clock::now();
  ASSERT_TRUE(sampler.Start().ok());
  std::vector<StageSpan> stages;
  for (const auto& [stage, ms] : std::vector<std::pair<std::string, int>>{{"decode", 300}, {"detect", 900}, {"encode", 300}}) {
    const auto a = Clock::now();
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    stages.push_back({stage, a, Clock::now()});
  }
  const auto end = Clock::now();
  sampler.Stop();
  auto sizing = (*recorder)->Finish(start, end, stages, 30);
  ASSERT_TRUE(sizing.ok()) << sizing.status().ToString();
  const double seconds = std::chrono::duration<double>(end - start).count();

  // CSV: exact leading columns, one row per reading, values from the curve in order.
  std::ifstream csv(paths.csv);
  std::string header;
  std::getline(csv, header);
  EXPECT_EQ(header.rfind("timestamp,gpu_util,memory_used,memory_total,temperature,power_draw,", 0), 0u) << header;
  std::vector<std::vector<std::string>> rows;
  for (std::string line; std::getline(csv, line);) rows.push_back(Split(line, ','));
  // The sampler reads at the start and once per interval: floor(seconds / interval) + 1 readings, +-1 for the
  // gap between the sampler's clock and the job's.
  EXPECT_NEAR(static_cast<double>(rows.size()), std::floor(seconds / interval) + 1, 1.0) << "job took " << seconds << " s";
  ASSERT_GE(rows.size(), 2u);
  double max_used = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i].size(), Split(header, ',').size());
    const double u = curve[i % curve.size()];
    EXPECT_DOUBLE_EQ(std::stod(rows[i][1]), u) << "row " << i;
    EXPECT_DOUBLE_EQ(std::stod(rows[i][2]), std::floor((1ull << 30) + u / 100 * (40ull << 30))) << "row " << i;
    EXPECT_EQ(rows[i][3], std::to_string(80ull << 30));
    EXPECT_DOUBLE_EQ(std::stod(rows[i][5]), 60 + 3 * u);
    const double t = ParseIso(rows[i][0]);
    EXPECT_GE(t, std::chrono::duration<double>(start.time_since_epoch()).count() - 1e-6);
    if (i > 0) {
      EXPECT_GT(t, ParseIso(rows[i - 1][0]));
    }
    max_used = std::max(max_used, std::stod(rows[i][2]));
  }

  // SVG: four series, each with one point per CSV row mapping back to (timestamp, value).
  const std::string svg = ReadFile(paths.svg);
  EXPECT_NE(svg.find("peak VRAM"), std::string::npos);
  EXPECT_NE(svg.find("mean GPU utilisation"), std::string::npos);
  for (const char* stage : {"decode", "detect", "encode"}) {
    EXPECT_NE(svg.find("class=\"stage\" data-stage=\"" + std::string(stage) + "\""), std::string::npos) << stage;
  }
  const std::regex polyline("<polyline class=\"series\"[^>]*>");
  int series = 0;
  const std::map<std::string, int> column = {{"gpu_util", 1}, {"memory_used", 2}, {"temperature", 4}, {"power_draw", 5}};
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), polyline); it != std::sregex_iterator(); ++it) {
    const std::string el = it->str();
    const std::string name = Attr(el, "data-series");
    ASSERT_TRUE(column.count(name)) << name;
    ++series;
    const double x0 = std::stod(Attr(el, "data-x0")), x1 = std::stod(Attr(el, "data-x1"));
    const double t0 = std::stod(Attr(el, "data-t0")), t1 = std::stod(Attr(el, "data-t1"));
    const double y0 = std::stod(Attr(el, "data-y0")), y1 = std::stod(Attr(el, "data-y1"));
    const double vmin = std::stod(Attr(el, "data-vmin")), vmax = std::stod(Attr(el, "data-vmax"));
    const double scale = std::stod(Attr(el, "data-scale"));
    const auto points = Split(Attr(el, "points"), ' ');
    ASSERT_EQ(points.size(), rows.size()) << name;
    for (size_t i = 0; i < points.size(); ++i) {
      const auto xy = Split(points[i], ',');
      ASSERT_EQ(xy.size(), 2u);
      const double t = t0 + (std::stod(xy[0]) - x0) / (x1 - x0) * (t1 - t0);
      const double v = (vmin + (y1 - std::stod(xy[1])) / (y1 - y0) * (vmax - vmin)) / scale;
      EXPECT_NEAR(t, ParseIso(rows[i][0]), 2e-3) << name << " point " << i;
      const double csv_v = std::stod(rows[i][column.at(name)]);
      EXPECT_NEAR(v, csv_v, (vmax - vmin) / scale * 1e-4 + 1e-9) << name << " point " << i;
    }
  }
  EXPECT_EQ(series, 4);

  // PNG decodes; summary has the right-sizing.
  const cv::Mat png = cv::imread(paths.png.string());
  ASSERT_FALSE(png.empty());
  EXPECT_EQ(png.cols, 1000);
  const std::string summary = ReadFile(paths.summary);
  EXPECT_NE(summary.find("smallest GPU class"), std::string::npos) << summary;
  EXPECT_TRUE(sizing->gpu.vram_is_per_process);
  EXPECT_EQ(sizing->gpu.peak_vram_bytes, static_cast<std::uint64_t>(max_used) / 2);
  EXPECT_NEAR(sizing->frames_per_second, 30 / seconds, 1e-6);
  if (!std::getenv("FACEFUSE_TEST_KEEP_OUTPUT")) std::filesystem::remove_all(dir);  // set it to look at the chart
}

TEST(GpuReport, RightSizingPicksTheSmallestClassWithHeadroom) {
  EXPECT_EQ(gpu::SmallestGpuClassFor(1)->memory_gb, 8);
  EXPECT_EQ(gpu::SmallestGpuClassFor(7'000'000'000)->memory_gb, 8);    // 7.7 GB with headroom
  EXPECT_EQ(gpu::SmallestGpuClassFor(7'500'000'000)->memory_gb, 12);   // 8.25 GB
  EXPECT_EQ(gpu::SmallestGpuClassFor(21'000'000'000)->memory_gb, 24);
  EXPECT_EQ(gpu::SmallestGpuClassFor(100'000'000'000)->memory_gb, 141);
  EXPECT_FALSE(gpu::SmallestGpuClassFor(180'000'000'000).has_value());
  std::vector<gpu::GpuSample> samples(2);
  samples[0].memory_used_bytes = 30'000'000'000;  // no per-process figure: the device's is used
  samples[1].memory_used_bytes = 10'000'000'000;
  samples[0].gpu_util_percent = 20;
  samples[1].gpu_util_percent = 60;
  const RightSizing r = ComputeRightSizing(samples, 2.0, 10);
  EXPECT_FALSE(r.gpu.vram_is_per_process);
  EXPECT_EQ(r.gpu.peak_vram_bytes, 30'000'000'000u);
  EXPECT_DOUBLE_EQ(r.gpu.mean_util_percent, 40);
  EXPECT_DOUBLE_EQ(r.frames_per_second, 5);
  EXPECT_EQ(r.smallest_class->memory_gb, 40);
  EXPECT_NE(r.ToText().find("40 GB"), std::string::npos);
}

TEST(GpuReport, CsvLeavesUnsupportedFieldsEmpty) {
  gpu::GpuSample s;
  s.gpu_util_percent = 12.5;
  s.memory_used_bytes = 1000;
  const std::string row = GpuCsvRow(s);
  EXPECT_EQ(row, "1970-01-01T00:00:00.000000Z,12.500,1000,,,,0" + std::string(7, ','));
  EXPECT_EQ(Split(row, ',').size(), Split(std::string(kGpuCsvColumns) + "," + kGpuCsvExtraColumns, ',').size());
}

}  // namespace
}  // namespace facefuse::report
