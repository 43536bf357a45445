// Scores of a query block against a key tile as a small GEMM on a packed, transposed key tile
// (the layout of Goto & van de Geijn 2008, "Anatomy of high-performance matrix multiplication"):
//
//   pack:  Kp[p][c][jj] = K[p·NR + jj][c]      panels of NR = 2N keys, zero-padded in c and jj
//   qk:    S[r][j] = Σ_c Q[r][c] · Kp[j / NR][c][j % NR]
//
// The micro-kernel keeps MR×2 accumulators (6×2 = 12 ymm on AVX2) and per step c loads two
// vectors of Kp and broadcasts MR query elements: no horizontal reductions at all, unlike the
// dot-product form in micro_kernels.hpp. Packing costs ~dp·NR scalar moves per panel, worth it
// once a tile is shared by many query rows (prefill), not for the 1–8 rows of a decode step.
#pragma once

#include <algorithm>
#include <cstddef>

#include <flipside/attention/detail/element.hpp>
#include <flipside/attention/detail/register_barrier.hpp>
#include <flipside/simd/arch.hpp>

namespace flipside::detail {

template <class A>
inline constexpr std::size_t panel_keys = 2 * xsimd::batch<float, A>::size;

// Rows of the query block per micro-kernel call: 2·MR accumulators + 2 K vectors + 1 broadcast
// fit the 16 vector registers of SSE/AVX2 with MR = 6; AVX-512's 32 registers take MR = 12.
template <class A>
inline constexpr std::size_t packed_rows = xsimd::batch<float, A>::size >= 16 ? 12 : 6;

// Packs keys [0, nk) of rows k + j·k_stride (d elements each) into panels; returns the number of
// panels. kp holds panels·dp·NR floats.
template <class A, class E>
inline std::size_t pack_keys(const E* k, std::size_t k_stride, std::size_t nk, std::size_t d,
                             std::size_t dp, float* kp) noexcept {
  constexpr std::size_t NR = panel_keys<A>;
  const std::size_t panels = (nk + NR - 1) / NR;
  for (std::size_t p = 0; p < panels; ++p) {
    float* panel = kp + p * dp * NR;
    const std::size_t keys = std::min(NR, nk - p * NR);
    for (std::size_t jj = 0; jj < keys; ++jj) {
      const E* row = k + (p * NR + jj) * k_stride;
      for (std::size_t c = 0; c < d; ++c) panel[c * NR + jj] = to_f32(row[c]);
      for (std::size_t c = d; c < dp; ++c) panel[c * NR + jj] = 0.0f;
    }
    for (std::size_t c = 0; c < dp; ++c)
      for (std::size_t jj = keys; jj < NR; ++jj) panel[c * NR + jj] = 0.0f;
  }
  return panels;
}

// S[r][0, NR) for MR rows q + r·q_stride against one panel.
template <class A, std::size_t MR>
inline void qk_panel(const float* q, std::size_t q_stride, const float* panel, std::size_t dp,
                     float* s, std::size_t s_stride) noexcept {
  using B = xsimd::batch<float, A>;
  constexpr std::size_t N = B::size, NR = 2 * N;
  B acc[MR][2];
  const float* qr[MR];
#pragma GCC unroll 16
  for (std::size_t r = 0; r < MR; ++r) {
    acc[r][0] = B(0.0f);
    acc[r][1] = B(0.0f);
    qr[r] = q + r * q_stride;
  }
  for (std::size_t c = 0; c < dp; ++c, panel += NR) {
    B k0 = B::load_unaligned(panel), k1 = B::load_unaligned(panel + N);
    in_register(k0);
    in_register(k1);
#pragma GCC unroll 16
    for (std::size_t r = 0; r < MR; ++r) {
      const B b(qr[r][c]);
      acc[r][0] = xsimd::fma(b, k0, acc[r][0]);
      acc[r][1] = xsimd::fma(b, k1, acc[r][1]);
    }
  }
#pragma GCC unroll 16
  for (std::size_t r = 0; r < MR; ++r) {
    acc[r][0].store_unaligned(s + r * s_stride);
    acc[r][1].store_unaligned(s + r * s_stride + N);
  }
}

template <class A, std::size_t MR>
inline void qk_panel_rows(std::size_t rows, const float* q, std::size_t q_stride,
                          const float* panel, std::size_t dp, float* s,
                          std::size_t s_stride) noexcept {
  if constexpr (MR > 0) {
    if (rows == MR)
      qk_panel<A, MR>(q, q_stride, panel, dp, s, s_stride);
    else
      qk_panel_rows<A, MR - 1>(rows, q, q_stride, panel, dp, s, s_stride);
  }
}

// S[r][j] = Q[r]·K[j] for r < n_rows and j < panels·NR (keys past the tile come out as 0).
// Panel-outer: a panel (dp·NR floats) stays in L1 while every row group passes over it.
template <class A>
[[gnu::noinline]] void qk_packed_block(const float* q, std::size_t q_stride, std::size_t n_rows,
                                       const float* kp, std::size_t panels, std::size_t dp,
                                       float* s, std::size_t s_stride) noexcept {
  constexpr std::size_t NR = panel_keys<A>, MR = packed_rows<A>;
  for (std::size_t p = 0; p < panels; ++p) {
    const float* panel = kp + p * dp * NR;
    std::size_t r = 0;
    for (; r + MR <= n_rows; r += MR)
      qk_panel<A, MR>(q + r * q_stride, q_stride, panel, dp, s + r * s_stride + p * NR, s_stride);
    if (r < n_rows)
      qk_panel_rows<A, MR - 1>(n_rows - r, q + r * q_stride, q_stride, panel, dp,
                               s + r * s_stride + p * NR, s_stride);
  }
}

}  // namespace flipside::detail
