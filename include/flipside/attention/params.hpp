// Shapes and run-time parameters of one attention call.
//
//   Q   [n_queries, n_heads,    head_dim]  f32, query row t starts at q + t·q_stride
//   K,V [n_keys,    n_kv_heads, head_dim]  f32/f16/bf16, key row j starts at k + j·kv_stride
//   out [n_queries, n_heads,    head_dim]  f32, row t starts at out + t·out_stride
//
// Query head h reads KV head h / (n_heads / n_kv_heads): grouped-query attention (Ainslie et al.
// 2023), multi-query when n_kv_heads = 1, multi-head when n_kv_heads = n_heads.
#pragma once

#include <cmath>
#include <cstddef>
#include <string>

#include <flipside/core/error.hpp>

namespace flipside {

class thread_pool;

struct attention_shape {
  std::size_t n_queries = 0;   // T
  std::size_t n_keys = 0;      // L
  std::size_t n_heads = 0;     // query heads
  std::size_t n_kv_heads = 0;  // key/value heads, divides n_heads
  std::size_t head_dim = 0;
  std::size_t q_stride = 0;    // floats between query rows; 0 → n_heads·head_dim (contiguous)
  std::size_t kv_stride = 0;   // elements between key (and value) rows; 0 → n_kv_heads·head_dim
  std::size_t out_stride = 0;  // floats between output rows; 0 → n_heads·head_dim

  std::size_t q_row() const noexcept { return q_stride ? q_stride : n_heads * head_dim; }
  std::size_t kv_row() const noexcept { return kv_stride ? kv_stride : n_kv_heads * head_dim; }
  std::size_t out_row() const noexcept { return out_stride ? out_stride : n_heads * head_dim; }
};

struct attention_params {
  // Absolute position of query 0; query t is at position + t. Keys are at 0 … n_keys − 1.
  std::size_t position = 0;
  // Logits are scale·(q·k); 0 selects 1/√head_dim (Vaswani et al. 2017).
  float scale = 0.0f;
  // > 0: logits become softcap·tanh(logit/softcap) before the softmax (Gemma 2); 0: off.
  float softcap = 0.0f;
  // Window of the runtime_window mask (keys position − window < j ≤ position); 0: no limit.
  std::size_t window = 0;
  // Threads for the (head, query block) loop; nullptr runs on the caller alone. Results are
  // bitwise identical for any thread count.
  thread_pool* pool = nullptr;

  float effective_scale(std::size_t head_dim) const noexcept {
    return scale != 0.0f ? scale : 1.0f / std::sqrt(static_cast<float>(head_dim));
  }
};

namespace detail {

inline void check_attention_shape(const attention_shape& s, const attention_params& p) {
  auto fail = [](const std::string& what) { throw argument_error("attention: " + what); };
  if (s.n_heads == 0 || s.n_kv_heads == 0 || s.head_dim == 0)
    fail("n_heads, n_kv_heads and head_dim must be positive");
  if (s.n_heads % s.n_kv_heads != 0)
    fail("n_kv_heads (" + std::to_string(s.n_kv_heads) + ") must divide n_heads (" +
         std::to_string(s.n_heads) + ")");
  if (s.q_row() < s.n_heads * s.head_dim) fail("q_stride is smaller than n_heads·head_dim");
  if (s.kv_row() < s.n_kv_heads * s.head_dim) fail("kv_stride is smaller than n_kv_heads·head_dim");
  if (s.out_row() < s.n_heads * s.head_dim) fail("out_stride is smaller than n_heads·head_dim");
  if (!(p.softcap >= 0.0f) || !std::isfinite(p.softcap)) fail("softcap must be finite and ≥ 0");
  if (!std::isfinite(p.scale)) fail("scale must be finite");
}

}  // namespace detail
}  // namespace flipside
