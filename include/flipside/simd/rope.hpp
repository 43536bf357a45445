// Rotary position embedding (Su et al. 2021, "RoFormer", arXiv 2104.09864).
//
// Every head of a token at position p has its first rot_dim dimensions rotated in rot_dim/2
// planes; plane i turns by the angle p · inv_freq[i], with
//     inv_freq[i] = theta^(−2i / rot_dim) / factor[i]            (i < rot_dim / 2)
// (`factor` = per-frequency scaling, e.g. LLaMA-3 / LongRoPE, ggml's rope_freqs tensor;
// 1 when absent). Dimensions rot_dim .. head_dim pass through unchanged (partial rotary:
// GPT-NeoX, Phi). The pairs that form a plane depend on the layout:
//   neox (HF rotate_half): (x[i], x[i + rot_dim/2])   — LLaMA, Qwen, Gemma, Mistral, GPT-NeoX
//   gptj (interleaved):    (x[2i], x[2i + 1])         — GPT-J, ggml's "normal" rope mode
// and each plane maps (a, b) → (a·cos − b·sin, b·cos + a·sin); cos and sin are multiplied by
// `mscale` (YaRN's attention factor; 1 otherwise).
//
// Angles follow HF transformers (float32 position × float32 inv_freq, rounded to float32), then
// cos/sin are evaluated in double and rounded, so they are the correctly rounded values of HF's
// angles. A rope_table computes them for any position and caches positions [0, reserved).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <flipside/core/error.hpp>
#include <flipside/parallel/thread_pool.hpp>
#include <flipside/simd/arch.hpp>

namespace flipside::simd {

enum class rope_layout { neox, gptj };

struct rope_config {
  std::size_t head_dim = 0;
  std::size_t rot_dim = 0;  // 0 means head_dim; must be even and ≤ head_dim
  rope_layout layout = rope_layout::neox;
  double theta = 10000.0;
  std::vector<float> freq_factors;  // empty, or rot_dim / 2 divisors of inv_freq
  float mscale = 1.0f;
};

class rope_table {
 public:
  explicit rope_table(rope_config cfg) : cfg_(std::move(cfg)) {
    if (cfg_.rot_dim == 0) cfg_.rot_dim = cfg_.head_dim;
    if (cfg_.head_dim == 0 || cfg_.rot_dim % 2 != 0 || cfg_.rot_dim > cfg_.head_dim)
      throw argument_error("rope: rot_dim must be even and ≤ head_dim (head_dim " +
                           std::to_string(cfg_.head_dim) + ", rot_dim " +
                           std::to_string(cfg_.rot_dim) + ")");
    const std::size_t half = cfg_.rot_dim / 2;
    if (!cfg_.freq_factors.empty() && cfg_.freq_factors.size() != half)
      throw argument_error("rope: freq_factors has " + std::to_string(cfg_.freq_factors.size()) +
                           " entries, expected rot_dim / 2 = " + std::to_string(half));
    inv_freq_.resize(half);
    for (std::size_t i = 0; i < half; ++i) {
      double f = 1.0 / std::pow(cfg_.theta,
                                static_cast<double>(2 * i) / static_cast<double>(cfg_.rot_dim));
      if (!cfg_.freq_factors.empty()) f /= static_cast<double>(cfg_.freq_factors[i]);
      inv_freq_[i] = static_cast<float>(f);
    }
  }

  const rope_config& config() const noexcept { return cfg_; }
  std::size_t half() const noexcept { return cfg_.rot_dim / 2; }
  const std::vector<float>& inv_freq() const noexcept { return inv_freq_; }

  // cos[i], sin[i] (i < rot_dim / 2) for position pos.
  void cos_sin(std::int64_t pos, float* cos, float* sin) const noexcept {
    if (pos >= 0 && static_cast<std::size_t>(pos) < cached_) {
      const std::size_t h = half();
      std::copy_n(cos_.data() + static_cast<std::size_t>(pos) * h, h, cos);
      std::copy_n(sin_.data() + static_cast<std::size_t>(pos) * h, h, sin);
      return;
    }
    compute(pos, cos, sin);
  }

