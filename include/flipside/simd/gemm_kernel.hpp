// The pieces of the packed GEMM (simd/gemm.hpp): register-tile sizes per arch, packing of A and B
// into contiguous micro-panels, and the micro-kernel.
//
// Goto & van de Geijn, "Anatomy of high-performance matrix multiplication" (TOMS 2008), and the
// BLIS micro-kernel formulation (Van Zee & van de Geijn, TOMS 2015): C is computed in MR × NR
// register tiles; for each k the kernel loads NR/lanes vectors of packed B and broadcasts MR
// scalars of packed A, doing MR · NR/lanes independent FMAs. On AVX2 (16 ymm registers) MR = 6,
// NR = 16 uses 12 accumulators + 2 B vectors + 1 broadcast; on AVX-512 (32 zmm) MR = 12,
// NR = 32 uses 24 + 2 + 1. Enough independent accumulators to cover FMA latency × pipes (4 × 2
// on Zen 3) keeps both FMA pipes busy.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>
#include <type_traits>

#include <flipside/simd/arch.hpp>
#include <flipside/simd/convert.hpp>

namespace flipside::simd {

// Register tile and cache blocking of the packed GEMM for Arch.
template <class Arch>
struct gemm_tile {
  static constexpr std::size_t lanes = xsimd::batch<float, Arch>::size;
  static constexpr std::size_t mr = lanes >= 16 ? 12 : 6;     // rows of A per register tile
  static constexpr std::size_t nv = 2;                        // B vectors per register tile
  static constexpr std::size_t nr = nv * lanes;               // columns of C per register tile
  static constexpr std::size_t kc = lanes >= 16 ? 192 : 256;  // packed depth: kc × nr B panel in L1
  static constexpr std::size_t mc = mr * 24;                  // mc × kc packed A block in L2
  static constexpr std::size_t nc = nr * 192;                 // kc × nc packed B block in L3
};

namespace detail {

// A 64-byte aligned float buffer that only grows; one per thread per role, reused across calls
// (a fresh multi-megabyte allocation per call would page-fault its way through every GEMM).
struct packed_buffer {
  struct free_deleter {
    void operator()(float* p) const noexcept { std::free(p); }
  };
  std::unique_ptr<float[], free_deleter> data;
  std::size_t capacity = 0;

  float* get(std::size_t n) {
    if (n > capacity) {
      const std::size_t bytes = ((n * sizeof(float) + 63) / 64) * 64;
      void* p = std::aligned_alloc(64, bytes);
      if (!p) throw std::bad_alloc();
      data.reset(static_cast<float*>(p));
      capacity = n;
    }
    return data.get();
  }
};

// dst[k][i] = A[i][k] for i < rows, 0 for rows ≤ i < MR; k < kc. A has row stride lda.
template <std::size_t MR>
inline void pack_a_panel(const float* A, std::size_t lda, std::size_t rows, std::size_t kc,
                         float* dst) noexcept {
  if (rows == MR) {
    for (std::size_t k = 0; k < kc; ++k)
      for (std::size_t i = 0; i < MR; ++i) dst[k * MR + i] = A[i * lda + k];
    return;
  }
  for (std::size_t k = 0; k < kc; ++k)
    for (std::size_t i = 0; i < MR; ++i) dst[k * MR + i] = i < rows ? A[i * lda + k] : 0.0f;
}

// dst[k][j] = float(B[j][k]) for j < cols, 0 for cols ≤ j < NR; k < kc. B (the weights, [N][K])
// has row stride ldb. f16 / bf16 rows are first widened with the vector converter into `tmp`
// ([NR][kc] floats), so the transposition itself is the same float loop for every element type.
template <class Arch, std::size_t NR, class T>
inline void pack_b_panel(const T* B, std::size_t ldb, std::size_t cols, std::size_t kc, float* dst,
                         float* tmp) noexcept {
  const float* rows[NR];
  for (std::size_t j = 0; j < cols; ++j) {
    if constexpr (std::is_same<T, float>::value) {
      (void)tmp;
      rows[j] = B + j * ldb;
    } else {
      convert<Arch>(B + j * ldb, tmp + j * kc, kc);
      rows[j] = tmp + j * kc;
    }
  }
  if (cols == NR) {
    for (std::size_t k = 0; k < kc; ++k)
      for (std::size_t j = 0; j < NR; ++j) dst[k * NR + j] = rows[j][k];
    return;
  }
  for (std::size_t k = 0; k < kc; ++k)
    for (std::size_t j = 0; j < NR; ++j) dst[k * NR + j] = j < cols ? rows[j][k] : 0.0f;
}

// C[0..m)[0..n) (row stride ldc) = (accumulate ? C : 0) + Σ_k Ap[k][i] · Bp[k][j], for an MR × NR
// register tile; m ≤ MR, n ≤ NR (edge tiles: packed zeros fill the rest, only m × n is stored).
template <class Arch, std::size_t MR, std::size_t NV>
inline void gemm_micro_kernel(std::size_t kc, const float* Ap, const float* Bp, float* C,
                              std::size_t ldc, std::size_t m, std::size_t n,
                              bool accumulate) noexcept {
  using batch = xsimd::batch<float, Arch>;
  constexpr std::size_t L = batch::size, NR = NV * L;
  batch acc[MR][NV];
  for (std::size_t i = 0; i < MR; ++i)
    for (std::size_t v = 0; v < NV; ++v) acc[i][v] = batch(0.0f);
  for (std::size_t k = 0; k < kc; ++k) {
    batch b[NV];
    for (std::size_t v = 0; v < NV; ++v) b[v] = batch::load_aligned(Bp + k * NR + v * L);
    for (std::size_t i = 0; i < MR; ++i) {
      const batch a(Ap[k * MR + i]);
      for (std::size_t v = 0; v < NV; ++v) acc[i][v] = fmadd<Arch>(a, b[v], acc[i][v]);
    }
  }
  if (m == MR && n == NR) {
    for (std::size_t i = 0; i < MR; ++i)
      for (std::size_t v = 0; v < NV; ++v) {
        float* c = C + i * ldc + v * L;
        (accumulate ? acc[i][v] + batch::load_unaligned(c) : acc[i][v]).store_unaligned(c);
      }
    return;
  }
  alignas(64) float tile[MR * NR];
  for (std::size_t i = 0; i < MR; ++i)
    for (std::size_t v = 0; v < NV; ++v) acc[i][v].store_aligned(tile + i * NR + v * L);
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < n; ++j)
      C[i * ldc + j] = accumulate ? tile[i * NR + j] + C[i * ldc + j] : tile[i * NR + j];
}

}  // namespace detail
}  // namespace flipside::simd
