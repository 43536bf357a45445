// Integer dot products of a quantized weight row with an activation row quantized to the weight
// type's partner, as llama.cpp computes them (ggml-cpu/arch/x86/quants.c): the activation row is
// quantized once per matrix product (q8_0 for q4_0/q5_0/q8_0/iq4_nl, q8_1 for q4_1/q5_1, q8_K for
// the K-quants and iq4_xs), then each block contributes an exact integer sum scaled by d_w·d_a.
//
//   vec_dot(t, w, a, n) = Σ_blocks d_w·d_a·Σ q_w·q_a  (+ min terms)  ≈ dequant(w) · dequant(a)
//
// AVX2 path: u8×s8 pair products (pmaddubsw) summed into int32 lanes with the sub-block scales
// folded in by pmaddwd; one float multiply-add per block. Scalar references: vec_dot_reference.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include <flipside/core/dtype.hpp>
#include <flipside/core/error.hpp>
#include <flipside/quant/act_quant.hpp>
#include <flipside/quant/blocks.hpp>
#include <flipside/quant/decode.hpp>
#include <flipside/quant/half.hpp>
#include <flipside/quant/prefetch.hpp>
#include <flipside/quant/quantize.hpp>
#include <flipside/quant/strategy.hpp>
#include <flipside/quant/types.hpp>
#include <flipside/quant/vec_dot_reference.hpp>
#include <flipside/simd/arch.hpp>
#include <flipside/simd/int8_dot.hpp>

