// Quantized matrix product with the weights transposed, the shape of simd::gemm — the Y = X·Wᵀ of
// every linear layer:
//
//   Y[m][n] = Σ_k X[m][k] · W[n][k]     X [M][K] f32, W [N][K] of type t (row-major blocks), Y
//   [M][N]
//
// exact_dequant, M ≥ 5 (prefill): the packed GEMM of simd/gemm.hpp with its micro-kernel; each
//   kc-deep slice of a panel of W rows is dequantised (bitwise ggml) into f32 and packed the way
//   simd::gemm packs f32 weights, so the dequantisation is paid once per slice and reused by
//   every row of X. (kc = 256, a multiple of every block size, so slices never split a block.)
// exact_dequant, M ≤ 4: each weight row is decoded once per row of X (dot_f32_rows).
// q8_activations: X is quantised row by row once, then the integer block dot products run over
//   groups of eight weight rows, each group kept in L1 while every row of X passes over it; for
//   M ≤ 4 the rows of a group are one from each of 8 (K-quants 4) row streams (row_streams.hpp).
// f32 / f16 / bf16 weights go to simd::gemm.
//
// Threads own disjoint ranges of output columns; every Y element is one fixed sequence of
// operations wherever it falls, so results are bitwise identical for any thread count.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include <flipside/core/dtype.hpp>
#include <flipside/core/error.hpp>
#include <flipside/parallel/thread_pool.hpp>
#include <flipside/quant/act_quant.hpp>
#include <flipside/quant/dequantize.hpp>
#include <flipside/quant/dot_f32.hpp>
#include <flipside/quant/gemv.hpp>
#include <flipside/quant/row_streams.hpp>
#include <flipside/quant/strategy.hpp>
#include <flipside/quant/types.hpp>
#include <flipside/quant/vec_dot.hpp>
#include <flipside/simd/arch.hpp>
#include <flipside/simd/gemm.hpp>
#include <flipside/simd/gemm_kernel.hpp>

