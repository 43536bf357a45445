// Exact-dequantisation dot products: a quantized weight row · f32 activations, with every weight
// dequantised exactly as ggml does (decode.hpp) and multiplied-added in f32 — no activation
// quantisation, so the only difference from an f32 model holding the dequantised weights is the
// summation order.
//
//   dot_f32(t, w, x, n) = Σ_i dequant(w)[i] · x[i]
//
// Vector path: blocks decode straight into registers, four f32 accumulators (one per 8-lane group
// of a 32-weight run). Scalar path: dequantise a block into a small buffer, then a plain loop.
#pragma once

#include <cstddef>
#include <cstdint>

#include <flipside/core/dtype.hpp>
#include <flipside/core/error.hpp>
#include <flipside/quant/blocks.hpp>
#include <flipside/quant/decode.hpp>
#include <flipside/quant/dequantize.hpp>
#include <flipside/quant/types.hpp>
#include <flipside/simd/arch.hpp>

namespace flipside::quant {

namespace detail {

#if XSIMD_WITH_AVX2
template <class Block, class Decode>
inline float dot_f32_blocks(const std::uint8_t* w, const float* x, std::size_t nblocks, std::size_t bs,
                            Decode&& decode_block) {
  using simd::int8::f32x8;
  f32x8 acc[4] = {f32x8(0.0f), f32x8(0.0f), f32x8(0.0f), f32x8(0.0f)};
  const auto* b = reinterpret_cast<const Block*>(w);
  for (std::size_t i = 0; i < nblocks; ++i, x += bs) {
    decode_block(b[i], [&acc, x](auto k, std::size_t off, const f32x8& v) {
      acc[decltype(k)::value] = xsimd::fma(v, f32x8::load_unaligned(x + off), acc[decltype(k)::value]);
    });
  }
  return simd::int8::hsum((acc[0] + acc[1]) + (acc[2] + acc[3]));
}
#endif

// Scalar path, and the vector path's fallback for plain float types: dequantise up to 256
// weights at a time, then multiply-add.
inline float dot_f32_chunked(dtype t, const std::uint8_t* w, const float* x, std::size_t n) {
  const auto tr = *traits_of(t);
  const std::size_t chunk = tr.block_size > 1 ? (256 / tr.block_size) * tr.block_size : 256;
  float buf[256];
  float s = 0.0f;
  for (std::size_t i = 0; i < n; i += chunk) {
    const std::size_t m = n - i < chunk ? n - i : chunk;
    dequantize_row<reference_arch>(t, w + i / tr.block_size * tr.block_bytes, buf, m);
    for (std::size_t j = 0; j < m; ++j) s += buf[j] * x[i + j];
  }
  return s;
}

}  // namespace detail

// Throws unsupported_error for types without dequantisation; n must be a whole number of blocks
// (checked by the callers that take tensors).
template <class Arch = simd::default_arch>
inline float dot_f32(dtype t, const void* w, const float* x, std::size_t n) {
  const auto* p = static_cast<const std::uint8_t*>(w);
#if XSIMD_WITH_AVX2
  if constexpr (vector_path<Arch>) {
    const std::size_t n32 = n / qk32, n256 = n / qk_k;
#define FLIPSIDE_QUANT_DOTF(type, block, nb, bs) \
  case dtype::type:                              \
    return detail::dot_f32_blocks<block>(p, x, nb, bs, [](const block& b, auto&& f) { decode::type(b, f); });
    switch (t) {
      FLIPSIDE_QUANT_DOTF(q4_0, block_q4_0, n32, qk32)
      FLIPSIDE_QUANT_DOTF(q4_1, block_q4_1, n32, qk32)
      FLIPSIDE_QUANT_DOTF(q5_0, block_q5_0, n32, qk32)
      FLIPSIDE_QUANT_DOTF(q5_1, block_q5_1, n32, qk32)
      FLIPSIDE_QUANT_DOTF(q8_0, block_q8_0, n32, qk32)
      FLIPSIDE_QUANT_DOTF(iq4_nl, block_iq4_nl, n32, qk32)
      FLIPSIDE_QUANT_DOTF(q2_k, block_q2_k, n256, qk_k)
      FLIPSIDE_QUANT_DOTF(q3_k, block_q3_k, n256, qk_k)
      FLIPSIDE_QUANT_DOTF(q4_k, block_q4_k, n256, qk_k)
      FLIPSIDE_QUANT_DOTF(q5_k, block_q5_k, n256, qk_k)
      FLIPSIDE_QUANT_DOTF(q6_k, block_q6_k, n256, qk_k)
      FLIPSIDE_QUANT_DOTF(iq4_xs, block_iq4_xs, n256, qk_k)
      default: break;
    }
#undef FLIPSIDE_QUANT_DOTF
  }
#endif
  if (!is_supported(t)) throw unsupported_error("dot_f32: unsupported type " + dtype_name(t));
  return detail::dot_f32_chunked(t, p, x, n);
}

}  // namespace flipside::quant
