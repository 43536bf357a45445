// Quantized matrix-vector product, the shape of simd::gemv:
//
//   y[r] = Σ_k W[r][k] · x[k]      W [rows][cols] of type t (row-major blocks), x [cols], y [rows]
//
// Strategy (strategy.hpp): q8_activations quantises x once and runs the integer block dot
// products eight rows at a time, each thread reading its rows as 8 (K-quants 4) long streams
// (row_streams.hpp); exact_dequant decodes the blocks into f32 lanes and multiplies
// them with x four rows at a time. f32 / f16 / bf16 weights go to simd::gemv. Rows are split over
// the thread pool and every y[r] is computed by one thread with a sequence of operations that does
// not depend on the split, so results are bitwise identical for any thread count.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include <flipside/core/dtype.hpp>
#include <flipside/core/error.hpp>
#include <flipside/parallel/thread_pool.hpp>
#include <flipside/quant/act_quant.hpp>
#include <flipside/quant/dot_f32.hpp>
#include <flipside/quant/row_streams.hpp>
#include <flipside/quant/strategy.hpp>
#include <flipside/quant/types.hpp>
#include <flipside/quant/vec_dot.hpp>
#include <flipside/simd/arch.hpp>
#include <flipside/simd/gemv.hpp>
#include <flipside/simd/half.hpp>

namespace flipside::quant {

namespace detail {

// Grow-only per-thread scratch (quantised activations).
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

inline bool is_plain_float(dtype t) noexcept {
  return t == dtype::f32 || t == dtype::f16 || t == dtype::bf16;
}

// Calls f(typed pointer) for a plain float weight whose address suits its element type; false
// otherwise (the caller then takes the generic path).
template <class F>
inline bool with_float_weights(dtype t, const void* w, F&& f) {
  const auto addr = reinterpret_cast<std::uintptr_t>(w);
  switch (t) {
    case dtype::f32:
      if (addr % alignof(float)) return false;
      f(static_cast<const float*>(w));
      return true;
    case dtype::f16:
      if (addr % alignof(f16)) return false;
      f(static_cast<const f16*>(w));
      return true;
    case dtype::bf16:
      if (addr % alignof(bf16)) return false;
      f(static_cast<const bf16*>(w));
      return true;
    default:
      return false;
  }
}

template <class Arch>
inline constexpr bool is_simd_arch = !std::is_same_v<Arch, reference_arch>;

}  // namespace detail

// One matrix of gemv_group: y = W·x, W [rows][cols] of type t.
struct gemv_job {
  dtype t;
  const void* w;
  float* y;
  std::size_t rows;
};

// y_i = W_i·x for several matrices that read the same activation row x [cols] (a decoder's q, k,
// v and gate, up projections), on the integer path: x is quantised once per activation type and
// all the products run in one parallel region (each thread its parallel_for share of every
// matrix, as row streams) instead of one fork/join each. gemv's integer path is this with one
// job, so each y_i is bitwise gemv<q8_activations>'s. Every type must have an integer dot product
// (has_integer_dot); count ≤ 8.
template <class Arch = simd::default_arch>
inline void gemv_group(const gemv_job* jobs, std::size_t count, const float* x, std::size_t cols,
                       thread_pool* pool = nullptr) {
  constexpr std::size_t max_jobs = 8;
  if (count > max_jobs) throw argument_error("gemv_group: more than 8 matrices");
  // The activation row quantised once per partner type (at most three: q8_0, q8_1, q8_K).
  dtype act_type[max_jobs];
  std::size_t act_off[max_jobs], rb[max_jobs], total = 0;
  bool first[max_jobs];  // the first job of its activation type quantises x for it
  for (std::size_t i = 0; i < count; ++i) {
    if (!has_integer_dot(jobs[i].t))
      throw unsupported_error("gemv_group: no integer dot product for " + dtype_name(jobs[i].t));
    rb[i] = row_bytes(jobs[i].t, cols, "gemv_group");
    act_type[i] = vec_dot_type(jobs[i].t);
    first[i] = true;
    for (std::size_t j = 0; j < i && first[i]; ++j)
      if (act_type[j] == act_type[i]) first[i] = false, act_off[i] = act_off[j];
    if (first[i]) {
      act_off[i] = total;
      total += row_bytes(act_type[i], cols, "gemv_group");
    }
  }
  std::uint8_t* xq = detail::scratch(total);
  for (std::size_t i = 0; i < count; ++i)
    if (first[i]) quantize_activations<Arch>(act_type[i], x, xq + act_off[i], cols);
  const auto share = [&](std::size_t t, std::size_t parts) {
    for (std::size_t i = 0; i < count; ++i) {
      const thread_pool::index_range c = thread_pool::chunk(jobs[i].rows, parts, t);
      if (c.begin < c.end)
        detail::vec_dot_row_streams<Arch>(jobs[i].t, static_cast<const std::uint8_t*>(jobs[i].w),
                                          rb[i], xq + act_off[i], 0, cols, 1, jobs[i].y, 0, c.begin,
                                          c.end);
    }
  };
  std::size_t most_rows = 0;
  for (std::size_t i = 0; i < count; ++i) most_rows = std::max(most_rows, jobs[i].rows);
  if (pool && pool->size() > 1 && most_rows > 1)  // for_rows' rule: one row runs on the caller
    pool->run([&](std::size_t t) { share(t, pool->size()); });
  else
    share(0, 1);
}

template <class Strategy = default_strategy, class Arch = simd::default_arch>
inline void gemv(dtype t, const void* w, const float* x, float* y, std::size_t rows,
                 std::size_t cols, thread_pool* pool = nullptr) {
  if (!is_supported(t)) throw unsupported_error("gemv: unsupported weight type " + dtype_name(t));
  const std::size_t rb = row_bytes(t, cols, "gemv");
  const auto* wp = static_cast<const std::uint8_t*>(w);
  if constexpr (detail::is_simd_arch<Arch>) {
    if (detail::is_plain_float(t) && detail::with_float_weights(t, w, [&](const auto* wt) {
          simd::gemv<Arch>(wt, x, y, rows, cols, pool);
        }))
      return;
  }
  if (detail::use_integer_path<Strategy>(t)) {
    const gemv_job job{t, w, y, rows};
    gemv_group<Arch>(&job, 1, x, cols, pool);
    return;
  }
  detail::for_rows(pool, rows, [&](std::size_t begin, std::size_t end) {
    dot_f32_rows<Arch>(t, wp + begin * rb, rb, x, cols, end - begin, y + begin);
  });
}

}  // namespace flipside::quant
