// One unit of attention work: one KV head g and a block of consecutive query positions
// [t0, t1), taking all n_heads/n_kv_heads query heads of the group as rows r = (t − t0)·G + h′.
// Every output row is computed by exactly one unit, from its inputs alone and in an order fixed by
// the shapes — never by the thread count — which is what makes threading bitwise-invariant.
//
// Per row (a query at absolute position p, visible keys [lo, hi) from the mask):
//   s_j = softcap(scale · q·k_j),   out = Σ_j e^{s_j − m} v_j / Σ_j e^{s_j − m},   m = max_j s_j.
// online<Tile> visits tiles [k·Tile, (k+1)·Tile) aligned to absolute key positions, so a row sees
// the same tiles whether it is computed in a long prefill or alone in a decode step.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include <flipside/attention/detail/element.hpp>
#include <flipside/attention/detail/micro_kernels.hpp>
#include <flipside/attention/detail/packed_qk.hpp>
#include <flipside/attention/params.hpp>
#include <flipside/attention/policies.hpp>
#include <flipside/simd/arch.hpp>

namespace flipside::detail {

// Resolved arguments of one attention call.
template <class E>
struct attention_problem {
  const float* q;
  const E* k;
  const E* v;
  float* out;
  std::size_t n_queries, n_keys, n_heads, n_kv_heads, head_dim;
  std::size_t q_row, kv_row, out_row;
  std::size_t position, window;
  float scale, softcap;
  std::size_t group() const noexcept { return n_heads / n_kv_heads; }
};

// Visible keys [lo, hi) of the query at absolute position p (empty when lo ≥ hi).
template <class Mask>
struct mask_range {
  static std::size_t lo(std::size_t p, std::size_t n, std::size_t) noexcept {
    return Mask::lo(p, n);
  }
  static std::size_t hi(std::size_t p, std::size_t n, std::size_t) noexcept {
    return Mask::hi(p, n);
  }
};
template <>
struct mask_range<runtime_window> {
  static std::size_t lo(std::size_t p, std::size_t, std::size_t w) noexcept {
    return w ? window_lo(p, w) : 0;
  }
  static std::size_t hi(std::size_t p, std::size_t n, std::size_t) noexcept {
    return causal::hi(p, n);
  }
};

constexpr std::size_t round_up(std::size_t x, std::size_t m) noexcept {
  return (x + m - 1) / m * m;
}

// Per-thread scratch, grown on demand and reused across calls (decode calls attention once per
// layer per token; allocating each time would cost more than small problems).
inline float* thread_scratch(std::size_t n_floats) {
  thread_local std::vector<float> buffer;
  if (buffer.size() < n_floats + 16) buffer.resize(n_floats + 16);
  auto addr = reinterpret_cast<std::uintptr_t>(buffer.data());
  return buffer.data() + ((64 - addr % 64) % 64) / sizeof(float);
}

// Query positions per block: enough rows (positions × group heads) to reuse each K/V element
// many times from L1/L2, few enough that Q, O and the score tile stay cache-resident.
template <class Softmax>
inline std::size_t block_positions(std::size_t group, std::size_t head_dim) noexcept {
  const std::size_t target_rows = is_online<Softmax>::value && head_dim <= 128 ? 48 : 24;
  return std::max<std::size_t>(1, target_rows / group);
}

// Calls whose blocks have at least this many rows (prefill) compute scores on packed keys
// (packed_qk.hpp); smaller ones (decode: one position × the group's heads) read K rows in place
// with the dot-product kernels (micro_kernels.hpp), where packing would cost more than it saves.
inline constexpr std::size_t packed_min_rows = 12;

// K (and V, when it cannot be read in place) of every KV head, converted to f32 once per call
// for the prefill path and shared read-only by all threads:
//   keys    [n_kv_heads][panels][dp][NR]   packed panels of NR = 2N keys (pack_keys)
//   values  [n_kv_heads][n_keys][dp]       f32 rows zero-padded to dp, or null: V used in place
struct prepared_kv {
  const float* keys = nullptr;
  const float* values = nullptr;
  std::size_t panels = 0;
};

template <class Mask, class Softmax, class A, class E>
class attention_block {
  using B = xsimd::batch<float, A>;
  static constexpr std::size_t N = B::size;
  static constexpr std::size_t NR = panel_keys<A>;
  static constexpr bool online = is_online<Softmax>::value;
  static constexpr float neg_inf = -std::numeric_limits<float>::infinity();

