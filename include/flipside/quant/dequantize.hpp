// Dequantisation of one row (or any run of whole blocks) of a weight tensor to f32, bitwise equal
// to ggml's to_float for every supported type (per-type layouts and formulas: reference.hpp).
//
//   dst[0, n) = dequant(src),  src holding n / block_size blocks of type t.
//
// The vector path (decode.hpp) computes the same products as the scalar reference, so results are
// bitwise identical on every arch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include <flipside/core/dtype.hpp>
#include <flipside/core/error.hpp>
#include <flipside/quant/blocks.hpp>
#include <flipside/quant/decode.hpp>
#include <flipside/quant/reference.hpp>
#include <flipside/quant/types.hpp>
#include <flipside/simd/arch.hpp>

namespace flipside::quant {

namespace detail {

template <class Block, class Decode>
inline void dequantize_blocks(const std::uint8_t* src, float* dst, std::size_t nblocks,
                              std::size_t block_size, Decode&& decode_block) {
  const auto* x = reinterpret_cast<const Block*>(src);
  for (std::size_t i = 0; i < nblocks; ++i, dst += block_size)
    decode_block(x[i],
                 [dst](auto, std::size_t off, const auto& v) { v.store_unaligned(dst + off); });
}

template <class Arch>
inline bool dequantize_row_vector(dtype t, const std::uint8_t* p, float* dst, std::size_t n) {
#if XSIMD_WITH_AVX2
  if constexpr (vector_path<Arch>) {
    const std::size_t n32 = n / qk32, n256 = n / qk_k;
    // Generic lambdas forward to the decoder of each block type.
#define FLIPSIDE_QUANT_DEQ(type, block, nb, bs)                                     \
  case dtype::type:                                                                 \
    dequantize_blocks<block>(p, dst, nb, bs,                                        \
                             [](const block& b, auto&& f) { decode::type(b, f); }); \
    return true;
    switch (t) {
      FLIPSIDE_QUANT_DEQ(q4_0, block_q4_0, n32, qk32)
      FLIPSIDE_QUANT_DEQ(q4_1, block_q4_1, n32, qk32)
      FLIPSIDE_QUANT_DEQ(q5_0, block_q5_0, n32, qk32)
      FLIPSIDE_QUANT_DEQ(q5_1, block_q5_1, n32, qk32)
      FLIPSIDE_QUANT_DEQ(q8_0, block_q8_0, n32, qk32)
      FLIPSIDE_QUANT_DEQ(iq4_nl, block_iq4_nl, n32, qk32)
      FLIPSIDE_QUANT_DEQ(q2_k, block_q2_k, n256, qk_k)
      FLIPSIDE_QUANT_DEQ(q3_k, block_q3_k, n256, qk_k)
      FLIPSIDE_QUANT_DEQ(q4_k, block_q4_k, n256, qk_k)
      FLIPSIDE_QUANT_DEQ(q5_k, block_q5_k, n256, qk_k)
      FLIPSIDE_QUANT_DEQ(q6_k, block_q6_k, n256, qk_k)
      FLIPSIDE_QUANT_DEQ(iq4_xs, block_iq4_xs, n256, qk_k)
      default:
        break;
    }
#undef FLIPSIDE_QUANT_DEQ
  }
#endif
  (void)t, (void)p, (void)dst, (void)n;
  return false;
}

}  // namespace detail

// Throws unsupported_error for types without dequantisation and argument_error when n is not a
// whole number of blocks.
template <class Arch = simd::default_arch>
inline void dequantize_row(dtype t, const void* src, float* dst, std::size_t n) {
  (void)row_bytes(t, n, "dequantize_row");
  const auto* p = static_cast<const std::uint8_t*>(src);
  if (detail::dequantize_row_vector<Arch>(t, p, dst, n)) return;
  namespace r = reference;
  switch (t) {
    case dtype::f32:
      std::memcpy(dst, p, n * sizeof(float));
      return;
    case dtype::f16:
      r::dequantize_row_f16(p, dst, n);
      return;
    case dtype::bf16:
      r::dequantize_row_bf16(p, dst, n);
      return;
    case dtype::q4_0:
      r::dequantize_row_q4_0(reinterpret_cast<const block_q4_0*>(p), dst, n);
      return;
    case dtype::q4_1:
      r::dequantize_row_q4_1(reinterpret_cast<const block_q4_1*>(p), dst, n);
      return;
    case dtype::q5_0:
      r::dequantize_row_q5_0(reinterpret_cast<const block_q5_0*>(p), dst, n);
      return;
    case dtype::q5_1:
      r::dequantize_row_q5_1(reinterpret_cast<const block_q5_1*>(p), dst, n);
      return;
    case dtype::q8_0:
      r::dequantize_row_q8_0(reinterpret_cast<const block_q8_0*>(p), dst, n);
      return;
    case dtype::q8_1:
      r::dequantize_row_q8_1(reinterpret_cast<const block_q8_1*>(p), dst, n);
      return;
    case dtype::q2_k:
      r::dequantize_row_q2_k(reinterpret_cast<const block_q2_k*>(p), dst, n);
      return;
    case dtype::q3_k:
      r::dequantize_row_q3_k(reinterpret_cast<const block_q3_k*>(p), dst, n);
      return;
    case dtype::q4_k:
      r::dequantize_row_q4_k(reinterpret_cast<const block_q4_k*>(p), dst, n);
      return;
    case dtype::q5_k:
      r::dequantize_row_q5_k(reinterpret_cast<const block_q5_k*>(p), dst, n);
      return;
    case dtype::q6_k:
      r::dequantize_row_q6_k(reinterpret_cast<const block_q6_k*>(p), dst, n);
      return;
    case dtype::q8_k:
      r::dequantize_row_q8_k(reinterpret_cast<const block_q8_k*>(p), dst, n);
      return;
    case dtype::iq4_nl:
      r::dequantize_row_iq4_nl(reinterpret_cast<const block_iq4_nl*>(p), dst, n);
      return;
    case dtype::iq4_xs:
      r::dequantize_row_iq4_xs(reinterpret_cast<const block_iq4_xs*>(p), dst, n);
      return;
    default:
      break;
  }
  throw unsupported_error("dequantize_row: unsupported type " + dtype_name(t));
}

}  // namespace flipside::quant
