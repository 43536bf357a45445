// Loading f32 / f16 / bf16 storage into f32 batches, storing back, and bulk conversion.
//
//   load_as_f32<Arch>(const T* p)   → batch<float, Arch> of p[0 .. lanes)   (T = float, f16, bf16)
//   store_from_f32<Arch>(T* p, v)   p[0 .. lanes) = round-to-nearest-even(v)
//   convert<Arch>(const S* src, D* dst, n)   dst[i] = D(src[i]), bit-identical to the scalar
//                                             f16_to_f32 / f32_to_f16 / bf16_to_f32 / f32_to_bf16
//
// f16 uses F16C (vcvtph2ps / vcvtps2ph) when the compiler targets it, bf16 is a 16-bit shift of
// the binary32 pattern (with integer round-to-nearest-even on the way down). Raw intrinsics live
// only in the per-arch overloads below; kernels call load_as_f32 / store_from_f32.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include <flipside/simd/arch.hpp>
#include <flipside/simd/half.hpp>

namespace flipside::simd {

namespace detail {

// Portable fallbacks: go through a lane array (any arch, any compiler flags).
template <class Arch, class T>
inline xsimd::batch<float, Arch> load_lanes(const T* p, xsimd::generic) noexcept {
  constexpr std::size_t L = xsimd::batch<float, Arch>::size;
  alignas(64) float lanes[L];
  for (std::size_t i = 0; i < L; ++i) lanes[i] = to_f32(p[i]);
  return xsimd::batch<float, Arch>::load_aligned(lanes);
}

template <class Arch, class T>
inline void store_lanes(T* p, const xsimd::batch<float, Arch>& v, xsimd::generic) noexcept {
  constexpr std::size_t L = xsimd::batch<float, Arch>::size;
  alignas(64) float lanes[L];
  v.store_aligned(lanes);
  for (std::size_t i = 0; i < L; ++i) p[i] = from_f32<T>(lanes[i]);
}

// ---- f16 ---------------------------------------------------------------------------------------
template <class Arch>
inline xsimd::batch<float, Arch> load_f16(const f16* p, xsimd::generic g) noexcept {
  return load_lanes<Arch>(p, g);
}
template <class Arch>
inline void store_f16(f16* p, const xsimd::batch<float, Arch>& v, xsimd::generic g) noexcept {
  store_lanes<Arch>(p, v, g);
}

#if defined(__F16C__) && XSIMD_WITH_SSE4_1
template <class Arch>
inline xsimd::batch<float, Arch> load_f16(const f16* p, xsimd::sse4_1) noexcept {
  return _mm_cvtph_ps(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
}
template <class Arch>
inline void store_f16(f16* p, const xsimd::batch<float, Arch>& v, xsimd::sse4_1) noexcept {
  _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
}
#endif
#if defined(__F16C__) && XSIMD_WITH_AVX
template <class Arch>
inline xsimd::batch<float, Arch> load_f16(const f16* p, xsimd::avx) noexcept {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
template <class Arch>
inline void store_f16(f16* p, const xsimd::batch<float, Arch>& v, xsimd::avx) noexcept {
  _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
}
#endif
FLIPSIDE_AVX512_INTRINSICS_BEGIN  // GCC bug 105593, see simd/arch.hpp
#if XSIMD_WITH_AVX512F
template <class Arch>
inline xsimd::batch<float, Arch> load_f16(const f16* p, xsimd::avx512f) noexcept {
  return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}
template <class Arch>
inline void store_f16(f16* p, const xsimd::batch<float, Arch>& v, xsimd::avx512f) noexcept {
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
}
#endif

// ---- bf16 --------------------------------------------------------------------------------------
template <class Arch>
inline xsimd::batch<float, Arch> load_bf16(const bf16* p, xsimd::generic g) noexcept {
  return load_lanes<Arch>(p, g);
}

#if XSIMD_WITH_SSE4_1
template <class Arch>
inline xsimd::batch<float, Arch> load_bf16(const bf16* p, xsimd::sse4_1) noexcept {
  const __m128i w = _mm_cvtepu16_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
  return _mm_castsi128_ps(_mm_slli_epi32(w, 16));
}
#endif
#if XSIMD_WITH_AVX2
template <class Arch>
inline xsimd::batch<float, Arch> load_bf16(const bf16* p, xsimd::avx2) noexcept {
  const __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  return _mm256_castsi256_ps(_mm256_slli_epi32(w, 16));
}
#endif
#if XSIMD_WITH_AVX512F
template <class Arch>
inline xsimd::batch<float, Arch> load_bf16(const bf16* p, xsimd::avx512f) noexcept {
  const __m512i w = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  return _mm512_castsi512_ps(_mm512_slli_epi32(w, 16));
}
#endif
FLIPSIDE_AVX512_INTRINSICS_END

// f32 → bf16 with integer round-to-nearest-even in xsimd lanes; the final 32 → 16 narrowing goes
// through a lane array (this direction only writes KV-cache rows and converted weights).
template <class Arch>
inline void store_bf16(bf16* p, const xsimd::batch<float, Arch>& v) noexcept {
  using u32 = xsimd::batch<std::uint32_t, Arch>;
  constexpr std::size_t L = xsimd::batch<float, Arch>::size;
  const u32 x = xsimd::bitwise_cast<u32>(v);
  const u32 rounded = (x + u32(0x7fffu) + ((x >> 16) & u32(1u))) >> 16;
  const u32 quiet_nan = (x >> 16) | u32(0x40u);
  // (select on float lanes: xsimd 8.1's integer select does not compile for avx512bw)
  using f32 = xsimd::batch<float, Arch>;
  const u32 r = xsimd::bitwise_cast<u32>(xsimd::select(
      xsimd::isnan(v), xsimd::bitwise_cast<f32>(quiet_nan), xsimd::bitwise_cast<f32>(rounded)));
  alignas(64) std::uint32_t lanes[L];
  r.store_aligned(lanes);
  for (std::size_t i = 0; i < L; ++i) p[i].bits = static_cast<std::uint16_t>(lanes[i]);
}

}  // namespace detail

template <class Arch = default_arch>
inline xsimd::batch<float, Arch> load_as_f32(const float* p) noexcept {
  return xsimd::batch<float, Arch>::load_unaligned(p);
}
template <class Arch = default_arch>
inline xsimd::batch<float, Arch> load_as_f32(const f16* p) noexcept {
  return detail::load_f16<Arch>(p, Arch{});
}
template <class Arch = default_arch>
inline xsimd::batch<float, Arch> load_as_f32(const bf16* p) noexcept {
  return detail::load_bf16<Arch>(p, Arch{});
}

template <class Arch = default_arch>
inline void store_from_f32(float* p, const xsimd::batch<float, Arch>& v) noexcept {
  v.store_unaligned(p);
}
template <class Arch = default_arch>
inline void store_from_f32(f16* p, const xsimd::batch<float, Arch>& v) noexcept {
  detail::store_f16<Arch>(p, v, Arch{});
}
template <class Arch = default_arch>
inline void store_from_f32(bf16* p, const xsimd::batch<float, Arch>& v) noexcept {
  detail::store_bf16<Arch>(p, v);
}

// Scalar reference: dst[i] = D(src[i]) element by element.
template <class S, class D>
inline void convert_scalar(const S* src, D* dst, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) dst[i] = from_f32<D>(to_f32(src[i]));
}

// Bulk conversion between float and f16 / bf16 (either direction; float → float copies).
template <class Arch = default_arch, class S, class D>
inline void convert(const S* src, D* dst, std::size_t n) noexcept {
  static_assert(std::is_same<S, float>::value || std::is_same<D, float>::value,
                "convert: one side must be float");
  constexpr std::size_t L = xsimd::batch<float, Arch>::size;
  std::size_t i = 0;
  if (n >= L) FLIPSIDE_SIMD_PATH_HOOK("convert", L);
  for (; i + L <= n; i += L) store_from_f32<Arch>(dst + i, load_as_f32<Arch>(src + i));
  for (; i < n; ++i) dst[i] = from_f32<D>(to_f32(src[i]));
}

}  // namespace flipside::simd
