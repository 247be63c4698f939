#include "runtime/providers/cpu/winograd_conv_plan.h"

#include <omp.h>

#include <algorithm>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define FACEFUSE_WINOGRAD 1
#endif

namespace facefuse::rt::cpu {
namespace {

#ifdef __AVX512F__
constexpr int64_t kTileBlock = 12;    // tiles per register block of the product kernel (one AVX-512 vector each)
#else
constexpr int64_t kTileBlock = 6;     // tiles per register block of the product kernel (two AVX vectors each)
#endif
constexpr int64_t kLanes = 16;        // output channels per register block
constexpr int64_t kWeightSlice = 64;  // input channels per slice of the weight transform

// 2x2 output tiles per image (the last row and column of tiles may be cut by the edge).
int64_t TilesPerImage(const ConvGeometry& g) { return ((g.out_size[0] + 1) / 2) * ((g.out_size[1] + 1) / 2); }

bool SupportedActivation(const FusedActivation& a) {
  return a.kind.empty() || a.kind == "Relu" || a.kind == "LeakyRelu" || a.kind == "Clip";
}

}  // namespace

bool WinogradConvPlan::Available() {
#ifdef FACEFUSE_WINOGRAD
  return true;
#else
  return false;
#endif
}

bool WinogradConvPlan::Applies(const ConvGeometry& g, const ConvEpilogue& epilogue, bool constant_weights) {
#ifdef FACEFUSE_WINOGRAD
  if (!constant_weights || g.transpose || g.spatial_rank() != 2 || g.group != 1) return false;
  if (g.in_channels % 8 != 0 || g.out_channels % 8 != 0 || g.in_channels == 0 || g.out_channels == 0) return false;
  for (size_t d = 0; d < 2; ++d)
    if (g.kernel[d] != 3 || g.strides[d] != 1 || g.dilations[d] != 1) return false;
  return SupportedActivation(epilogue.activation);
#else
  (void)g, (void)epilogue, (void)constant_weights;
  return false;
#endif
}

#ifdef FACEFUSE_WINOGRAD
namespace {

// m[t][16 lanes] (t < R, `m_pitch` floats apart) = sum over k of v[t][k] * u[k][16 lanes]. Always inlined: as
// a function of its own GCC 12 stored the 12 accumulators to the stack on every k (a third of the speed). With
// AVX-512, one vector of 16 lanes per tile and 12 tiles (12 chains of multiply-adds, each input broadcast from
// memory by the multiply-add itself); with AVX2, two vectors per tile and 6 tiles.
template <int R>
__attribute__((always_inline)) inline void ProductBlock(const float* v, int64_t cin, const float* u, float* m,
                                                     int64_t m_pitch) {
#ifdef __AVX512F__
  __m512 acc[R];
#pragma GCC unroll 12
  for (int r = 0; r < R; ++r) acc[r] = _mm512_setzero_ps();
  for (int64_t k = 0; k < cin; ++k) {
    const __m512 uk = _mm512_loadu_ps(u + k * kLanes);
#pragma GCC unroll 12
    for (int r = 0; r < R; ++r) acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(v[r * cin + k]), uk, acc[r]);
  }
#pragma GCC unroll 12
  for (int r = 0; r < R; ++r) _mm512_storeu_ps(m + r * m_pitch, acc[r]);
#else
  __m256 acc[R][2];
  for (int r = 0; r < R; ++r) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
  for (int64_t k = 0; k < cin; ++k) {
    const __m256 u0 = _mm256_loadu_ps(u + k * kLanes), u1 = _mm256_loadu_ps(u + k * kLanes + 8);
    for (int r = 0; r < R; ++r) {
      const __m256 x = _mm256_broadcast_ss(v + r * cin + k);
      acc[r][0] = _mm256_fmadd_ps(x, u0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(x, u1, acc[r][1]);
    }
  }
  for (int r = 0; r < R; ++r) {
    _mm256_storeu_ps(m + r * m_pitch, acc[r][0]);
    _mm256_storeu_ps(m + r * m_pitch + 8, acc[r][1]);
  }
#endif
}

// ProductBlock<tiles> for 1 <= tiles <= R (the tiles left after the full blocks).
template <int R>
inline void ProductTail(int64_t tiles, const float* v, int64_t cin, const float* u, float* m, int64_t m_pitch) {
  if constexpr (R > 0) {
    if (tiles == R) return ProductBlock<R>(v, cin, u, m, m_pitch);
    ProductTail<R - 1>(tiles, v, cin, u, m, m_pitch);
  }
}

// The activation, with the reference kernels' NaN rule: comparisons with NaN are false, so NaN passes through.
struct VectorActivation {
  int kind = 0;  // 0 none, 1 Relu, 2 LeakyRelu, 3 Clip
  __m256 a = _mm256_setzero_ps(), b = _mm256_setzero_ps();
  explicit VectorActivation(const FusedActivation& act) {
    if (act.kind == "Relu") kind = 1;
    if (act.kind == "LeakyRelu") kind = 2, a = _mm256_set1_ps(act.params.at(0));
    if (act.kind == "Clip") kind = 3, a = _mm256_set1_ps(act.params.at(0)), b = _mm256_set1_ps(act.params.at(1));
  }
  __m256 operator()(__m256 v) const {
    const __m256 zero = _mm256_setzero_ps();
    switch (kind) {
      case 1: return _mm256_blendv_ps(v, zero, _mm256_cmp_ps(v, zero, _CMP_LT_OQ));
      case 2: return _mm256_blendv_ps(v, _mm256_mul_ps(v, a), _mm256_cmp_ps(v, zero, _CMP_LT_OQ));
      case 3:
        v = _mm256_blendv_ps(v, a, _mm256_cmp_ps(v, a, _CMP_LT_OQ));
        return _mm256_blendv_ps(v, b, _mm256_cmp_ps(b, v, _CMP_LT_OQ));
      default: return v;
    }
  }
};

struct Image {
  const float* x;
  const float* sum;  // may be y
  float* y;
};

// The three steps over a block of tiles, each tile in a slot of the scratch: V [16][slots][C_in] and
// M [16][slots][m_pitch]. Slots are kTileBlock tiles (streaming mode: one block at a time, per thread) or a group
// of many tiles (grouped mode: shared by the threads, which split each step between them).
class TileBlockRunner {
 public:
  // The floats of scratch a runner with `slots` slots uses: transformed patches, then products.
  static int64_t ScratchFloats(const ConvGeometry& g, int64_t out_blocks, int64_t slots) {
    return 16 * slots * (g.in_channels + out_blocks * kLanes);
  }