 public:
  static constexpr std::size_t lanes = N;  // float lanes of the micro-kernels

  // K/V of f32 rows whose length is a multiple of N are read in place.
  static bool kv_in_place(std::size_t head_dim) noexcept {
    return std::is_same_v<E, float> && head_dim % N == 0;
  }

  // max_heads: KV heads one run() may take together (decode: all of them, see run()).
  attention_block(const attention_problem<E>& pb, std::size_t max_positions,
                  const prepared_kv& prep, std::size_t max_heads = 1)
      : pb_(pb),
        prep_(prep),
        G_(pb.group()),
        d_(pb.head_dim),
        dp_(round_up(pb.head_dim, N)),
        direct_(kv_in_place(pb.head_dim)),
        stream_in_place_(pb.head_dim % N == 0),
        streamed_(!prep.keys) {
    const std::size_t R = max_positions * G_ * max_heads;
    std::size_t span = pb.n_keys;  // keys whose scores are held at once
    if constexpr (online) span = Softmax::tile;
    // + NR: packed scores start at the panel boundary at or before the first key.
    s_stride_ = round_up(std::max<std::size_t>(span, 1), NR) + NR;
    // Streamed online runs hold the scores of all keys (sa_) and copy one tile at a time to s_.
    if (streamed_ && online) sa_stride_ = round_up(std::max<std::size_t>(pb.n_keys, 1), NR) + NR;
    const bool staged = !(streamed_ ? stream_in_place_ : direct_);  // kv_stage_ is used
    const std::size_t sizes[] = {R * dp_,
                                 R * dp_,
                                 R * s_stride_,
                                 R,
                                 R,
                                 R,
                                 R,
                                 staged ? stage_keys * dp_ * max_heads : 0,
                                 R * sa_stride_};
    std::size_t total = 0;
    for (auto s : sizes) total += round_up(s, 16);
    float* p = thread_scratch(total);
    float** dst[] = {&qs_, &o_, &s_, &m_, &l_, &alpha_, &ones_, &kv_stage_, &sa_};
    for (std::size_t i = 0; i < 9; ++i) {
      *dst[i] = p;
      p += round_up(sizes[i], 16);
    }
  }

  // Computes output rows of KV heads [g0, g1) for query positions [t0, t1). Each head's rows
  // are computed exactly as if it ran alone (same tiles, kernels and order): taking several heads
  // together only interleaves them tile by tile, so that a decode step reads whole K/V rows
  // [L, n_kv_heads, d] front to back — two sequential streams — instead of one strided half-row
  // stream per head.
  void run(std::size_t g0, std::size_t g1, std::size_t t0, std::size_t t1) noexcept {
    const std::size_t R = (t1 - t0) * G_;
    const std::size_t L = pb_.n_keys;
    std::size_t jlo = L, jhi = 0;
    for (std::size_t t = t0; t < t1; ++t) {
      const std::size_t lo = row_lo(t), hi = row_hi(t);
      if (lo < hi) {
        jlo = std::min(jlo, lo);
        jhi = std::max(jhi, hi);
      }
    }
    for (std::size_t g = g0; g < g1; ++g) {
      const rows w = slot(g - g0, R);
      stage_queries(w, g, t0, R);
      for (std::size_t r = 0; r < R; ++r) {
        std::fill(w.o + r * dp_, w.o + (r + 1) * dp_, 0.0f);
        w.m[r] = neg_inf;
        w.l[r] = 0.0f;
      }
    }
    for (std::size_t r = 0; r < R; ++r) ones_[r] = 1.0f;
    pf_g0_ = g0;
    pf_g1_ = g1;
    if (jlo < jhi && streamed_) {
      streamed(g0, g1, t0, R, jlo, jhi);
    } else if (jlo < jhi) {
      if constexpr (online) {
        constexpr std::size_t tile = Softmax::tile;
        for (std::size_t j0 = jlo / tile * tile; j0 < jhi; j0 += tile) {
          const std::size_t a = std::max(j0, jlo), b = std::min(j0 + tile, jhi);
          for (std::size_t g = g0; g < g1; ++g) online_tile(slot(g - g0, R), g, t0, R, a, b);
        }
      } else {
        for (std::size_t g = g0; g < g1; ++g) two_pass_range(slot(g - g0, R), g, t0, R, jlo, jhi);
      }
    }
    for (std::size_t g = g0; g < g1; ++g) write_output(slot(g - g0, R), g, t0, R);
  }
  void run(std::size_t g, std::size_t t0, std::size_t t1) noexcept { run(g, g + 1, t0, t1); }

