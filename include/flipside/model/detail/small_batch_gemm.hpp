// STOPGAP (model runtime) until simd/gemm.hpp's small-M path prefetches: decode-time linear
// layers, Y[M][N] = X[M][K] · W[N][K]ᵀ for M ≤ 4 rows of activations.
//
// Decode streams every weight once per token, so it runs at the speed memory delivers rows. The
// direct kernel of simd::gemm reads 2–4 weight rows at a time and leaves the hardware prefetcher
// to guess; on Zen 3 that reaches ~5 GB/s of the ~13–16 GB/s one core can read, and a second
// thread adds nothing. Reading 8 rows at a time and prefetching the next 8 rows doubles it.
//
// How the next group is hinted depends on the row length. Rows of a decoder's short matrices
// (896 f16 weights = 28 lines; q, k, v, o, gate, up and the output projection) hinted as 8 row
// streams advancing with k reached 12.5–13 GB/s on 2 threads where the 4864-wide ffn_down rows
// reached 17: the next group's rows are contiguous, and hinting them in address order, spread over
// the k steps, as non-temporal prefetches (each weight is read once per token) gives 15–16 GB/s.
// Long rows keep the row streams (ffn_down measured 0.5–1.5 GB/s slower in address order).
// Whole Qwen2.5-0.5B F16 layer matrices + output projection: benchmarks/README.md "Model runtime".
//
// The arithmetic per output element is exactly simd::detail::gemm_direct_tile's — one L-lane FMA
// chain over k, simd::reduce_add, then the scalar tail with std::fma — so results are bitwise
// identical to simd::gemm for M ≤ 4, whatever the row grouping or thread split (tested in
// tests/model/test_runtime.cpp). No intrinsics: xsimd batches and the compiler's prefetch hint.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>

#include <flipside/parallel/thread_pool.hpp>
#include <flipside/simd/arch.hpp>
#include <flipside/simd/convert.hpp>
#include <flipside/simd/half.hpp>

namespace flipside::detail {

// Rows [n0, n1) of C for MM rows of A, NB weight rows at a time, prefetching the next group.
template <class Arch, std::size_t MM, std::size_t NB, class T>
inline void small_batch_rows(const float* A, std::size_t lda, const T* B, std::size_t ldb, float* C,
                             std::size_t ldc, std::size_t n0, std::size_t n1,
                             std::size_t K) noexcept {
  using batch = xsimd::batch<float, Arch>;
  constexpr std::size_t L = batch::size;
  // Short rows (< 4 KiB): the next group's rows are contiguous, so its NB · ldb elements are
  // hinted in address order, an equal share of their lines per k step, never past row n1, as
  // non-temporal prefetches. Long rows: each of the next group's rows is hinted at k, one line per
  // 64 bytes of k (the hardware prefetcher then follows the long row streams).
  constexpr std::size_t line = 64 / sizeof(T);  // elements per cache line
  static_assert(line % L == 0 || L % line == 0, "cache line and vector width must nest");
  const bool by_address = ldb * sizeof(T) < 4096;
  const char* const range_end = reinterpret_cast<const char*>(B + n1 * ldb);
  const std::size_t steps = std::max<std::size_t>(K / L, 1);
  const std::size_t group_bytes = NB * ldb * sizeof(T);
  const std::size_t per_step = ((group_bytes + steps - 1) / steps + 63) / 64 * 64;
  std::size_t n = n0;
  for (; n + NB <= n1; n += NB) {
    const T* b = B + n * ldb;
    const bool prefetch_rows = !by_address && n + 2 * NB <= n1;
    const char* pf = reinterpret_cast<const char*>(b + NB * ldb);
    batch acc[MM][NB];
    for (std::size_t i = 0; i < MM; ++i)
      for (std::size_t j = 0; j < NB; ++j) acc[i][j] = batch(0.0f);
    std::size_t k = 0;
    for (; k + L <= K; k += L) {
      if (by_address) {
        const char* limit =
            range_end - pf > static_cast<std::ptrdiff_t>(per_step) ? pf + per_step : range_end;
        for (; pf < limit; pf += 64) __builtin_prefetch(pf, 0, 0);
      } else if (prefetch_rows && k % line == 0) {
        for (std::size_t j = 0; j < NB; ++j) __builtin_prefetch(b + (j + NB) * ldb + k);
      }
      batch w[NB];
      for (std::size_t j = 0; j < NB; ++j) w[j] = simd::load_as_f32<Arch>(b + j * ldb + k);
      for (std::size_t i = 0; i < MM; ++i) {
        const batch a = batch::load_unaligned(A + i * lda + k);
        for (std::size_t j = 0; j < NB; ++j) acc[i][j] = xsimd::fma(a, w[j], acc[i][j]);
      }
    }
    for (std::size_t i = 0; i < MM; ++i)
      for (std::size_t j = 0; j < NB; ++j) {
        float s = simd::reduce_add(acc[i][j]);
        for (std::size_t t = k; t < K; ++t)
          s = std::fma(A[i * lda + t], simd::to_f32(b[j * ldb + t]), s);
        C[i * ldc + n + j] = s;
      }
  }
  if (n < n1) small_batch_rows<Arch, MM, 1>(A, lda, B, ldb, C, ldc, n, n1, K);
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
