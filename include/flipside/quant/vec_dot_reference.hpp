// Scalar references of the integer dot products: a quantized weight row · an activation row
// quantized to the weight type's partner (vec_dot_type: q8_0, q8_1 or q8_K). Each follows the
// plain C loop of ggml's ggml_vec_dot_<w>_<a>_generic (ggml-cpu/quants.c) in the same order:
// exact integer sums per block, then one float multiply-accumulate per block with the product of
// the two scales.
//
// Whether a product is rounded before it is accumulated depends, in C, on which multiply-adds the
// compiler contracts into FMAs. Here it is spelled out — round_here(a * b) + c (separate rounding)
// or std::fma (one rounding) — as GCC 12 -O3 -march=native compiled ggml's generic loops for the
// golden data, so these references are bitwise equal to ggml_vec_dot_*_generic there (checked in
// tests/quant) whatever flags this header is compiled with.
//
//   s = Σ_blocks d_w·d_a·Σ_i q_w[i]·q_a[i]  (+ block min terms for q4_1/q5_1/K-quants)
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include <flipside/quant/blocks.hpp>
#include <flipside/quant/half.hpp>
#include <flipside/simd/no_contract.hpp>

namespace flipside::quant::reference {

using simd::round_here;

namespace detail {
inline std::int16_t bsum(const block_q8_k& b, int g) noexcept {
  std::int16_t v;
  std::memcpy(&v, b.bsums + 2 * g, 2);
  return v;
}
inline int q5_value(const std::uint8_t* qs, std::uint32_t qh, int j) noexcept {
  return j < 16 ? (qs[j] & 0xF) | static_cast<int>(((qh >> j) & 1u) << 4)
                : (qs[j - 16] >> 4) | static_cast<int>(((qh >> j) & 1u) << 4);
}
}  // namespace detail

inline float vec_dot_q4_0_q8_0(const block_q4_0* x, const block_q8_0* y, std::size_t n) noexcept {
  float sumf = 0;
  for (std::size_t i = 0; i < n / qk32; ++i) {
    int s0 = 0, s1 = 0;
    for (int j = 0; j < 16; ++j) {
      s0 += ((x[i].qs[j] & 0xF) - 8) * y[i].qs[j];
      s1 += ((x[i].qs[j] >> 4) - 8) * y[i].qs[j + 16];
    }
    sumf += round_here(static_cast<float>(s0 + s1) * load_f16(x[i].d) * load_f16(y[i].d));
  }
  return sumf;
}

inline float vec_dot_q4_1_q8_1(const block_q4_1* x, const block_q8_1* y, std::size_t n) noexcept {
  float sumf = 0;
  for (std::size_t i = 0; i < n / qk32; ++i) {
    int s0 = 0, s1 = 0;
    for (int j = 0; j < 16; ++j) {
      s0 += (x[i].qs[j] & 0xF) * y[i].qs[j];
      s1 += (x[i].qs[j] >> 4) * y[i].qs[j + 16];
    }
    sumf += std::fma(load_f16(x[i].d) * load_f16(y[i].d), static_cast<float>(s0 + s1),
                     round_here(load_f16(x[i].m) * load_f16(y[i].s)));
  }
  return sumf;
}

inline float vec_dot_q5_0_q8_0(const block_q5_0* x, const block_q8_0* y, std::size_t n) noexcept {
  float sumf = 0;
  for (std::size_t i = 0; i < n / qk32; ++i) {
    const std::uint32_t qh = load_u32(x[i].qh);
    int s0 = 0, s1 = 0;
    for (int j = 0; j < 16; ++j) {
      s0 += (detail::q5_value(x[i].qs, qh, j) - 16) * y[i].qs[j];
      s1 += (detail::q5_value(x[i].qs, qh, j + 16) - 16) * y[i].qs[j + 16];
    }
    sumf += round_here((load_f16(x[i].d) * load_f16(y[i].d)) * static_cast<float>(s0 + s1));
  }
  return sumf;
}

inline float vec_dot_q5_1_q8_1(const block_q5_1* x, const block_q8_1* y, std::size_t n) noexcept {
  float sumf = 0;
  for (std::size_t i = 0; i < n / qk32; ++i) {
    const std::uint32_t qh = load_u32(x[i].qh);
    int s0 = 0, s1 = 0;
    for (int j = 0; j < 16; ++j) {
      s0 += detail::q5_value(x[i].qs, qh, j) * y[i].qs[j];
      s1 += detail::q5_value(x[i].qs, qh, j + 16) * y[i].qs[j + 16];
    }
    sumf += std::fma(load_f16(x[i].d) * load_f16(y[i].d), static_cast<float>(s0 + s1),
                     round_here(load_f16(x[i].m) * load_f16(y[i].s)));
  }
  return sumf;
}

inline float vec_dot_q8_0_q8_0(const block_q8_0* x, const block_q8_0* y, std::size_t n) noexcept {
  float sumf = 0;
  for (std::size_t i = 0; i < n / qk32; ++i) {
    int s = 0;
    for (int j = 0; j < 32; ++j) s += x[i].qs[j] * y[i].qs[j];
    sumf += round_here(static_cast<float>(s) * (load_f16(x[i].d) * load_f16(y[i].d)));
  }
  return sumf;
}

inline float vec_dot_iq4_nl_q8_0(const block_iq4_nl* x, const block_q8_0* y,
                                 std::size_t n) noexcept {
  float sumf = 0;
  for (std::size_t i = 0; i < n / qk32; ++i) {
    const float d = load_f16(y[i].d) * load_f16(x[i].d);
    int s1 = 0, s2 = 0;
    for (int j = 0; j < 16; ++j) {
      s1 += y[i].qs[j] * kvalues_iq4nl[x[i].qs[j] & 0xF];
      s2 += y[i].qs[j + 16] * kvalues_iq4nl[x[i].qs[j] >> 4];
    }
    sumf += round_here(d * static_cast<float>(s1 + s2));
  }
  return sumf;
}

inline float vec_dot_q2_k_q8_k(const block_q2_k* x, const block_q8_k* y, std::size_t n) noexcept {
  float sumf = 0;
  for (std::size_t i = 0; i < n / qk_k; ++i) {
    const std::uint8_t* q2 = x[i].qs;
    const std::int8_t* q8 = y[i].qs;
    const std::uint8_t* sc = x[i].scales;
    int summs = 0;
    for (int j = 0; j < 16; ++j) summs += detail::bsum(y[i], j) * (sc[j] >> 4);
    const float yd = load_f32(y[i].d);
    const float dall = yd * load_f16(x[i].d), dmin = yd * load_f16(x[i].dmin);
    int isum = 0, is = 0;
    for (int half = 0; half < 2; ++half, q2 += 32) {
      for (int shift = 0; shift < 8; shift += 2, q8 += 32) {
        int d = sc[is++] & 0xF, isuml = 0;
        for (int l = 0; l < 16; ++l) isuml += q8[l] * ((q2[l] >> shift) & 3);
        isum += d * isuml;
        d = sc[is++] & 0xF;
        isuml = 0;
        for (int l = 16; l < 32; ++l) isuml += q8[l] * ((q2[l] >> shift) & 3);
        isum += d * isuml;
      }
    }
    sumf += std::fma(dall, static_cast<float>(isum), -round_here(dmin * static_cast<float>(summs)));
  }
  return sumf;
}

// The K-quant generics accumulate eight float partial sums (one per lane of an 8-wide integer
// accumulator) across super-blocks and add them at the end; kept here in that order.
inline float vec_dot_q3_k_q8_k(const block_q3_k* x, const block_q8_k* y, std::size_t n) noexcept {
  float sums[8] = {};
  for (std::size_t i = 0; i < n / qk_k; ++i) {
    std::int8_t a[256];
    const std::uint8_t* q3 = x[i].qs;
    const std::uint8_t* hm = x[i].hmask;
    std::uint8_t m = 1;
    std::int8_t* pa = a;
    for (int half = 0; half < 2; ++half, q3 += 32) {
      for (int shift = 0; shift < 8; shift += 2, pa += 32, m = static_cast<std::uint8_t>(m << 1))
        for (int l = 0; l < 32; ++l)
          pa[l] = static_cast<std::int8_t>(((q3[l] >> shift) & 3) - ((hm[l] & m) ? 0 : 4));
    }
    std::int8_t scales[16];
    q3_k_scales(x[i].scales, scales);
    std::int32_t aux32[8] = {};
    const std::int8_t* q8 = y[i].qs;
    pa = a;
    for (int j = 0; j < 16; ++j)
      for (int half = 0; half < 2; ++half, q8 += 8, pa += 8)
        for (int l = 0; l < 8; ++l) aux32[l] += (scales[j] - 32) * (q8[l] * pa[l]);
    const float d = load_f16(x[i].d) * load_f32(y[i].d);
    for (int l = 0; l < 8; ++l) sums[l] += round_here(d * static_cast<float>(aux32[l]));
  }
  float sumf = 0;
  for (int l = 0; l < 8; ++l) sumf += sums[l];
  return sumf;
}

namespace detail {
// Shared by Q4_K and Q5_K: a[256] the unsigned quants, then per 32 one six-bit scale, and the
// mins applied through the activation group sums.
inline void k4_accumulate(const std::int8_t* a, const std::uint8_t* packed_scales,
                          const block_q8_k& y, float dw, float dminw, float sums[8],
                          float& sumf) noexcept {
  std::uint8_t sc[8], mn[8];
  for (int j = 0; j < 8; ++j) scale_min_k4(j, packed_scales, sc[j], mn[j]);
  int sumi = 0;
  for (int j = 0; j < 16; ++j) sumi += bsum(y, j) * mn[j / 2];
  std::int32_t aux32[8] = {};
  const std::int8_t* q8 = y.qs;
  for (int j = 0; j < 8; ++j)
    for (int quarter = 0; quarter < 4; ++quarter, q8 += 8, a += 8)
      for (int l = 0; l < 8; ++l) aux32[l] += sc[j] * (q8[l] * a[l]);
  const float yd = load_f32(y.d);
  const float d = dw * yd;
  for (int l = 0; l < 8; ++l) sums[l] = std::fma(d, static_cast<float>(aux32[l]), sums[l]);
  sumf = std::fma(-(dminw * yd), static_cast<float>(sumi), sumf);
}
}  // namespace detail

inline float vec_dot_q4_k_q8_k(const block_q4_k* x, const block_q8_k* y, std::size_t n) noexcept {
  float sums[8] = {}, sumf = 0;
  for (std::size_t i = 0; i < n / qk_k; ++i) {
    std::int8_t a[256];
    for (int c = 0; c < 4; ++c)
      for (int l = 0; l < 32; ++l) {
        a[64 * c + l] = static_cast<std::int8_t>(x[i].qs[32 * c + l] & 0xF);
        a[64 * c + 32 + l] = static_cast<std::int8_t>(x[i].qs[32 * c + l] >> 4);
      }
    detail::k4_accumulate(a, x[i].scales, y[i], load_f16(x[i].d), load_f16(x[i].dmin), sums, sumf);
  }
  for (int l = 0; l < 8; ++l) sumf += sums[l];
  return sumf;
}

inline float vec_dot_q5_k_q8_k(const block_q5_k* x, const block_q8_k* y, std::size_t n) noexcept {
  float sums[8] = {}, sumf = 0;
  for (std::size_t i = 0; i < n / qk_k; ++i) {
    std::int8_t a[256];
    for (int c = 0; c < 4; ++c)
      for (int l = 0; l < 32; ++l) {
        const std::uint8_t h = x[i].qh[l];
        a[64 * c + l] =
            static_cast<std::int8_t>((x[i].qs[32 * c + l] & 0xF) + (((h >> (2 * c)) & 1) << 4));
        a[64 * c + 32 + l] =
            static_cast<std::int8_t>((x[i].qs[32 * c + l] >> 4) + (((h >> (2 * c + 1)) & 1) << 4));
      }
    detail::k4_accumulate(a, x[i].scales, y[i], load_f16(x[i].d), load_f16(x[i].dmin), sums, sumf);
  }
  for (int l = 0; l < 8; ++l) sumf += sums[l];
  return sumf;
}

inline float vec_dot_q6_k_q8_k(const block_q6_k* x, const block_q8_k* y, std::size_t n) noexcept {
  float sums[8] = {};
  for (std::size_t i = 0; i < n / qk_k; ++i) {
    std::int8_t a[256];
    const std::uint8_t* ql = x[i].ql;
    const std::uint8_t* qh = x[i].qh;
    for (int half = 0; half < 2; ++half, ql += 64, qh += 32) {
      std::int8_t* pa = a + 128 * half;
      for (int l = 0; l < 32; ++l) {
        pa[l] = static_cast<std::int8_t>(((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32);
        pa[l + 32] =
            static_cast<std::int8_t>(((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32);
        pa[l + 64] = static_cast<std::int8_t>(((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32);
        pa[l + 96] = static_cast<std::int8_t>(((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32);
      }
    }
    std::int32_t aux32[8] = {};
    const std::int8_t* q8 = y[i].qs;
    const std::int8_t* pa = a;
    for (int j = 0; j < 16; ++j)
      for (int half = 0; half < 2; ++half, q8 += 8, pa += 8)
        for (int l = 0; l < 8; ++l) aux32[l] += x[i].scales[j] * (q8[l] * pa[l]);
    const float d = load_f16(x[i].d) * load_f32(y[i].d);
    for (int l = 0; l < 8; ++l) sums[l] += round_here(d * static_cast<float>(aux32[l]));
  }
  float sumf = 0;
  for (int l = 0; l < 8; ++l) sumf += sums[l];
  return sumf;
}

inline float vec_dot_iq4_xs_q8_k(const block_iq4_xs* x, const block_q8_k* y,
                                 std::size_t n) noexcept {
  float sumf = 0;
  for (std::size_t i = 0; i < n / qk_k; ++i) {
    const float d4d8 = load_f16(x[i].d) * load_f32(y[i].d);
    const std::uint16_t h = load_u16(x[i].scales_h);
    const std::uint8_t* qs = x[i].qs;
    const std::int8_t* q8 = y[i].qs;
    for (int ib = 0; ib < 8; ++ib, qs += 16, q8 += 32) {
      const int ls =
          ((x[i].scales_l[ib / 2] >> (4 * (ib % 2))) & 0xF) | (((h >> (2 * ib)) & 3) << 4);
      int s1 = 0, s2 = 0;
      for (int j = 0; j < 16; ++j) {
        s1 += q8[j] * kvalues_iq4nl[qs[j] & 0xF];
        s2 += q8[j + 16] * kvalues_iq4nl[qs[j] >> 4];
      }
      sumf += round_here((d4d8 * static_cast<float>(ls - 32)) * static_cast<float>(s1 + s2));
    }
  }
  return sumf;
}

}  // namespace flipside::quant::reference