 private:
  // The scratch rows of one head of a run: R rows each of qs, o (dp floats), s (s_stride_), m, l,
  // alpha.
  struct rows {
    float *qs, *o, *s, *m, *l, *alpha;
  };
  rows slot(std::size_t i, std::size_t R) const noexcept {
    const std::size_t r0 = i * R;
    return {qs_ + r0 * dp_, o_ + r0 * dp_, s_ + r0 * s_stride_, m_ + r0, l_ + r0, alpha_ + r0};
  }

  // Keys staged at a time when K/V must be converted for the dot-product path.
  static constexpr std::size_t stage_keys = 64;
  // Keys per chunk of the score sweep of a streamed run (≤ stage_keys).
  static constexpr std::size_t score_keys = 16;
  // Prefetch of the cache rows (the heads [g0, g1) of each) prefetch_ahead keys after row c0 + j,
  // issued as row c0 + j is read by a streamed sweep. Measured on Zen 3 (2026-11-26, noisy
  // shared host): with the hardware prefetcher alone a 2-thread decode (one head per thread,
  // half rows) and d = 64 were slower than before the sweeps; with these hints all were faster.
  row_prefetch stream_prefetch(const E* base, std::size_t g0, std::size_t g1,
                               std::size_t c0) const noexcept {
    row_prefetch pf;
    const std::size_t first = c0 + prefetch_ahead;
    if (first >= pb_.n_keys) return pf;
    pf.base = reinterpret_cast<const char*>(base + first * pb_.kv_row + g0 * d_);
    pf.stride = pb_.kv_row * sizeof(E);
    pf.bytes = (g1 - g0) * d_ * sizeof(E);
    pf.end = pb_.n_keys - first;
    return pf;
  }
  // Keys per pass of P·V over V read in place (pv_block): V then streams row by row.
  // 8 keys: 1.45× faster than one 64-key pass when V comes from DRAM.
  static constexpr std::size_t value_keys_per_pass = 8;

  std::size_t row_lo(std::size_t t) const noexcept {
    return mask_range<Mask>::lo(pb_.position + t, pb_.n_keys, pb_.window);
  }
  std::size_t row_hi(std::size_t t) const noexcept {
    return mask_range<Mask>::hi(pb_.position + t, pb_.n_keys, pb_.window);
  }

  // qs[r] = scale · Q[t, h], zero-padded to dp.
  void stage_queries(const rows& w, std::size_t g, std::size_t t0, std::size_t R) noexcept {
    for (std::size_t r = 0; r < R; ++r) {
      const std::size_t t = t0 + r / G_, h = g * G_ + r % G_;
      const float* src = pb_.q + t * pb_.q_row + h * d_;
      float* dst = w.qs + r * dp_;
      for (std::size_t c = 0; c < d_; ++c) dst[c] = pb_.scale * src[c];
      std::fill(dst + d_, dst + dp_, 0.0f);
    }
  }

