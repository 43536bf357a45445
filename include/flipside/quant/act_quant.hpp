// Activation quantisation for the integer dot products: a row of f32 activations → q8_0 / q8_1 /
// q8_K blocks (the partner type of each weight type, vec_dot_type), byte-identical to ggml's
// reference quantisers quantize_row_q8_0_ref / _q8_1_ref / _q8_K_ref (quantize.hpp holds the
// scalar versions; the vector path does the same float operations lane by lane).
//
//   q8_0: d = amax/127, q = round-half-away(x·(1/d))           per 32
//   q8_1: q8_0 plus s = fp16(d·Σq)                               per 32
//   q8_K: d = max/−127 (max = signed largest-magnitude element),
//         q = min(127, nearest-even(x·(−127/max))), 16-sums      per 256
#pragma once

#include <algorithm>
#include <cmath>
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
#include <flipside/simd/arch.hpp>
#include <flipside/simd/int8_dot.hpp>

namespace flipside::quant {

#if XSIMD_WITH_AVX2
namespace avx2 {

using namespace simd::int8;

// One 32-block: quants (round half away from zero, as roundf) and the fp16 d; returns d (as f32,
// before rounding to fp16) and Σq when asked.
template <bool Sum>
inline int q8_block(const float* x, std::uint8_t* d_out, std::int8_t* qs, float& d_f32) noexcept {
  const f32x8 v0 = f32x8::load_unaligned(x), v1 = f32x8::load_unaligned(x + 8),
              v2 = f32x8::load_unaligned(x + 16), v3 = f32x8::load_unaligned(x + 24);
  const float amax = hmax(xsimd::max(xsimd::max(xsimd::abs(v0), xsimd::abs(v1)),
                                     xsimd::max(xsimd::abs(v2), xsimd::abs(v3))));
  const float d = amax / 127.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  store_f16(d_out, d);
  d_f32 = d;
  const f32x8 m(id);
  const i32x8 q0 = xsimd::to_int(xsimd::round(v0 * m)), q1 = xsimd::to_int(xsimd::round(v1 * m)),
              q2 = xsimd::to_int(xsimd::round(v2 * m)), q3 = xsimd::to_int(xsimd::round(v3 * m));
  pack_i32_i8(q0, q1, q2, q3).store_unaligned(qs);
  if constexpr (Sum) return hsum((q0 + q1) + (q2 + q3));
  return 0;
}

inline void quantize_q8_0(const float* x, block_q8_0* y, std::size_t n) noexcept {
  float d;
  for (std::size_t i = 0; i < n / qk32; ++i) q8_block<false>(x + 32 * i, y[i].d, y[i].qs, d);
}

inline void quantize_q8_1(const float* x, block_q8_1* y, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n / qk32; ++i) {
    float d;
    const int sum = q8_block<true>(x + 32 * i, y[i].d, y[i].qs, d);
    store_f16(y[i].s, static_cast<float>(sum) * d);
  }
}

inline void quantize_q8_k(const float* x, block_q8_k* y, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n / qk_k; ++i, x += qk_k) {
    f32x8 amax(0.0f);
    for (int j = 0; j < 256; j += 8)
      amax = xsimd::max(amax, xsimd::abs(f32x8::load_unaligned(x + j)));
    const float a = hmax(amax);
    if (a == 0.0f) {
      std::memset(&y[i], 0, sizeof(block_q8_k));
      continue;
    }
    int first = 0;  // the first element of largest magnitude (bounded: NaN input must not run off)
    while (first < 255 && std::fabs(x[first]) != a) ++first;
    const float iscale = -127.0f / x[first];
    const f32x8 s(iscale);
    const i32x8 top(127);
    for (int j = 0; j < 256; j += 32) {
      i32x8 q[4];
      for (int k = 0; k < 4; ++k)
        q[k] = xsimd::min(xsimd::to_int(xsimd::nearbyint(s * f32x8::load_unaligned(x + j + 8 * k))),
                          top);
      const i8x32 b = pack_i32_i8(q[0], q[1], q[2], q[3]);
      b.store_unaligned(y[i].qs + j);
      std::int32_t lo, hi;
      sum16_i8(b, lo, hi);
      const auto l16 = static_cast<std::int16_t>(lo), h16 = static_cast<std::int16_t>(hi);
      std::memcpy(y[i].bsums + 2 * (j / 16), &l16, 2);
      std::memcpy(y[i].bsums + 2 * (j / 16 + 1), &h16, 2);
    }
    const float d = 1.0f / iscale;
    std::memcpy(y[i].d, &d, 4);
  }
}

}  // namespace avx2
#endif

// Quantizes n activations (a multiple of the activation block size) to type a (q8_0, q8_1, q8_K),
// byte for byte as ggml's reference quantisers.
template <class Arch = simd::default_arch>
inline void quantize_activations(dtype a, const float* x, void* dst, std::size_t n) {
  (void)row_bytes(a, n, "quantize_activations");
#if XSIMD_WITH_AVX2
  if constexpr (vector_path<Arch>) {
    switch (a) {
      case dtype::q8_0:
        avx2::quantize_q8_0(x, static_cast<block_q8_0*>(dst), n);
        return;
      case dtype::q8_1:
        avx2::quantize_q8_1(x, static_cast<block_q8_1*>(dst), n);
        return;
      case dtype::q8_k:
        avx2::quantize_q8_k(x, static_cast<block_q8_k*>(dst), n);
        return;
      default:
        break;
    }
  }
#endif
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

}  // namespace flipside::quant
