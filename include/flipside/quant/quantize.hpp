// Quantisation to GGUF block types, byte-identical to ggml's reference quantisers
// (quantize_row_<type>_ref in ggml-quants.c, the path llama_model_quantize takes without an
// importance matrix).
//
// Weights (for the GGUF writer): q8_0, q4_0, q4_1, q5_0, q5_1, f16, bf16.
// Activations (the right-hand side of integer dot products, see vec_dot.hpp): q8_0, q8_1, q8_K.
//
//   y[0, n / block_size) = quant(x[0, n)),  n a multiple of the block size.
//
// ggml-base is compiled without FMA, so a product that is then added is rounded first;
// round_here() keeps that rounding when this header is compiled with FMA available.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>

#include <flipside/core/dtype.hpp>
#include <flipside/core/error.hpp>
#include <flipside/quant/blocks.hpp>
#include <flipside/quant/half.hpp>
#include <flipside/quant/types.hpp>
#include <flipside/simd/no_contract.hpp>

namespace flipside::quant {

namespace detail {
// Element of largest magnitude, the first one on ties (its sign picks the sign of the scale).
inline float signed_absmax(const float* x, std::size_t n) noexcept {
  float amax = 0.0f, max = 0.0f;
  for (std::size_t j = 0; j < n; ++j) {
    if (amax < std::fabs(x[j])) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  return max;
}
inline float absmax(const float* x, std::size_t n) noexcept {
  float amax = 0.0f;
  for (std::size_t j = 0; j < n; ++j) amax = std::max(amax, std::fabs(x[j]));
  return amax;
}
inline void minmax(const float* x, std::size_t n, float& mn, float& mx) noexcept {
  mn = std::numeric_limits<float>::max();
  mx = -std::numeric_limits<float>::max();
  for (std::size_t j = 0; j < n; ++j) {
    if (x[j] < mn) mn = x[j];
    if (x[j] > mx) mx = x[j];
  }
}
}  // namespace detail

// Q8_0: d = amax/127, q = round-half-away(x/d). Also ggml's activation quantiser for q8_0-paired
// weights (q4_0, q5_0, q8_0, iq4_nl).
inline void quantize_row_q8_0(const float* x, block_q8_0* y, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n / qk32; ++i, x += qk32) {
    const float d = detail::absmax(x, qk32) / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    store_f16(y[i].d, d);
    for (int j = 0; j < 32; ++j) y[i].qs[j] = static_cast<std::int8_t>(std::round(x[j] * id));
  }
}

// Q8_1: Q8_0 plus s = fp16(d·Σq), the activation quantiser for q4_1/q5_1 weights.
inline void quantize_row_q8_1(const float* x, block_q8_1* y, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n / qk32; ++i, x += qk32) {
    const float d = detail::absmax(x, qk32) / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    store_f16(y[i].d, d);
    int sum = 0;
    for (int j = 0; j < 32; ++j) {
      y[i].qs[j] = static_cast<std::int8_t>(std::round(x[j] * id));
      sum += y[i].qs[j];
    }
    store_f16(y[i].s, static_cast<float>(sum) * d);
  }
}

// Q8_K: one f32 scale per 256 (d = max/−127 with max the signed largest-magnitude element,
// q = nearest-even(x·(−127/max)) clamped to 127) and the sums of each 16 quants, which let
// K-quant dot products apply their per-group mins without touching the quants again.
inline void quantize_row_q8_k(const float* x, block_q8_k* y, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n / qk_k; ++i, x += qk_k) {
    const float max = detail::signed_absmax(x, qk_k);
    if (max == 0.0f) {
      std::memset(&y[i], 0, sizeof(block_q8_k));
      continue;
    }
    const float iscale = -127.0f / max;
    for (int j = 0; j < 256; ++j) {
      const int v = static_cast<int>(std::nearbyint(iscale * x[j]));
      y[i].qs[j] = static_cast<std::int8_t>(std::min(127, v));
    }
    for (int g = 0; g < 16; ++g) {
      int sum = 0;
      for (int l = 0; l < 16; ++l) sum += y[i].qs[16 * g + l];
      const auto s = static_cast<std::int16_t>(sum);
      std::memcpy(y[i].bsums + 2 * g, &s, 2);
    }
    const float d = 1.0f / iscale;
    std::memcpy(y[i].d, &d, 4);
  }
}

// Q4_0: d = max/−8 (max = signed largest-magnitude element), q = min(15, trunc(x/d + 8.5)).
inline void quantize_row_q4_0(const float* x, block_q4_0* y, std::size_t n) noexcept {
  using simd::round_here;
  for (std::size_t i = 0; i < n / qk32; ++i, x += qk32) {
    const float d = detail::signed_absmax(x, qk32) / -8.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    store_f16(y[i].d, d);
    for (int j = 0; j < 16; ++j) {
      const int q0 =
          std::min(15, static_cast<int>(static_cast<std::int8_t>(round_here(x[j] * id) + 8.5f)));
      const int q1 = std::min(
          15, static_cast<int>(static_cast<std::int8_t>(round_here(x[j + 16] * id) + 8.5f)));
      y[i].qs[j] = static_cast<std::uint8_t>(q0 | (q1 << 4));
    }
  }
}

