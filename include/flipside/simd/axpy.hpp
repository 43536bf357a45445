// Vector updates: y += α·x (x of element type f32 / f16 / bf16) and x *= α.
//
//   axpy:  x: [n] T, y: [n] float      y[i] = y[i] + α · x[i]      (one fused multiply-add)
//   scale: x: [n] float                x[i] = α · x[i]
//
// Element-wise: every output depends on its own inputs only, so the vector and scalar paths
// differ at most by the fused vs separate rounding of α·x + y.
#pragma once

#include <cmath>
#include <cstddef>

#include <flipside/simd/arch.hpp>
#include <flipside/simd/convert.hpp>

namespace flipside::simd {

template <class T>
inline void axpy_scalar(float alpha, const T* x, float* y, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) y[i] += alpha * to_f32(x[i]);
}

template <class Arch = default_arch, class T>
inline void axpy(float alpha, const T* x, float* y, std::size_t n) noexcept {
  using batch = xsimd::batch<float, Arch>;
  constexpr std::size_t L = batch::size;
  const batch va(alpha);
  std::size_t i = 0;
  if (n >= L) FLIPSIDE_SIMD_PATH_HOOK("axpy", L);
  for (; i + L <= n; i += L)
    fmadd<Arch>(va, load_as_f32<Arch>(x + i), batch::load_unaligned(y + i)).store_unaligned(y + i);
  for (; i < n; ++i) y[i] = std::fma(alpha, to_f32(x[i]), y[i]);
}

inline void scale_scalar(float alpha, float* x, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) x[i] *= alpha;
}

template <class Arch = default_arch>
inline void scale(float alpha, float* x, std::size_t n) noexcept {
  using batch = xsimd::batch<float, Arch>;
  constexpr std::size_t L = batch::size;
  const batch va(alpha);
  std::size_t i = 0;
  if (n >= L) FLIPSIDE_SIMD_PATH_HOOK("scale", L);
  for (; i + L <= n; i += L) (va * batch::load_unaligned(x + i)).store_unaligned(x + i);
  for (; i < n; ++i) x[i] *= alpha;
}

}  // namespace flipside::simd