  TileBlockRunner(const ConvGeometry& g, const ConvEpilogue& e, const float* u, int64_t out_blocks, const float* bias,
                  float* scratch, int64_t slots)
      : g_(g), u_(u), bias_(bias), act_(e.activation), out_blocks_(out_blocks),
        cin_(g.in_channels), cout_(g.out_channels), m_pitch_(out_blocks * kLanes),
        tiles_w_((g.out_size[1] + 1) / 2), slots_(slots), v_(scratch), m_(scratch + 16 * slots * cin_) {}

  // Streaming mode: tiles [first_tile, first_tile + tiles), tiles <= slots.
  void Run(const Image& img, int64_t first_tile, int64_t tiles) {
    for (int64_t t = 0; t < tiles; ++t) TransformInput(img.x, first_tile + t, t);
    for (int64_t p = 0; p < 16; ++p)
      for (int64_t ob = 0; ob < out_blocks_; ++ob) Products(p, ob, tiles);
    for (int64_t t = 0; t < tiles; ++t) TransformOutput(img, first_tile + t, t);
  }

  // M[p][slot][block ob] for the slots [0, tiles): plane p's products with output-channel block ob.
  void Products(int64_t p, int64_t ob, int64_t tiles) {
    const float* v = v_ + p * slots_ * cin_;
    const float* u = u_ + (p * out_blocks_ + ob) * cin_ * kLanes;
    float* m = m_ + p * slots_ * m_pitch_ + ob * kLanes;
    int64_t t = 0;
    for (; t + kTileBlock <= tiles; t += kTileBlock)
      ProductBlock<kTileBlock>(v + t * cin_, cin_, u, m + t * m_pitch_, m_pitch_);
    v += t * cin_, m += t * m_pitch_;
    if (tiles > t) ProductTail<kTileBlock - 1>(tiles - t, v, cin_, u, m, m_pitch_);
  }

