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
#include "report/chart_layout.h"
#include "report/gpu_job_report.h"
#include "report/job_gpu_report.h"

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

  // SVG: six series (VRAM: the device's, this process's and the card's total), each with one point per CSV row
  // mapping back to (timestamp, value).
  const std::string svg = ReadFile(paths.svg);
  EXPECT_NE(svg.find("peak VRAM"), std::string::npos);
  EXPECT_NE(svg.find("mean GPU utilisation"), std::string::npos);
  for (const char* stage : {"decode", "detect", "encode"}) {
    EXPECT_NE(svg.find("class=\"stage\" data-stage=\"" + std::string(stage) + "\""), std::string::npos) << stage;
  }
  const std::regex polyline("<polyline class=\"series\"[^>]*>");
  int series = 0;
  const std::map<std::string, int> column = {{"gpu_util", 1},    {"memory_used", 2}, {"memory_total", 3},
                                             {"temperature", 4}, {"power_draw", 5},  {"process_memory_used", 13}};
  ASSERT_EQ(Split(header, ',')[13], "process_memory_used");
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
  EXPECT_EQ(series, 6);
  EXPECT_NE(svg.find("GPU 0: "), std::string::npos) << "the chart names the GPU";

  // PNG decodes; summary has the right-sizing.
  const cv::Mat png = cv::imread(paths.png.string());
  ASSERT_FALSE(png.empty());
  EXPECT_EQ(png.cols, 1000);
  const std::string summary = ReadFile(paths.summary);
  EXPECT_NE(summary.find("smallest GPU class: "), std::string::npos) << summary;
  EXPECT_TRUE(sizing->smallest_class.has_value()) << summary;
  EXPECT_TRUE(sizing->gpu.vram_is_per_process);
  EXPECT_EQ(sizing->gpu.peak_vram_bytes, static_cast<std::uint64_t>(max_used) / 2);
  EXPECT_NEAR(sizing->frames_per_second, 30 / seconds, 1e-6);
  if (!std::getenv("FACEFUSE_TEST_KEEP_OUTPUT")) std::filesystem::remove_all(dir);  // set it to look at the chart
}

