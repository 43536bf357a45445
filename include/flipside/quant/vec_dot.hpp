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
#include <flipside/quant/blocks.hpp>
#include <flipside/quant/decode.hpp>
#include <flipside/quant/half.hpp>
#include <flipside/quant/quantize.hpp>
#include <flipside/quant/types.hpp>
#include <flipside/quant/vec_dot_reference.hpp>
#include <flipside/simd/arch.hpp>
#include <flipside/simd/int8_dot.hpp>

namespace flipside::quant {

// The activation block type a weight type's integer dot product pairs with (ggml's
// vec_dot_type); the weight type itself for f32/f16/bf16, which have no integer path.
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

inline bool has_integer_dot(dtype w) noexcept { return is_supported(w) && vec_dot_type(w) != w; }

// Quantizes n activations (a multiple of the activation block size) to type a (q8_0, q8_1, q8_K)
// with ggml's reference quantisers, byte for byte.
inline void quantize_activations(dtype a, const float* x, void* dst, std::size_t n) {
  (void)row_bytes(a, n, "quantize_activations");
  switch (a) {
    case dtype::q8_0:
      quantize_row_q8_0(x, static_cast<block_q8_0*>(dst), n);
      return;
    case dtype::q8_1:
      quantize_row_q8_1(x, static_cast<block_q8_1*>(dst), n);
      return;
    case dtype::q8_k:
      quantize_row_q8_k(x, static_cast<block_q8_k*>(dst), n);
      return;
    default:
      break;
  }
  throw unsupported_error("quantize_activations: " + dtype_name(a) + " is not an activation type");
}

#if XSIMD_WITH_AVX2
namespace avx2 {

using namespace simd::int8;

inline std::int16_t bsum(const block_q8_k& b, int g) noexcept {
  std::int16_t v;
  std::memcpy(&v, b.bsums + 2 * g, 2);
  return v;
}

// Legacy 32-blocks: two float accumulators (alternate blocks) hide the FMA latency.
template <class BlockW, class BlockA, class Int, class Extra>
inline float dot32(const BlockW* x, const BlockA* y, std::size_t n, Int&& block_int,
                   Extra&& extra) {
  const std::size_t nb = n / qk32;
  f32x8 acc0(0.0f), acc1(0.0f);
  float sum_extra = 0.0f;
  std::size_t i = 0;
  for (; i + 1 < nb; i += 2) {
    acc0 = xsimd::fma(f32x8(load_f16(x[i].d) * load_f16(y[i].d)),
                      xsimd::to_float(block_int(x[i], y[i])), acc0);
    acc1 = xsimd::fma(f32x8(load_f16(x[i + 1].d) * load_f16(y[i + 1].d)),
                      xsimd::to_float(block_int(x[i + 1], y[i + 1])), acc1);
    sum_extra += extra(x[i], y[i]) + extra(x[i + 1], y[i + 1]);
  }
  if (i < nb) {
    acc0 = xsimd::fma(f32x8(load_f16(x[i].d) * load_f16(y[i].d)),
                      xsimd::to_float(block_int(x[i], y[i])), acc0);
    sum_extra += extra(x[i], y[i]);
  }
  return hsum(acc0 + acc1) + sum_extra;
}

template <class W, class A>
inline float no_extra(const W&, const A&) noexcept {
  return 0.0f;
}

// Min term of q4_1/q5_1 blocks: m_w · s_a, s_a = d_a·Σq_a stored in the q8_1 block.
template <class W>
inline float min_extra(const W& x, const block_q8_1& y) noexcept {
  return load_f16(x.m) * load_f16(y.s);
}

inline float q4_0(const block_q4_0* x, const block_q8_0* y, std::size_t n) {
  return dot32(
      x, y, n,
      [](const block_q4_0& w, const block_q8_0& a) {
        return dot_s8s8(as<i8x32>(load_nibbles(w.qs)) - i8x32(std::int8_t{8}), load_i8(a.qs));
      },
      no_extra<block_q4_0, block_q8_0>);
}

inline float q4_1(const block_q4_1* x, const block_q8_1* y, std::size_t n) {
  return dot32(
      x, y, n,
      [](const block_q4_1& w, const block_q8_1& a) {
        return dot_u8s8(load_nibbles(w.qs), load_i8(a.qs));
      },
      min_extra<block_q4_1>);
}

inline float q5_0(const block_q5_0* x, const block_q8_0* y, std::size_t n) {
  return dot32(
      x, y, n,
      [](const block_q5_0& w, const block_q8_0& a) {
        const u8x32 q = load_nibbles(w.qs) | decode::fifth_bits(w.qh);
        return dot_s8s8(as<i8x32>(q) - i8x32(std::int8_t{16}), load_i8(a.qs));
      },
      no_extra<block_q5_0, block_q8_0>);
}

inline float q5_1(const block_q5_1* x, const block_q8_1* y, std::size_t n) {
  return dot32(
      x, y, n,
      [](const block_q5_1& w, const block_q8_1& a) {
        return dot_u8s8(load_nibbles(w.qs) | decode::fifth_bits(w.qh), load_i8(a.qs));
      },
      min_extra<block_q5_1>);
}

inline float q8_0(const block_q8_0* x, const block_q8_0* y, std::size_t n) {
  return dot32(
      x, y, n,
      [](const block_q8_0& w, const block_q8_0& a) {
        return dot_s8s8(load_i8(w.qs), load_i8(a.qs));
      },
      no_extra<block_q8_0, block_q8_0>);
}

inline float iq4_nl(const block_iq4_nl* x, const block_q8_0* y, std::size_t n) {
  return dot32(
      x, y, n,
      [](const block_iq4_nl& w, const block_q8_0& a) {
        return dot_s8s8(lookup16(kvalues_iq4nl, load_nibbles(w.qs)), load_i8(a.qs));
      },
      no_extra<block_iq4_nl, block_q8_0>);
}

// Q4_K / Q5_K: Σ_c sc_c·Σ q·a − m_c·Σ a over eight 32-weight sub-blocks; the mins use the q8_K
// group sums, so the quants are touched once.
template <bool Fifth, class Block>
inline float k4(const Block* x, const block_q8_k* y, std::size_t n) {
  f32x8 acc(0.0f);
  float acc_m = 0.0f;
  for (std::size_t i = 0; i < n / qk_k; ++i) {
    std::uint8_t sc[8], mn[8];
    for (int j = 0; j < 8; ++j) scale_min_k4(j, x[i].scales, sc[j], mn[j]);
    int summs = 0;
    for (int j = 0; j < 8; ++j) summs += mn[j] * (bsum(y[i], 2 * j) + bsum(y[i], 2 * j + 1));
    const std::int8_t* q8 = y[i].qs;
    i32x8 sumi(0);
    [[maybe_unused]] u8x32 qh;
    if constexpr (Fifth) qh = load_u8(x[i].qh);
    for (int c = 0; c < 4; ++c, q8 += 64) {
      u8x32 lo, hi;
      split_nibbles(x[i].qs + 32 * c, lo, hi);
      if constexpr (Fifth) {
        const u8x32 one(std::uint8_t{1});
        lo = lo | shl(shr(qh, 2 * c) & one, 4);
        hi = hi | shl(shr(qh, 2 * c + 1) & one, 4);
      }
      sumi += madd(maddubs(lo, load_i8(q8)), i16x16(static_cast<std::int16_t>(sc[2 * c])));
      sumi += madd(maddubs(hi, load_i8(q8 + 32)), i16x16(static_cast<std::int16_t>(sc[2 * c + 1])));
    }
    const float yd = load_f32(y[i].d);
    acc = xsimd::fma(f32x8(load_f16(x[i].d) * yd), xsimd::to_float(sumi), acc);
    acc_m += (load_f16(x[i].dmin) * yd) * static_cast<float>(summs);
  }
  return hsum(acc) - acc_m;
}

inline float q4_k(const block_q4_k* x, const block_q8_k* y, std::size_t n) {
  return k4<false>(x, y, n);
}
inline float q5_k(const block_q5_k* x, const block_q8_k* y, std::size_t n) {
  return k4<true>(x, y, n);
}

// Q6_K: unsigned 6-bit quants u = q + 32; Σ sc·(u − 32)·a = Σ sc·u·a − 32·Σ sc·bsum.
inline float q6_k(const block_q6_k* x, const block_q8_k* y, std::size_t n) {
  f32x8 acc(0.0f);
  const u8x32 lowmask(std::uint8_t{0x0F}), three(std::uint8_t{3});
  for (std::size_t i = 0; i < n / qk_k; ++i) {
    int corr = 0;
    for (int g = 0; g < 16; ++g) corr += x[i].scales[g] * bsum(y[i], g);
    i32x8 sumi(0);
    const std::int8_t* q8 = y[i].qs;
    for (int half = 0; half < 2; ++half) {
      const std::uint8_t* ql = x[i].ql + 64 * half;
      const std::int8_t* sc = x[i].scales + 8 * half;
      const u8x32 l0 = load_u8(ql), l1 = load_u8(ql + 32), h = load_u8(x[i].qh + 32 * half);
      const u8x32 q[4] = {(l0 & lowmask) | shl(h & three, 4),
                          (l1 & lowmask) | shl(shr(h, 2) & three, 4),
                          shr(l0, 4) | shl(shr(h, 4) & three, 4), shr(l1, 4) | shl(shr(h, 6), 4)};
      for (int k = 0; k < 4; ++k, q8 += 32)
        sumi += madd(maddubs(q[k], load_i8(q8)), halves_i16(sc[2 * k], sc[2 * k + 1]));
    }
    sumi -= i32x8(4 * corr);  // 8 lanes × 4·corr = 32·corr
    const float d = load_f16(x[i].d) * load_f32(y[i].d);
    acc = xsimd::fma(f32x8(d), xsimd::to_float(sumi), acc);
  }
  return hsum(acc);
}

// Q3_K: unsigned 3-bit u = low two bits + 4·hmask bit, value u − 4; signed six-bit scales.
inline float q3_k(const block_q3_k* x, const block_q8_k* y, std::size_t n) {
  f32x8 acc(0.0f);
  const u8x32 three(std::uint8_t{3}), one(std::uint8_t{1});
  for (std::size_t i = 0; i < n / qk_k; ++i) {
    std::int8_t sc[16];
    q3_k_scales(x[i].scales, sc);
    int corr = 0;
    for (int g = 0; g < 16; ++g) corr += (sc[g] - 32) * bsum(y[i], g);
    const u8x32 hm = load_u8(x[i].hmask);
    i32x8 sumi(0);
    const std::int8_t* q8 = y[i].qs;
    int is = 0, bit = 0;
    for (int half = 0; half < 2; ++half) {
      const u8x32 q = load_u8(x[i].qs + 32 * half);
      for (int shift = 0; shift < 8; shift += 2, q8 += 32, is += 2, ++bit) {
        const u8x32 u = (shr(q, shift) & three) | shl(shr(hm, bit) & one, 2);
        sumi +=
            madd(maddubs(u, load_i8(q8)), halves_i16(static_cast<std::int16_t>(sc[is] - 32),
                                                     static_cast<std::int16_t>(sc[is + 1] - 32)));
      }
    }
    sumi -= i32x8({4 * corr, 0, 0, 0, 0, 0, 0, 0});
    const float d = load_f16(x[i].d) * load_f32(y[i].d);
    acc = xsimd::fma(f32x8(d), xsimd::to_float(sumi), acc);
  }
  return hsum(acc);
}

// Q2_K: w = d·sc_lo·u − dmin·sc_hi per 16; the min part through the group sums.
inline float q2_k(const block_q2_k* x, const block_q8_k* y, std::size_t n) {
  f32x8 acc(0.0f);
  float acc_m = 0.0f;
  const u8x32 three(std::uint8_t{3});
  for (std::size_t i = 0; i < n / qk_k; ++i) {
    const std::uint8_t* sc = x[i].scales;
    int summs = 0;
    for (int g = 0; g < 16; ++g) summs += (sc[g] >> 4) * bsum(y[i], g);
    i32x8 sumi(0);
    const std::int8_t* q8 = y[i].qs;
    int is = 0;
    for (int half = 0; half < 2; ++half) {
      const u8x32 q = load_u8(x[i].qs + 32 * half);
      for (int shift = 0; shift < 8; shift += 2, q8 += 32, is += 2)
        sumi += madd(maddubs(shr(q, shift) & three, load_i8(q8)),
                     halves_i16(static_cast<std::int16_t>(sc[is] & 0xF),
                                static_cast<std::int16_t>(sc[is + 1] & 0xF)));
    }
    const float yd = load_f32(y[i].d);
    acc = xsimd::fma(f32x8(yd * load_f16(x[i].d)), xsimd::to_float(sumi), acc);
    acc_m += (yd * load_f16(x[i].dmin)) * static_cast<float>(summs);
  }
  return hsum(acc) - acc_m;
}

inline float iq4_xs(const block_iq4_xs* x, const block_q8_k* y, std::size_t n) {
  f32x8 acc(0.0f);
  for (std::size_t i = 0; i < n / qk_k; ++i) {
    const std::uint16_t sh = load_u16(x[i].scales_h);
    i32x8 sumi(0);
    for (int ib = 0; ib < 8; ++ib) {
      const int ls =
          ((x[i].scales_l[ib / 2] >> (4 * (ib % 2))) & 0xF) | (((sh >> (2 * ib)) & 3) << 4);
      const i8x32 q = lookup16(kvalues_iq4nl, load_nibbles(x[i].qs + 16 * ib));
      sumi +=
          madd(maddbb(q, load_i8(y[i].qs + 32 * ib)), i16x16(static_cast<std::int16_t>(ls - 32)));
    }
    acc = xsimd::fma(f32x8(load_f16(x[i].d) * load_f32(y[i].d)), xsimd::to_float(sumi), acc);
  }
  return hsum(acc);
}

}  // namespace avx2
#endif

// s = w · a for a weight row of type t (n elements) and an activation row already quantized to
// vec_dot_type(t). Throws unsupported_error for types without an integer dot product.
template <class Arch = simd::default_arch>
inline float vec_dot(dtype t, const void* w, const void* a, std::size_t n) {
#if XSIMD_WITH_AVX2
#define FLIPSIDE_QUANT_VEC_DOT(type, wblock, ablock, fn)                                  \
  case dtype::type:                                                                       \
    if constexpr (vector_path<Arch>)                                                      \
      return avx2::type(static_cast<const wblock*>(w), static_cast<const ablock*>(a), n); \
    else                                                                                  \
      return reference::fn(static_cast<const wblock*>(w), static_cast<const ablock*>(a), n);
#else
#define FLIPSIDE_QUANT_VEC_DOT(type, wblock, ablock, fn) \
  case dtype::type:                                      \
    return reference::fn(static_cast<const wblock*>(w), static_cast<const ablock*>(a), n);
#endif
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

}  // namespace flipside::quant