  // Caches positions [0, n) (n · rot_dim floats); values are identical to the uncached ones.
  void reserve(std::size_t n) {
    if (n <= cached_) return;
    const std::size_t h = half();
    cos_.resize(n * h);
    sin_.resize(n * h);
    for (std::size_t p = cached_; p < n; ++p)
      compute(static_cast<std::int64_t>(p), cos_.data() + p * h, sin_.data() + p * h);
    cached_ = n;
  }

 private:
  void compute(std::int64_t pos, float* cos, float* sin) const noexcept {
    const float p = static_cast<float>(pos);
    for (std::size_t i = 0; i < inv_freq_.size(); ++i) {
      const double angle = static_cast<double>(p * inv_freq_[i]);
      cos[i] = static_cast<float>(std::cos(angle)) * cfg_.mscale;
      sin[i] = static_cast<float>(std::sin(angle)) * cfg_.mscale;
    }
  }

  rope_config cfg_;
  std::vector<float> inv_freq_;
  std::vector<float> cos_, sin_;
  std::size_t cached_ = 0;
};

// Scalar reference: rotate x [n_heads][head_dim] (one token) with cos/sin of its position.
inline void rope_apply_scalar(float* x, std::size_t n_heads, std::size_t head_dim,
                              std::size_t rot_dim, rope_layout layout, const float* cos,
                              const float* sin) noexcept {
  const std::size_t half = rot_dim / 2;
  for (std::size_t h = 0; h < n_heads; ++h) {
    float* v = x + h * head_dim;
    for (std::size_t i = 0; i < half; ++i) {
      float& a = layout == rope_layout::neox ? v[i] : v[2 * i];
      float& b = layout == rope_layout::neox ? v[i + half] : v[2 * i + 1];
      const float a0 = a, b0 = b;
      a = a0 * cos[i] - b0 * sin[i];
      b = b0 * cos[i] + a0 * sin[i];
    }
  }
}

namespace detail {

// Lane permutation (0 1 2 3 …) → (1 0 3 2 …): swaps the two members of every interleaved pair.
struct swap_pairs_pattern {
  static constexpr std::uint32_t get(std::uint32_t i, std::uint32_t) { return i ^ 1u; }
};

}  // namespace detail

// Rotate x [n_heads][head_dim] (one token) in place; cos/sin: rot_dim / 2 values.
template <class Arch = default_arch>
inline void rope_apply(float* x, std::size_t n_heads, std::size_t head_dim, std::size_t rot_dim,
                       rope_layout layout, const float* cos, const float* sin) noexcept {
  using batch = xsimd::batch<float, Arch>;
  constexpr std::size_t L = batch::size;
  const std::size_t half = rot_dim / 2;
  if (layout == rope_layout::neox) {
    if (half >= L) FLIPSIDE_SIMD_PATH_HOOK("rope_neox", L);
    for (std::size_t h = 0; h < n_heads; ++h) {
      float* a = x + h * head_dim;
      float* b = a + half;
      std::size_t i = 0;
      for (; i + L <= half; i += L) {
        const batch va = batch::load_unaligned(a + i), vb = batch::load_unaligned(b + i);
        const batch c = batch::load_unaligned(cos + i), s = batch::load_unaligned(sin + i);
        (va * c - vb * s).store_unaligned(a + i);
        (vb * c + va * s).store_unaligned(b + i);
      }
      for (; i < half; ++i) {
        const float a0 = a[i], b0 = b[i];
        a[i] = a0 * cos[i] - b0 * sin[i];
        b[i] = b0 * cos[i] + a0 * sin[i];
      }
    }
    return;
  }
  // Interleaved: with c2 = (c0 c0 c1 c1 …) and s2 = (−s0 s0 −s1 s1 …),
  // y = x ⊙ c2 + swap_pairs(x) ⊙ s2 gives (a·c − b·s, b·c + a·s) in each pair.
  if (rot_dim >= L) FLIPSIDE_SIMD_PATH_HOOK("rope_gptj", L);
  constexpr std::size_t chunk = 64;  // planes whose expanded cos/sin sit on the stack at once
  alignas(64) float c2[2 * chunk], s2[2 * chunk];
  const auto swap =
      xsimd::make_batch_constant<xsimd::batch<std::uint32_t, Arch>, detail::swap_pairs_pattern>();
  for (std::size_t i0 = 0; i0 < half; i0 += chunk) {
    const std::size_t planes = std::min(chunk, half - i0);
    for (std::size_t i = 0; i < planes; ++i) {
      c2[2 * i] = c2[2 * i + 1] = cos[i0 + i];
      s2[2 * i] = -sin[i0 + i];
      s2[2 * i + 1] = sin[i0 + i];
    }
    const std::size_t dims = 2 * planes;
    for (std::size_t h = 0; h < n_heads; ++h) {
      float* v = x + h * head_dim + 2 * i0;
      std::size_t d = 0;
      for (; d + L <= dims; d += L) {
        const batch vx = batch::load_unaligned(v + d);
        const batch y = vx * batch::load_aligned(c2 + d) +
                        xsimd::swizzle(vx, swap) * batch::load_aligned(s2 + d);
        y.store_unaligned(v + d);
      }
      for (; d < dims; d += 2) {
        const float a0 = v[d], b0 = v[d + 1];
        v[d] = a0 * c2[d] - b0 * s2[d + 1];
        v[d + 1] = b0 * c2[d] + a0 * s2[d + 1];
      }
    }
  }
}

// Rotate x [n_tokens][n_heads][head_dim] in place, token t at position positions[t]. Tokens are
// token_stride floats apart (0: n_heads · head_dim; larger for Q or K inside a fused QKV row);
// `pool` (optional) splits the tokens over its threads.
template <class Arch = default_arch>
inline void rope_at(const rope_table& table, float* x, std::size_t n_tokens, std::size_t n_heads,
                    const std::int32_t* positions, thread_pool* pool = nullptr,
                    std::size_t token_stride = 0) {
  const rope_config& cfg = table.config();
  const std::size_t half = table.half();
  const std::size_t stride = token_stride ? token_stride : n_heads * cfg.head_dim;
  auto run = [&](std::size_t t0, std::size_t t1) {
    std::vector<float> cs(2 * half);
    for (std::size_t t = t0; t < t1; ++t) {
      table.cos_sin(positions[t], cs.data(), cs.data() + half);
      rope_apply<Arch>(x + t * stride, n_heads, cfg.head_dim, cfg.rot_dim, cfg.layout, cs.data(),
                       cs.data() + half);
    }
  };
  if (pool == nullptr || pool->size() == 1 || n_tokens < 2)
    run(0, n_tokens);
  else
    pool->parallel_for(n_tokens, run);
}

// As rope_at, with token t at position pos0 + t (a prompt chunk after pos0 cached tokens).
template <class Arch = default_arch>
inline void rope(const rope_table& table, float* x, std::size_t n_tokens, std::size_t n_heads,
                 std::int64_t pos0, thread_pool* pool = nullptr, std::size_t token_stride = 0) {
  const rope_config& cfg = table.config();
  const std::size_t half = table.half();
  const std::size_t stride = token_stride ? token_stride : n_heads * cfg.head_dim;
  auto run = [&](std::size_t t0, std::size_t t1) {
    std::vector<float> cs(2 * half);
    for (std::size_t t = t0; t < t1; ++t) {
      table.cos_sin(pos0 + static_cast<std::int64_t>(t), cs.data(), cs.data() + half);
      rope_apply<Arch>(x + t * stride, n_heads, cfg.head_dim, cfg.rot_dim, cfg.layout, cs.data(),
                       cs.data() + half);
    }
  };
  if (pool == nullptr || pool->size() == 1 || n_tokens < 2)
    run(0, n_tokens);
  else
    pool->parallel_for(n_tokens, run);
}

}  // namespace flipside::simd
