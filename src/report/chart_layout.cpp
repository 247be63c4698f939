#include "report/chart_layout.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

namespace facefuse::report::chart {
namespace {

constexpr double kTop = 104, kPanelHeight = 140, kPanelGap = 44;

double NiceCeil(double v) {
  if (v <= 0) return 1;
  const double p = std::pow(10, std::floor(std::log10(v)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (m * p >= v) return m * p;
  }
  return 10 * p;
}

std::string Fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

const std::map<std::string, std::string>& StageColors() {
  static const std::map<std::string, std::string> colors = {
      {"decode", "#8e6c8a"}, {"detect", "#3b7dd8"}, {"analyse", "#3bb2c9"}, {"swap", "#d8823b"},
      {"video", "#e8c07a"},
      {"enhance", "#3bb273"}, {"encode", "#c94c4c"}, {"write", "#c94c4c"}, {"model_load", "#888888"}};
  return colors;
}

}  // namespace

double UnixSeconds(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count() / 1e6;
}

std::vector<double> NiceTicks(double lo, double hi, int target) {
  std::vector<double> ticks;
  if (!(hi > lo)) return {lo};
  const double raw = (hi - lo) / std::max(1, target);
  const double p = std::pow(10, std::floor(std::log10(raw)));
  double step = 10 * p;
  for (double m : {1.0, 2.0, 5.0}) {
    if (m * p >= raw) { step = m * p; break; }
  }
  for (double v = std::ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push_back(v);
  return ticks;
}

namespace {

// The pipelined stages' load: one busy_STAGE series per stage (percent), in the order the first sample names them.
Panel StageLoadPanel(const Layout& L, const std::vector<job::StageLoadSample>& load, double y) {
  Panel p;
  p.name = "stage_load";
  p.label = "Stages busy (%)";
  p.vmin = 0;
  p.vmax = 100;
  p.y0 = y;
  p.y1 = y + kPanelHeight;
  p.ticks = NiceTicks(p.vmin, p.vmax, 4);
  for (const auto& [stage, unused] : load.front().busy_percent) {
    Series s;
    s.column = "busy_" + stage;
    s.label = stage;
    const auto color = StageColors().find(stage);
    s.color = color == StageColors().end() ? "#555555" : color->second;
    s.vmin = p.vmin;
    s.vmax = p.vmax;
    s.y0 = p.y0;
    s.y1 = p.y1;
    for (const job::StageLoadSample& sample : load)
      for (const auto& [name, percent] : sample.busy_percent)
        if (name == stage) {
          const double v = std::clamp(percent, s.vmin, s.vmax);
          s.points.emplace_back(L.X(UnixSeconds(sample.at)), s.y1 - (v - s.vmin) / (s.vmax - s.vmin) * (s.y1 - s.y0));
        }
    p.series.push_back(std::move(s));
  }
  return p;
}

}  // namespace

Layout MakeLayout(const ChartInput& in) {
  Layout L;
  L.t0 = UnixSeconds(in.start);
  L.t1 = std::max(UnixSeconds(in.end), L.t0 + 1e-3);
  for (const auto& s : in.samples) L.t1 = std::max(L.t1, UnixSeconds(s.time));
  const GpuJobStats stats = ComputeGpuJobStats(in.samples);
  // The job name may hold a long path: keep its end, so the heading fits the width.
  constexpr size_t kMaxJobChars = 100;
  L.heading = in.job.size() <= kMaxJobChars ? in.job : "..." + in.job.substr(in.job.size() - (kMaxJobChars - 3));
  L.stats = stats.samples == 0
                ? "no GPU samples"
                : "peak VRAM " + Fixed(stats.peak_vram_bytes / 1e9, 2) + " GB" +
                      (stats.vram_is_per_process ? " (this process)" : " (device)") + ", mean GPU utilisation " +
                      Fixed(stats.mean_util_percent, 1) + " %, " + std::to_string(stats.samples) + " samples";
  L.title = in.job + " - " + L.stats;
  std::string started = gpu::FormatTimestamp(in.start).substr(0, 19);  // "2024-05-01T12:34:56"
  started[10] = ' ';
  L.subtitle = (in.gpu.empty() ? std::string("no GPU") : in.gpu) + " - started " + started + " UTC";
  if (in.gpu.empty()) {
    L.notice = "no GPU";
  } else if (in.samples.empty()) {
    L.notice = "no GPU readings";
  }

  double mem_max = 0, temp_max = 0, power_max = 0;
  for (const auto& s : in.samples) {
    mem_max = std::max(mem_max, static_cast<double>(s.memory_total_bytes.value_or(s.memory_used_bytes.value_or(0))));
    temp_max = std::max(temp_max, s.temperature_celsius.value_or(0));
    power_max = std::max(power_max, s.power_draw_watts.value_or(0));
  }
  using Get = std::function<std::optional<double>(const gpu::GpuSample&)>;
  auto bytes = [](std::optional<std::uint64_t> gpu::GpuSample::*field) -> Get {
    return [field](const gpu::GpuSample& s) -> std::optional<double> {
      if (!(s.*field)) return std::nullopt;
      return static_cast<double>(*(s.*field));
    };
  };
  struct Line {
    const char* column; const char* label; const char* color; bool dashed; Get get;
  };
  struct Def {
    const char* name; const char* label; double scale, vmax; std::vector<Line> lines;
  };
  const Def defs[] = {
      {"gpu_util", "GPU utilisation (%)", 1, 100,
       {{"gpu_util", "", "#3b7dd8", false, [](const gpu::GpuSample& s) { return s.gpu_util_percent; }}}},
      {"memory", "VRAM (GB)", 1e-9, NiceCeil(mem_max * 1e-9),
       {{"memory_used", "device used", "#7a3bd8", false, bytes(&gpu::GpuSample::memory_used_bytes)},
        {"process_memory_used", "this process", "#3bb273", false, bytes(&gpu::GpuSample::process_memory_bytes)},
        {"memory_total", "card total", "#555555", true, bytes(&gpu::GpuSample::memory_total_bytes)}}},
      {"temperature", "Temperature (degC)", 1, std::max(100.0, NiceCeil(temp_max)),
       {{"temperature", "", "#d8823b", false, [](const gpu::GpuSample& s) { return s.temperature_celsius; }}}},
      {"power_draw", "Power draw (W)", 1, NiceCeil(std::max(power_max * 1.1, 10.0)),
       {{"power_draw", "", "#c94c4c", false, [](const gpu::GpuSample& s) { return s.power_draw_watts; }}}},
  };
  double y = kTop;
  if (!L.notice.empty()) {  // one empty area instead of four panels that would look like data
    L.notice_y0 = y;
    L.notice_y1 = y + kPanelHeight;
    y += kPanelHeight + kPanelGap;
  }
  for (const Def& d : defs) {
    if (!L.notice.empty()) break;
    Panel p;
    p.name = d.name;
    p.label = d.label;
    p.vmin = 0;
    p.vmax = d.vmax;
    p.y0 = y;
    p.y1 = y + kPanelHeight;
    p.ticks = NiceTicks(p.vmin, p.vmax, 4);
    for (const Line& line : d.lines) {
      Series s;
      s.column = line.column;
      s.label = line.label;
      s.color = line.color;
      s.dashed = line.dashed;
      s.scale = d.scale;
      s.vmin = p.vmin;
      s.vmax = p.vmax;
      s.y0 = p.y0;
      s.y1 = p.y1;
      for (const auto& sample : in.samples) {
        auto v = line.get(sample);
        if (!v) continue;
        const double pv = std::clamp(*v * d.scale, s.vmin, s.vmax);
        s.points.emplace_back(L.X(UnixSeconds(sample.time)), s.y1 - (pv - s.vmin) / (s.vmax - s.vmin) * (s.y1 - s.y0));
      }
      if (!s.points.empty()) p.series.push_back(std::move(s));  // a field this GPU does not report is left out
    }
    L.panels.push_back(std::move(p));
    y += kPanelHeight + kPanelGap;
  }
  if (!in.stage_load.empty()) {
    L.panels.push_back(StageLoadPanel(L, in.stage_load, y));
    y += kPanelHeight + kPanelGap;
  }
  L.stage_y0 = y - kPanelGap + 20;
  L.stage_y1 = L.stage_y0 + 26;
  for (const auto& span : in.stages) {
    auto it = StageColors().find(span.stage);
    const std::string color = it == StageColors().end() ? "#555555" : it->second;
    const double a = UnixSeconds(span.start), b = UnixSeconds(span.end);
    L.bands.push_back({span.stage, color, L.X(a), std::max(L.X(b), L.X(a) + kMinStageWidth), a - L.t0, b - L.t0});
    if (std::none_of(L.legend.begin(), L.legend.end(), [&](const auto& e) { return e.first == span.stage; })) {
      L.legend.emplace_back(span.stage, color);
    }
  }
  // Wide stages first, so a short stage drawn at its minimum width stays on top of its neighbour.
  std::stable_sort(L.bands.begin(), L.bands.end(), [](const auto& a, const auto& b) { return a.xb - a.xa > b.xb - b.xa; });
  const double span_s = L.t1 - L.t0;
  for (double t : NiceTicks(0, span_s, 8)) {
    L.time_ticks.emplace_back(L.X(L.t0 + t), Fixed(t, span_s < 5 ? 1 : 0) + " s");
  }
  L.height = L.stage_y1 + 60;
  return L;
}

}  // namespace facefuse::report::chart

namespace facefuse::report {

GpuJobStats ComputeGpuJobStats(const std::vector<gpu::GpuSample>& samples) {
  GpuJobStats st;
  st.samples = static_cast<int>(samples.size());
  st.vram_is_per_process = !samples.empty() &&
      std::all_of(samples.begin(), samples.end(), [](const auto& s) { return s.process_memory_bytes.has_value(); });
  double util_sum = 0;
  int util_n = 0;
  for (const auto& s : samples) {
    const auto vram = st.vram_is_per_process ? s.process_memory_bytes : s.memory_used_bytes;
    st.peak_vram_bytes = std::max<std::uint64_t>(st.peak_vram_bytes, vram.value_or(0));
    if (s.gpu_util_percent) { util_sum += *s.gpu_util_percent; ++util_n; }
    st.peak_temperature_celsius = std::max(st.peak_temperature_celsius, s.temperature_celsius.value_or(0));
    st.peak_power_watts = std::max(st.peak_power_watts, s.power_draw_watts.value_or(0));
  }
  st.mean_util_percent = util_n ? util_sum / util_n : 0;
  return st;
}

}  // namespace facefuse::report
