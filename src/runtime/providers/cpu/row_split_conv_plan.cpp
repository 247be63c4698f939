#include "runtime/providers/cpu/row_split_conv_plan.h"

#include <algorithm>
#include <exception>

namespace facefuse::rt::cpu {

namespace {

// Band b of `bands`: output rows [r0, r1) and the input rows [in_start, in_end] they read (in_end < in_start: none,
// every row of the band in the pads).
struct BandRows {
  int64_t r0, r1, first, last, in_start, in_end;
};

BandRows RowsOf(const ConvGeometry& g, int b, int bands) {
  const int64_t out_h = g.out_size[0], in_h = g.in_size[0];
  const int64_t stride = g.strides[0], dilation = g.dilations[0], kernel = g.kernel[0], pad = g.pads_begin[0];
  BandRows r{};
  r.r0 = out_h * b / bands, r.r1 = out_h * (b + 1) / bands;
  r.first = r.r0 * stride - pad, r.last = (r.r1 - 1) * stride - pad + (kernel - 1) * dilation;
  r.in_start = std::max<int64_t>(r.first, 0), r.in_end = std::min<int64_t>(r.last, in_h - 1);
  return r;
}

}  // namespace

bool RowSplitConvPlan::Applies(const ConvGeometry& g, int bands) {
  if (bands < 2 || g.batch != 1 || g.transpose || g.spatial_rank() != 2 || g.out_size[0] < 2 * bands) return false;
  for (int b = 0; b < bands; ++b) {
    const BandRows r = RowsOf(g, b, bands);
    if (r.in_end < r.in_start) return false;  // a band of pads alone: no primitive for an empty input
  }
  return true;
}

RowSplitConvPlan::RowSplitConvPlan(const ConvGeometry& g, const ConvEpilogue& epilogue, bool has_bias,
                                   const float* constant_w, int bands) {
  const int64_t in_w = g.in_size[1];
  for (int b = 0; b < bands; ++b) {
    const auto [r0, r1, first, last, in_start, in_end] = RowsOf(g, b, bands);
    ConvGeometry band = g;
    band.in_size[0] = in_end - in_start + 1;
    band.out_size[0] = r1 - r0;
    band.pads_begin[0] = in_start - first;
    band.pads_end[0] = last - in_end;
    band.y_shape[2] = r1 - r0;
    Band entry;
    entry.plan = std::make_unique<DnnlConvPlan>(band, ConvLayout::kChannelsLast, epilogue, has_bias, constant_w,
                                                /*channels_last_io=*/true);
    entry.x_offset = static_cast<size_t>(in_start * in_w * g.in_channels);
    entry.y_offset = static_cast<size_t>(r0 * g.out_size[1] * g.out_channels);
    bands_.push_back(std::move(entry));
  }
}

void RowSplitConvPlan::Execute(const ConvArgs& args) {
  const int n = static_cast<int>(bands_.size());
  std::vector<std::exception_ptr> errors(bands_.size());  // no exception may leave an OpenMP region
#pragma omp parallel for num_threads(n) schedule(static, 1)
  for (int b = 0; b < n; ++b) {
    const Band& band = bands_[static_cast<size_t>(b)];
    ConvArgs a = args;
    a.x += band.x_offset;
    a.y += band.y_offset;
    if (a.sum != nullptr) a.sum += band.y_offset;
    try {
      band.plan->Execute(a);
    } catch (...) {
      errors[static_cast<size_t>(b)] = std::current_exception();
    }
  }
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace facefuse::rt::cpu
