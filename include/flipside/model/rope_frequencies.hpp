// Rotary position embedding (Su et al. 2021, arXiv 2104.09864): the inverse frequencies
//   inv_freq[i] = θ^(−2i/d),  i < d/2  (d = rotary_dim),
// with the scalings models ship with, and the per-position cos/sin table the blocks apply:
//   angle(p, i) = p · inv_freq[i].
// Everything is computed in double and rounded once: HF computes angles in f32, llama.cpp in f32
// too, and both are within 1e-6 rad of this at the positions a model is trained on.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include <flipside/model/config.hpp>

namespace flipside {

// Scaled inverse frequencies, rotary_dim / 2 of them.
//  - linear (position interpolation): inv_freq / factor.
//  - llama3 (Meta's Llama 3.1 scaling; transformers `_compute_llama3_parameters`): wavelengths
//    2π/inv_freq shorter than original_ctx/high_freq_factor are kept, longer than
//    original_ctx/low_freq_factor divided by factor, and those between interpolated smoothly.
//  - GGUF `rope_freqs.weight` (llama.cpp's form of the same): the angle is divided by factor[i].
inline std::vector<double> rope_inverse_frequencies(const rope_config& r) {
  const std::int64_t half = r.rotary_dim / 2;
  std::vector<double> inv(static_cast<std::size_t>(half > 0 ? half : 0));
  const double pi = 3.14159265358979323846;
  for (std::int64_t i = 0; i < half; ++i) {
    double f = std::pow(r.theta, -2.0 * static_cast<double>(i) / static_cast<double>(r.rotary_dim));
    if (!r.freq_factors.empty()) {
      f /= static_cast<double>(r.freq_factors[static_cast<std::size_t>(i)]);
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

// The per-frequency divisors llama.cpp stores as `rope_freqs.weight` for a llama3-scaled model:
// factor[i] = unscaled inv_freq[i] / scaled inv_freq[i] (1 for unscaled frequencies).
inline std::vector<float> llama3_rope_freq_factors(const rope_config& r) {
  rope_config plain = r;
  plain.scaling = rope_scaling_kind::none;
  plain.freq_factors.clear();
  rope_config scaled = r;
  scaled.freq_factors.clear();
  const auto a = rope_inverse_frequencies(plain);
  const auto b = rope_inverse_frequencies(scaled);
  std::vector<float> out(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) out[i] = static_cast<float>(a[i] / b[i]);
  return out;
}

// cos/sin of every (position, frequency): two [n_positions][rotary_dim/2] tables, row-major.
struct rope_table {
  std::int64_t half = 0;
  std::vector<float> cos, sin;

  void compute(const std::vector<double>& inv_freq, const std::int64_t* positions,
               std::size_t n_positions) {
    half = static_cast<std::int64_t>(inv_freq.size());
    cos.resize(n_positions * inv_freq.size());
    sin.resize(n_positions * inv_freq.size());
    for (std::size_t p = 0; p < n_positions; ++p)
      for (std::size_t i = 0; i < inv_freq.size(); ++i) {
        const double a = static_cast<double>(positions[p]) * inv_freq[i];
        cos[p * inv_freq.size() + i] = static_cast<float>(std::cos(a));
        sin[p * inv_freq.size() + i] = static_cast<float>(std::sin(a));
      }
  }
};

}  // namespace flipside