  // V[p][slot][c] = (B^T d B)[p] of tile `tile`'s 4x4 input patch d (zeros outside the image).
  void TransformInput(const float* x, int64_t tile, int64_t slot) {
    const int64_t in_h = g_.in_size[0], in_w = g_.in_size[1];
    const int64_t y0 = (tile / tiles_w_) * 2 - g_.pads_begin[0], x0 = (tile % tiles_w_) * 2 - g_.pads_begin[1];
    const float* src[4][4];
    for (int64_t i = 0; i < 4; ++i)
      for (int64_t j = 0; j < 4; ++j) {
        const int64_t yy = y0 + i, xx = x0 + j;
        src[i][j] = yy >= 0 && yy < in_h && xx >= 0 && xx < in_w ? x + (yy * in_w + xx) * cin_ : nullptr;
      }
    float* v = v_ + slot * cin_;
    const int64_t p_pitch = slots_ * cin_;
    for (int64_t c = 0; c < cin_; c += 8) {
      __m256 d[4][4];
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) d[i][j] = src[i][j] ? _mm256_loadu_ps(src[i][j] + c) : _mm256_setzero_ps();
      for (int j = 0; j < 4; ++j) {  // B^T d
        const __m256 d0 = d[0][j], d1 = d[1][j], d2 = d[2][j], d3 = d[3][j];
        d[0][j] = _mm256_sub_ps(d0, d2);
        d[1][j] = _mm256_add_ps(d1, d2);
        d[2][j] = _mm256_sub_ps(d2, d1);
        d[3][j] = _mm256_sub_ps(d1, d3);
      }
      for (int i = 0; i < 4; ++i) {  // (B^T d) B
        const __m256 r0 = d[i][0], r1 = d[i][1], r2 = d[i][2], r3 = d[i][3];
        _mm256_storeu_ps(v + (i * 4 + 0) * p_pitch + c, _mm256_sub_ps(r0, r2));
        _mm256_storeu_ps(v + (i * 4 + 1) * p_pitch + c, _mm256_add_ps(r1, r2));
        _mm256_storeu_ps(v + (i * 4 + 2) * p_pitch + c, _mm256_sub_ps(r2, r1));
        _mm256_storeu_ps(v + (i * 4 + 3) * p_pitch + c, _mm256_sub_ps(r1, r3));
      }
    }
  }

  // Y's 2x2 outputs of tile `tile` = A^T m A + bias (+ Sum), activated; outputs past Y's edge are not written.
  void TransformOutput(const Image& img, int64_t tile, int64_t slot) {
    const int64_t out_h = g_.out_size[0], out_w = g_.out_size[1];
    const int64_t oy = (tile / tiles_w_) * 2, ox = (tile % tiles_w_) * 2;
    const float* m = m_ + slot * m_pitch_;
    const int64_t p_pitch = slots_ * m_pitch_;
    for (int64_t c = 0; c < cout_; c += 8) {
      __m256 s[2][4];
      for (int j = 0; j < 4; ++j) {
        const __m256 m0 = _mm256_loadu_ps(m + j * p_pitch + c), m1 = _mm256_loadu_ps(m + (4 + j) * p_pitch + c);
        const __m256 m2 = _mm256_loadu_ps(m + (8 + j) * p_pitch + c), m3 = _mm256_loadu_ps(m + (12 + j) * p_pitch + c);
        s[0][j] = _mm256_add_ps(_mm256_add_ps(m0, m1), m2);
        s[1][j] = _mm256_sub_ps(_mm256_sub_ps(m1, m2), m3);
      }
      const __m256 bias = bias_ ? _mm256_loadu_ps(bias_ + c) : _mm256_setzero_ps();
      for (int64_t i = 0; i < 2 && oy + i < out_h; ++i) {
        const __m256 o[2] = {_mm256_add_ps(_mm256_add_ps(_mm256_add_ps(s[i][0], s[i][1]), s[i][2]), bias),
                             _mm256_add_ps(_mm256_sub_ps(_mm256_sub_ps(s[i][1], s[i][2]), s[i][3]), bias)};
        for (int64_t j = 0; j < 2 && ox + j < out_w; ++j) {
          const int64_t at = ((oy + i) * out_w + ox + j) * cout_ + c;
          __m256 value = o[j];
          if (img.sum) value = _mm256_add_ps(value, _mm256_loadu_ps(img.sum + at));
          _mm256_storeu_ps(img.y + at, act_(value));
        }
      }
    }
  }

