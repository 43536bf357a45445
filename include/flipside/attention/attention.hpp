// flipside::attention — scaled dot-product attention (Vaswani et al. 2017) with compile-time
// policies:
//
//   flipside::attention<Mask = causal, Softmax = online<64>, Arch = simd::default_arch>(...)
//
//   Mask     causal | full | sliding_window<W> | runtime_window (params.window)
//   Softmax  online<Tile> (streams KV tiles, FlashAttention-style) | two_pass (score rows)
//   Arch     any xsimd arch the translation unit is compiled for
//   K/V      float, or a 16-bit storage type (f16 / bf16)
//
//   out[t, h, :] = Σ_j softmax_j(s_tj) · V[j, h/G, :],  s_tj = softcap(scale · Q[t, h, :]·K[j, h/G,
//   :]) over the keys j the mask lets query t (absolute position params.position + t) see; G =
//   n_heads / n_kv_heads (grouped-query attention). A query that sees no key outputs zeros.
//
// Three ways to call it:
//   raw pointers + attention_shape      what the model runtime calls (strided rows allowed)
//   Q pointer + kv_view (a cache layer)  decode/prefill against a kv_cache_layer
//   xtensor arrays [T, H, D]            for users and examples
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <vector>

#include <xtensor/xtensor.hpp>

#include <flipside/attention/detail/block.hpp>
#include <flipside/attention/kv_cache.hpp>
#include <flipside/attention/params.hpp>
#include <flipside/attention/policies.hpp>
#include <flipside/core/error.hpp>
#include <flipside/parallel/thread_pool.hpp>
#include <flipside/simd/arch.hpp>