// Q4_1: d = (max − min)/15, m = min, q = min(15, trunc((x − min)/d + 0.5)).
inline void quantize_row_q4_1(const float* x, block_q4_1* y, std::size_t n) noexcept {
  using simd::round_here;
  for (std::size_t i = 0; i < n / qk32; ++i, x += qk32) {
    float mn, mx;
    detail::minmax(x, qk32, mn, mx);
    const float d = (mx - mn) / 15.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    store_f16(y[i].d, d);
    store_f16(y[i].m, mn);
    for (int j = 0; j < 16; ++j) {
      const int q0 = std::min(
          15, static_cast<int>(static_cast<std::int8_t>(round_here((x[j] - mn) * id) + 0.5f)));
      const int q1 = std::min(
          15, static_cast<int>(static_cast<std::int8_t>(round_here((x[j + 16] - mn) * id) + 0.5f)));
      y[i].qs[j] = static_cast<std::uint8_t>(q0 | (q1 << 4));
    }
  }
}

// Q5_0: d = max/−16, q = min(31, trunc(x/d + 16.5)); bit 4 of q goes to qh.
inline void quantize_row_q5_0(const float* x, block_q5_0* y, std::size_t n) noexcept {
  using simd::round_here;
  for (std::size_t i = 0; i < n / qk32; ++i, x += qk32) {
    const float d = detail::signed_absmax(x, qk32) / -16.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    store_f16(y[i].d, d);
    std::uint32_t qh = 0;
    for (int j = 0; j < 16; ++j) {
      const int q0 =
          std::min(31, static_cast<int>(static_cast<std::int8_t>(round_here(x[j] * id) + 16.5f)));
      const int q1 = std::min(
          31, static_cast<int>(static_cast<std::int8_t>(round_here(x[j + 16] * id) + 16.5f)));
      y[i].qs[j] = static_cast<std::uint8_t>((q0 & 0xF) | ((q1 & 0xF) << 4));
      qh |= static_cast<std::uint32_t>((q0 >> 4) & 1) << j;
      qh |= static_cast<std::uint32_t>((q1 >> 4) & 1) << (j + 16);
    }
    std::memcpy(y[i].qh, &qh, 4);
  }
}

// Q5_1: d = (max − min)/31, m = min, q = trunc((x − min)/d + 0.5) (no clamp, as in ggml).
inline void quantize_row_q5_1(const float* x, block_q5_1* y, std::size_t n) noexcept {
  using simd::round_here;
  for (std::size_t i = 0; i < n / qk32; ++i, x += qk32) {
    float mn, mx;
    detail::minmax(x, qk32, mn, mx);
    const float d = (mx - mn) / 31.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    store_f16(y[i].d, d);
    store_f16(y[i].m, mn);
    std::uint32_t qh = 0;
    for (int j = 0; j < 16; ++j) {
      const int q0 = static_cast<std::uint8_t>(round_here((x[j] - mn) * id) + 0.5f);
      const int q1 = static_cast<std::uint8_t>(round_here((x[j + 16] - mn) * id) + 0.5f);
      y[i].qs[j] = static_cast<std::uint8_t>((q0 & 0xF) | ((q1 & 0xF) << 4));
      qh |= static_cast<std::uint32_t>((q0 >> 4) & 1) << j;
      qh |= static_cast<std::uint32_t>((q1 >> 4) & 1) << (j + 16);
    }
    std::memcpy(y[i].qh, &qh, 4);
  }
}

// Quantises n floats (a multiple of the block size) to type t for a file writer: f32, f16, bf16,
// q8_0, q4_0, q4_1, q5_0, q5_1. Other types: unsupported_error (K-quant quantisation searches
// scales iteratively and is not implemented here).
inline void quantize_row(dtype t, const float* x, void* dst, std::size_t n) {
  (void)row_bytes(t, n, "quantize_row");
  auto* p = static_cast<std::uint8_t*>(dst);
  switch (t) {
    case dtype::f32:
      std::memcpy(p, x, n * sizeof(float));
      return;
    case dtype::f16:
      for (std::size_t i = 0; i < n; ++i) store_f16(p + 2 * i, x[i]);
      return;
    case dtype::bf16:
      for (std::size_t i = 0; i < n; ++i) {
        const std::uint16_t h = f32_to_bf16(x[i]);
        std::memcpy(p + 2 * i, &h, 2);
      }
      return;
    case dtype::q8_0:
      quantize_row_q8_0(x, reinterpret_cast<block_q8_0*>(p), n);
      return;
    case dtype::q4_0:
      quantize_row_q4_0(x, reinterpret_cast<block_q4_0*>(p), n);
      return;
    case dtype::q4_1:
      quantize_row_q4_1(x, reinterpret_cast<block_q4_1*>(p), n);
      return;
    case dtype::q5_0:
      quantize_row_q5_0(x, reinterpret_cast<block_q5_0*>(p), n);
      return;
    case dtype::q5_1:
      quantize_row_q5_1(x, reinterpret_cast<block_q5_1*>(p), n);
      return;
    default:
      break;
  }
  throw unsupported_error("quantize_row: quantising to " + dtype_name(t) + " is not supported");
}

}  // namespace flipside::quant