  // Rows [a, b) (b − a ≤ stage_keys unless in place) of K or V of head g as f32 rows `stride`
  // apart, zero-padded to dp: the cache itself when possible, else converted into kv_stage_
  // (prefetching ahead as it goes; in place, the kernels call pf).
  const float* kv_rows(const E* base, std::size_t g, std::size_t a, std::size_t b,
                       std::size_t& stride, const row_prefetch& pf) noexcept {
    if constexpr (std::is_same_v<E, float>) {
      if (direct_) {
        stride = pb_.kv_row;
        return base + a * pb_.kv_row + g * d_;
      }
    }
    for (std::size_t j = a; j < b; ++j) {
      pf(j - a);
      float* dst = kv_stage_ + (j - a) * dp_;
      convert_to_f32<A>(base + j * pb_.kv_row + g * d_, dst, d_);
      std::fill(dst + d_, dst + dp_, 0.0f);
    }
    stride = dp_;
    return kv_stage_;
  }

  // Keys ahead of row j that the unpacked (decode-sized) path prefetches while it works on row j:
  // one tile (64 KB of f32 K rows at 8 × 128; measured on Zen 3: 16 and 32 keys ahead are 5–10 %
  // slower, and prefetchnta / prefetcht2 slower than prefetcht0). The hints go to L2
  // (simd::prefetch_read_l2): on Zen 4 (2026-11-27) that made the decode step 2.4× faster than
  // prefetcht0; with them 32 keys ahead ties with 64, 128 is ~5 % slower.
  static constexpr std::size_t prefetch_ahead = 64;

  // The prefetch for K or V rows from c0 on while head g reads them: the first head of the run
  // prefetches the cache rows of all its heads (whole rows when the run has them all, which the
  // other heads then find in L2), the others nothing.
  row_prefetch ahead_of(const E* base, std::size_t g, std::size_t c0) const noexcept {
    row_prefetch pf;
    const std::size_t first = c0 + prefetch_ahead;
    if (g != pf_g0_ || first >= pb_.n_keys) return pf;
    pf.base = reinterpret_cast<const char*>(base + first * pb_.kv_row + pf_g0_ * d_);
    pf.stride = pb_.kv_row * sizeof(E);
    pf.bytes = (pf_g1_ - pf_g0_) * d_ * sizeof(E);
    pf.end = pb_.n_keys - first;
    return pf;
  }

  // Scores of keys [a, b): S[r][j − base] = qs[r]·K[j]; returns base (≤ a; the packed path
  // starts at the panel boundary, the entries before a are then masked).
  std::size_t scores(const rows& w, std::size_t g, std::size_t R, std::size_t a,
                     std::size_t b) noexcept {
    if (prep_.keys) {
      const std::size_t p0 = a / NR, p1 = (b + NR - 1) / NR;
      qk_packed_block<A>(w.qs, dp_, R, prep_.keys + (g * prep_.panels + p0) * dp_ * NR, p1 - p0,
                         dp_, w.s, s_stride_);
      return p0 * NR;
    }
    // Unpacked (decode-sized) calls stream K and V from memory once, in chunks of stage_keys
    // keys, prefetching prefetch_ahead keys ahead.
    for (std::size_t c0 = a; c0 < b; c0 += stage_keys) {
      const std::size_t c1 = std::min(b, c0 + stage_keys);
      const row_prefetch pf = ahead_of(pb_.k, g, c0);
      std::size_t ks;
      const float* k = kv_rows(pb_.k, g, c0, c1, ks, pf);
      qk_block<A>(w.qs, dp_, R, k, ks, c1 - c0, dp_, w.s + (c0 - a), s_stride_,
                  k != kv_stage_ ? pf : row_prefetch{});
    }
    return a;
  }