 private:
  const ConvGeometry& g_;
  const float* u_;
  const float* bias_;
  VectorActivation act_;
  int64_t out_blocks_, cin_, cout_, m_pitch_, tiles_w_, slots_;
  float* v_;  // transformed patches [16][slots_][C_in]
  float* m_;  // products [16][slots_][m_pitch_]
};

}  // namespace

WinogradConvPlan::WinogradConvPlan(const ConvGeometry& g, const ConvEpilogue& epilogue, const float* w,
                                   const WinogradTuning& tuning)
    : g_(g), epilogue_(epilogue), out_blocks_((g.out_channels + kLanes - 1) / kLanes) {
  const int64_t cin = g.in_channels, cout = g.out_channels, blocks = out_blocks_;
  const double u_bytes = 16.0 * static_cast<double>(blocks * kLanes * cin) * sizeof(float);
  if (u_bytes > tuning.streaming_weight_bytes) {
    const int64_t tiles = TilesPerImage(g);
    const double per_tile = 16.0 * static_cast<double>(cin + blocks * kLanes) * sizeof(float);
    const auto fit = static_cast<int64_t>(tuning.group_scratch_bytes / per_tile) / kTileBlock * kTileBlock;
    group_tiles_ = std::min(std::max(kTileBlock, fit), (tiles + kTileBlock - 1) / kTileBlock * kTileBlock);
  }
  // Not zeroed: the loop below writes every element (zeros past C_out), so the pages are first touched by the
  // threads that fill them (a zeroing pass over a 1024x1024 layer's 67 MB took one thread 30-50 ms).
  u_.reset(new float[static_cast<size_t>(16 * blocks * cin * kLanes)]);
  float* u = u_.get();
  // A block of 16 output channels at a time, in slices of kWeightSlice input channels: a slice's 16 planes x
  // kWeightSlice x 16 lanes (64 KB) stay in L2 while each output channel's row of W is read in order and its lane
  // written. (A 1024x1024 layer, 2 threads: plane by plane 0.1-0.2 s; in u_'s order with the 16 rows read
  // together, after a zeroing pass, 72-74 ms of its first run; in slices, not zeroed, about 45 ms.)
  const int64_t plane = blocks * cin * kLanes;  // floats per plane of u_
#pragma omp parallel for schedule(static)
  for (int64_t ob = 0; ob < blocks; ++ob) {
    for (int64_t c0 = 0; c0 < cin; c0 += kWeightSlice) {
      const int64_t c1 = std::min(cin, c0 + kWeightSlice);
      for (int64_t lane = 0; lane < kLanes; ++lane) {
        const int64_t o = ob * kLanes + lane;
        for (int64_t ci = c0; ci < c1; ++ci) {
          float* out = u + (ob * cin + ci) * kLanes + lane;  // plane p at out[p * plane]
          if (o >= cout) {  // a lane past C_out
            for (int p = 0; p < 16; ++p) out[p * plane] = 0.f;
            continue;
          }
          const float* k = w + (o * cin + ci) * 9;
          float t[4][3];  // G g
          for (int j = 0; j < 3; ++j) {
            t[0][j] = k[j];
            t[1][j] = 0.5f * (k[j] + k[3 + j] + k[6 + j]);
            t[2][j] = 0.5f * (k[j] - k[3 + j] + k[6 + j]);
            t[3][j] = k[6 + j];
          }
          for (int i = 0; i < 4; ++i) {  // (G g) G^T
            const float row[4] = {t[i][0], 0.5f * (t[i][0] + t[i][1] + t[i][2]),
                                  0.5f * (t[i][0] - t[i][1] + t[i][2]), t[i][2]};
            for (int j = 0; j < 4; ++j) out[(i * 4 + j) * plane] = row[j];
          }
        }
      }
    }
  }
}

