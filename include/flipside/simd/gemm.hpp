// Matrix product with the weights transposed — the Y = X·Wᵀ of every linear layer.
//
//   A: [M][K] float (activations, row stride lda)
//   B: [N][K] T = float / f16 / bf16 (weights, row-major [out][in], row stride ldb)
//   C: [M][N] float (row stride ldc)          C[m][n] (+)= Σ_k A[m][k] · B[n][k]
//
// M ≥ 5: packed, cache-blocked GEMM (simd/gemm_kernel.hpp): for each kc-deep slice, B is packed
// (f16 / bf16 widened to f32 while packing) into nr-wide panels, A into mr-tall panels, and the
// register-tile micro-kernel sweeps them. M ≤ 4 (decode, a few queries): packing would triple
// the weight traffic, so a direct kernel reads each weight row once against all M rows of A.
//
// Determinism: every C element is the same sequence of operations (kc-slices in order, one FMA
// chain per slice) wherever its tile lies, and threads own disjoint column (or row) ranges, so
// the result is bitwise identical for any thread count.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>

#include <flipside/parallel/thread_pool.hpp>
#include <flipside/simd/arch.hpp>
#include <flipside/simd/convert.hpp>
#include <flipside/simd/gemm_kernel.hpp>

namespace flipside::simd {

// Scalar reference (same shapes and strides).
template <class T>
inline void gemm_scalar(const float* A, std::size_t lda, const T* B, std::size_t ldb, float* C,
                        std::size_t ldc, std::size_t M, std::size_t N, std::size_t K,
                        bool accumulate = false) noexcept {
  for (std::size_t m = 0; m < M; ++m)
    for (std::size_t n = 0; n < N; ++n) {
      float s = 0.0f;
      for (std::size_t k = 0; k < K; ++k) s += A[m * lda + k] * to_f32(B[n * ldb + k]);
      C[m * ldc + n] = accumulate ? C[m * ldc + n] + s : s;
    }
}

namespace detail {

// Direct kernel for small M: MM rows of A against NB weight rows, one accumulator per C element;
// the per-element sequence does not depend on NB, so tails (NB = 1) match full groups bitwise.
template <class Arch, std::size_t MM, std::size_t NB, class T>
inline void gemm_direct_tile(const float* A, std::size_t lda, const T* B, std::size_t ldb, float* C,
                             std::size_t ldc, std::size_t K, bool accumulate) noexcept {
  using batch = xsimd::batch<float, Arch>;
  constexpr std::size_t L = batch::size;
  batch acc[MM][NB];
  for (std::size_t i = 0; i < MM; ++i)
    for (std::size_t j = 0; j < NB; ++j) acc[i][j] = batch(0.0f);
  std::size_t k = 0;
  for (; k + L <= K; k += L) {
    batch b[NB];
    for (std::size_t j = 0; j < NB; ++j) b[j] = load_as_f32<Arch>(B + j * ldb + k);
    for (std::size_t i = 0; i < MM; ++i) {
      const batch a = batch::load_unaligned(A + i * lda + k);
      for (std::size_t j = 0; j < NB; ++j) acc[i][j] = fmadd<Arch>(a, b[j], acc[i][j]);
    }
  }
  for (std::size_t i = 0; i < MM; ++i)
    for (std::size_t j = 0; j < NB; ++j) {
      float s = reduce_add(acc[i][j]);
      for (std::size_t t = k; t < K; ++t) s = std::fma(A[i * lda + t], to_f32(B[j * ldb + t]), s);
      C[i * ldc + j] = accumulate ? C[i * ldc + j] + s : s;
    }
}

template <class Arch, std::size_t MM, class T>
inline void gemm_direct(const float* A, std::size_t lda, const T* B, std::size_t ldb, float* C,
                        std::size_t ldc, std::size_t n0, std::size_t n1, std::size_t K,
                        bool accumulate) noexcept {
  constexpr std::size_t NB = MM <= 2 ? 4 : 2;
  std::size_t n = n0;
  for (; n + NB <= n1; n += NB)
    gemm_direct_tile<Arch, MM, NB>(A, lda, B + n * ldb, ldb, C + n, ldc, K, accumulate);
  for (; n < n1; ++n)
    gemm_direct_tile<Arch, MM, 1>(A, lda, B + n * ldb, ldb, C + n, ldc, K, accumulate);
}

template <class Arch, class T>
inline void gemm_small_m(const float* A, std::size_t lda, const T* B, std::size_t ldb, float* C,
                         std::size_t ldc, std::size_t M, std::size_t n0, std::size_t n1,
                         std::size_t K, bool accumulate) noexcept {
  switch (M) {
    case 1:
      gemm_direct<Arch, 1>(A, lda, B, ldb, C, ldc, n0, n1, K, accumulate);
      break;
    case 2:
      gemm_direct<Arch, 2>(A, lda, B, ldb, C, ldc, n0, n1, K, accumulate);
      break;
    case 3:
      gemm_direct<Arch, 3>(A, lda, B, ldb, C, ldc, n0, n1, K, accumulate);
      break;
    case 4:
      gemm_direct<Arch, 4>(A, lda, B, ldb, C, ldc, n0, n1, K, accumulate);
      break;
    default:
      break;
  }
}

// The packed GEMM on the block C[m0..m1)[n0..n1); one thread.
template <class Arch, class T>
inline void gemm_packed(const float* A, std::size_t lda, const T* B, std::size_t ldb, float* C,
                        std::size_t ldc, std::size_t m0, std::size_t m1, std::size_t n0,
                        std::size_t n1, std::size_t K, bool accumulate) {
  using tile = gemm_tile<Arch>;
  constexpr std::size_t MR = tile::mr, NR = tile::nr;
  thread_local packed_buffer a_buf, b_buf;
  float* apack = a_buf.get(tile::mc * tile::kc + 8);  // + 8: slack of pack_transposed
  float* bpack = b_buf.get(tile::kc * tile::nc + 8);
  const std::size_t k_slices = (K + tile::kc - 1) / tile::kc;
  const std::size_t kc = ((K + k_slices - 1) / k_slices + 7) / 8 * 8;  // ≤ tile::kc
  for (std::size_t jc = n0; jc < n1; jc += tile::nc) {
    const std::size_t nb = std::min(tile::nc, n1 - jc);
    for (std::size_t pc = 0; pc < K; pc += kc) {
      const std::size_t kb = std::min(kc, K - pc);
      const bool add = accumulate || pc > 0;
      for (std::size_t jr = 0; jr < nb; jr += NR)
        pack_b_panel<Arch, NR>(B + (jc + jr) * ldb + pc, ldb, std::min(NR, nb - jr), kb,
                               bpack + jr * kb);
      for (std::size_t ic = m0; ic < m1; ic += tile::mc) {
        const std::size_t mb = std::min(tile::mc, m1 - ic);
        for (std::size_t ir = 0; ir < mb; ir += MR)
          pack_a_panel<Arch, MR>(A + (ic + ir) * lda + pc, lda, std::min(MR, mb - ir), kb,
                                 apack + ir * kb);
        for (std::size_t jr = 0; jr < nb; jr += NR)
          for (std::size_t ir = 0; ir < mb; ir += MR)
            gemm_micro_kernel<Arch, MR, tile::nv>(
                kb, apack + ir * kb, bpack + jr * kb, C + (ic + ir) * ldc + jc + jr, ldc,
                std::min(MR, mb - ir), std::min(NR, nb - jr), add);
      }
    }
  }
}

}  // namespace detail

// C (+)= A·Bᵀ with explicit row strides (lda, ldb ≥ K; ldc ≥ N). `pool` (optional) splits the
// columns of C (or its rows, when there are too few column panels) over its threads.
template <class Arch = default_arch, class T>
inline void gemm_strided(const float* A, std::size_t lda, const T* B, std::size_t ldb, float* C,
                         std::size_t ldc, std::size_t M, std::size_t N, std::size_t K,
                         thread_pool* pool = nullptr, bool accumulate = false) {
  if (M == 0 || N == 0) return;
  if (K == 0) {
    if (!accumulate)
      for (std::size_t m = 0; m < M; ++m) std::fill(C + m * ldc, C + m * ldc + N, 0.0f);
    return;
  }
  constexpr std::size_t L = xsimd::batch<float, Arch>::size;
  using tile = gemm_tile<Arch>;
  const std::size_t threads = pool ? pool->size() : 1;
  if (M <= 4) {
    if (K >= L) FLIPSIDE_SIMD_PATH_HOOK("gemm_small_m", L);
    if (threads == 1 || N < 2 * threads) {
      detail::gemm_small_m<Arch>(A, lda, B, ldb, C, ldc, M, 0, N, K, accumulate);
      return;
    }
    pool->parallel_for(N, [&](std::size_t n0, std::size_t n1) {
      detail::gemm_small_m<Arch>(A, lda, B, ldb, C, ldc, M, n0, n1, K, accumulate);
    });
    return;
  }
  FLIPSIDE_SIMD_PATH_HOOK("gemm_packed", L);
  if (threads == 1) {
    detail::gemm_packed<Arch>(A, lda, B, ldb, C, ldc, 0, M, 0, N, K, accumulate);
    return;
  }
  const std::size_t n_panels = (N + tile::nr - 1) / tile::nr;
  const std::size_t m_panels = (M + tile::mr - 1) / tile::mr;
  if (n_panels >= threads || n_panels >= m_panels) {
    pool->parallel_for(n_panels, [&](std::size_t p0, std::size_t p1) {
      detail::gemm_packed<Arch>(A, lda, B, ldb, C, ldc, 0, M, p0 * tile::nr,
                                std::min(N, p1 * tile::nr), K, accumulate);
    });
  } else {
    pool->parallel_for(m_panels, [&](std::size_t p0, std::size_t p1) {
      detail::gemm_packed<Arch>(A, lda, B, ldb, C, ldc, p0 * tile::mr, std::min(M, p1 * tile::mr),
                                0, N, K, accumulate);
    });
  }
}

// C[M×N] (+)= A[M×K] · B[N×K]ᵀ, all contiguous.
template <class Arch = default_arch, class T>
inline void gemm(const float* A, const T* B, float* C, std::size_t M, std::size_t N, std::size_t K,
                 thread_pool* pool = nullptr, bool accumulate = false) {
  gemm_strided<Arch>(A, K, B, K, C, N, M, N, K, pool, accumulate);
}

}  // namespace flipside::simd
