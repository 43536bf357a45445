// Matrix-vector product with row-major weights of element type f32 / f16 / bf16.
//
//   W: [rows][cols] T (row-major, the [out][in] layout of a linear layer's weight)
//   x: [cols] float,  y: [rows] float            y[r] = Σ_c W[r][c] · x[c]
//
// Memory-bound: every weight is read once, so the kernel streams several rows at a time (that
// many independent read streams; x reused from L1). Each y[r] is
// computed by the same instruction sequence whichever group of rows it falls in (tails use
// std::fma, so no compiler contraction choice can differ between groups), and threads split the
// rows, so the result is bitwise identical for any thread count.
#pragma once

#include <cmath>
#include <cstddef>

#include <flipside/parallel/thread_pool.hpp>
#include <flipside/simd/arch.hpp>
#include <flipside/simd/convert.hpp>

namespace flipside::simd {

template <class T>
inline void gemv_scalar(const T* W, const float* x, float* y, std::size_t rows,
                        std::size_t cols) noexcept {
  for (std::size_t r = 0; r < rows; ++r) {
    float s = 0.0f;
    for (std::size_t c = 0; c < cols; ++c) s += to_f32(W[r * cols + c]) * x[c];
    y[r] = s;
  }
}

namespace detail {

// y[0..R) for R consecutive rows starting at W (row stride `cols`), NA accumulators per row.
template <class Arch, std::size_t R, std::size_t NA, class T>
inline void gemv_rows(const T* W, const float* x, float* y, std::size_t cols) noexcept {
  using batch = xsimd::batch<float, Arch>;
  constexpr std::size_t L = batch::size;
  batch acc[R][NA];
  for (std::size_t r = 0; r < R; ++r)
    for (std::size_t a = 0; a < NA; ++a) acc[r][a] = batch(0.0f);
  std::size_t c = 0;
  for (; c + NA * L <= cols; c += NA * L) {
    batch xs[NA];
    for (std::size_t a = 0; a < NA; ++a) xs[a] = batch::load_unaligned(x + c + a * L);
    for (std::size_t r = 0; r < R; ++r)
      for (std::size_t a = 0; a < NA; ++a)
        acc[r][a] = fmadd<Arch>(load_as_f32<Arch>(W + r * cols + c + a * L), xs[a], acc[r][a]);
  }
  if (NA > 1 && c + L <= cols) {
    const batch x0 = batch::load_unaligned(x + c);
    for (std::size_t r = 0; r < R; ++r)
      acc[r][0] = fmadd<Arch>(load_as_f32<Arch>(W + r * cols + c), x0, acc[r][0]);
    c += L;
  }
  for (std::size_t r = 0; r < R; ++r) {
    batch sum = acc[r][0];
    for (std::size_t a = 1; a < NA; ++a) sum += acc[r][a];
    float s = reduce_add(sum);
    for (std::size_t t = c; t < cols; ++t) s = std::fma(to_f32(W[r * cols + t]), x[t], s);
    y[r] = s;
  }
}

// Rows per group: 4 f32 rows or 8 f16 / bf16 rows — 16-bit rows are half as long, and eight
// concurrent streams keep as many bytes in flight (Zen 3: f16 4096² went from ~14 to ~17 GB/s,
// f32 is the same either way). One accumulator per row: R independent FMA chains already
// outrun DRAM, and one chain makes y[r] bitwise equal to gemm's direct kernel for M ≤ 4 (the
// same chain, reduce_add, std::fma tail), so gemm with M = 1 can be this GEMV.
template <class Arch, class T>
inline void gemv_range(const T* W, const float* x, float* y, std::size_t r0, std::size_t r1,
                       std::size_t cols) noexcept {
  constexpr std::size_t R = sizeof(T) == 4 ? 4 : 8, NA = 1;
  std::size_t r = r0;
  for (; r + R <= r1; r += R) gemv_rows<Arch, R, NA>(W + r * cols, x, y + r, cols);
  for (; r < r1; ++r) gemv_rows<Arch, 1, NA>(W + r * cols, x, y + r, cols);
}

}  // namespace detail

// y = W·x; `pool` (optional) splits the rows over its threads.
template <class Arch = default_arch, class T>
inline void gemv(const T* W, const float* x, float* y, std::size_t rows, std::size_t cols,
                 thread_pool* pool = nullptr) {
  constexpr std::size_t L = xsimd::batch<float, Arch>::size;
  if (cols >= L && rows > 0) FLIPSIDE_SIMD_PATH_HOOK("gemv", L);
  if (pool == nullptr || pool->size() == 1 || rows < 8) {
    detail::gemv_range<Arch>(W, x, y, 0, rows, cols);
    return;
  }
  pool->parallel_for(rows, [&](std::size_t r0, std::size_t r1) {
    detail::gemv_range<Arch>(W, x, y, r0, r1, cols);
  });
}

}  // namespace flipside::simd
