// Dot product of an f32 vector with an f32 / f16 / bf16 vector.
//
//   a: [n] float, b: [n] T (float, f16, bf16)      s = Σ_i a[i] · b[i]
//
// Four vector accumulators hide the FMA latency; they are combined in a fixed order and the
// scalar tail is added last, so the result depends only on (a, b, n, Arch).
#pragma once

#include <cmath>
#include <cstddef>

#include <flipside/simd/arch.hpp>
#include <flipside/simd/convert.hpp>

namespace flipside::simd {

template <class T>
inline float dot_scalar(const float* a, const T* b, std::size_t n) noexcept {
  float s = 0.0f;
  for (std::size_t i = 0; i < n; ++i) s += a[i] * to_f32(b[i]);
  return s;
}

template <class Arch = default_arch, class T>
inline float dot(const float* a, const T* b, std::size_t n) noexcept {
  using batch = xsimd::batch<float, Arch>;
  constexpr std::size_t L = batch::size;
  std::size_t i = 0;
  float s = 0.0f;
  if (n >= L) {
    FLIPSIDE_SIMD_PATH_HOOK("dot", L);
    batch acc0(0.0f), acc1(0.0f), acc2(0.0f), acc3(0.0f);
    for (; i + 4 * L <= n; i += 4 * L) {
      acc0 = fmadd<Arch>(batch::load_unaligned(a + i), load_as_f32<Arch>(b + i), acc0);
      acc1 = fmadd<Arch>(batch::load_unaligned(a + i + L), load_as_f32<Arch>(b + i + L), acc1);
      acc2 =
          fmadd<Arch>(batch::load_unaligned(a + i + 2 * L), load_as_f32<Arch>(b + i + 2 * L), acc2);
      acc3 =
          fmadd<Arch>(batch::load_unaligned(a + i + 3 * L), load_as_f32<Arch>(b + i + 3 * L), acc3);
    }
    for (; i + L <= n; i += L)
      acc0 = fmadd<Arch>(batch::load_unaligned(a + i), load_as_f32<Arch>(b + i), acc0);
    s = reduce_add((acc0 + acc1) + (acc2 + acc3));
  }
  for (; i < n; ++i) s = std::fma(a[i], to_f32(b[i]), s);
  return s;
}

}  // namespace flipside::simd
