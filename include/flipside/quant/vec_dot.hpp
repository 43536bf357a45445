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

// Block kernels: `apply(w, a, acc, extra)` adds one block's contribution, acc += d_w·d_a·(8 int32
// partial sums) and extra += any scalar term (q8_1 min products, K-quant mins).
template <class W, class A, std::size_t QK>
struct kernel_base {
  using wblock = W;
  using ablock = A;
  static constexpr std::size_t qk = QK;
};

struct k_q4_0 : kernel_base<block_q4_0, block_q8_0, 32> {
  static void apply(const wblock& w, const ablock& a, f32x8& acc, float&) {
    const i32x8 s = dot_s8s8(as<i8x32>(load_nibbles(w.qs)) - i8x32(std::int8_t{8}), load_i8(a.qs));
    acc = xsimd::fma(f32x8(load_f16(w.d) * load_f16(a.d)), xsimd::to_float(s), acc);
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
  static void apply(const wblock& w, const ablock& a, f32x8& acc, float&) {
    const u8x32 q = load_nibbles(w.qs) | decode::fifth_bits(w.qh);
    const i32x8 s = dot_s8s8(as<i8x32>(q) - i8x32(std::int8_t{16}), load_i8(a.qs));
    acc = xsimd::fma(f32x8(load_f16(w.d) * load_f16(a.d)), xsimd::to_float(s), acc);
  }
};

struct k_q5_1 : kernel_base<block_q5_1, block_q8_1, 32> {
  static void apply(const wblock& w, const ablock& a, f32x8& acc, float& extra) {
    const i32x8 s = dot_u8s8(load_nibbles(w.qs) | decode::fifth_bits(w.qh), load_i8(a.qs));
    acc = xsimd::fma(f32x8(load_f16(w.d) * load_f16(a.d)), xsimd::to_float(s), acc);
    extra += load_f16(w.m) * load_f16(a.s);
  }
};

struct k_q8_0 : kernel_base<block_q8_0, block_q8_0, 32> {
  static void apply(const wblock& w, const ablock& a, f32x8& acc, float&) {
    const i32x8 s = dot_s8s8(load_i8(w.qs), load_i8(a.qs));
    acc = xsimd::fma(f32x8(load_f16(w.d) * load_f16(a.d)), xsimd::to_float(s), acc);
  }
};

struct k_iq4_nl : kernel_base<block_iq4_nl, block_q8_0, 32> {
  static void apply(const wblock& w, const ablock& a, f32x8& acc, float&) {
    const i32x8 s = dot_s8s8(lookup16(kvalues_iq4nl, load_nibbles(w.qs)), load_i8(a.qs));
    acc = xsimd::fma(f32x8(load_f16(w.d) * load_f16(a.d)), xsimd::to_float(s), acc);
  }
};

// Q4_K / Q5_K: Σ_c sc_c·Σ q·a − m_c·Σ a over eight 32-weight sub-blocks; the mins use the q8_K
// group sums, so the quants are touched once.
template <bool Fifth, class Block>
struct k_k4 : kernel_base<Block, block_q8_k, 256> {
  static void apply(const Block& w, const block_q8_k& a, f32x8& acc, float& extra) {
    std::uint8_t sc[8], mn[8];
    for (int j = 0; j < 8; ++j) scale_min_k4(j, w.scales, sc[j], mn[j]);
    int summs = 0;
    for (int j = 0; j < 8; ++j) summs += mn[j] * (bsum(a, 2 * j) + bsum(a, 2 * j + 1));
    const std::int8_t* q8 = a.qs;
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
      sumi += madd(maddubs(lo, load_i8(q8)), i16x16(static_cast<std::int16_t>(sc[2 * c])));
      sumi += madd(maddubs(hi, load_i8(q8 + 32)), i16x16(static_cast<std::int16_t>(sc[2 * c + 1])));
    }
    const float ad = load_f32(a.d);
    acc = xsimd::fma(f32x8(load_f16(w.d) * ad), xsimd::to_float(sumi), acc);
    extra -= (load_f16(w.dmin) * ad) * static_cast<float>(summs);
  }
};
using k_q4_k = k_k4<false, block_q4_k>;
using k_q5_k = k_k4<true, block_q5_k>;

// Q6_K: unsigned 6-bit quants u = q + 32; Σ sc·(u − 32)·a = Σ sc·u·a − 32·Σ sc·bsum.
struct k_q6_k : kernel_base<block_q6_k, block_q8_k, 256> {
  static void apply(const wblock& w, const ablock& a, f32x8& acc, float&) {
    const u8x32 lowmask(std::uint8_t{0x0F}), three(std::uint8_t{3});
    int corr = 0;
    for (int g = 0; g < 16; ++g) corr += w.scales[g] * bsum(a, g);
    i32x8 sumi(0);
    const std::int8_t* q8 = a.qs;
    for (int half = 0; half < 2; ++half) {
      const std::uint8_t* ql = w.ql + 64 * half;
      const std::int8_t* sc = w.scales + 8 * half;
      const u8x32 l0 = load_u8(ql), l1 = load_u8(ql + 32), h = load_u8(w.qh + 32 * half);
      const u8x32 q[4] = {(l0 & lowmask) | shl(h & three, 4),
                          (l1 & lowmask) | shl(shr(h, 2) & three, 4),
                          shr(l0, 4) | shl(shr(h, 4) & three, 4), shr(l1, 4) | shl(shr(h, 6), 4)};
      for (int k = 0; k < 4; ++k, q8 += 32)
        sumi += madd(maddubs(q[k], load_i8(q8)), halves_i16(sc[2 * k], sc[2 * k + 1]));
    }
    sumi -= i32x8(4 * corr);  // 8 lanes × 4·corr = 32·corr
    acc = xsimd::fma(f32x8(load_f16(w.d) * load_f32(a.d)), xsimd::to_float(sumi), acc);
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

// R weight rows (stride `stride` bytes) · one quantised activation row: out[r] for r < R. Rows
// advance block by block together, so R rows are R concurrent memory streams (one sequential
// stream per core leaves DRAM bandwidth unused) and each activation block is loaded once. U > 1
// spreads alternate blocks over U accumulators (a lone row would otherwise wait on FMA latency).
// A row's result depends on U but not on R, which is what makes GEMV results independent of how
// rows are grouped (and so of the thread count). [next, next + next_bytes): the rows the caller
// reads after these, hinted to the caches while these are computed (prefetch.hpp).
template <class K, std::size_t R, std::size_t U>
inline void dot_rows(const std::uint8_t* w, std::size_t stride, const void* act, std::size_t n,
                     float* out, const std::uint8_t* next = nullptr, std::size_t next_bytes = 0) {
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
    pf[r].start(rows[r], row_bytes);
  }
  ::flipside::quant::detail::span_prefetch ahead;
  ahead.start(next, next ? next_bytes : 0, nb / U);
  std::size_t i = 0;
  for (; i + U <= nb; i += U) {
    for (std::size_t r = 0; r < R; ++r) pf[r].advance(rows[r] + i);
    ahead.step();
    for (std::size_t u = 0; u < U; ++u)
      for (std::size_t r = 0; r < R; ++r) K::apply(rows[r][i + u], a[i + u], acc[r][u], extra[r]);
  }
  for (; i < nb; ++i)
    for (std::size_t r = 0; r < R; ++r) K::apply(rows[r][i], a[i], acc[r][0], extra[r]);
  for (std::size_t r = 0; r < R; ++r) {
    f32x8 t = acc[r][0];
    for (std::size_t u = 1; u < U; ++u) t += acc[r][u];
    out[r] = hsum(t) + extra[r];
  }
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
