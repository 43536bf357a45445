// Rotary position embedding (Su et al. 2021, arXiv 2104.09864) settings → frequencies:
//   inv_freq[i] = θ^(−2i/d) / scaling_i,  i < d/2  (d = rotary_dim),
// for the scalings models ship with. The rotation itself is simd/rope.hpp's (rope_table, rope_at).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include <flipside/model/config.hpp>
#include <flipside/simd/rope.hpp>

namespace flipside {

// Scaled inverse frequencies, rotary_dim / 2 of them.
//  - linear (position interpolation): inv_freq / factor.
//  - llama3 (Meta's Llama 3.1 scaling; transformers `_compute_llama3_parameters`): wavelengths
//    2π/inv_freq shorter than original_ctx/high_freq_factor are kept, longer than
//    original_ctx/low_freq_factor divided by factor, and those between interpolated smoothly.
//  - GGUF `rope_freqs.weight` (llama.cpp's form of the same): the angle is divided by factor[i].
//  - longrope (Phi-3.5; transformers `_compute_longrope_parameters`): divided by short_factor[i]
//    (long_factor[i] for contexts beyond the original one), cos and sin × attention_factor.
inline std::vector<double> rope_inverse_frequencies(const rope_config& r) {
  const std::int64_t half = r.rotary_dim / 2;
  std::vector<double> inv(static_cast<std::size_t>(half > 0 ? half : 0));
  const double pi = 3.14159265358979323846;
  for (std::int64_t i = 0; i < half; ++i) {
    double f = std::pow(r.theta, -2.0 * static_cast<double>(i) / static_cast<double>(r.rotary_dim));
    if (!r.freq_factors.empty()) {
      f /= static_cast<double>(r.freq_factors[static_cast<std::size_t>(i)]);
    } else if (r.scaling == rope_scaling_kind::longrope) {
      f /= static_cast<double>(r.short_factors[static_cast<std::size_t>(i)]);
    } else if (r.scaling == rope_scaling_kind::linear) {
      f /= r.factor;
    } else if (r.scaling == rope_scaling_kind::llama3) {
      const double old_ctx = static_cast<double>(r.original_max_positions);
      const double low_wavelen = old_ctx / r.low_freq_factor;
      const double high_wavelen = old_ctx / r.high_freq_factor;
      const double wavelen = 2 * pi / f;
      if (wavelen > low_wavelen) {
        f /= r.factor;
      } else if (wavelen >= high_wavelen) {
        const double smooth =
            (old_ctx / wavelen - r.low_freq_factor) / (r.high_freq_factor - r.low_freq_factor);
        f = (1 - smooth) * f / r.factor + smooth * f;
      }
    }
    inv[static_cast<std::size_t>(i)] = f;
  }
  return inv;
}

// The per-frequency divisors llama.cpp stores as `rope_freqs.weight` for a llama3-scaled model
// (1 where the frequency is kept, `factor` where it is divided, 1 / ((1 − s)/factor + s) between),
// computed as llama.cpp's converter does — base frequencies in f32, the rest in double — so that
// converted files match its own byte for byte.
inline std::vector<float> llama3_rope_freq_factors(const rope_config& r) {
  const std::int64_t half = r.rotary_dim / 2;
  std::vector<float> out(static_cast<std::size_t>(half > 0 ? half : 0));
  const double pi = 3.14159265358979323846;
  const double old_ctx = static_cast<double>(r.original_max_positions);
  const double low_wavelen = old_ctx / r.low_freq_factor;
  const double high_wavelen = old_ctx / r.high_freq_factor;
  for (std::int64_t i = 0; i < half; ++i) {
    const float e = static_cast<float>(2 * i) / static_cast<float>(r.rotary_dim);
    const float freq = 1.0f / std::pow(static_cast<float>(r.theta), e);
    const double wavelen = 2 * pi / static_cast<double>(freq);
    double f = 1.0;
    if (wavelen < high_wavelen) {
      f = 1.0;
    } else if (wavelen > low_wavelen) {
      f = r.factor;
    } else {
      const double smooth =
          (old_ctx / wavelen - r.low_freq_factor) / (r.high_freq_factor - r.low_freq_factor);
      f = 1.0 / ((1 - smooth) / r.factor + smooth);
    }
    out[static_cast<std::size_t>(i)] = static_cast<float>(f);
  }
  return out;
}

// The kernels' rope table for a model's rope settings: every scaling is expressed as per-frequency
// divisors (linear: all equal to the factor; llama3: llama3_rope_freq_factors), which is also how
// GGUF files carry them. Positions [0, cached_positions) are precomputed. `long_context` picks
// longrope's long factors.
inline simd::rope_table make_rope_table(const rope_config& r, std::int64_t head_dim,
                                        std::size_t cached_positions, bool long_context = false) {
  simd::rope_config s;
  s.head_dim = static_cast<std::size_t>(head_dim);
  s.rot_dim = static_cast<std::size_t>(r.rotary_dim);
  s.layout =
      r.layout == rope_layout::half_split ? simd::rope_layout::neox : simd::rope_layout::gptj;
  s.theta = r.theta;
  if (!r.freq_factors.empty())
    s.freq_factors = r.freq_factors;
  else if (r.scaling == rope_scaling_kind::linear)
    s.freq_factors.assign(static_cast<std::size_t>(r.rotary_dim / 2), static_cast<float>(r.factor));
  else if (r.scaling == rope_scaling_kind::llama3)
    s.freq_factors = llama3_rope_freq_factors(r);
  else if (r.scaling == rope_scaling_kind::longrope)
    s.freq_factors = long_context ? r.long_factors : r.short_factors;
  if (r.scaling == rope_scaling_kind::longrope) s.mscale = static_cast<float>(r.attention_factor);
  simd::rope_table t(std::move(s));
  t.reserve(cached_positions);
  return t;
}

}  // namespace flipside