  // O[r] = α_r·O[r] + Σ_{j∈[a,b)} P[r][j − a]·V[j], P rows at p (stride s_stride_).
  void accumulate(const rows& w, std::size_t g, std::size_t R, std::size_t a, std::size_t b,
                  const float* p) noexcept {
    if (prep_.values) {
      pv_block<A>(w.o, dp_, R, w.alpha, p, s_stride_, prep_.values + (g * pb_.n_keys + a) * dp_,
                  dp_, b - a, dp_);
      return;
    }
    for (std::size_t c0 = a; c0 < b; c0 += stage_keys) {
      const std::size_t c1 = std::min(b, c0 + stage_keys);
      const row_prefetch pf = ahead_of(pb_.v, g, c0);
      std::size_t vs;
      const float* v = kv_rows(pb_.v, g, c0, c1, vs, pf);
      const bool in_place = v != kv_stage_;
      pv_block<A>(w.o, dp_, R, c0 == a ? w.alpha : ones_, p + (c0 - a), s_stride_, v, vs, c1 - c0,
                  dp_, in_place ? value_keys_per_pass : 0, ones_, in_place ? pf : row_prefetch{});
    }
  }

  // Row s holds the scores of keys [a, b) from s[0]: soft-caps them and masks those outside
  // [lo, hi) (and the padding up to a multiple of N) with −∞. False when the row sees none.
  bool prepare_row(float* s, std::size_t a, std::size_t b, std::size_t lo,
                   std::size_t hi) noexcept {
    const std::size_t nk = b - a, np = round_up(nk, N);
    if (pb_.softcap > 0.0f) {
      const B cap(pb_.softcap), inv(1.0f / pb_.softcap);
      for (std::size_t j = 0; j < np; j += N)
        (cap * xsimd::tanh(B::load_unaligned(s + j) * inv)).store_unaligned(s + j);
    }
    const std::size_t va = std::max(a, lo), vb = std::min(b, hi);
    if (va >= vb) {
      std::fill(s, s + np, 0.0f);
      return false;
    }
    std::fill(s, s + (va - a), neg_inf);
    std::fill(s + (vb - a), s + np, neg_inf);
    return true;
  }

  // Max of the first np (multiple of N) scores of a row.
  static float row_max(const float* s, std::size_t np) noexcept {
    B mx(neg_inf);
    for (std::size_t j = 0; j < np; j += N) mx = xsimd::max(mx, B::load_unaligned(s + j));
    return simd::reduce_max(mx);
  }

  // s_j ← e^{s_j − m}; returns Σ_j s_j.
  static float exp_row(float* s, std::size_t np, float m) noexcept {
    const B mb(m);
    B sum(0.0f);
    for (std::size_t j = 0; j < np; j += N) {
      const B p = xsimd::exp(B::load_unaligned(s + j) - mb);
      p.store_unaligned(s + j);
      sum += p;
    }
    return simd::reduce_add(sum);
  }

  void online_tile(const rows& w, std::size_t g, std::size_t t0, std::size_t R, std::size_t a,
                   std::size_t b) noexcept {
    const std::size_t off = a - scores(w, g, R, a, b);
    online_softmax(w, t0, R, a, b, w.s + off);
    accumulate(w, g, R, a, b, w.s + off);
  }

  // Online softmax of tile [a, b) on score rows s0 + r·s_stride_: m, l and α of each row updated,
  // the scores replaced by P = e^{s − m}.
  void online_softmax(const rows& w, std::size_t t0, std::size_t R, std::size_t a, std::size_t b,
                      float* s0) noexcept {
    const std::size_t np = round_up(b - a, N);
    for (std::size_t r = 0; r < R; ++r) {
      const std::size_t t = t0 + r / G_;
      float* s = s0 + r * s_stride_;
      if (!prepare_row(s, a, b, row_lo(t), row_hi(t))) {
        w.alpha[r] = 1.0f;
        continue;
      }
      const float m_new = std::max(w.m[r], row_max(s, np));
      const float alpha = std::exp(w.m[r] - m_new);  // m = −∞ on the first visible tile: 0
      w.l[r] = w.l[r] * alpha + exp_row(s, np, m_new);
      w.m[r] = m_new;
      w.alpha[r] = alpha;
    }
  }