void WinogradConvPlan::Execute(const ConvArgs& a) {
  const int64_t tiles = TilesPerImage(g_);
  const int64_t x_image = g_.in_size[0] * g_.in_size[1] * g_.in_channels;
  const int64_t y_image = g_.out_size[0] * g_.out_size[1] * g_.out_channels;
  const int threads = omp_get_max_threads();
  const bool grouped = group_tiles_ > 0;
  // Every thread's scratch is allocated here, outside the parallel region: an exception (bad_alloc) must not
  // leave one. Kept between runs (a plan is not run concurrently).
  const int64_t slots = grouped ? group_tiles_ : kTileBlock;
  const int64_t per_runner = TileBlockRunner::ScratchFloats(g_, out_blocks_, slots);
  const auto needed = static_cast<size_t>((grouped ? 1 : threads) * per_runner);
  if (scratch_.size() < needed) scratch_.resize(needed);
  // One thread, called outside any parallel region: the body below on the calling thread, its `omp for` loops
  // serial, with no region of its own (libgomp sets one up even for a team of one). Inside another team's region
  // (a caller's OpenMP worker running a one-thread session) the body keeps a team of its own, so that its `omp for`
  // loops and omp_get_thread_num() are this plan's and not the caller's.
  const auto body = [&] {
    TileBlockRunner runner(g_, epilogue_, u_.get(), out_blocks_, a.bias,
                           scratch_.data() + (grouped ? 0 : omp_get_thread_num() * per_runner), slots);
    for (int64_t n = 0; n < g_.batch; ++n) {
      const Image img{a.x + n * x_image, a.sum ? a.sum + n * y_image : nullptr, a.y + n * y_image};
      if (!grouped) {
        const int64_t blocks = (tiles + kTileBlock - 1) / kTileBlock;
#pragma omp for schedule(static)
        for (int64_t b = 0; b < blocks; ++b)
          runner.Run(img, b * kTileBlock, std::min(kTileBlock, tiles - b * kTileBlock));
        continue;
      }
      for (int64_t first = 0; first < tiles; first += slots) {
        const int64_t count = std::min(slots, tiles - first);
#pragma omp for schedule(static)
        for (int64_t t = 0; t < count; ++t) runner.TransformInput(img.x, first + t, t);
#pragma omp for schedule(static) collapse(2)
        for (int64_t p = 0; p < 16; ++p)
          for (int64_t ob = 0; ob < out_blocks_; ++ob) runner.Products(p, ob, count);
#pragma omp for schedule(static)
        for (int64_t t = 0; t < count; ++t) runner.TransformOutput(img, first + t, t);
      }
    }
  };
  if (threads <= 1 && omp_get_level() == 0) {
    body();
    return;
  }
#pragma omp parallel num_threads(threads)
  body();
}

#else  // no AVX2 and FMA: Applies() is false and the plan is never built

WinogradConvPlan::WinogradConvPlan(const ConvGeometry& g, const ConvEpilogue& epilogue, const float*,
                                   const WinogradTuning&)
    : g_(g), epilogue_(epilogue) {}
void WinogradConvPlan::Execute(const ConvArgs&) {}

#endif

}  // namespace facefuse::rt::cpu
