// Normalisations over one row (hidden vector) of n floats, weights of element type f32/f16/bf16.
//
//   rmsnorm:          y = x / sqrt(mean(x²) + eps) ⊙ w          (Zhang & Sennrich 2019; LLaMA)
//   rmsnorm_plus_one: y = x / sqrt(mean(x²) + eps) ⊙ (1 + w)    (Gemma stores w − 1)
//   layernorm:        y = (x − μ) / sqrt(σ² + eps) ⊙ w + b       (Ba et al. 2016; GPT-2)
//                     μ = mean(x), σ² = mean((x − μ)²)  (two passes: no cancellation)
//
// As in HF transformers, x is first scaled by the inverse RMS / std and then multiplied by the
// weight. w (and b) may be null: no scale (no bias). y may alias x.
#pragma once

#include <cmath>
#include <cstddef>

#include <flipside/simd/arch.hpp>
#include <flipside/simd/convert.hpp>

namespace flipside::simd {

namespace detail {

template <class Arch>
inline float sum_squares(const float* x, std::size_t n, float shift) noexcept {
  using batch = xsimd::batch<float, Arch>;
  constexpr std::size_t L = batch::size;
  const batch vs(shift);
  batch acc0(0.0f), acc1(0.0f);
  std::size_t i = 0;
  for (; i + 2 * L <= n; i += 2 * L) {
    const batch d0 = batch::load_unaligned(x + i) - vs, d1 = batch::load_unaligned(x + i + L) - vs;
    acc0 = fmadd<Arch>(d0, d0, acc0);
    acc1 = fmadd<Arch>(d1, d1, acc1);
  }
  if (i + L <= n) {
    const batch d0 = batch::load_unaligned(x + i) - vs;
    acc0 = fmadd<Arch>(d0, d0, acc0);
    i += L;
  }
  float s = reduce_add(acc0 + acc1);
  for (; i < n; ++i) s = std::fma(x[i] - shift, x[i] - shift, s);
  return s;
}

template <class Arch>
inline float sum(const float* x, std::size_t n) noexcept {
  using batch = xsimd::batch<float, Arch>;
  constexpr std::size_t L = batch::size;
  batch acc0(0.0f), acc1(0.0f);
  std::size_t i = 0;
  for (; i + 2 * L <= n; i += 2 * L) {
    acc0 += batch::load_unaligned(x + i);
    acc1 += batch::load_unaligned(x + i + L);
  }
  if (i + L <= n) {
    acc0 += batch::load_unaligned(x + i);
    i += L;
  }
  float s = reduce_add(acc0 + acc1);
  for (; i < n; ++i) s += x[i];
  return s;
}

// y = ((x − shift) · r) ⊙ (offset + w) + b; null w → no scale, null b → no bias.
template <class Arch, class T>
inline void normalize_affine(const float* x, float shift, float r, const T* w, float offset,
                             const T* b, float* y, std::size_t n) noexcept {
  using batch = xsimd::batch<float, Arch>;
  constexpr std::size_t L = batch::size;
  const batch vs(shift), vr(r), voff(offset);
  std::size_t i = 0;
  if (n >= L) FLIPSIDE_SIMD_PATH_HOOK("normalize", L);
  for (; i + L <= n; i += L) {
    batch v = (batch::load_unaligned(x + i) - vs) * vr;
    if (w) v *= voff + load_as_f32<Arch>(w + i);
    if (b) v += load_as_f32<Arch>(b + i);
    v.store_unaligned(y + i);
  }
  for (; i < n; ++i) {
    float v = (x[i] - shift) * r;
    if (w) v *= offset + to_f32(w[i]);
    if (b) v += to_f32(b[i]);
    y[i] = v;
  }
}

}  // namespace detail

template <class T>
inline void rmsnorm_scalar(const float* x, const T* w, float* y, std::size_t n, float eps,
                           float offset = 0.0f) noexcept {
  float ss = 0.0f;
  for (std::size_t i = 0; i < n; ++i) ss += x[i] * x[i];
  const float r = 1.0f / std::sqrt(ss / static_cast<float>(n) + eps);
  for (std::size_t i = 0; i < n; ++i) y[i] = x[i] * r * (w ? offset + to_f32(w[i]) : 1.0f);
}

template <class Arch = default_arch, class T>
inline void rmsnorm(const float* x, const T* w, float* y, std::size_t n, float eps) noexcept {
  if (n == 0) return;
  const float ms = detail::sum_squares<Arch>(x, n, 0.0f) / static_cast<float>(n);
  detail::normalize_affine<Arch>(x, 0.0f, 1.0f / std::sqrt(ms + eps), w, 0.0f,
                                 static_cast<const T*>(nullptr), y, n);
}

template <class Arch = default_arch, class T>
inline void rmsnorm_plus_one(const float* x, const T* w, float* y, std::size_t n,
                             float eps) noexcept {
  if (n == 0) return;
  const float ms = detail::sum_squares<Arch>(x, n, 0.0f) / static_cast<float>(n);
  detail::normalize_affine<Arch>(x, 0.0f, 1.0f / std::sqrt(ms + eps), w, 1.0f,
                                 static_cast<const T*>(nullptr), y, n);
}

template <class T>
inline void layernorm_scalar(const float* x, const T* w, const T* b, float* y, std::size_t n,
                             float eps) noexcept {
  float s = 0.0f;
  for (std::size_t i = 0; i < n; ++i) s += x[i];
  const float mu = s / static_cast<float>(n);
  float ss = 0.0f;
  for (std::size_t i = 0; i < n; ++i) ss += (x[i] - mu) * (x[i] - mu);
  const float r = 1.0f / std::sqrt(ss / static_cast<float>(n) + eps);
  for (std::size_t i = 0; i < n; ++i)
    y[i] = (x[i] - mu) * r * (w ? to_f32(w[i]) : 1.0f) + (b ? to_f32(b[i]) : 0.0f);
}

template <class Arch = default_arch, class T>
inline void layernorm(const float* x, const T* w, const T* b, float* y, std::size_t n,
                      float eps) noexcept {
  if (n == 0) return;
  const float mu = detail::sum<Arch>(x, n) / static_cast<float>(n);
  const float var = detail::sum_squares<Arch>(x, n, mu) / static_cast<float>(n);
  detail::normalize_affine<Arch>(x, mu, 1.0f / std::sqrt(var + eps), w, 0.0f, b, y, n);
}

}  // namespace flipside::simd
