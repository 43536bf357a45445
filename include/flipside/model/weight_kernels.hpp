// The per-weight-type kernels of the runtime, chosen once when a weight is loaded.
//
// A weight matrix W[rows][cols] (the [out][in] layout of a linear layer) keeps the element type
// of its file: f32, f16 and bf16 are used in place from the memory mapping. Each matrix_weight
// carries a pointer to a weight_kernels table instantiated for its type at compile time
// (dense_kernels<T>), so the hot loop calls a kernel specialised for its weight type without a
// type switch. GGUF block types (Q8_0, Q4_0, Q4_K, Q6_K, …) are used in place too, through the
// quantized kernels of include/flipside/quant/ (quant_kernels<Strategy>), either quantising the
// activations as llama.cpp does (integer block dot products) or dequantising the weights exactly
// and computing in f32 (quant_matmul::exact); the default (quant_matmul::by_rows) picks the faster
// of the two by the number of activation rows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <flipside/core/dtype.hpp>
#include <flipside/model/detail/small_batch_gemm.hpp>
#include <flipside/parallel/thread_pool.hpp>
#include <flipside/quant/dequantize.hpp>
#include <flipside/quant/dot_f32.hpp>
#include <flipside/quant/gemm.hpp>
#include <flipside/quant/gemv.hpp>
#include <flipside/quant/strategy.hpp>
#include <flipside/quant/types.hpp>
#include <flipside/quant/vec_dot.hpp>
#include <flipside/simd/convert.hpp>
#include <flipside/simd/gemm.hpp>
#include <flipside/simd/half.hpp>

namespace flipside {

struct matrix_weight;

// How linear layers with quantized (GGUF block type) weights compute (quant/strategy.hpp):
//   integer — activations quantised per row to q8_0 / q8_1 / q8_K as llama.cpp does, integer block
//             dot products (faster; adds llama.cpp's activation-quantisation error);
//   exact   — weights dequantised bitwise as ggml does and multiplied with f32 activations (an
//             f32 model holding the dequantised weights, up to summation order);
//   by_rows — (the default) integer for a product of fewer than quant_exact_min_rows rows of X
//             (decode, short batches: integer blocks read fewer bytes per weight and are
//             memory-bound), exact from quant_exact_min_rows rows on (prefill: one dequantised
//             256-deep slice feeds simd's packed FMA micro-kernel for every row, where integer
//             block dot products are compute-bound at half the speed on AVX2 without VNNI —
//             benchmarks/README.md, "Model runtime"). Each product is bitwise the integer or the
//             exact one, chosen by its row count only, so results stay thread-count invariant.
// f32 / f16 / bf16 weights are unaffected.
enum class quant_matmul { integer, exact, by_rows };

// The row count from which quant_matmul::by_rows takes the exact path (the measured crossover of
// bench_quant's gemm_rows benchmarks on Zen 3; see benchmarks/README.md).
inline constexpr std::size_t quant_exact_min_rows = 16;

struct weight_kernels {
  // Y[m][r] = Σ_c X[m][c] · W[r][c] for m < M, r < rows (rows of X and Y at strides ldx, ldy).
  // Every Y element is computed by one thread in an order that depends only on M's class
  // (≤ 4 rows: direct dot products; more: packed GEMM), never on the thread count.
  void (*linear)(const matrix_weight& w, const float* X, std::size_t ldx, float* Y, std::size_t ldy,
                 std::size_t M, thread_pool* pool);
  // out[c] = W[row][c] as float (embedding lookup).
  void (*row)(const matrix_weight& w, std::int64_t row, float* out);
  // out[i] = Σ_c h[c] · W[ids[i]][c]: selected rows only, with the arithmetic of `linear` for a
  // batch of ≤ 4 rows, so restricted and full-vocabulary logits agree bitwise.
  void (*dot_rows)(const matrix_weight& w, const float* h, const std::int32_t* ids, std::size_t n,
                   float* out);
};

// A 2-D weight in its file's element type. `data` points into a memory-mapped file or into a
// buffer owned by the model (transposed GPT-2 Conv1D weights, misaligned safetensors data).
struct matrix_weight {
  std::string name;  // as in its file, for messages
  dtype type = dtype::f32;
  std::int64_t rows = 0, cols = 0;
  const std::byte* data = nullptr;
  std::size_t row_bytes = 0;
  const weight_kernels* kernels = nullptr;