namespace flipside::quant {

namespace detail {

inline constexpr std::size_t gemm_kc = 256;

// Y[0..M)[n0..n1) of the exact strategy through the packed micro-kernel; one thread.
template <class Arch>
inline void gemm_packed_dequant(dtype t, const std::uint8_t* w, std::size_t rb, const float* x,
                                std::size_t ldx, float* y, std::size_t ldy, std::size_t m,
                                std::size_t k, std::size_t n0, std::size_t n1) {
  using tile = simd::gemm_tile<Arch>;
  constexpr std::size_t MR = tile::mr, NR = tile::nr, KC = gemm_kc;
  const auto tr = *traits_of(t);
  thread_local simd::detail::packed_buffer a_buf, b_buf, d_buf;
  float* apack = a_buf.get(tile::mc * KC + 8);  // + 8: slack of simd's pack_transposed
  float* bpack = b_buf.get(KC * tile::nc + 8);
  float* deq = d_buf.get(NR * KC);
  for (std::size_t jc = n0; jc < n1; jc += tile::nc) {
    const std::size_t nb = std::min(tile::nc, n1 - jc);
    for (std::size_t pc = 0; pc < k; pc += KC) {
      const std::size_t kb = std::min(KC, k - pc);
      const std::size_t boff = pc / tr.block_size * tr.block_bytes;
      for (std::size_t jr = 0; jr < nb; jr += NR) {
        const std::size_t cols = std::min(NR, nb - jr);
        for (std::size_t j = 0; j < cols; ++j)
          dequantize_row<Arch>(t, w + (jc + jr + j) * rb + boff, deq + j * kb, kb);
        simd::detail::pack_b_panel<Arch, NR>(deq, kb, cols, kb, bpack + jr * kb);
      }
      for (std::size_t ic = 0; ic < m; ic += tile::mc) {
        const std::size_t mb = std::min(tile::mc, m - ic);
        for (std::size_t ir = 0; ir < mb; ir += MR)
          simd::detail::pack_a_panel<Arch, MR>(x + (ic + ir) * ldx + pc, ldx, std::min(MR, mb - ir),
                                               kb, apack + ir * kb);
        for (std::size_t jr = 0; jr < nb; jr += NR)
          for (std::size_t ir = 0; ir < mb; ir += MR)
            simd::detail::gemm_micro_kernel<Arch, MR, tile::nv>(
                kb, apack + ir * kb, bpack + jr * kb, y + (ic + ir) * ldy + jc + jr, ldy,
                std::min(MR, mb - ir), std::min(NR, nb - jr), pc > 0);
      }
    }
  }
}

// Row groups of the weights against every row of X: Y[i][r] (row stride ldy) for weight rows
// [r0, r1).
template <class RowsFn>
inline void gemm_by_weight_rows(std::size_t m, std::size_t ldy, std::size_t r0, std::size_t r1,
                                float* y, RowsFn&& rows_fn) {
  constexpr std::size_t G = 8;
  float out[G];
  for (std::size_t r = r0; r < r1; r += G) {
    const std::size_t nr = std::min(G, r1 - r);
    for (std::size_t i = 0; i < m; ++i) {
      rows_fn(r, nr, i, out);
      for (std::size_t j = 0; j < nr; ++j) y[i * ldy + r + j] = out[j];
    }
  }
}

}  // namespace detail

// Y (row stride ldy ≥ N) = X (row stride ldx ≥ K) · Wᵀ.
template <class Strategy = default_strategy, class Arch = simd::default_arch>
inline void gemm_strided(dtype t, const void* w, const float* x, std::size_t ldx, float* y,
                         std::size_t ldy, std::size_t m, std::size_t n, std::size_t k,
                         thread_pool* pool = nullptr) {
  if (!is_supported(t)) throw unsupported_error("gemm: unsupported weight type " + dtype_name(t));
  const std::size_t rb = row_bytes(t, k, "gemm");
  const auto* wp = static_cast<const std::uint8_t*>(w);
  if (m == 0 || n == 0) return;
  if constexpr (detail::is_simd_arch<Arch>) {
    if (detail::is_plain_float(t) && detail::with_float_weights(t, w, [&](const auto* wt) {
          simd::gemm_strided<Arch>(x, ldx, wt, k, y, ldy, m, n, k, pool);
        }))
      return;
  }
  if (detail::use_integer_path<Strategy>(t)) {
    const dtype at = vec_dot_type(t);
    const std::size_t ab = row_bytes(at, k, "gemm");
    std::uint8_t* xq = detail::scratch(ab * m);
    for (std::size_t i = 0; i < m; ++i) quantize_activations<Arch>(at, x + i * ldx, xq + i * ab, k);
    if (m <= 4) {  // decode-sized: weight rows as streams (row_streams.hpp)
      detail::for_rows(pool, n, [&](std::size_t begin, std::size_t end) {
        detail::vec_dot_row_streams<Arch>(t, wp, rb, xq, ab, k, m, y, ldy, begin, end);
      });
      return;
    }
    detail::for_rows(pool, n, [&](std::size_t begin, std::size_t end) {
      detail::gemm_by_weight_rows(m, ldy, begin, end, y,
                                  [&](std::size_t r, std::size_t nr, std::size_t i, float* out) {
                                    vec_dot_rows<Arch>(t, wp + r * rb, rb, xq + i * ab, k, nr, out);
                                  });
    });
    return;
  }
  if constexpr (detail::is_simd_arch<Arch>) {
    if (m >= 5) {
      using tile = simd::gemm_tile<Arch>;
      const std::size_t panels = (n + tile::nr - 1) / tile::nr;
      detail::for_rows(pool, panels, [&](std::size_t p0, std::size_t p1) {
        detail::gemm_packed_dequant<Arch>(t, wp, rb, x, ldx, y, ldy, m, k, p0 * tile::nr,
                                          std::min(n, p1 * tile::nr));
      });
      return;
    }
  }
  detail::for_rows(pool, n, [&](std::size_t begin, std::size_t end) {
    detail::gemm_by_weight_rows(m, ldy, begin, end, y,
                                [&](std::size_t r, std::size_t nr, std::size_t i, float* out) {
                                  dot_f32_rows<Arch>(t, wp + r * rb, rb, x + i * ldx, k, nr, out);
                                });
  });
}

template <class Strategy = default_strategy, class Arch = simd::default_arch>
inline void gemm(dtype t, const void* w, const float* x, float* y, std::size_t m, std::size_t n,
                 std::size_t k, thread_pool* pool = nullptr) {
  gemm_strided<Strategy, Arch>(t, w, x, k, y, n, m, n, k, pool);
}

}  // namespace flipside::quant