TEST(GpuReport, RightSizingPicksTheSmallestClassWithHeadroom) {
  EXPECT_EQ(gpu::SmallestGpuClassFor(1)->memory_gb, 8);
  EXPECT_EQ(gpu::SmallestGpuClassFor(7'000'000'000)->memory_gb, 8);    // 7.7 GB with headroom
  // Cards are sized in GiB: an "8 GB" card holds 8.59e9 bytes, a "24 GB" one 25.77e9.
  EXPECT_EQ(gpu::SmallestGpuClassFor(7'800'000'000)->memory_gb, 8);    // 8.58e9 with headroom
  EXPECT_EQ(gpu::SmallestGpuClassFor(7'900'000'000)->memory_gb, 12);   // 8.69e9
  EXPECT_EQ(gpu::SmallestGpuClassFor(21'000'000'000)->memory_gb, 24);
  // 22.01 GB peak -> 24.21e9 with headroom: more than 24e9, yet a 24 GiB card holds it.
  EXPECT_EQ(gpu::SmallestGpuClassFor(22'010'000'000)->memory_gb, 24);
  EXPECT_EQ(gpu::SmallestGpuClassFor(23'400'000'000)->memory_gb, 24);  // 25.74e9 <= 25.77e9
  EXPECT_EQ(gpu::SmallestGpuClassFor(23'500'000'000)->memory_gb, 40);  // 25.85e9
  EXPECT_DOUBLE_EQ(gpu::GpuClassBytes({24, ""}), 24.0 * 1024 * 1024 * 1024);
  EXPECT_EQ(gpu::SmallestGpuClassFor(100'000'000'000)->memory_gb, 141);
  EXPECT_EQ(gpu::SmallestGpuClassFor(187'000'000'000)->memory_gb, 192);  // 205.7e9 <= 206.2e9
  EXPECT_FALSE(gpu::SmallestGpuClassFor(188'000'000'000).has_value());
  std::vector<gpu::GpuSample> samples(3);
  samples[0].memory_used_bytes = 30'000'000'000;  // no per-process figure: the device's is used
  samples[1].memory_used_bytes = 10'000'000'000;
  samples[2].memory_used_bytes = 20'000'000'000;
  samples[0].gpu_util_percent = 20;
  samples[1].gpu_util_percent = 60;
  samples[2].gpu_util_percent = 40;
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

gpu::GpuSample Reading(Clock::time_point t, std::uint64_t device_used, std::uint64_t process_used) {
  gpu::GpuSample s;
  s.time = t;
  s.name = "Test GPU";
  s.gpu_util_percent = 50;
  s.memory_used_bytes = device_used;
  s.memory_total_bytes = 24ull << 30;
  s.process_memory_bytes = process_used;
  s.temperature_celsius = 40;
  s.power_draw_watts = 100;
  return s;
}

std::vector<std::string> SeriesIn(const std::string& svg) {
  std::vector<std::string> names;
  const std::regex polyline("<polyline class=\"series\"[^>]*>");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), polyline); it != std::sregex_iterator(); ++it) {
    names.push_back(Attr(it->str(), "data-series"));
  }
  return names;
}

TEST(GpuReport, RightSizingNeedsEnoughSamplesAndCountsCardsInGiB) {
  const auto t = Clock::now();
  // One reading (a job shorter than the interval, read before its models loaded): no advice.
  const RightSizing one = ComputeRightSizing({Reading(t, 2'000'000'000, 1'000'000'000)}, 0.2, 1);
  EXPECT_TRUE(one.too_few_samples);
  EXPECT_FALSE(one.smallest_class.has_value());
  EXPECT_NE(one.ToText().find("too few GPU samples to advise (1; at least 3 needed)"), std::string::npos)
      << one.ToText();
  EXPECT_EQ(one.ToText().find("GB (e.g."), std::string::npos) << one.ToText();
  // Three readings with a 22.01 GB process peak: a 24 GB (GiB) card holds it with headroom.
  const RightSizing three = ComputeRightSizing({Reading(t, 3'000'000'000, 1'000'000'000),
                                               Reading(t + std::chrono::milliseconds(100), 23'000'000'000, 22'010'000'000),
                                               Reading(t + std::chrono::milliseconds(200), 23'000'000'000, 22'000'000'000)},
                                              0.2, 1);
  EXPECT_FALSE(three.too_few_samples);
  ASSERT_TRUE(three.smallest_class.has_value());
  EXPECT_EQ(three.gpu.peak_vram_bytes, 22'010'000'000u);
  EXPECT_EQ(three.smallest_class->memory_gb, 24);
  EXPECT_NE(three.ToText().find("smallest GPU class: 24 GB"), std::string::npos) << three.ToText();
}

TEST(GpuReport, ChartDrawsDeviceAndProcessVramTheCardTotalTheGpuAndTheStart) {
  const auto start = Clock::now();
  ChartInput in;
  in.job = "test job";
  in.gpu = "GPU 0: Test GPU (GPU-1234)";
  in.start = start;
  in.end = start + std::chrono::seconds(10);
  for (int i = 0; i < 5; ++i) {
    in.samples.push_back(Reading(start + std::chrono::seconds(2 * i), 8'000'000'000 + i * 1'000'000'000ull, 3'000'000'000));
  }
  // A 1 ms stage in a 10 s job: far below one pixel at 890 px for 10 s.
  in.stages = {{"model_load", start, start + std::chrono::seconds(9)},
               {"swap", start + std::chrono::seconds(9), start + std::chrono::seconds(9) + std::chrono::milliseconds(1)}};
  const std::string svg = RenderGpuChartSvg(in);
  const auto series = SeriesIn(svg);
  for (const char* name : {"memory_used", "process_memory_used", "memory_total"}) {
    EXPECT_NE(std::find(series.begin(), series.end(), name), series.end()) << name << " missing:\n" << svg;
  }
  EXPECT_NE(svg.find("GPU 0: Test GPU (GPU-1234)"), std::string::npos);
  std::string started = gpu::FormatTimestamp(start).substr(0, 19);
  started[10] = ' ';
  EXPECT_NE(svg.find("started " + started + " UTC"), std::string::npos) << svg;
  EXPECT_NE(svg.find("this process"), std::string::npos);
  EXPECT_NE(svg.find("card total"), std::string::npos);
  EXPECT_EQ(svg.find("no GPU"), std::string::npos);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(svg, m, std::regex("<rect class=\"stage\" data-stage=\"swap\"[^>]*>")));
  EXPECT_GE(std::stod(Attr(m.str(), "width")), chart::kMinStageWidth - 1e-9) << m.str();
}

TEST(GpuReport, ChartWithoutAGpuSaysSoInsteadOfDrawingEmptyPanels) {
  const auto start = Clock::now();
  ChartInput in;
  in.job = "test job";
  in.start = start;
  in.end = start + std::chrono::seconds(1);
  in.stages = {{"model_load", start, start + std::chrono::milliseconds(500)}};
  const std::string svg = RenderGpuChartSvg(in);
  EXPECT_TRUE(SeriesIn(svg).empty()) << svg;
  EXPECT_EQ(svg.find("class=\"panel\""), std::string::npos) << svg;
  EXPECT_NE(svg.find(">no GPU</text>"), std::string::npos) << svg;
  EXPECT_NE(svg.find("data-stage=\"model_load\""), std::string::npos) << "stages are still shown";
  // A GPU that gave no readings is not "no GPU".
  in.gpu = "GPU 0: Test GPU (GPU-1234)";
  const std::string unread = RenderGpuChartSvg(in);
  EXPECT_NE(unread.find(">no GPU readings</text>"), std::string::npos) << unread;
  EXPECT_EQ(unread.find(">no GPU</text>"), std::string::npos);
  // The PNG says it too (not checked as text): it is written and decodes.
  const auto png = std::filesystem::temp_directory_path() / ("facefuse-nogpu-" + std::to_string(getpid()) + ".png");
  ASSERT_TRUE(WriteGpuChartPng(in, png).ok());
  EXPECT_FALSE(cv::imread(png.string()).empty());
  std::filesystem::remove(png);
}

TEST(GpuReport, ChartDrawsHowBusyAPipelinedJobsStagesWereWithOrWithoutAGpu) {
  const auto start = Clock::now();
  ChartInput in;
  in.job = "video job";
  in.start = start;
  in.end = start + std::chrono::seconds(3);
  in.stages = {{"video", start, in.end}};
  for (int s = 1; s <= 3; ++s)
    in.stage_load.push_back({start + std::chrono::seconds(s), {{"decode", 5.0 * s}, {"analyse", 90}, {"encode", 150}}});
  const std::string svg = RenderGpuChartSvg(in);
  EXPECT_NE(svg.find(">no GPU</text>"), std::string::npos) << "no GPU, but the stages' load is still drawn";
  EXPECT_EQ(SeriesIn(svg), (std::vector<std::string>{"busy_decode", "busy_analyse", "busy_encode"})) << svg;
  const std::regex analyse("<polyline class=\"series\" data-series=\"busy_analyse\"[^>]*>");
  std::smatch line;
  ASSERT_TRUE(std::regex_search(svg, line, analyse));
  EXPECT_DOUBLE_EQ(std::stod(Attr(line.str(), "data-vmax")), 100);
  // Three points, all at 90 % of the panel: y = y1 - 0.9 (y1 - y0).
  const std::string points = Attr(line.str(), "points");
  EXPECT_EQ(std::count(points.begin(), points.end(), ','), 3) << points;
  const double y0 = std::stod(Attr(line.str(), "data-y0")), y1 = std::stod(Attr(line.str(), "data-y1"));
  const double y = std::stod(points.substr(points.find(',') + 1));
  EXPECT_NEAR(y, y1 - 0.9 * (y1 - y0), 0.01);
  EXPECT_NE(svg.find("data-stage=\"video\""), std::string::npos);
}

// A job much shorter than the interval: readings at its start, at each stage and at its end, so the chart has
// data for every stage and the summary advises; the interval's own reading never comes.
TEST(GpuReport, ShortJobIsReadAtStartEveryStageAndEnd) {
  setenv("FACEFUSE_NVML_LIBRARY", FACEFUSE_FAKE_NVML, 1);
  setenv("FACEFUSE_FAKE_NVML_CURVE", "10 20 30 40 50 60 70 80", 1);
  const auto dir = std::filesystem::temp_directory_path() / ("facefuse-short-job-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto report = JobGpuReport::Start(dir / "out.png", "short job", {/*interval_s=*/30, /*gpu=*/0});
  unsetenv("FACEFUSE_NVML_LIBRARY");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  const std::vector<std::string> stages = {"model_load", "detect", "swap", "write"};
  for (const auto& stage : stages) {
    (*report)->BeginStage(stage);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  auto text = (*report)->Finish(1);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  std::ifstream csv((*report)->paths().csv);
  std::string line;
  std::getline(csv, line);
  std::vector<std::vector<std::string>> rows;
  while (std::getline(csv, line)) rows.push_back(Split(line, ','));
  ASSERT_EQ(rows.size(), stages.size() + 2) << "start + one per stage + end\n" << *text;
  for (size_t i = 0; i < rows.size(); ++i) EXPECT_DOUBLE_EQ(std::stod(rows[i][1]), 10.0 * (i + 1)) << "row " << i;
  EXPECT_NE(text->find("smallest GPU class: "), std::string::npos) << *text;
  EXPECT_EQ(text->find("too few"), std::string::npos) << *text;
  EXPECT_NE(text->find("GPU report: "), std::string::npos) << *text;
  const std::string svg = ReadFile((*report)->paths().svg);
  for (const auto& stage : stages) EXPECT_NE(svg.find("data-stage=\"" + stage + "\""), std::string::npos) << stage;
  EXPECT_NE(svg.find("GPU 0: "), std::string::npos);
  if (!std::getenv("FACEFUSE_TEST_KEEP_OUTPUT")) std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace facefuse::report