  void two_pass_range(const rows& w, std::size_t g, std::size_t t0, std::size_t R, std::size_t a,
                      std::size_t b) noexcept {
    const std::size_t off = a - scores(w, g, R, a, b);
    two_pass_softmax(w, t0, R, a, b, w.s + off);
    accumulate(w, g, R, a, b, w.s + off);
  }

  // Softmax of the whole range [a, b) on score rows s0 + r·s_stride_: the scores replaced by the
  // normalised weights, α = l = 1.
  void two_pass_softmax(const rows& w, std::size_t t0, std::size_t R, std::size_t a, std::size_t b,
                        float* s0) noexcept {
    const std::size_t np = round_up(b - a, N);
    for (std::size_t r = 0; r < R; ++r) {
      const std::size_t t = t0 + r / G_;
      float* s = s0 + r * s_stride_;
      w.alpha[r] = 1.0f;
      if (!prepare_row(s, a, b, row_lo(t), row_hi(t))) continue;
      const float m = row_max(s, np);
      const B inv(1.0f / exp_row(s, np, m));
      for (std::size_t j = 0; j < np; j += N)
        (B::load_unaligned(s + j) * inv).store_unaligned(s + j);
      w.l[r] = 1.0f;  // the weights are already normalised
    }
  }

  // Decode-sized runs (K and V read in place from the cache — f16 / bf16 converted by the kernels
  // as they load — or, when head_dim is not a multiple of N, converted a few rows at a time):
  // two sweeps, each reading its array front to back once, instead of alternating between K and
  // V tile by tile. (1) The scores of all keys [jlo, jhi) of every head of the run, in chunks of
  // score_keys keys, each chunk for all the heads (whole cache rows in order). (2) Tile by tile
  // (online) or over the whole range (two_pass): the softmax bookkeeping of each head, then P·V
  // over the tile's V rows for all heads. A score does not depend on when it is computed and the
  // chunk grids start at jlo, so each head's arithmetic does not depend on which heads share the
  // run (thread-count invariance).
  void streamed(std::size_t g0, std::size_t g1, std::size_t t0, std::size_t R, std::size_t jlo,
                std::size_t jhi) noexcept {
    const std::size_t sstride = online ? sa_stride_ : s_stride_;
    auto score_rows = [&](std::size_t i) {
      return online ? sa_ + i * R * sa_stride_ : slot(i, R).s;
    };
    for (std::size_t c0 = jlo; c0 < jhi; c0 += score_keys) {
      const std::size_t c1 = std::min(jhi, c0 + score_keys);
      const row_prefetch pf = stream_prefetch(pb_.k, g0, g1, c0);
      auto scores_of = [&](const auto* k, std::size_t ks, std::size_t step,
                           const row_prefetch& kpf) {
        using T = std::remove_cv_t<std::remove_pointer_t<decltype(k)>>;
        qk_heads_block<A, T>(slot(0, R).qs, dp_, R * dp_, R, g1 - g0, k, ks, step, c1 - c0, dp_,
                             score_rows(0) + (c0 - jlo), sstride,
                             online ? R * sa_stride_ : R * s_stride_, kpf);
      };
      if (stream_in_place_) {
        scores_of(pb_.k + c0 * pb_.kv_row + g0 * d_, pb_.kv_row, d_, pf);
      } else {
        std::size_t ks, step;
        const float* k = rows_of_heads(pb_.k, g0, g1, c0, c1, ks, step, pf);
        scores_of(k, ks, step, row_prefetch{});
      }
    }
    if constexpr (online) {
      constexpr std::size_t tile = Softmax::tile;
      for (std::size_t j0 = jlo / tile * tile; j0 < jhi; j0 += tile) {
        const std::size_t a = std::max(j0, jlo), b = std::min(j0 + tile, jhi);
        for (std::size_t g = g0; g < g1; ++g) {
          const rows w = slot(g - g0, R);
          const float* src = score_rows(g - g0) + (a - jlo);
          for (std::size_t r = 0; r < R; ++r)
            std::copy(src + r * sa_stride_, src + r * sa_stride_ + (b - a), w.s + r * s_stride_);
          online_softmax(w, t0, R, a, b, w.s);
        }
        values_of_heads(g0, g1, R, a, b);
      }
    } else {
      for (std::size_t g = g0; g < g1; ++g)
        two_pass_softmax(slot(g - g0, R), t0, R, jlo, jhi, slot(g - g0, R).s);
      values_of_heads(g0, g1, R, jlo, jhi);
    }
  }