namespace flipside {

namespace detail {

// Packs K (and converts V unless it is read in place) of every KV head once, in parallel: each
// panel / row range is written by one job, so the buffers do not depend on the thread count.
template <class Arch, class E>
prepared_kv prepare_kv(const attention_problem<E>& pb, bool values_in_place, thread_pool* pool) {
  constexpr std::size_t N = xsimd::batch<float, Arch>::size, NR = panel_keys<Arch>;
  constexpr std::size_t value_rows_per_job = 64;
  const std::size_t L = pb.n_keys, d = pb.head_dim, dp = round_up(d, N);
  const std::size_t panels = (L + NR - 1) / NR;
  const std::size_t key_floats = pb.n_kv_heads * panels * dp * NR;
  const std::size_t value_floats = values_in_place ? 0 : pb.n_kv_heads * L * dp;
  thread_local std::vector<float> buffer;  // the calling thread's; reused across calls
  if (buffer.size() < key_floats + value_floats) buffer.resize(key_floats + value_floats);
  float* keys = buffer.data();
  float* values = values_in_place ? nullptr : buffer.data() + key_floats;
  const std::size_t value_jobs = (L + value_rows_per_job - 1) / value_rows_per_job;
  const std::size_t key_jobs = pb.n_kv_heads * panels;
  const std::size_t n_jobs = key_jobs + (values ? pb.n_kv_heads * value_jobs : 0);
  auto job = [&](std::size_t i) {
    if (i < key_jobs) {
      const std::size_t g = i / panels, p = i % panels;
      pack_keys<Arch>(pb.k + p * NR * pb.kv_row + g * d, pb.kv_row, std::min(NR, L - p * NR), d, dp,
                      keys + i * dp * NR);
      return;
    }
    i -= key_jobs;
    const std::size_t g = i / value_jobs, j0 = (i % value_jobs) * value_rows_per_job;
    for (std::size_t j = j0; j < std::min(L, j0 + value_rows_per_job); ++j) {
      float* dst = values + (g * L + j) * dp;
      convert_to_f32<Arch>(pb.v + j * pb.kv_row + g * d, dst, d);
      std::fill(dst + d, dst + dp, 0.0f);
    }
  };
  if (pool && pool->size() > 1)
    pool->parallel_for(n_jobs, [&](std::size_t b, std::size_t e) {
      for (std::size_t i = b; i < e; ++i) job(i);
    });
  else
    for (std::size_t i = 0; i < n_jobs; ++i) job(i);
  return {keys, values, panels};
}

template <class Mask, class Softmax, class Arch, class E>
void run_attention(const attention_problem<E>& pb, thread_pool* pool) {
  using block = attention_block<Mask, Softmax, Arch, E>;
  const std::size_t bt = block_positions<Softmax>(pb.group(), pb.head_dim);
  const std::size_t n_blocks = (pb.n_queries + bt - 1) / bt;
  // Prefill-sized blocks share K packed once (and V converted once unless read in place).
  prepared_kv prep;
  if (std::min(bt, pb.n_queries) * pb.group() >= packed_min_rows && pb.n_keys > 0)
    prep = prepare_kv<Arch>(pb, block::kv_in_place(pb.head_dim), pool);
  // Unit u → (block, range of kv heads), latest blocks first: under a causal mask they see the
  // most keys, so handing them out first balances threads. Which thread takes a unit changes
  // nothing in its result. Decode-sized blocks (K/V read in place from the cache) take all KV
  // heads per unit when running on one thread: the unit then reads whole cache rows in order
  // (attention_block::run); with more threads, one head per unit spreads them over the threads.
  // Either way each head's arithmetic is the same, so the output is bitwise the same.
  const bool threaded = pool && pool->size() > 1;
  const std::size_t heads_per_unit = !prep.keys && !threaded ? pb.n_kv_heads : 1;
  const std::size_t head_units = pb.n_kv_heads / heads_per_unit;
  const std::size_t n_units = n_blocks * head_units;
  auto unit = [&](block& blk, std::size_t u) {
    const std::size_t b = n_blocks - 1 - u / head_units, g = u % head_units * heads_per_unit;
    blk.run(g, g + heads_per_unit, b * bt, std::min(pb.n_queries, (b + 1) * bt));
  };
  if (!threaded || n_units == 1) {
    block blk(pb, std::min(bt, pb.n_queries), prep, heads_per_unit);
    for (std::size_t u = 0; u < n_units; ++u) unit(blk, u);
    return;
  }
  std::atomic<std::size_t> next{0};
  pool->run([&](std::size_t) {
    block blk(pb, std::min(bt, pb.n_queries), prep, heads_per_unit);
    for (std::size_t u; (u = next.fetch_add(1, std::memory_order_relaxed)) < n_units;) unit(blk, u);
  });
}

}  // namespace detail

// Raw pointers: Q [T, n_heads, head_dim] f32, K and V [L, n_kv_heads, head_dim] of E,
// out [T, n_heads, head_dim] f32, with the row strides of `shape` (0 = packed). out must not
// overlap Q, K or V.
template <class Mask = default_mask, class Softmax = default_softmax,
          class Arch = simd::default_arch, class E>
void attention(const float* q, const E* k, const E* v, float* out, const attention_shape& shape,
               const attention_params& params = {}) {
  static_assert(detail::is_kv_element<E>, "K/V elements are float, f16 or bf16");
  detail::check_attention_shape(shape, params);
  if (shape.n_queries == 0) return;
  if (!q || !out || (shape.n_keys > 0 && (!k || !v)))
    throw argument_error("attention: null data pointer");
  const detail::attention_problem<E> pb{q,
                                        k,
                                        v,
                                        out,
                                        shape.n_queries,
                                        shape.n_keys,
                                        shape.n_heads,
                                        shape.n_kv_heads,
                                        shape.head_dim,
                                        shape.q_row(),
                                        shape.kv_row(),
                                        shape.out_row(),
                                        params.position,
                                        params.window,
                                        params.effective_scale(shape.head_dim),
                                        params.softcap};
  detail::run_attention<Mask, Softmax, Arch>(pb, params.pool);
}

// Q [n_queries, n_heads, kv.head_dim] (packed) against the keys and values of a cache view;
// out packed like Q. For a prefill of T tokens appended at position P: n_queries = T,
// params.position = P; for a decode step: n_queries = 1, params.position = kv.size − 1.
template <class Mask = default_mask, class Softmax = default_softmax,
          class Arch = simd::default_arch, class E>
void attention(const float* q, std::size_t n_queries, std::size_t n_heads, const kv_view<E>& kv,
               float* out, const attention_params& params = {}) {
  attention_shape s;
  s.n_queries = n_queries;
  s.n_keys = kv.size;
  s.n_heads = n_heads;
  s.n_kv_heads = kv.n_kv_heads;
  s.head_dim = kv.head_dim;
  s.kv_stride = kv.row_stride;
  attention<Mask, Softmax, Arch>(q, kv.keys, kv.values, out, s, params);
}

// xtensor arrays: q [T, n_heads, head_dim], k and v [L, n_kv_heads, head_dim]; out is resized
// to q's shape.
template <class Mask = default_mask, class Softmax = default_softmax,
          class Arch = simd::default_arch, class E>
void attention(const xt::xtensor<float, 3>& q, const xt::xtensor<E, 3>& k,
               const xt::xtensor<E, 3>& v, xt::xtensor<float, 3>& out,
               const attention_params& params = {}) {
  if (k.shape() != v.shape()) throw argument_error("attention: k and v shapes differ");
  if (q.shape()[2] != k.shape()[2]) throw argument_error("attention: q and k head_dim differ");
  if (out.shape() != q.shape()) out.resize({q.shape()[0], q.shape()[1], q.shape()[2]});
  attention_shape s;
  s.n_queries = q.shape()[0];
  s.n_heads = q.shape()[1];
  s.head_dim = q.shape()[2];
  s.n_keys = k.shape()[0];
  s.n_kv_heads = k.shape()[1];
  attention<Mask, Softmax, Arch>(q.data(), k.data(), v.data(), out.data(), s, params);
}

}  // namespace flipside
