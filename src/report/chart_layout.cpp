#include "report/chart_layout.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

namespace facefuse::report::chart {
namespace {

constexpr double kTop = 70, kPanelHeight = 140, kPanelGap = 44;

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
      {"decode", "#8e6c8a"}, {"detect", "#3b7dd8"}, {"swap", "#d8823b"},
      {"enhance", "#3bb273"}, {"encode", "#c94c4c"}, {"model_load", "#888888"}};
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

Layout MakeLayout(const ChartInput& in) {
  Layout L;
  L.t0 = UnixSeconds(in.start);
  L.t1 = std::max(UnixSeconds(in.end), L.t0 + 1e-3);
  for (const auto& s : in.samples) L.t1 = std::max(L.t1, UnixSeconds(s.time));
  const GpuJobStats stats = ComputeGpuJobStats(in.samples);
  L.title = in.job + " - peak VRAM " + Fixed(stats.peak_vram_bytes / 1e9, 2) + " GB" +
            (stats.vram_is_per_process ? " (this process)" : " (device)") + ", mean GPU utilisation " +
            Fixed(stats.mean_util_percent, 1) + " %, " + std::to_string(stats.samples) + " samples";

  double mem_max = 0, temp_max = 0, power_max = 0;
  for (const auto& s : in.samples) {
    mem_max = std::max(mem_max, static_cast<double>(s.memory_total_bytes.value_or(s.memory_used_bytes.value_or(0))));
    temp_max = std::max(temp_max, s.temperature_celsius.value_or(0));
    power_max = std::max(power_max, s.power_draw_watts.value_or(0));
  }
  struct Def {
    const char* column; const char* label; const char* color; double scale, vmax;
    std::function<std::optional<double>(const gpu::GpuSample&)> get;
  };
  const Def defs[] = {
      {"gpu_util", "GPU utilisation (%)", "#3b7dd8", 1, 100, [](const gpu::GpuSample& s) { return s.gpu_util_percent; }},
      {"memory_used", "VRAM used (GB)", "#7a3bd8", 1e-9, NiceCeil(mem_max * 1e-9),
       [](const gpu::GpuSample& s) -> std::optional<double> {
         if (!s.memory_used_bytes) return std::nullopt;
         return static_cast<double>(*s.memory_used_bytes);
       }},
      {"temperature", "Temperature (degC)", "#d8823b", 1, std::max(100.0, NiceCeil(temp_max)),
       [](const gpu::GpuSample& s) { return s.temperature_celsius; }},
      {"power_draw", "Power draw (W)", "#c94c4c", 1, NiceCeil(std::max(power_max * 1.1, 10.0)),
       [](const gpu::GpuSample& s) { return s.power_draw_watts; }},
  };
  double y = kTop;
  for (const Def& d : defs) {
    Series s;
    s.column = d.column;
    s.label = d.label;
    s.color = d.color;
    s.scale = d.scale;
    s.vmin = 0;
    s.vmax = d.vmax;
    s.y0 = y;
    s.y1 = y + kPanelHeight;
    for (const auto& sample : in.samples) {
      auto v = d.get(sample);
      if (!v) continue;
      const double pv = std::clamp(*v * d.scale, s.vmin, s.vmax);
      s.points.emplace_back(L.X(UnixSeconds(sample.time)), s.y1 - (pv - s.vmin) / (s.vmax - s.vmin) * (s.y1 - s.y0));
    }
    s.ticks = NiceTicks(s.vmin, s.vmax, 4);
    L.series.push_back(std::move(s));
    y += kPanelHeight + kPanelGap;
  }
  L.stage_y0 = y - kPanelGap + 20;
  L.stage_y1 = L.stage_y0 + 26;
  for (const auto& span : in.stages) {
    auto it = StageColors().find(span.stage);
    const std::string color = it == StageColors().end() ? "#555555" : it->second;
    const double a = UnixSeconds(span.start), b = UnixSeconds(span.end);
    L.bands.push_back({span.stage, color, L.X(a), std::max(L.X(b), L.X(a) + 1), a - L.t0, b - L.t0});
    if (std::none_of(L.legend.begin(), L.legend.end(), [&](const auto& e) { return e.first == span.stage; })) {
      L.legend.emplace_back(span.stage, color);
    }
  }
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
