// STOPGAP (model runtime) until simd/gemm.hpp's small-M path streams its weights: decode-time
// linear layers, Y[M][N] = X[M][K] · W[N][K]ᵀ for M ≤ 4 rows of activations.
//
// Decode streams every weight once per token, so it runs at the speed memory delivers rows. The
// direct kernel of simd::gemm reads 2–4 adjacent weight rows at a time and leaves the hardware
// prefetcher to guess; on Zen 3 that reaches ~5 GB/s of the ~13–16 GB/s one core can read.
//
// Each thread here reads its rows as NB long sequential streams: its share [n0, n1) is cut into
// NB equal contiguous parts and step i computes row i of every part, so stream j walks its part
// row after row in address order. The hardware prefetcher follows NB long streams as it does in
// the read-bandwidth ceiling (benchmarks/support/ceilings.hpp, 8 streams), without software
// prefetch. The earlier kernel (NB adjacent rows per step, the next NB rows hinted by software
// prefetches) read the short rows of a decoder (896 f16 weights: q, k, v, o, gate, up and the
// output projection) at 14–19 GB/s on 2 threads where this reads 18–24 GB/s, in a harness on the
// Qwen2.5-0.5B F16 matrices whose 8-stream plain sum of the same bytes reached 21–26 GB/s
// (benchmarks/README.md "Model runtime").
//
// The arithmetic per output element is exactly simd::detail::gemm_direct_tile's — one L-lane FMA
// chain over k, simd::reduce_add, then the scalar tail with std::fma — so results are bitwise
// identical to simd::gemm for M ≤ 4, whatever the row grouping or thread split (tested in
// tests/model/test_runtime.cpp). No intrinsics: xsimd batches only.
#pragma once

#include <cmath>
#include <cstddef>

#include <flipside/parallel/thread_pool.hpp>
#include <flipside/simd/arch.hpp>
#include <flipside/simd/convert.hpp>
#include <flipside/simd/half.hpp>

namespace flipside::detail {

// Rows [n0, n1) of C for MM rows of A: NB row streams (each over a contiguous part of the
// rows), one row of each per step; the (n1 − n0) mod NB rows left over one at a time.
template <class Arch, std::size_t MM, std::size_t NB, class T>
inline void small_batch_rows(const float* A, std::size_t lda, const T* B, std::size_t ldb, float* C,
                             std::size_t ldc, std::size_t n0, std::size_t n1,
                             std::size_t K) noexcept {
  using batch = xsimd::batch<float, Arch>;
  constexpr std::size_t L = batch::size;
  const std::size_t part = (n1 - n0) / NB;  // rows per stream
  for (std::size_t r = 0; r < part; ++r) {
    const T* b[NB];
    for (std::size_t j = 0; j < NB; ++j) b[j] = B + (n0 + j * part + r) * ldb;
    batch acc[MM][NB];
    for (std::size_t i = 0; i < MM; ++i)
      for (std::size_t j = 0; j < NB; ++j) acc[i][j] = batch(0.0f);
    std::size_t k = 0;
    for (; k + L <= K; k += L) {
      batch w[NB];
      for (std::size_t j = 0; j < NB; ++j) w[j] = simd::load_as_f32<Arch>(b[j] + k);
      for (std::size_t i = 0; i < MM; ++i) {
        const batch a = batch::load_unaligned(A + i * lda + k);
        for (std::size_t j = 0; j < NB; ++j) acc[i][j] = xsimd::fma(a, w[j], acc[i][j]);
      }
    }
    for (std::size_t i = 0; i < MM; ++i)
      for (std::size_t j = 0; j < NB; ++j) {
        float s = simd::reduce_add(acc[i][j]);
        for (std::size_t t = k; t < K; ++t) s = std::fma(A[i * lda + t], simd::to_f32(b[j][t]), s);
        C[i * ldc + n0 + j * part + r] = s;
      }
  }
  if constexpr (NB > 1)
    if (n0 + NB * part < n1)
      small_batch_rows<Arch, MM, 1>(A, lda, B, ldb, C, ldc, n0 + NB * part, n1, K);
}

template <class Arch, std::size_t MM, class T>
inline void small_batch_split(const float* A, std::size_t lda, const T* B, std::size_t ldb,
                              float* C, std::size_t ldc, std::size_t N, std::size_t K,
                              thread_pool* pool) {
  // Register budget (16 vector registers on AVX2): MM·NB accumulators + NB weight vectors.
  constexpr std::size_t NB = MM == 1 ? 8 : MM == 2 ? 4 : 2;
  if (pool == nullptr || pool->size() == 1 || N < 16 * pool->size()) {
    small_batch_rows<Arch, MM, NB>(A, lda, B, ldb, C, ldc, 0, N, K);
    return;
  }
  pool->parallel_for(N, [&](std::size_t n0, std::size_t n1) {
    small_batch_rows<Arch, MM, NB>(A, lda, B, ldb, C, ldc, n0, n1, K);
  });
}

// C[M][N] = A[M][K] · B[N][K]ᵀ for 1 ≤ M ≤ 4.
template <class Arch = simd::default_arch, class T>
inline void small_batch_gemm(const float* A, std::size_t lda, const T* B, std::size_t ldb, float* C,
                             std::size_t ldc, std::size_t M, std::size_t N, std::size_t K,
                             thread_pool* pool) {
  switch (M) {
    case 1:
      small_batch_split<Arch, 1>(A, lda, B, ldb, C, ldc, N, K, pool);
      break;
    case 2:
      small_batch_split<Arch, 2>(A, lda, B, ldb, C, ldc, N, K, pool);
      break;
    case 3:
      small_batch_split<Arch, 3>(A, lda, B, ldb, C, ldc, N, K, pool);
      break;
    case 4:
      small_batch_split<Arch, 4>(A, lda, B, ldb, C, ldc, N, K, pool);
      break;
    default:
      break;
  }
}

}  // namespace flipside::detail