  // Rows [a, b) (b − a ≤ stage_keys) of K or V of heads [g0, g1) converted to f32 rows zero-padded
  // to dp in kv_stage_ (streamed runs whose rows cannot be read in place): head g's rows start at
  // the returned pointer + (g − g0)·step, `stride` apart, converted row by row (all heads of a
  // cache row together), calling pf(j − a) as it reaches row j.
  const float* rows_of_heads(const E* base, std::size_t g0, std::size_t g1, std::size_t a,
                             std::size_t b, std::size_t& stride, std::size_t& step,
                             const row_prefetch& pf) noexcept {
    stride = dp_;
    step = stage_keys * dp_;
    for (std::size_t j = a; j < b; ++j) {
      pf(j - a);
      for (std::size_t g = g0; g < g1; ++g) {
        float* dst = kv_stage_ + (g - g0) * step + (j - a) * dp_;
        convert_to_f32<A>(base + j * pb_.kv_row + g * d_, dst, d_);
        std::fill(dst + d_, dst + dp_, 0.0f);
      }
    }
    return kv_stage_;
  }

  // O[r] = α_r·O[r] + Σ_{j∈[a,b)} P[r][j − a]·V[j] for the heads [g0, g1) of a streamed run (P
  // rows in their slot's s from key a), V read in passes of value_keys_per_pass keys (in place,
  // any element type) or stage_keys keys (converted), each pass for all heads.
  void values_of_heads(std::size_t g0, std::size_t g1, std::size_t R, std::size_t a,
                       std::size_t b) noexcept {
    const bool direct = stream_in_place_;
    // More than 4 rows (a GQA group of 5–8 heads, e.g. 7 at Qwen2.5-0.5B) in place: pv_groups, all
    // rows per V load, each head over the whole tile when its V rows are at most 4N wide (two
    // column slices: the second reads the tile's V rows from L1), else in short passes as below.
    // Each head's kernel prefetches its own part of the V rows prefetch_ahead keys later, one part
    // per key as it goes: when the first head prefetched whole rows for all heads of the run, the
    // hints came in bursts during its pass and none during the others' (Zen 4, 2026-11-27, one
    // thread, f32 K/V cold, L = 540: 51 µs per call against 45).
    if (direct && R > 4) {
      const std::size_t kg = dp_ <= 4 * N ? b - a : value_keys_per_pass;
      for (std::size_t c0 = a; c0 < b; c0 += kg) {
        const std::size_t c1 = std::min(b, c0 + kg);
        for (std::size_t g = g0; g < g1; ++g) {
          const rows w = slot(g - g0, R);
          pv_groups<A, E>(w.o, dp_, R, c0 == a ? w.alpha : ones_, w.s + (c0 - a), s_stride_,
                          pb_.v + c0 * pb_.kv_row + g * d_, pb_.kv_row, c1 - c0, dp_,
                          stream_prefetch(pb_.v, g, g + 1, c0));
        }
      }
      return;
    }
    const std::size_t kc = direct ? value_keys_per_pass : stage_keys;
    for (std::size_t c0 = a; c0 < b; c0 += kc) {
      const std::size_t c1 = std::min(b, c0 + kc);
      const row_prefetch pf = stream_prefetch(pb_.v, g0, g1, c0);
      // In place, the first 4-row P·V kernel of each head and column slice prefetches the next
      // consecutive lines of this pass's rows prefetch_ahead keys later, a few per key as it
      // goes: the whole block in address order, spread over the pass. Measured on Zen 3
      // (2026-11-26, alternated A/B): the step 5-30 % faster than when each kernel prefetched
      // its own column slice 64 keys ahead (strided lines, the order the passes read V in);
      // 32 keys ahead about the same, 128 no better. Fewer than 4 rows: the rows in a burst.
      const bool in_kernel = direct && R >= 4 && dp_ % (2 * N) == 0;
      if (direct && !in_kernel)
        for (std::size_t j = c0; j < c1; ++j) pf(j - c0);
      sequential_prefetch seq;
      if (in_kernel && c0 + prefetch_ahead < pb_.n_keys) {
        seq.base =
            reinterpret_cast<const char*>(pb_.v + (c0 + prefetch_ahead) * pb_.kv_row + g0 * d_);
        seq.stride = pb_.kv_row * sizeof(E);
        seq.part = (g1 - g0) * d_ * sizeof(E);
        seq.rows = std::min(c1 - c0, pb_.n_keys - (c0 + prefetch_ahead));
      }
      auto values_of = [&](const auto* v, std::size_t vs, std::size_t step) {
        using T = std::remove_cv_t<std::remove_pointer_t<decltype(v)>>;
        for (std::size_t g = g0; g < g1; ++g) {
          const rows w = slot(g - g0, R);
          pv_block<A, T>(w.o, dp_, R, c0 == a ? w.alpha : ones_, w.s + (c0 - a), s_stride_,
                         v + (g - g0) * step, vs, c1 - c0, dp_, 0, nullptr, {},
                         in_kernel ? &seq : nullptr);
        }
      };
      if (direct) {
        values_of(pb_.v + c0 * pb_.kv_row + g0 * d_, pb_.kv_row, d_);
      } else {
        std::size_t vs, step;
        const float* v = rows_of_heads(pb_.v, g0, g1, c0, c1, vs, step, pf);
        values_of(v, vs, step);
      }
    }
  }