  explicit operator bool() const noexcept { return data != nullptr; }
  std::size_t nbytes() const noexcept { return static_cast<std::size_t>(rows) * row_bytes; }

  void linear(const float* X, std::size_t ldx, float* Y, std::size_t ldy, std::size_t M,
              thread_pool* pool) const {
    kernels->linear(*this, X, ldx, Y, ldy, M, pool);
  }
  void linear(const float* X, float* Y, std::size_t M, thread_pool* pool) const {
    kernels->linear(*this, X, static_cast<std::size_t>(cols), Y, static_cast<std::size_t>(rows), M,
                    pool);
  }
  void row(std::int64_t r, float* out) const { kernels->row(*this, r, out); }
  void dot_rows(const float* h, const std::int32_t* ids, std::size_t n, float* out) const {
    kernels->dot_rows(*this, h, ids, n, out);
  }
  // The rows [r0, r1) as a matrix of their own (fused q/k/v or gate/up tensors split by rows).
  matrix_weight row_range(std::int64_t r0, std::int64_t r1, std::string sub_name) const {
    matrix_weight m = *this;
    m.name = std::move(sub_name);
    m.rows = r1 - r0;
    m.data = data + static_cast<std::size_t>(r0) * row_bytes;
    return m;
  }
};

namespace detail {

template <class T>
inline const T* weight_data(const matrix_weight& w) noexcept {
  return reinterpret_cast<const T*>(w.data);
}

template <class T>
inline void dense_linear(const matrix_weight& w, const float* X, std::size_t ldx, float* Y,
                         std::size_t ldy, std::size_t M, thread_pool* pool) {
  const auto cols = static_cast<std::size_t>(w.cols), rows = static_cast<std::size_t>(w.rows);
  if (M <= 4)
    small_batch_gemm(X, ldx, weight_data<T>(w), cols, Y, ldy, M, rows, cols, pool);
  else
    simd::gemm_strided(X, ldx, weight_data<T>(w), cols, Y, ldy, M, rows, cols, pool);
}

template <class T>
inline void dense_row(const matrix_weight& w, std::int64_t r, float* out) {
  const auto cols = static_cast<std::size_t>(w.cols);
  simd::convert(weight_data<T>(w) + static_cast<std::size_t>(r) * cols, out, cols);
}

template <class T>
inline void dense_dot_rows(const matrix_weight& w, const float* h, const std::int32_t* ids,
                           std::size_t n, float* out) {
  const auto cols = static_cast<std::size_t>(w.cols);
  for (std::size_t i = 0; i < n; ++i)
    small_batch_gemm(h, cols, weight_data<T>(w) + static_cast<std::size_t>(ids[i]) * cols, cols,
                     out + i, 1, 1, 1, cols, nullptr);
}

template <class T>
inline const weight_kernels dense_kernels = {&dense_linear<T>, &dense_row<T>, &dense_dot_rows<T>};

// Quantized weights: ≤ 1 row of X is a GEMV; more go to quant::gemm_strided (each output element
// of ≤ 4 rows is the same per-row dot product as the GEMV's, so dot_rows below agrees bitwise).
template <class Strategy>
inline void quant_linear(const matrix_weight& w, const float* X, std::size_t ldx, float* Y,
                         std::size_t ldy, std::size_t M, thread_pool* pool) {
  const auto cols = static_cast<std::size_t>(w.cols), rows = static_cast<std::size_t>(w.rows);
  if (M == 1)
    quant::gemv<Strategy>(w.type, w.data, X, Y, rows, cols, pool);
  else
    quant::gemm_strided<Strategy>(w.type, w.data, X, ldx, Y, ldy, M, rows, cols, pool);
}

inline void quant_row(const matrix_weight& w, std::int64_t r, float* out) {
  quant::dequantize_row(w.type, w.data + static_cast<std::size_t>(r) * w.row_bytes, out,
                        static_cast<std::size_t>(w.cols));
}

template <class Strategy>
inline void quant_dot_rows(const matrix_weight& w, const float* h, const std::int32_t* ids,
                           std::size_t n, float* out) {
  const auto cols = static_cast<std::size_t>(w.cols);
  if (quant::detail::use_integer_path<Strategy>(w.type)) {
    const dtype at = quant::vec_dot_type(w.type);
    std::vector<std::uint8_t> hq(quant::row_bytes(at, cols));
    quant::quantize_activations(at, h, hq.data(), cols);
    for (std::size_t i = 0; i < n; ++i)
      quant::vec_dot_rows(w.type, w.data + static_cast<std::size_t>(ids[i]) * w.row_bytes,
                          w.row_bytes, hq.data(), cols, 1, out + i);
  } else {
    for (std::size_t i = 0; i < n; ++i)
      quant::dot_f32_rows(w.type, w.data + static_cast<std::size_t>(ids[i]) * w.row_bytes,
                          w.row_bytes, h, cols, 1, out + i);
  }
}

template <class Strategy>
inline const weight_kernels quant_kernels = {&quant_linear<Strategy>, &quant_row,
                                             &quant_dot_rows<Strategy>};

// quant_matmul::by_rows: the integer kernels below quant_exact_min_rows rows, the exact ones from
// there on. dot_rows is the integer one, as `linear` is for the ≤ 4-row batches it must match.
inline void quant_linear_by_rows(const matrix_weight& w, const float* X, std::size_t ldx, float* Y,
                                 std::size_t ldy, std::size_t M, thread_pool* pool) {
  if (M < quant_exact_min_rows)
    quant_linear<quant::q8_activations>(w, X, ldx, Y, ldy, M, pool);
  else
    quant_linear<quant::exact_dequant>(w, X, ldx, Y, ldy, M, pool);
}

inline const weight_kernels quant_kernels_by_rows = {&quant_linear_by_rows, &quant_row,
                                                     &quant_dot_rows<quant::q8_activations>};

}  // namespace detail

// y_i = W_i·x for one activation row x read by several matrices (q, k, v; gate, up): one
// parallel region instead of one per matrix (quant::gemv_group, bitwise each W_i.linear) when
// every W_i is a quantized weight whose one-row product is the integer one. Returns false and
// computes nothing otherwise (dense weights, the exact strategy, mismatched widths, count > 8).
inline bool gemv_group(const matrix_weight* const* ws, float* const* ys, std::size_t count,
                       const float* x, thread_pool* pool) {
  constexpr std::size_t max_jobs = 8;
  if (count == 0 || count > max_jobs) return false;
  quant::gemv_job jobs[max_jobs];
  for (std::size_t i = 0; i < count; ++i) {
    const matrix_weight& w = *ws[i];
    const bool integer = w.kernels == &detail::quant_kernels_by_rows ||
                         w.kernels == &detail::quant_kernels<quant::q8_activations>;
    if (!integer || w.cols != ws[0]->cols) return false;
    jobs[i] = {w.type, w.data, ys[i], static_cast<std::size_t>(w.rows)};
  }
  quant::gemv_group(jobs, count, x, static_cast<std::size_t>(ws[0]->cols), pool);
  return true;
}

// The kernels for weights of type t, or nullptr when this build cannot run that type.
inline const weight_kernels* kernels_for(dtype t, quant_matmul q = quant_matmul::by_rows) noexcept {
  if (quant::is_block_type(t) && quant::is_supported(t)) {
    switch (q) {
      case quant_matmul::integer:
        return &detail::quant_kernels<quant::q8_activations>;
      case quant_matmul::exact:
        return &detail::quant_kernels<quant::exact_dequant>;
      default:
        return &detail::quant_kernels_by_rows;
    }
  }
  switch (t) {
    case dtype::f32:
      return &detail::dense_kernels<float>;
    case dtype::f16:
      return &detail::dense_kernels<f16>;
    case dtype::bf16:
      return &detail::dense_kernels<bf16>;
    default:
      return nullptr;
  }
}

// Element alignment the kernels need for data of type t (typed scalar tails read T directly).
inline std::size_t alignment_for(dtype t) noexcept {
  switch (t) {
    case dtype::f32:
      return alignof(float);
    case dtype::f16:
    case dtype::bf16:
      return 2;
    default:
      return 1;
  }
}

}  // namespace flipside
