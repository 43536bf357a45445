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
#include <flipside/quant/prefetch.hpp>
#include <flipside/quant/types.hpp>
#include <flipside/simd/arch.hpp>

namespace flipside::quant {

namespace detail {

#if XSIMD_WITH_AVX2
// R weight rows (stride bytes apart) · x: two accumulators per row (even / odd 8-lane groups);
// a row's sequence of operations does not depend on R.
template <class Block, std::size_t R, class Decode>
inline void dot_f32_rows_blocks(const std::uint8_t* w, std::size_t stride, const float* x,
                                std::size_t nblocks, std::size_t bs, float* out,
                                Decode&& decode_block) {
  using simd::int8::f32x8;
  f32x8 acc[R][2];
  const Block* rows[R];
  row_prefetch pf[R];
  for (std::size_t r = 0; r < R; ++r) {
    acc[r][0] = acc[r][1] = f32x8(0.0f);
    rows[r] = reinterpret_cast<const Block*>(w + r * stride);
    pf[r].start(rows[r], nblocks * sizeof(Block));
  }
  for (std::size_t i = 0; i < nblocks; ++i, x += bs) {
    for (std::size_t r = 0; r < R; ++r) pf[r].advance(rows[r] + i);
    for (std::size_t r = 0; r < R; ++r) {
      decode_block(rows[r][i], [&acc, x, r](auto k, std::size_t off, const f32x8& v) {
        constexpr int j = decltype(k)::value & 1;
        acc[r][j] = xsimd::fma(v, f32x8::load_unaligned(x + off), acc[r][j]);
      });
    }
  }
  for (std::size_t r = 0; r < R; ++r) out[r] = simd::int8::hsum(acc[r][0] + acc[r][1]);
}

template <class Block, class Decode>
inline float dot_f32_blocks(const std::uint8_t* w, const float* x, std::size_t nblocks,
                            std::size_t bs, Decode&& decode_block) {
  using simd::int8::f32x8;
  f32x8 acc[4] = {f32x8(0.0f), f32x8(0.0f), f32x8(0.0f), f32x8(0.0f)};
  const auto* b = reinterpret_cast<const Block*>(w);
  for (std::size_t i = 0; i < nblocks; ++i, x += bs) {
    decode_block(b[i], [&acc, x](auto k, std::size_t off, const f32x8& v) {
      acc[decltype(k)::value] =
          xsimd::fma(v, f32x8::load_unaligned(x + off), acc[decltype(k)::value]);
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

#if XSIMD_WITH_AVX2
// Calls f(block_tag, nblocks, block_size, decoder) for the vector decoder of t; false if none.
template <class F>
inline bool with_decoder(dtype t, std::size_t n, F&& f) {
  const std::size_t n32 = n / qk32, n256 = n / qk_k;
#define FLIPSIDE_QUANT_DECODER(type, block, nb, bs)                           \
  case dtype::type:                                                           \
    f(block{}, nb, bs, [](const block& b, auto&& g) { decode::type(b, g); }); \
    return true;
  switch (t) {
    FLIPSIDE_QUANT_DECODER(q4_0, block_q4_0, n32, qk32)
    FLIPSIDE_QUANT_DECODER(q4_1, block_q4_1, n32, qk32)
    FLIPSIDE_QUANT_DECODER(q5_0, block_q5_0, n32, qk32)
    FLIPSIDE_QUANT_DECODER(q5_1, block_q5_1, n32, qk32)
    FLIPSIDE_QUANT_DECODER(q8_0, block_q8_0, n32, qk32)
    FLIPSIDE_QUANT_DECODER(iq4_nl, block_iq4_nl, n32, qk32)
    FLIPSIDE_QUANT_DECODER(q2_k, block_q2_k, n256, qk_k)
    FLIPSIDE_QUANT_DECODER(q3_k, block_q3_k, n256, qk_k)
    FLIPSIDE_QUANT_DECODER(q4_k, block_q4_k, n256, qk_k)
    FLIPSIDE_QUANT_DECODER(q5_k, block_q5_k, n256, qk_k)
    FLIPSIDE_QUANT_DECODER(q6_k, block_q6_k, n256, qk_k)
    FLIPSIDE_QUANT_DECODER(iq4_xs, block_iq4_xs, n256, qk_k)
    default:
      return false;
  }
#undef FLIPSIDE_QUANT_DECODER
}
#endif

}  // namespace detail

// out[r] = dequant(W[r]) · x for `rows` rows starting at w (row stride `stride` bytes), four rows
// at a time on the vector path (concurrent memory streams, shared activation loads). Each out[r]
// is bitwise the same however rows are grouped.
template <class Arch = simd::default_arch>
inline void dot_f32_rows(dtype t, const void* w, std::size_t stride, const float* x, std::size_t n,
                         std::size_t rows, float* out) {
  const auto* p = static_cast<const std::uint8_t*>(w);
#if XSIMD_WITH_AVX2
  if constexpr (vector_path<Arch>) {
    const bool done =
        detail::with_decoder(t, n, [&](auto tag, std::size_t nb, std::size_t bs, auto&& dec) {
          using B = decltype(tag);
          std::size_t r = 0;
          for (; r + 4 <= rows; r += 4)
            detail::dot_f32_rows_blocks<B, 4>(p + r * stride, stride, x, nb, bs, out + r, dec);
          switch (rows - r) {
            case 3:
              detail::dot_f32_rows_blocks<B, 3>(p + r * stride, stride, x, nb, bs, out + r, dec);
              break;
            case 2:
              detail::dot_f32_rows_blocks<B, 2>(p + r * stride, stride, x, nb, bs, out + r, dec);
              break;
            case 1:
              detail::dot_f32_rows_blocks<B, 1>(p + r * stride, stride, x, nb, bs, out + r, dec);
              break;
            default:
              break;
          }
        });
    if (done) return;
  }
#endif
  if (!is_supported(t)) throw unsupported_error("dot_f32: unsupported type " + dtype_name(t));
  for (std::size_t r = 0; r < rows; ++r) out[r] = detail::dot_f32_chunked(t, p + r * stride, x, n);
}

// Throws unsupported_error for types without dequantisation; n must be a whole number of blocks
// (checked by the callers that take tensors).
template <class Arch = simd::default_arch>
inline float dot_f32(dtype t, const void* w, const float* x, std::size_t n) {
  const auto* p = static_cast<const std::uint8_t*>(w);
#if XSIMD_WITH_AVX2
  if constexpr (vector_path<Arch>) {
    const std::size_t n32 = n / qk32, n256 = n / qk_k;
#define FLIPSIDE_QUANT_DOTF(type, block, nb, bs)       \
  case dtype::type:                                    \
    return detail::dot_f32_blocks<block>(p, x, nb, bs, \
                                         [](const block& b, auto&& f) { decode::type(b, f); });
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
      default:
        break;
    }
#undef FLIPSIDE_QUANT_DOTF
  }
#endif
  if (!is_supported(t)) throw unsupported_error("dot_f32: unsupported type " + dtype_name(t));
  return detail::dot_f32_chunked(t, p, x, n);
}

}  // namespace flipside::quant