namespace flipside::quant {

// The activation block type a weight type's integer dot product pairs with (ggml's
// vec_dot_type); the weight type itself for f32/f16/bf16, which have no integer path
// (has_integer_dot tells the two cases apart: q8_0 pairs with itself).
inline dtype vec_dot_type(dtype w) noexcept {
  switch (w) {
    case dtype::q4_0:
    case dtype::q5_0:
    case dtype::q8_0:
    case dtype::iq4_nl:
      return dtype::q8_0;
    case dtype::q4_1:
    case dtype::q5_1:
      return dtype::q8_1;
    case dtype::q2_k:
    case dtype::q3_k:
    case dtype::q4_k:
    case dtype::q5_k:
    case dtype::q6_k:
    case dtype::iq4_xs:
      return dtype::q8_k;
    default:
      return w;
  }
}

#if XSIMD_WITH_AVX2
namespace avx2 {

using namespace simd::int8;

inline std::int16_t bsum(const block_q8_k& b, int g) noexcept {
  std::int16_t v;
  std::memcpy(&v, b.bsums + 2 * g, 2);
  return v;
}

// Block kernels: `apply(w, p, acc, extra)` adds one block's contribution, acc += d_w·d_a·(8 int32
// partial sums) and extra += any scalar term (q8_1 min products, K-quant mins). p = prep(a) is
// what the kernel needs of the activation block, computed once per block for all the rows that
// dot_rows advances together (loads, |a|, sums, scale). Lane k of the int32 sums is always the
// same integer (products of elements 4k..4k+3, or the sub-block-scaled sums below), whatever the
// instruction sequence: results are bitwise those of the scalar model of these lanes.
template <class W, class A, std::size_t QK>
struct kernel_base {
  using wblock = W;
  using ablock = A;
  static constexpr std::size_t qk = QK;
  static const A& prep(const A& a) noexcept { return a; }
};

// A q8_0 activation block: its quants, |q| (s8·s8 products as |a|·(w with a's sign), so the
// weights need no abs; for weights in −127..127 only), the sums of each four consecutive quants
// (lane k, for the unsigned-weight offset: Σ(u − o)·a = Σu·a − o·Σa) and the scale.
struct q8_0_act {
  i8x32 q;
  u8x32 absq;
  i32x8 sum4;
  float d;
  i32x8 bias128;  // −128 × sum4: the offset of a weight read as unsigned w + 128 (k_q8_0, VNNI)
  i32x8 bias16;   // −16 × sum4: the offset of a Q5_0 weight read as unsigned u (k_q5_0, VNNI)
  i32x8 bias8;    // −8 × sum4: the offset of a Q4_0 weight read as its unsigned nibble (k_q4_0)
};
inline q8_0_act prep_q8_0(const block_q8_0& a) noexcept {
  const i8x32 q = load_i8(a.qs);
  const i32x8 sum4 = dot_u8s8(u8x32(std::uint8_t{1}), q);
  return {q,
          abs_i8(q),
          sum4,
          load_f16(a.d),
          i32x8(0) - (sum4 << 7),
          i32x8(0) - (sum4 << 4),
          i32x8(0) - (sum4 << 3)};
}

// A q8_K activation block: the block, its scale and its 16 group sums.
struct q8_k_act {
  const block_q8_k* a;
  float d;
  i16x16 bsums;
};
inline q8_k_act prep_q8_k(const block_q8_k& a) noexcept {
  return {&a, load_f32(a.d), load_i16(a.bsums)};
}

struct k_q4_0 : kernel_base<block_q4_0, block_q8_0, 32> {
  static q8_0_act prep(const ablock& a) noexcept { return prep_q8_0(a); }
  static void apply(const wblock& w, const q8_0_act& a, f32x8& acc, float&) {
    const i32x8 s = dot_u8s8_acc(a.bias8, load_nibbles(w.qs), a.q);  // Σ(u − 8)·a
    acc = xsimd::fma(f32x8(load_f16(w.d) * a.d), xsimd::to_float(s), acc);
  }
};

struct k_q4_1 : kernel_base<block_q4_1, block_q8_1, 32> {
  static void apply(const wblock& w, const ablock& a, f32x8& acc, float& extra) {
    const i32x8 s = dot_u8s8(load_nibbles(w.qs), load_i8(a.qs));
    acc = xsimd::fma(f32x8(load_f16(w.d) * load_f16(a.d)), xsimd::to_float(s), acc);
    extra += load_f16(w.m) * load_f16(a.s);  // m_w · d_a·Σq_a
  }
};

struct k_q5_0 : kernel_base<block_q5_0, block_q8_0, 32> {
  static q8_0_act prep(const ablock& a) noexcept { return prep_q8_0(a); }
  // A row-lane kernel (dot_rows_lanes): eight rows' exact block sums Σ(u − 16)·a go to the lanes
  // of one vector, scaled by d_w·d_a (scales8; its non-F16C fallback reads 8 bytes at w.d, inside
  // the 22-byte block). The partial sums of one row, by target:
  // - VNNI with AVX-512BW/VL: the unsigned u ∈ [0, 31] (the fifth bits added under a mask) in one
  //   vpdpbusd seeded with −16·Σa per four activations: eight exact int32 sums;
  // - otherwise: signed weights u − 16 straight from the bits (no Σa offset term), multiplied as
  //   |a|·(w with a's sign): sixteen exact pair sums, |·| ≤ 2·127·16.
  // The row totals are the same integers either way, so the results are bitwise the same.
  static constexpr bool row_lanes = true;
  static auto products(const wblock& w, const q8_0_act& a) noexcept {
    if constexpr (has_vnni && has_byte_masks)
      return dot_u8s8_acc(a.bias16, add_bit16(load_nibbles(w.qs), load_u32(w.qh)), a.q);
    else
      return maddubs(a.absq, sign(signed_fifth(load_nibbles(w.qs), load_u32(w.qh)), a.q));
  }
};

struct k_q5_1 : kernel_base<block_q5_1, block_q8_1, 32> {
  static void apply(const wblock& w, const ablock& a, f32x8& acc, float& extra) {
    const i32x8 s = dot_u8s8(add_bit16(load_nibbles(w.qs), load_u32(w.qh)), load_i8(a.qs));
    acc = xsimd::fma(f32x8(load_f16(w.d) * load_f16(a.d)), xsimd::to_float(s), acc);
    extra += load_f16(w.m) * load_f16(a.s);
  }
};

struct k_q8_0 : kernel_base<block_q8_0, block_q8_0, 32> {
  static q8_0_act prep(const ablock& a) noexcept { return prep_q8_0(a); }
  static void apply(const wblock& w, const q8_0_act& a, f32x8& acc, float&) {
    // Weight-side sign: a stored weight may be −128 (ggml's quantiser never writes it, a file
    // can), which |a|·sign(w, a) would wrap; |w| as unsigned 128 is exact.
    i32x8 s;
    if constexpr (has_vnni) {
      // w + 128 = w ^ 0x80 as unsigned (also for w = −128), one dpbusd seeded with −128·Σa:
      // the same exact Σ w·a in two instructions instead of abs, sign and dpbusd.
      s = dot_u8s8_acc(a.bias128, offset_u8(load_i8(w.qs)), a.q);
    } else {
      s = dot_s8s8(load_i8(w.qs), a.q);
    }
    acc = xsimd::fma(f32x8(load_f16(w.d) * a.d), xsimd::to_float(s), acc);
  }
};

struct k_iq4_nl : kernel_base<block_iq4_nl, block_q8_0, 32> {
  static q8_0_act prep(const ablock& a) noexcept { return prep_q8_0(a); }
  static void apply(const wblock& w, const q8_0_act& a, f32x8& acc, float&) {
    const i32x8 s = dot_u8s8(a.absq, sign(lookup16(kvalues_iq4nl, load_nibbles(w.qs)), a.q));
    acc = xsimd::fma(f32x8(load_f16(w.d) * a.d), xsimd::to_float(s), acc);
  }
};

// Q4_K / Q5_K: Σ_c sc_c·Σ q·a − m_c·Σ a over eight 32-weight sub-blocks; the mins use the q8_K
// group sums, so the quants are touched once.
// The eight six-bit scales and mins of a Q4_K / Q5_K block (scale_min_k4 for j = 0..7), one byte
// each, little-endian, computed four at a time in 32-bit words.
inline void scales_mins_k4(const std::uint8_t* q, std::uint64_t& sc, std::uint64_t& mn) noexcept {
  const std::uint32_t u0 = load_u32(q), u1 = load_u32(q + 4), u2 = load_u32(q + 8);
  const std::uint32_t sc_hi = (u2 & 0x0F0F0F0Fu) | ((u0 >> 2) & 0x30303030u);
  const std::uint32_t mn_hi = ((u2 >> 4) & 0x0F0F0F0Fu) | ((u1 >> 2) & 0x30303030u);
  sc = (u0 & 0x3F3F3F3Fu) | (std::uint64_t{sc_hi} << 32);
  mn = (u1 & 0x3F3F3F3Fu) | (std::uint64_t{mn_hi} << 32);
}

template <bool Fifth, class Block>
struct k_k4 : kernel_base<Block, block_q8_k, 256> {
  static q8_k_act prep(const block_q8_k& a) noexcept { return prep_q8_k(a); }
  static void apply(const Block& w, const q8_k_act& p, f32x8& acc, float& extra) {
    std::uint64_t sc8, mn8;
    scales_mins_k4(w.scales, sc8, mn8);
    // Σ_j mn_j·(bsum_2j + bsum_2j+1): each min against its two group sums, one pmaddwd.
    const int summs = hsum(madd(widen_u8x8_i16_twice(mn8), p.bsums));
    const i16x16 sc = widen_u8x8_i16(sc8);
    const std::int8_t* q8 = p.a->qs;
    i32x8 sumi(0);
    [[maybe_unused]] u8x32 qh;
    if constexpr (Fifth) qh = load_u8(w.qh);
    for (int c = 0; c < 4; ++c, q8 += 64) {
      u8x32 lo, hi;
      split_nibbles(w.qs + 32 * c, lo, hi);
      if constexpr (Fifth) {
        const u8x32 one(std::uint8_t{1});
        lo = lo | shl(shr(qh, 2 * c) & one, 4);
        hi = hi | shl(shr(qh, 2 * c + 1) & one, 4);
      }
      sumi += madd(maddubs(lo, load_i8(q8)), splat_word(sc, 2 * c));
      sumi += madd(maddubs(hi, load_i8(q8 + 32)), splat_word(sc, 2 * c + 1));
    }
    const float ad = p.d;
    acc = xsimd::fma(f32x8(load_f16(w.d) * ad), xsimd::to_float(sumi), acc);
    extra -= (load_f16(w.dmin) * ad) * static_cast<float>(summs);
  }
};
using k_q4_k = k_k4<false, block_q4_k>;
using k_q5_k = k_k4<true, block_q5_k>;

// Q6_K: unsigned 6-bit quants u = q + 32; Σ sc·(u − 32)·a = Σ sc·u·a − 32·Σ sc·bsum.
// The two high bits of each quant sit at bits 4–5 after one 16-bit shift and a mask (the bits
// that cross bytes are masked off), the scales are one sign-extended vector shuffled per 32.
struct k_q6_k : kernel_base<block_q6_k, block_q8_k, 256> {
  static q8_k_act prep(const ablock& a) noexcept { return prep_q8_k(a); }
  static void apply(const wblock& w, const q8_k_act& p, f32x8& acc, float&) {
    const u8x32 lowmask(std::uint8_t{0x0F}), highbits(std::uint8_t{0x30});
    const i16x16 scales = widen_i8_i16(w.scales);
    const int corr = hsum(madd(scales, p.bsums));  // Σ_g sc_g·bsum_g
    i32x8 sumi(0);
    const std::int8_t* q8 = p.a->qs;
    for (int half = 0; half < 2; ++half) {
      const std::uint8_t* ql = w.ql + 64 * half;
      const i16x16 sc = dup_half(scales, half);
      const u8x32 l0 = load_u8(ql), l1 = load_u8(ql + 32), h = load_u8(w.qh + 32 * half);
      const u8x32 q[4] = {(l0 & lowmask) | (shl16(h, 4) & highbits),
                          (l1 & lowmask) | (shl16(h, 2) & highbits),
                          (shr16(l0, 4) & lowmask) | (h & highbits),
                          (shr16(l1, 4) & lowmask) | (shr16(h, 2) & highbits)};
      for (int k = 0; k < 4; ++k, q8 += 32)
        sumi += madd(maddubs(q[k], load_i8(q8)), splat_pair(sc, k));
    }
    sumi -= i32x8(4 * corr);  // 8 lanes × 4·corr = 32·corr
    acc = xsimd::fma(f32x8(load_f16(w.d) * p.d), xsimd::to_float(sumi), acc);
  }
};

// Q3_K: unsigned 3-bit u = low two bits + 4·hmask bit, value u − 4; signed six-bit scales.
struct k_q3_k : kernel_base<block_q3_k, block_q8_k, 256> {
  static void apply(const wblock& w, const ablock& a, f32x8& acc, float&) {
    const u8x32 three(std::uint8_t{3}), one(std::uint8_t{1});
    std::int8_t sc[16];
    q3_k_scales(w.scales, sc);
    int corr = 0;
    for (int g = 0; g < 16; ++g) corr += (sc[g] - 32) * bsum(a, g);
    const u8x32 hm = load_u8(w.hmask);
    i32x8 sumi(0);
    for (int r = 0; r < 8; ++r) {
      const u8x32 u =
          (shr(load_u8(w.qs + 32 * (r / 4)), 2 * (r % 4)) & three) | shl(shr(hm, r) & one, 2);
      sumi += madd(maddubs(u, load_i8(a.qs + 32 * r)),
                   halves_i16(static_cast<std::int16_t>(sc[2 * r] - 32),
                              static_cast<std::int16_t>(sc[2 * r + 1] - 32)));
    }
    sumi -= i32x8({4 * corr, 0, 0, 0, 0, 0, 0, 0});
    acc = xsimd::fma(f32x8(load_f16(w.d) * load_f32(a.d)), xsimd::to_float(sumi), acc);
  }
};

// Q2_K: w = d·sc_lo·u − dmin·sc_hi per 16; the min part through the group sums.
struct k_q2_k : kernel_base<block_q2_k, block_q8_k, 256> {
  static void apply(const wblock& w, const ablock& a, f32x8& acc, float& extra) {
    const u8x32 three(std::uint8_t{3});
    int summs = 0;
    for (int g = 0; g < 16; ++g) summs += (w.scales[g] >> 4) * bsum(a, g);
    i32x8 sumi(0);
    for (int r = 0; r < 8; ++r) {
      const u8x32 u = shr(load_u8(w.qs + 32 * (r / 4)), 2 * (r % 4)) & three;
      sumi += madd(maddubs(u, load_i8(a.qs + 32 * r)),
                   halves_i16(static_cast<std::int16_t>(w.scales[2 * r] & 0xF),
                              static_cast<std::int16_t>(w.scales[2 * r + 1] & 0xF)));
    }
    const float ad = load_f32(a.d);
    acc = xsimd::fma(f32x8(ad * load_f16(w.d)), xsimd::to_float(sumi), acc);
    extra -= (ad * load_f16(w.dmin)) * static_cast<float>(summs);
  }
};

struct k_iq4_xs : kernel_base<block_iq4_xs, block_q8_k, 256> {
  static void apply(const wblock& w, const ablock& a, f32x8& acc, float&) {
    const std::uint16_t sh = load_u16(w.scales_h);
    i32x8 sumi(0);
    for (int ib = 0; ib < 8; ++ib) {
      const int ls = ((w.scales_l[ib / 2] >> (4 * (ib % 2))) & 0xF) | (((sh >> (2 * ib)) & 3) << 4);
      const i8x32 q = lookup16(kvalues_iq4nl, load_nibbles(w.qs + 16 * ib));
      sumi += madd(maddbb(q, load_i8(a.qs + 32 * ib)), i16x16(static_cast<std::int16_t>(ls - 32)));
    }
    acc = xsimd::fma(f32x8(load_f16(w.d) * load_f32(a.d)), xsimd::to_float(sumi), acc);
  }
};

// Kernels with `products(w, p)` (k_q5_0): up to eight rows advance in the lanes of one vector.
// Per block, the rows' exact integer block sums go to lane r = row r (sum_rows8), are converted
// once and take one FMA with the eight scales d_w·d_a (scales8): acc_r += (d_w·d_a)·Σq_w·q_a, the
// order of the scalar reference. A row's result depends on U only (not on R or its lane).
template <class K, class = void>
inline constexpr bool row_lane_kernel = false;
template <class K>
inline constexpr bool row_lane_kernel<K, std::void_t<decltype(K::row_lanes)>> = K::row_lanes;

template <class K, std::size_t R, std::size_t U>
inline void dot_rows_lanes(const std::uint8_t* w, std::size_t stride, const void* act,
                           std::size_t n, float* out) {
  static_assert(R >= 1 && R <= 8);
  using W = typename K::wblock;
  const auto* a = static_cast<const typename K::ablock*>(act);
  const std::size_t nb = n / K::qk;
  const W* rows[R];
  for (std::size_t r = 0; r < R; ++r) rows[r] = reinterpret_cast<const W*>(w + r * stride);
  f32x8 acc[U];
  for (std::size_t u = 0; u < U; ++u) acc[u] = f32x8(0.0f);
  const auto step = [&](std::size_t b, std::size_t u) {
    const auto& p = K::prep(a[b]);
    using sums = decltype(K::products(rows[0][b], p));  // i16x16 pair sums or i32x8 (VNNI)
    sums prod[8];
    const std::uint8_t* d[8];
    for (std::size_t r = 0; r < 8; ++r) {
      prod[r] = r < R ? K::products(rows[r][b], p) : sums(typename sums::value_type{0});
      d[r] = rows[r < R ? r : 0][b].d;
    }
    acc[u] = xsimd::fma(scales8(d, p.d), xsimd::to_float(sum_rows8(prod)), acc[u]);
  };
  std::size_t i = 0;
  for (; i + U <= nb; i += U)
    for (std::size_t u = 0; u < U; ++u) step(i + u, u);
  for (; i < nb; ++i) step(i, 0);
  f32x8 t = acc[0];
  for (std::size_t u = 1; u < U; ++u) t += acc[u];
  alignas(32) float lanes[8];
  t.store_aligned(lanes);
  for (std::size_t r = 0; r < R; ++r) out[r] = lanes[r];
}

// R weight rows (stride `stride` bytes) · one quantised activation row: out[r] for r < R. Rows
// advance block by block together, so R rows are R concurrent memory streams (one sequential
// stream per core leaves DRAM bandwidth unused) and each activation block is loaded once. U > 1
// spreads alternate blocks over U accumulators (a lone row would otherwise wait on FMA latency).
// A row's result depends on U but not on R, which is what makes GEMV results independent of how
// rows are grouped (and so of the thread count). [next, next + next_bytes): the rows the caller
// reads after these, hinted to the caches while these are computed (prefetch.hpp). Hint = false:
// no software prefetch at all (row_streams.hpp, whose long streams the hardware prefetcher
// follows), with the same arithmetic.
template <class K, std::size_t R, std::size_t U, bool Hint>
inline void dot_rows_blocks(const std::uint8_t* w, std::size_t stride, const void* act,
                            std::size_t n, float* out, const std::uint8_t* next = nullptr,
                            std::size_t next_bytes = 0) {
  using W = typename K::wblock;
  const auto* a = static_cast<const typename K::ablock*>(act);
  const std::size_t nb = n / K::qk;
  f32x8 acc[R][U];
  float extra[R];
  const W* rows[R];
  const std::size_t row_bytes = nb * sizeof(W);
  ::flipside::quant::detail::row_prefetch pf[R];
  for (std::size_t r = 0; r < R; ++r) {
    for (std::size_t u = 0; u < U; ++u) acc[r][u] = f32x8(0.0f);
    extra[r] = 0.0f;
    rows[r] = reinterpret_cast<const W*>(w + r * stride);
    if constexpr (Hint) pf[r].start(rows[r], row_bytes);
  }
  // The prefetch cursors advance once per S blocks (about one cache line of a short legacy block:
  // their bookkeeping for eight rows would otherwise cost as much as the blocks' arithmetic).
  constexpr std::size_t P = sizeof(W) >= 64 ? 1 : 64 / sizeof(W), S = P * U;
  ::flipside::quant::detail::span_prefetch ahead;
  if constexpr (Hint) ahead.start(next, next ? next_bytes : 0, nb / S + (nb % S) / U);
  std::size_t i = 0;
  for (; i + S <= nb; i += S) {
    if constexpr (Hint) {
      for (std::size_t r = 0; r < R; ++r) pf[r].advance(rows[r] + i);
      ahead.step();
    }
    for (std::size_t j = 0; j < S; j += U)
      for (std::size_t u = 0; u < U; ++u) {
        const auto& p = K::prep(a[i + j + u]);
        for (std::size_t r = 0; r < R; ++r) K::apply(rows[r][i + j + u], p, acc[r][u], extra[r]);
      }
  }
  for (; i + U <= nb; i += U) {
    if constexpr (Hint) {
      for (std::size_t r = 0; r < R; ++r) pf[r].advance(rows[r] + i);
      ahead.step();
    }
    for (std::size_t u = 0; u < U; ++u) {
      const auto& p = K::prep(a[i + u]);
      for (std::size_t r = 0; r < R; ++r) K::apply(rows[r][i + u], p, acc[r][u], extra[r]);
    }
  }
  for (; i < nb; ++i) {
    const auto& p = K::prep(a[i]);
    for (std::size_t r = 0; r < R; ++r) K::apply(rows[r][i], p, acc[r][0], extra[r]);
  }
  for (std::size_t r = 0; r < R; ++r) {
    f32x8 t = acc[r][0];
    for (std::size_t u = 1; u < U; ++u) t += acc[r][u];
    out[r] = hsum(t) + extra[r];
  }
}

// dot_rows: dot_rows_lanes for the row-lane kernels (k_q5_0), dot_rows_blocks (above) for the rest.
template <class K, std::size_t R, std::size_t U, bool Hint = true>
inline void dot_rows(const std::uint8_t* w, std::size_t stride, const void* act, std::size_t n,
                     float* out, const std::uint8_t* next = nullptr, std::size_t next_bytes = 0) {
  if constexpr (row_lane_kernel<K>)
    dot_rows_lanes<K, R, U>(w, stride, act, n, out);  // its loads are few: no prefetch hints
  else
    dot_rows_blocks<K, R, U, Hint>(w, stride, act, n, out, next, next_bytes);
}

}  // namespace avx2
#endif

namespace detail {

#if XSIMD_WITH_AVX2
// Calls f(kernel_tag) with the AVX2 block kernel of t; false if t has none.
template <class F>
inline bool with_int8_kernel(dtype t, F&& f) {
  switch (t) {
    case dtype::q4_0:
      f(avx2::k_q4_0{});
      return true;
    case dtype::q4_1:
      f(avx2::k_q4_1{});
      return true;
    case dtype::q5_0:
      f(avx2::k_q5_0{});
      return true;
    case dtype::q5_1:
      f(avx2::k_q5_1{});
      return true;
    case dtype::q8_0:
      f(avx2::k_q8_0{});
      return true;
    case dtype::iq4_nl:
      f(avx2::k_iq4_nl{});
      return true;
    case dtype::q2_k:
      f(avx2::k_q2_k{});
      return true;
    case dtype::q3_k:
      f(avx2::k_q3_k{});
      return true;
    case dtype::q4_k:
      f(avx2::k_q4_k{});
      return true;
    case dtype::q5_k:
      f(avx2::k_q5_k{});
      return true;
    case dtype::q6_k:
      f(avx2::k_q6_k{});
      return true;
    case dtype::iq4_xs:
      f(avx2::k_iq4_xs{});
      return true;
    default:
      return false;
  }
}
#endif

inline float vec_dot_reference(dtype t, const void* w, const void* a, std::size_t n) {
#define FLIPSIDE_QUANT_VEC_DOT(type, wblock, ablock, fn) \
  case dtype::type:                                      \
    return reference::fn(static_cast<const wblock*>(w), static_cast<const ablock*>(a), n);
  switch (t) {
    FLIPSIDE_QUANT_VEC_DOT(q4_0, block_q4_0, block_q8_0, vec_dot_q4_0_q8_0)
    FLIPSIDE_QUANT_VEC_DOT(q4_1, block_q4_1, block_q8_1, vec_dot_q4_1_q8_1)
    FLIPSIDE_QUANT_VEC_DOT(q5_0, block_q5_0, block_q8_0, vec_dot_q5_0_q8_0)
    FLIPSIDE_QUANT_VEC_DOT(q5_1, block_q5_1, block_q8_1, vec_dot_q5_1_q8_1)
    FLIPSIDE_QUANT_VEC_DOT(q8_0, block_q8_0, block_q8_0, vec_dot_q8_0_q8_0)
    FLIPSIDE_QUANT_VEC_DOT(iq4_nl, block_iq4_nl, block_q8_0, vec_dot_iq4_nl_q8_0)
    FLIPSIDE_QUANT_VEC_DOT(q2_k, block_q2_k, block_q8_k, vec_dot_q2_k_q8_k)
    FLIPSIDE_QUANT_VEC_DOT(q3_k, block_q3_k, block_q8_k, vec_dot_q3_k_q8_k)
    FLIPSIDE_QUANT_VEC_DOT(q4_k, block_q4_k, block_q8_k, vec_dot_q4_k_q8_k)
    FLIPSIDE_QUANT_VEC_DOT(q5_k, block_q5_k, block_q8_k, vec_dot_q5_k_q8_k)
    FLIPSIDE_QUANT_VEC_DOT(q6_k, block_q6_k, block_q8_k, vec_dot_q6_k_q8_k)
    FLIPSIDE_QUANT_VEC_DOT(iq4_xs, block_iq4_xs, block_q8_k, vec_dot_iq4_xs_q8_k)
    default:
      break;
  }
#undef FLIPSIDE_QUANT_VEC_DOT
  throw unsupported_error("vec_dot: no integer dot product for " + dtype_name(t));
}

}  // namespace detail

// s = w · a for a weight row of type t (n elements) and an activation row already quantized to
// vec_dot_type(t). Throws unsupported_error for types without an integer dot product.
template <class Arch = simd::default_arch>
inline float vec_dot(dtype t, const void* w, const void* a, std::size_t n) {
#if XSIMD_WITH_AVX2
  if constexpr (vector_path<Arch>) {
    float s = 0.0f;
    const auto* wp = static_cast<const std::uint8_t*>(w);
    if (detail::with_int8_kernel(
            t, [&](auto k) { avx2::dot_rows<decltype(k), 1, 2>(wp, 0, a, n, &s); }))
      return s;
  }
#endif
  return detail::vec_dot_reference(t, w, a, n);
}

// out[r] = W[r] · a for the `rows` rows starting at w (row stride `stride` bytes): the GEMV inner
// loop, eight rows at a time on the vector path (eight memory streams per core: one stream alone
// leaves DRAM bandwidth unused). Each out[r] is bitwise the same however the rows
// are split into calls (it may differ from vec_dot's in the last bits: another summation order).
template <class Arch = simd::default_arch>
inline void vec_dot_rows(dtype t, const void* w, std::size_t stride, const void* a, std::size_t n,
                         std::size_t rows, float* out) {
  const auto* wp = static_cast<const std::uint8_t*>(w);
#if XSIMD_WITH_AVX2
  if constexpr (vector_path<Arch>) {
    const bool done = detail::with_int8_kernel(t, [&](auto k) {
      using K = decltype(k);
      std::size_t r = 0;
      for (; r + 8 <= rows; r += 8) {
        const std::size_t later = rows - r - 8 < 8 ? rows - r - 8 : 8;
        avx2::dot_rows<K, 8, 1>(wp + r * stride, stride, a, n, out + r,
                                later ? wp + (r + 8) * stride : nullptr, later * stride);
      }
      for (; r + 4 <= rows; r += 4) avx2::dot_rows<K, 4, 1>(wp + r * stride, stride, a, n, out + r);
      switch (rows - r) {
        case 3:
          avx2::dot_rows<K, 3, 1>(wp + r * stride, stride, a, n, out + r);
          break;
        case 2:
          avx2::dot_rows<K, 2, 1>(wp + r * stride, stride, a, n, out + r);
          break;
        case 1:
          avx2::dot_rows<K, 1, 1>(wp + r * stride, stride, a, n, out + r);
          break;
        default:
          break;
      }
    });
    if (done) return;
  }
#endif
  for (std::size_t r = 0; r < rows; ++r)
    out[r] = detail::vec_dot_reference(t, wp + r * stride, a, n);
}

}  // namespace flipside::quant
