// Register-blocked micro-kernels of attention, on xsimd batches of Arch (N float lanes).
//
//   qk: S[r][j] = Σ_c Q[r][c] · K[j][c]          r < MR, j < NR, c < dp (dp a multiple of N)
//   pv: O[r][c] = α_r · O[r][c] + Σ_j P[r][j] · V[j][c]   r < MR, j < nk, c in C batches
//
// qk vectorises along head_dim: MR·NR = N accumulators (4×2 on AVX2, 4×4 on AVX-512) reduced
// together by one haddp, so K rows are read straight from the cache without packing — every K
// element loaded feeds MR FMAs (all the query heads of a GQA group at once during decode), and
// every Q element NR FMAs. pv vectorises along head_dim with P broadcast: MR·C accumulators live
// in registers across the whole key range. Q and O rows are zero-padded to dp so neither kernel
// has a head_dim tail.
#pragma once

#include <cstddef>

#include <flipside/simd/arch.hpp>

namespace flipside::detail {

template <class A, std::size_t MR, std::size_t NR>
inline void qk_micro(const float* q, std::size_t q_stride, const float* k, std::size_t k_stride,
                     std::size_t dp, float* s, std::size_t s_stride) noexcept {
  using B = xsimd::batch<float, A>;
  constexpr std::size_t N = B::size;
  static_assert(MR * NR == N, "one haddp reduces exactly N accumulators");
  B acc[MR * NR];
  for (std::size_t i = 0; i < MR * NR; ++i) acc[i] = B(0.0f);
  for (std::size_t c = 0; c < dp; c += N) {
    B kb[NR];
    for (std::size_t j = 0; j < NR; ++j) kb[j] = B::load_unaligned(k + j * k_stride + c);
    for (std::size_t r = 0; r < MR; ++r) {
      const B qb = B::load_unaligned(q + r * q_stride + c);
      for (std::size_t j = 0; j < NR; ++j) acc[r * NR + j] = xsimd::fma(qb, kb[j], acc[r * NR + j]);
    }
  }
  alignas(64) float sums[N];
  xsimd::haddp(acc).store_aligned(sums);
  for (std::size_t r = 0; r < MR; ++r)
    for (std::size_t j = 0; j < NR; ++j) s[r * s_stride + j] = sums[r * NR + j];
}

// MR rows against one key (the key-count remainder of a block).
template <class A, std::size_t MR>
inline void qk_column(const float* q, std::size_t q_stride, const float* k, std::size_t dp,
                      float* s, std::size_t s_stride) noexcept {
  using B = xsimd::batch<float, A>;
  constexpr std::size_t N = B::size;
  B acc[MR];
  for (std::size_t r = 0; r < MR; ++r) acc[r] = B(0.0f);
  for (std::size_t c = 0; c < dp; c += N) {
    const B kb = B::load_unaligned(k + c);
    for (std::size_t r = 0; r < MR; ++r)
      acc[r] = xsimd::fma(B::load_unaligned(q + r * q_stride + c), kb, acc[r]);
  }
  for (std::size_t r = 0; r < MR; ++r) s[r * s_stride] = simd::reduce_add(acc[r]);
}

// S[r][j] for MR rows and keys j < nk.
template <class A, std::size_t MR>
inline void qk_rows(const float* q, std::size_t q_stride, const float* k, std::size_t k_stride,
                    std::size_t nk, std::size_t dp, float* s, std::size_t s_stride) noexcept {
  constexpr std::size_t NR = xsimd::batch<float, A>::size / MR;
  std::size_t j = 0;
  for (; j + NR <= nk; j += NR)
    qk_micro<A, MR, NR>(q, q_stride, k + j * k_stride, k_stride, dp, s + j, s_stride);
  for (; j < nk; ++j) qk_column<A, MR>(q, q_stride, k + j * k_stride, dp, s + j, s_stride);
}

// S[r][j] = Q[r]·K[j] for r < n_rows, j < nk.
template <class A>
inline void qk_block(const float* q, std::size_t q_stride, std::size_t n_rows, const float* k,
                     std::size_t k_stride, std::size_t nk, std::size_t dp, float* s,
                     std::size_t s_stride) noexcept {
  constexpr std::size_t N = xsimd::batch<float, A>::size;
  std::size_t r = 0;
  if constexpr (N % 4 == 0)
    for (; r + 4 <= n_rows; r += 4)
      qk_rows<A, 4>(q + r * q_stride, q_stride, k, k_stride, nk, dp, s + r * s_stride, s_stride);
  if constexpr (N % 2 == 0)
    for (; r + 2 <= n_rows; r += 2)
      qk_rows<A, 2>(q + r * q_stride, q_stride, k, k_stride, nk, dp, s + r * s_stride, s_stride);
  for (; r < n_rows; ++r)
    qk_rows<A, 1>(q + r * q_stride, q_stride, k, k_stride, nk, dp, s + r * s_stride, s_stride);
}

template <class A, std::size_t MR, std::size_t C>
inline void pv_micro(float* o, std::size_t o_stride, const float* alpha, const float* p,
                     std::size_t p_stride, const float* v, std::size_t v_stride,
                     std::size_t nk) noexcept {
  using B = xsimd::batch<float, A>;
  constexpr std::size_t N = B::size;
  B acc[MR][C];
  for (std::size_t r = 0; r < MR; ++r) {
    const B a(alpha[r]);
    for (std::size_t c = 0; c < C; ++c) acc[r][c] = B::load_unaligned(o + r * o_stride + c * N) * a;
  }
  for (std::size_t j = 0; j < nk; ++j) {
    B vb[C];
    for (std::size_t c = 0; c < C; ++c) vb[c] = B::load_unaligned(v + j * v_stride + c * N);
    for (std::size_t r = 0; r < MR; ++r) {
      const B pb(p[r * p_stride + j]);
      for (std::size_t c = 0; c < C; ++c) acc[r][c] = xsimd::fma(pb, vb[c], acc[r][c]);
    }
  }
  for (std::size_t r = 0; r < MR; ++r)
    for (std::size_t c = 0; c < C; ++c) acc[r][c].store_unaligned(o + r * o_stride + c * N);
}

template <class A, std::size_t MR>
inline void pv_rows(float* o, std::size_t o_stride, const float* alpha, const float* p,
                    std::size_t p_stride, const float* v, std::size_t v_stride, std::size_t nk,
                    std::size_t dp) noexcept {
  constexpr std::size_t N = xsimd::batch<float, A>::size;
  // Registers: MR·C accumulators + C rows of V + one broadcast; 16 ymm on AVX2, 32 zmm on AVX-512.
  constexpr std::size_t C = N >= 16 ? 4 : 2;
  std::size_t c = 0;
  for (; c + C * N <= dp; c += C * N)
    pv_micro<A, MR, C>(o + c, o_stride, alpha, p, p_stride, v + c, v_stride, nk);
  for (; c < dp; c += N)
    pv_micro<A, MR, 1>(o + c, o_stride, alpha, p, p_stride, v + c, v_stride, nk);
}

// O[r] = α_r·O[r] + Σ_{j<nk} P[r][j]·V[j] for r < n_rows.
template <class A>
inline void pv_block(float* o, std::size_t o_stride, std::size_t n_rows, const float* alpha,
                     const float* p, std::size_t p_stride, const float* v, std::size_t v_stride,
                     std::size_t nk, std::size_t dp) noexcept {
  std::size_t r = 0;
  for (; r + 4 <= n_rows; r += 4)
    pv_rows<A, 4>(o + r * o_stride, o_stride, alpha + r, p + r * p_stride, p_stride, v, v_stride,
                  nk, dp);
  for (; r < n_rows; ++r)
    pv_rows<A, 1>(o + r * o_stride, o_stride, alpha + r, p + r * p_stride, p_stride, v, v_stride,
                  nk, dp);
}

}  // namespace flipside::detail
