// Vector decoding of quantisation blocks into f32 lanes, shared by bitwise dequantisation
// (dequantize.hpp: store the lanes) and the exact f32 dot products (dot_f32.hpp: multiply-add them
// with activations). decode::<type>(block, f) calls f(lane<k>, offset, lanes) for offset = 0, 8,
// 16, … with the 8 weights [offset, offset + 8) of the block (and lane<k>, k = offset / 8 mod 4),
// each computed exactly as ggml's scalar dequantisation does (same products, same rounding: see
// reference.hpp).
//
// Only compiled when simd::int8::available (AVX2); kernels check quant::vector_path<Arch>.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include <flipside/quant/blocks.hpp>
#include <flipside/quant/half.hpp>
#include <flipside/simd/int8_dot.hpp>

namespace flipside::quant {

// An arch tag that selects the scalar references of every quant kernel (for tests and baselines).
struct reference_arch {};

// True when kernels instantiated for Arch take their AVX2 integer path (AVX2 and AVX-512 targets;
// other archs use the scalar references).
template <class Arch>
inline constexpr bool vector_path =
#if XSIMD_WITH_AVX2
    std::is_base_of_v<xsimd::avx2, Arch> || std::is_base_of_v<xsimd::avx512f, Arch>;
#else
    false;
#endif

#if XSIMD_WITH_AVX2
namespace decode {

using namespace simd::int8;

// Which of the four 8-lane groups of a 32-weight run a callback receives (a compile-time index,
// so dot products can keep one accumulator per group in registers).
template <int K>
using lane = std::integral_constant<int, K>;

template <class F>
inline void emit32(const f32x8& scale, const i8x32& q, F&& f, std::size_t off = 0) {
  f(lane<0>{}, off + 0, to_f32<0>(q) * scale);
  f(lane<1>{}, off + 8, to_f32<1>(q) * scale);
  f(lane<2>{}, off + 16, to_f32<2>(q) * scale);
  f(lane<3>{}, off + 24, to_f32<3>(q) * scale);
}

// w = d·q − m for unsigned q (products exact, so fusing them is harmless).
template <class F>
inline void emit32(const f32x8& d, const f32x8& m, const u8x32& q, F&& f, std::size_t off = 0) {
  f(lane<0>{}, off + 0, xsimd::fms(to_f32<0>(q), d, m));
  f(lane<1>{}, off + 8, xsimd::fms(to_f32<1>(q), d, m));
  f(lane<2>{}, off + 16, xsimd::fms(to_f32<2>(q), d, m));
  f(lane<3>{}, off + 24, xsimd::fms(to_f32<3>(q), d, m));
}

// Two 16-weight groups with their own scales (Q2_K, Q3_K, Q6_K).
template <class F>
inline void emit16x2(const f32x8& s0, const f32x8& s1, const i8x32& q, F&& f, std::size_t off) {
  f(lane<0>{}, off + 0, to_f32<0>(q) * s0);
  f(lane<1>{}, off + 8, to_f32<1>(q) * s0);
  f(lane<2>{}, off + 16, to_f32<2>(q) * s1);
  f(lane<3>{}, off + 24, to_f32<3>(q) * s1);
}
template <class F>
inline void emit16x2(const f32x8& d0, const f32x8& m0, const f32x8& d1, const f32x8& m1,
                     const u8x32& q, F&& f, std::size_t off) {
  f(lane<0>{}, off + 0, xsimd::fms(to_f32<0>(q), d0, m0));
  f(lane<1>{}, off + 8, xsimd::fms(to_f32<1>(q), d0, m0));
  f(lane<2>{}, off + 16, xsimd::fms(to_f32<2>(q), d1, m1));
  f(lane<3>{}, off + 24, xsimd::fms(to_f32<3>(q), d1, m1));
}

inline i8x32 bias(const u8x32& q, std::int8_t b) { return as<i8x32>(q) - i8x32(b); }

template <class F>
inline void q4_0(const block_q4_0& b, F&& f) {
  emit32(f32x8(load_f16(b.d)), bias(load_nibbles(b.qs), 8), f);
}

template <class F>
inline void q4_1(const block_q4_1& b, F&& f) {
  emit32(f32x8(load_f16(b.d)), f32x8(-load_f16(b.m)), load_nibbles(b.qs), f);
}

template <class F>
inline void q5_0(const block_q5_0& b, F&& f) {
  emit32(f32x8(load_f16(b.d)), bias(add_bit16(load_nibbles(b.qs), load_u32(b.qh)), 16), f);
}

template <class F>
inline void q5_1(const block_q5_1& b, F&& f) {
  emit32(f32x8(load_f16(b.d)), f32x8(-load_f16(b.m)), add_bit16(load_nibbles(b.qs), load_u32(b.qh)),
         f);
}

template <class F>
inline void q8_0(const block_q8_0& b, F&& f) {
  emit32(f32x8(load_f16(b.d)), load_i8(b.qs), f);
}

template <class F>
inline void iq4_nl(const block_iq4_nl& b, F&& f) {
  emit32(f32x8(load_f16(b.d)), lookup16(kvalues_iq4nl, load_nibbles(b.qs)), f);
}

template <class F>
inline void q2_k(const block_q2_k& b, F&& f) {
  const float d = load_f16(b.d), dmin = load_f16(b.dmin);
  const u8x32 three(std::uint8_t{3});
  // Eight runs of 32 weights: run r takes bits 2(r mod 4) of the 32 bytes of half r/4 and the
  // scale bytes 2r, 2r+1. (A flat loop: GCC 12 -O3 miscompiled the nested form, see tests.)
  for (int r = 0; r < 8; ++r) {
    const u8x32 q = shr(load_u8(b.qs + 32 * (r / 4)), 2 * (r % 4)) & three;
    const std::uint8_t s0 = b.scales[2 * r], s1 = b.scales[2 * r + 1];
    emit16x2(f32x8(d * static_cast<float>(s0 & 0xF)), f32x8(dmin * static_cast<float>(s0 >> 4)),
             f32x8(d * static_cast<float>(s1 & 0xF)), f32x8(dmin * static_cast<float>(s1 >> 4)), q,
             f, static_cast<std::size_t>(32 * r));
  }
}

template <class F>
inline void q3_k(const block_q3_k& b, F&& f) {
  const float d = load_f16(b.d);
  std::int8_t sc[16];
  q3_k_scales(b.scales, sc);
  const u8x32 hm = load_u8(b.hmask);
  const u8x32 three(std::uint8_t{3}), one(std::uint8_t{1});
  // Run r of 32: low bits 2(r mod 4) of half r/4, high bit r of hmask; value = u − 4.
  for (int r = 0; r < 8; ++r) {
    const u8x32 u =
        (shr(load_u8(b.qs + 32 * (r / 4)), 2 * (r % 4)) & three) | shl(shr(hm, r) & one, 2);
    emit16x2(f32x8(d * static_cast<float>(sc[2 * r] - 32)),
             f32x8(d * static_cast<float>(sc[2 * r + 1] - 32)), bias(u, 4), f,
             static_cast<std::size_t>(32 * r));
  }
}

template <class F>
inline void q4_k(const block_q4_k& b, F&& f) {
  const float d = load_f16(b.d), dmin = load_f16(b.dmin);
  for (int c = 0; c < 4; ++c) {
    std::uint8_t sc0, m0, sc1, m1;
    scale_min_k4(2 * c, b.scales, sc0, m0);
    scale_min_k4(2 * c + 1, b.scales, sc1, m1);
    u8x32 lo, hi;
    split_nibbles(b.qs + 32 * c, lo, hi);
    emit32(f32x8(d * sc0), f32x8(dmin * m0), lo, f, 64 * c);
    emit32(f32x8(d * sc1), f32x8(dmin * m1), hi, f, 64 * c + 32);
  }
}

template <class F>
inline void q5_k(const block_q5_k& b, F&& f) {
  const float d = load_f16(b.d), dmin = load_f16(b.dmin);
  const u8x32 qh = load_u8(b.qh);
  const u8x32 one(std::uint8_t{1});
  for (int c = 0; c < 4; ++c) {
    std::uint8_t sc0, m0, sc1, m1;
    scale_min_k4(2 * c, b.scales, sc0, m0);
    scale_min_k4(2 * c + 1, b.scales, sc1, m1);
    u8x32 lo, hi;
    split_nibbles(b.qs + 32 * c, lo, hi);
    lo = lo | shl(shr(qh, 2 * c) & one, 4);
    hi = hi | shl(shr(qh, 2 * c + 1) & one, 4);
    emit32(f32x8(d * sc0), f32x8(dmin * m0), lo, f, 64 * c);
    emit32(f32x8(d * sc1), f32x8(dmin * m1), hi, f, 64 * c + 32);
  }
}

template <class F>
inline void q6_k(const block_q6_k& b, F&& f) {
  const float d = load_f16(b.d);
  const u8x32 lowmask(std::uint8_t{0x0F}), three(std::uint8_t{3});
  for (int half = 0; half < 2; ++half) {
    const std::uint8_t* ql = b.ql + 64 * half;
    const std::int8_t* sc = b.scales + 8 * half;
    const u8x32 l0 = load_u8(ql), l1 = load_u8(ql + 32), h = load_u8(b.qh + 32 * half);
    const u8x32 q[4] = {(l0 & lowmask) | shl(h & three, 4),
                        (l1 & lowmask) | shl(shr(h, 2) & three, 4),
                        shr(l0, 4) | shl(shr(h, 4) & three, 4), shr(l1, 4) | shl(shr(h, 6), 4)};
    for (int k = 0; k < 4; ++k)
      emit16x2(f32x8(d * static_cast<float>(sc[2 * k])),
               f32x8(d * static_cast<float>(sc[2 * k + 1])), bias(q[k], 32), f,
               128 * half + 32 * k);
  }
}

template <class F>
inline void iq4_xs(const block_iq4_xs& b, F&& f) {
  const float d = load_f16(b.d);
  const std::uint16_t sh = load_u16(b.scales_h);
  for (int ib = 0; ib < 8; ++ib) {
    const int ls = ((b.scales_l[ib / 2] >> (4 * (ib % 2))) & 0xF) | (((sh >> (2 * ib)) & 3) << 4);
    emit32(f32x8(d * static_cast<float>(ls - 32)),
           lookup16(kvalues_iq4nl, load_nibbles(b.qs + 16 * ib)), f, 32 * ib);
  }
}

}  // namespace decode
#endif

}  // namespace flipside::quant