  void write_output(const rows& w, std::size_t g, std::size_t t0, std::size_t R) noexcept {
    for (std::size_t r = 0; r < R; ++r) {
      const std::size_t t = t0 + r / G_, h = g * G_ + r % G_;
      float* dst = pb_.out + t * pb_.out_row + h * d_;
      const float* o = w.o + r * dp_;
      const float inv = w.l[r] > 0.0f ? 1.0f / w.l[r] : 0.0f;  // no visible key: zeros
      for (std::size_t c = 0; c < d_; ++c) dst[c] = o[c] * inv;
    }
  }

  const attention_problem<E>& pb_;
  const prepared_kv& prep_;
  std::size_t G_, d_, dp_;
  bool direct_;
  // Streamed (decode) runs read K and V rows in place whatever their element type when head_dim
  // is a multiple of N: the kernels convert f16 / bf16 as they load (simd::load_as_f32), to the
  // same f32 values as staging them first. Measured on Zen 4 (2026-11-27): staging f16 rows
  // through kv_stage_ first made the f16 step slower than the f32 one once the f32 step
  // overlapped its transfer (0.63–0.72 vs 0.42 ms at L = 4096); in place 0.32–0.34 ms.
  bool stream_in_place_;
  bool streamed_;  // K/V not prepared (decode-sized blocks): streamed()
  std::size_t s_stride_ = 0, sa_stride_ = 0;
  std::size_t pf_g0_ = 0, pf_g1_ = 0;  // the KV heads of the current run
  float *qs_ = nullptr, *o_ = nullptr, *s_ = nullptr, *m_ = nullptr, *l_ = nullptr,
        *alpha_ = nullptr, *ones_ = nullptr, *kv_stage_ = nullptr, *sa_ = nullptr;
};

}  // namespace flipside::detail
