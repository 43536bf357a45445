// Numerically stable softmax, log-softmax and log-sum-exp over one row.
//
//   x: [n] float,  m = max_i x[i]
//   logsumexp(x) = m + log Σ_i exp(x[i] − m)
//   softmax:     y[i] = exp(x[i] − m) / Σ_j exp(x[j] − m)
//   log_softmax: y[i] = x[i] − logsumexp(x)
//
// Subtracting the maximum keeps every exponent ≤ 0 (no overflow, the largest term is exactly 1).
// A row that is entirely −inf (every position masked) has no distribution: logsumexp is −inf,
// softmax writes zeros and log_softmax writes −inf, instead of the NaNs of (−inf) − (−inf).
// y may alias x.
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>

#include <flipside/simd/arch.hpp>

namespace flipside::simd {

inline float max_of_scalar(const float* x, std::size_t n) noexcept {
  float m = -std::numeric_limits<float>::infinity();
  for (std::size_t i = 0; i < n; ++i) m = x[i] > m ? x[i] : m;
  return m;
}

template <class Arch = default_arch>
inline float max_of(const float* x, std::size_t n) noexcept {
  using batch = xsimd::batch<float, Arch>;
  constexpr std::size_t L = batch::size;
  float m = -std::numeric_limits<float>::infinity();
  std::size_t i = 0;
  if (n >= L) {
    FLIPSIDE_SIMD_PATH_HOOK("max_of", L);
    batch vm = batch::load_unaligned(x);
    for (i = L; i + L <= n; i += L) vm = xsimd::max(vm, batch::load_unaligned(x + i));
    m = reduce_max(vm);
  }
  for (; i < n; ++i) m = x[i] > m ? x[i] : m;
  return m;
}

namespace detail {

// Σ exp(x[i] − m); when y is non-null also stores each term in y.
template <class Arch>
inline float sum_exp(const float* x, float m, float* y, std::size_t n) noexcept {
  using batch = xsimd::batch<float, Arch>;
  constexpr std::size_t L = batch::size;
  const batch vm(m);
  batch acc0(0.0f), acc1(0.0f);
  std::size_t i = 0;
  if (n >= L) FLIPSIDE_SIMD_PATH_HOOK("sum_exp", L);
  for (; i + 2 * L <= n; i += 2 * L) {
    const batch e0 = xsimd::exp(batch::load_unaligned(x + i) - vm);
    const batch e1 = xsimd::exp(batch::load_unaligned(x + i + L) - vm);
    if (y) {
      e0.store_unaligned(y + i);
      e1.store_unaligned(y + i + L);
    }
    acc0 += e0;
    acc1 += e1;
  }
  if (i + L <= n) {
    const batch e0 = xsimd::exp(batch::load_unaligned(x + i) - vm);
    if (y) e0.store_unaligned(y + i);
    acc0 += e0;
    i += L;
  }
  float s = reduce_add(acc0 + acc1);
  for (; i < n; ++i) {
    const float e = std::exp(x[i] - m);
    if (y) y[i] = e;
    s += e;
  }
  return s;
}

}  // namespace detail

inline float logsumexp_scalar(const float* x, std::size_t n) noexcept {
  const float m = max_of_scalar(x, n);
  if (m == -std::numeric_limits<float>::infinity()) return m;
  float s = 0.0f;
  for (std::size_t i = 0; i < n; ++i) s += std::exp(x[i] - m);
  return m + std::log(s);
}

template <class Arch = default_arch>
inline float logsumexp(const float* x, std::size_t n) noexcept {
  const float m = max_of<Arch>(x, n);
  if (m == -std::numeric_limits<float>::infinity()) return m;
  return m + std::log(detail::sum_exp<Arch>(x, m, nullptr, n));
}

inline void softmax_scalar(const float* x, float* y, std::size_t n) noexcept {
  const float m = max_of_scalar(x, n);
  if (m == -std::numeric_limits<float>::infinity()) {
    for (std::size_t i = 0; i < n; ++i) y[i] = 0.0f;
    return;
  }
  float s = 0.0f;
  for (std::size_t i = 0; i < n; ++i) s += (y[i] = std::exp(x[i] - m));
  const float inv = 1.0f / s;
  for (std::size_t i = 0; i < n; ++i) y[i] *= inv;
}

template <class Arch = default_arch>
inline void softmax(const float* x, float* y, std::size_t n) noexcept {
  using batch = xsimd::batch<float, Arch>;
  constexpr std::size_t L = batch::size;
  const float m = max_of<Arch>(x, n);
  if (m == -std::numeric_limits<float>::infinity()) {
    for (std::size_t i = 0; i < n; ++i) y[i] = 0.0f;
    return;
  }
  const float inv = 1.0f / detail::sum_exp<Arch>(x, m, y, n);
  const batch vinv(inv);
  std::size_t i = 0;
  for (; i + L <= n; i += L) (batch::load_unaligned(y + i) * vinv).store_unaligned(y + i);
  for (; i < n; ++i) y[i] *= inv;
}

inline void log_softmax_scalar(const float* x, float* y, std::size_t n) noexcept {
  const float lse = logsumexp_scalar(x, n);
  for (std::size_t i = 0; i < n; ++i)
    y[i] = lse == -std::numeric_limits<float>::infinity() ? lse : x[i] - lse;
}

template <class Arch = default_arch>
inline void log_softmax(const float* x, float* y, std::size_t n) noexcept {
  using batch = xsimd::batch<float, Arch>;
  constexpr std::size_t L = batch::size;
  const float lse = logsumexp<Arch>(x, n);
  if (lse == -std::numeric_limits<float>::infinity()) {
    for (std::size_t i = 0; i < n; ++i) y[i] = lse;
    return;
  }
  const batch vl(lse);
  std::size_t i = 0;
  for (; i + L <= n; i += L) (batch::load_unaligned(x + i) - vl).store_unaligned(y + i);
  for (; i < n; ++i) y[i] = x[i] - lse;
}

}  // namespace flipside::simd
