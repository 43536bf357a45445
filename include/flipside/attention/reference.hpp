// Scalar reference of flipside::attention: the definition, one query row and one key at a time,
// materialising each row of weights (what the vector kernels must reproduce). Also returns the
// attention weights when asked — handy for teaching and debugging, slow for anything else.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include <flipside/attention/detail/block.hpp>
#include <flipside/attention/detail/element.hpp>
#include <flipside/attention/params.hpp>
#include <flipside/attention/policies.hpp>

namespace flipside::reference {

// Same arguments as flipside::attention's raw-pointer overload (params.pool is ignored).
// weights, if not null, receives [T, n_heads, L] softmax weights (0 for keys the mask hides).
template <class Mask = default_mask, class E>
void attention(const float* q, const E* k, const E* v, float* out, const attention_shape& shape,
               const attention_params& params = {}, float* weights = nullptr) {
  detail::check_attention_shape(shape, params);
  const std::size_t T = shape.n_queries, L = shape.n_keys, H = shape.n_heads, D = shape.head_dim;
  const std::size_t G = H / shape.n_kv_heads;
  const float scale = params.effective_scale(D);
  std::vector<float> s(L);
  for (std::size_t t = 0; t < T; ++t) {
    const std::size_t p = params.position + t;
    const std::size_t lo = detail::mask_range<Mask>::lo(p, L, params.window);
    const std::size_t hi = detail::mask_range<Mask>::hi(p, L, params.window);
    for (std::size_t h = 0; h < H; ++h) {
      const float* qr = q + t * shape.q_row() + h * D;
      float* o = out + t * shape.out_row() + h * D;
      float m = -std::numeric_limits<float>::infinity();
      for (std::size_t j = lo; j < hi; ++j) {
        const E* kr = k + j * shape.kv_row() + (h / G) * D;
        float dot = 0.0f;
        for (std::size_t c = 0; c < D; ++c) dot += qr[c] * detail::to_f32(kr[c]);
        s[j] = scale * dot;
        if (params.softcap > 0.0f) s[j] = params.softcap * std::tanh(s[j] / params.softcap);
        m = std::max(m, s[j]);
      }
      float sum = 0.0f;
      for (std::size_t j = lo; j < hi; ++j) sum += (s[j] = std::exp(s[j] - m));
      std::fill(o, o + D, 0.0f);
      for (std::size_t j = lo; j < hi; ++j) {
        const E* vr = v + j * shape.kv_row() + (h / G) * D;
        const float w = s[j] / sum;
        for (std::size_t c = 0; c < D; ++c) o[c] += w * detail::to_f32(vr[c]);
      }
      if (weights) {
        float* wr = weights + (t * H + h) * L;
        for (std::size_t j = 0; j < L; ++j) wr[j] = (j >= lo && j < hi) ? s[j] / sum : 0.0f;
      }
    }
  }
}

}  // namespace flipside::reference
