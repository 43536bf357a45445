// Quantized matrix-vector and matrix-matrix products with the shapes of the f32 kernels:
//
//   gemv:  y[r] = Σ_k W[r][k] · x[k]              W [rows][cols] of type t, row-major blocks
//   gemm:  Y[m][n] = Σ_k X[m][k] · W[n][k]        Y = X·Wᵀ, W [N][K] (a linear layer's weight)
//
// Two strategies (policy tags):
//   exact_dequant  — weights dequantised exactly (bitwise ggml) inside the kernel, f32 FMAs with
//                    the f32 activations. An f32 model with the dequantised weights, up to
//                    summation order.
//   q8_activations — llama.cpp's way: activations quantised to the weight type's partner (q8_0,
//                    q8_1, q8_K) once per call, integer block dot products (vec_dot.hpp). Faster
//                    for low-bit types; adds llama.cpp's activation-quantisation error.
// Rows are split over the thread pool; every output element is computed by one thread from its
// inputs alone, in a fixed order, so results are bitwise identical for any thread count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <flipside/core/dtype.hpp>
#include <flipside/core/error.hpp>
#include <flipside/core/tensor_view.hpp>
#include <flipside/parallel/thread_pool.hpp>
#include <flipside/quant/dot_f32.hpp>
#include <flipside/quant/types.hpp>
#include <flipside/quant/vec_dot.hpp>
#include <flipside/simd/arch.hpp>

namespace flipside::quant {

struct exact_dequant {};
struct q8_activations {};

// The strategy calls without a tag use (chosen by benchmarks/bench_quant.cpp; see
// benchmarks/README.md, "Quantized weights").
using default_strategy = q8_activations;

namespace detail {

// Grow-only per-thread scratch for quantised activations.
inline std::uint8_t* scratch(std::size_t bytes) {
  thread_local std::vector<std::uint8_t> buf;
  if (buf.size() < bytes) buf.resize(bytes);
  return buf.data();
}

template <class F>
inline void for_rows(thread_pool* pool, std::size_t rows, F&& f) {
  if (pool && pool->size() > 1 && rows > 1)
    pool->parallel_for(rows, f);
  else
    f(std::size_t{0}, rows);
}

// A strategy applies to block types with an integer path; plain float weights always take the
// exact path.
template <class Strategy>
inline bool use_integer_path(dtype t) {
  return std::is_same_v<Strategy, q8_activations> && has_integer_dot(t);
}

}  // namespace detail

template <class Strategy = default_strategy, class Arch = simd::default_arch>
inline void gemv(dtype t, const void* w, const float* x, float* y, std::size_t rows, std::size_t cols,
                 thread_pool* pool = nullptr) {
  if (!is_supported(t)) throw unsupported_error("gemv: unsupported weight type " + dtype_name(t));
  const std::size_t rb = row_bytes(t, cols, "gemv");
  const auto* wp = static_cast<const std::uint8_t*>(w);
  if (detail::use_integer_path<Strategy>(t)) {
    const dtype at = vec_dot_type(t);
    std::uint8_t* xq = detail::scratch(row_bytes(at, cols, "gemv"));
    quantize_activations(at, x, xq, cols);
    detail::for_rows(pool, rows, [&](std::size_t begin, std::size_t end) {
      for (std::size_t r = begin; r < end; ++r) y[r] = vec_dot<Arch>(t, wp + r * rb, xq, cols);
    });
    return;
  }
  detail::for_rows(pool, rows, [&](std::size_t begin, std::size_t end) {
    for (std::size_t r = begin; r < end; ++r) y[r] = dot_f32<Arch>(t, wp + r * rb, x, cols);
  });
}

template <class Strategy = default_strategy, class Arch = simd::default_arch>
inline void gemm(dtype t, const void* w, const float* x, float* y, std::size_t m, std::size_t n,
                 std::size_t k, thread_pool* pool = nullptr) {
  if (!is_supported(t)) throw unsupported_error("gemm: unsupported weight type " + dtype_name(t));
  const std::size_t rb = row_bytes(t, k, "gemm");
  const auto* wp = static_cast<const std::uint8_t*>(w);
  if (detail::use_integer_path<Strategy>(t)) {
    const dtype at = vec_dot_type(t);
    const std::size_t ab = row_bytes(at, k, "gemm");
    std::uint8_t* xq = detail::scratch(ab * m);
    for (std::size_t i = 0; i < m; ++i) quantize_activations(at, x + i * k, xq + i * ab, k);
    detail::for_rows(pool, n, [&](std::size_t begin, std::size_t end) {
      for (std::size_t r = begin; r < end; ++r)
        for (std::size_t i = 0; i < m; ++i) y[i * n + r] = vec_dot<Arch>(t, wp + r * rb, xq + i * ab, k);
    });
    return;
  }
  detail::for_rows(pool, n, [&](std::size_t begin, std::size_t end) {
    for (std::size_t r = begin; r < end; ++r)
      for (std::size_t i = 0; i < m; ++i) y[i * n + r] = dot_f32<Arch>(t, wp + r * rb, x + i * k, k);
  });
}

// The runtime's entry point: Y[M×N] = X[M×K]·Wᵀ for a weight tensor W of shape {N, K} (any
// supported type), X row-major [M][K], Y row-major [M][N]. Validates W first (check_weight).
template <class Strategy = default_strategy, class Arch = simd::default_arch>
inline void linear(const tensor_view& w, const float* x, float* y, std::size_t m, thread_pool* pool = nullptr) {
  check_weight(w);
  const auto n = static_cast<std::size_t>(w.rows()), k = static_cast<std::size_t>(w.row_length());
  if (m == 1)
    gemv<Strategy, Arch>(w.type, w.data, x, y, n, k, pool);
  else
    gemm<Strategy, Arch>(w.type, w.data, x, y, m, n, k, pool);
}

}  // namespace flipside::quant
