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
#include <flipside/simd/prefetch.hpp>

namespace flipside::simd {

// Register tile and cache blocking of the packed GEMM for Arch.
template <class Arch>
struct gemm_tile {
  static constexpr std::size_t lanes = xsimd::batch<float, Arch>::size;
  static constexpr std::size_t mr = lanes >= 16 ? 12 : 6;  // rows of A per register tile
  static constexpr std::size_t nv = 2;                     // B vectors per register tile
  static constexpr std::size_t nr = nv * lanes;            // columns of C per register tile
  // Deepest packed slice: the kc × nr B micro-panel stays in L1 across the mc / mr micro-tiles
  // that reuse it. K is cut into equal slices of at most kc (multiples of 8), so K = 576 runs
  // as 2 × 288 rather than 512 + 64. Tuned on Zen 3 (1024³: kc 512 / mc 96 beat 256 / 144 by
  // 4 %: half as many C updates and packing calls per flop).
  static constexpr std::size_t kc = lanes >= 16 ? 256 : 512;
  static constexpr std::size_t mc = mr * (lanes >= 16 ? 8 : 16);  // mc × kc packed A block in L2
  static constexpr std::size_t nc = nr * 128;                     // kc × nc packed B block in L3
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

#if XSIMD_WITH_AVX
// In-register transpose of an 8 × 8 block: r[j] holds row j on entry, column j on exit.
inline void transpose8x8(__m256 r[8]) noexcept {
  __m256 t[8], u[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 8; i += 4) {
    u[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
    u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xee);
    u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xee);
  }
  for (int i = 0; i < 4; ++i) {
    r[i] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x20);
    r[i + 4] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x31);
  }
}
#endif

// Transposing pack: dst[k][j] = float(src[j][k]) for j < rows, 0 for rows ≤ j < width, k < kc
// (src row stride lds; dst rows are `width` floats). The A panel (width MR) and the B panel
// (width NR) are both this. On 8-lane x86 the copy goes through 8 × 8 register transposes
// (a strided scalar copy costs ~3 cycles per element, 8 % of a 1024³ GEMM); a block narrower
// than 8 (MR = 6) is stored 8 wide in increasing k, each store's 2 extra lanes landing where the
// next store (or the tail, or the next panel) writes afterwards: buffers carry 8 floats of slack.
template <class Arch, class T>
inline void pack_transposed(const T* src, std::size_t lds, std::size_t rows, std::size_t kc,
                            float* dst, std::size_t width) noexcept {
  std::size_t k = 0;
#if XSIMD_WITH_AVX
  if constexpr (xsimd::batch<float, Arch>::size == 8 && std::is_base_of<xsimd::avx, Arch>::value) {
    for (; k + 8 <= kc; k += 8)
      for (std::size_t j0 = 0; j0 < width; j0 += 8) {
        __m256 r[8];
        for (std::size_t j = 0; j < 8; ++j)
          r[j] = j0 + j < rows ? static_cast<__m256>(load_as_f32<Arch>(src + (j0 + j) * lds + k))
                               : _mm256_setzero_ps();
        transpose8x8(r);
        for (std::size_t kk = 0; kk < 8; ++kk) _mm256_storeu_ps(dst + (k + kk) * width + j0, r[kk]);
      }
  }
#endif
  for (; k < kc; ++k)
    for (std::size_t j = 0; j < width; ++j)
      dst[k * width + j] = j < rows ? to_f32(src[j * lds + k]) : 0.0f;
}

// The packed A panel: dst[k][i] = A[i][k] (i < rows ≤ MR, zero rows up to MR).
template <class Arch, std::size_t MR>
inline void pack_a_panel(const float* A, std::size_t lda, std::size_t rows, std::size_t kc,
                         float* dst) noexcept {
  pack_transposed<Arch>(A, lda, rows, kc, dst, MR);
}

// The packed B panel: dst[k][j] = float(B[j][k]) (j < cols ≤ NR, zero columns up to NR);
// f16 / bf16 weights are widened on the way.
template <class Arch, std::size_t NR, class T>
inline void pack_b_panel(const T* B, std::size_t ldb, std::size_t cols, std::size_t kc,
                         float* dst) noexcept {
  pack_transposed<Arch>(B, ldb, cols, kc, dst, NR);
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
  for (std::size_t i = 0; i < MR; ++i) {
    prefetch_write(C + i * ldc);
    prefetch_write(C + i * ldc + NR - 1);
    for (std::size_t v = 0; v < NV; ++v) acc[i][v] = batch(0.0f);
  }
#pragma GCC unroll 4
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
