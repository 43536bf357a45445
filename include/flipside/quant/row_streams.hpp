// Row streams for the quantized GEMV / small-M GEMM of the integer path (gemv.hpp, gemm.hpp).
//
// Decode reads every weight once per token. vec_dot_rows reads a thread's share eight adjacent
// rows at a time, each row hinted by software prefetch inside the row and the next eight rows
// hinted while these are computed (prefetch.hpp); on the short rows of a decoder (Qwen2.5-0.5B:
// 896 weights, 952 bytes in Q8_0) every group then starts with its lines still missing. Here each
// thread's share [r0, r1) is cut into G equal contiguous parts (G = 8, 4 for the K-quants) and step
// s computes row s of every part, so the thread reads G long sequential streams — the access
// pattern of the read-bandwidth ceiling (benchmarks/support/ceilings.hpp, 8 streams per thread),
// which the hardware prefetcher follows — and without software prefetch: the in-row hints measured
// slower with this order (benchmarks/README.md "Quantized weights", row streams). The (r1 − r0) mod
// G rows left over go through vec_dot_rows after. The same order for the dense path:
// model/detail/small_batch_gemm.hpp.
//
// The kernel is vec_dot.hpp's dot_rows<K, G, 1> with its software prefetch compiled out
// (Hint = false): the same blocks in the same order into one accumulator; a row's result does not
// depend on which rows share a call, so results are bitwise vec_dot_rows'
// (tests/quant/test_quant_matmul.cpp).
#pragma once

#include <cstddef>
#include <cstdint>

#include <flipside/core/dtype.hpp>
#include <flipside/quant/vec_dot.hpp>
#include <flipside/simd/arch.hpp>

namespace flipside::quant {

namespace detail {

// Streams per thread: 8 for the legacy 32-weight blocks (the read-bandwidth ceiling's count); 4 for
// the K-quants, whose block kernel for eight rows runs out of registers (measured faster with 4).
template <class K>
inline constexpr std::size_t row_streams = K::qk == 256 ? 4 : 8;

// Y[i][r] (row stride ldy) = W[r] · A_i for weight rows [r0, r1) and the m ≤ 4 quantised
// activation rows A_i = a + i·a_bytes, as row_streams<K> streams (above). w = row 0 of W, rb = its
// row stride in bytes.
template <class Arch = simd::default_arch>
inline void vec_dot_row_streams(dtype t, const std::uint8_t* w, std::size_t rb, const void* a,
                                std::size_t a_bytes, std::size_t n, std::size_t m, float* y,
                                std::size_t ldy, std::size_t r0, std::size_t r1) {
  const auto* ap = static_cast<const std::uint8_t*>(a);
  std::size_t rest = r0;
#if XSIMD_WITH_AVX2
  if constexpr (vector_path<Arch>) {
    with_int8_kernel(t, [&](auto k) {
      using K = decltype(k);
      constexpr std::size_t G = row_streams<K>;
      const std::size_t part = (r1 - r0) / G;
      float out[G];
      for (std::size_t s = 0; s < part; ++s)
        for (std::size_t i = 0; i < m; ++i) {
          avx2::dot_rows<K, G, 1, false>(w + (r0 + s) * rb, part * rb, ap + i * a_bytes, n, out);
          for (std::size_t j = 0; j < G; ++j) y[i * ldy + r0 + j * part + s] = out[j];
        }
      rest = r0 + G * part;
    });
  }
#endif
  if (rest < r1)
    for (std::size_t i = 0; i < m; ++i)
      vec_dot_rows<Arch>(t, w + rest * rb, rb, ap + i * a_bytes, n, r1 - rest, y + i * ldy + rest);
}

}  // namespace detail

}  // namespace flipside::quant
