// The one place that knows which xsimd we build against. Kernels take the SIMD architecture as a
// template parameter defaulting to the best one the compiler targets (xsimd's `default_arch`),
// and use only the helpers below for operations whose spelling differs between xsimd versions.
// Debian 12 ships xsimd 8.1: horizontal sum is `hadd` (later versions: `reduce_add`), and the
// free `load_unaligned` with an explicit arch is unreliable, so we use the member functions.
#pragma once

#include <cstddef>
#include <tuple>
#include <type_traits>

// GCC 12's AVX-512 intrinsic headers make their "undefined" vectors by self-initialisation
// (`__m512 __Y = __Y;`), which -O2 and above report as (maybe-)uninitialized wherever such an
// intrinsic is inlined (GCC bug 105593, fixed in GCC 13). GCC looks up diagnostic pragmas at each
// location of the inlining chain, so the two warnings are silenced for the system headers
// included here and, between these two macros, for our code that calls such intrinsics (when
// another header included <immintrin.h> first); everything else keeps them.
#if defined(__GNUC__) && !defined(__clang__)
#define FLIPSIDE_AVX512_INTRINSICS_BEGIN                                               \
  _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wuninitialized\"") \
      _Pragma("GCC diagnostic ignored \"-Wmaybe-uninitialized\"")
#define FLIPSIDE_AVX512_INTRINSICS_END _Pragma("GCC diagnostic pop")
#else
#define FLIPSIDE_AVX512_INTRINSICS_BEGIN
#define FLIPSIDE_AVX512_INTRINSICS_END
#endif

FLIPSIDE_AVX512_INTRINSICS_BEGIN
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif
#include <xsimd/xsimd.hpp>
FLIPSIDE_AVX512_INTRINSICS_END

// Instrumentation hook: every kernel calls FLIPSIDE_SIMD_PATH_HOOK("name", lanes) once per call
// when its vector loop runs. It compiles to nothing unless a program defines it before including
// any flipside header (the simd tests do, consistently in every translation unit of test_simd, to
// check that the vector path — not the scalar tail — does the work for each compiled arch).
#ifndef FLIPSIDE_SIMD_PATH_HOOK
#define FLIPSIDE_SIMD_PATH_HOOK(kernel, lanes) ((void)0)
#endif

namespace flipside::simd {

using default_arch = xsimd::default_arch;

template <class Arch = default_arch>
using f32_batch = xsimd::batch<float, Arch>;

// The 8-lane arch inside a 16-lane one (AVX-512 → AVX2 with FMA; any other arch: itself). Some
// reductions are cheaper at half width on the same core: a horizontal sum of 8 lanes costs about
// half one of 16 while the FMAs feeding it run at the same throughput (Zen 4 splits 512-bit ops
// into two 256-bit halves).
template <class Arch, class = void>
struct half_width {
  using type = Arch;
};
#if XSIMD_WITH_AVX512F && XSIMD_WITH_FMA3_AVX2
template <class Arch>
struct half_width<Arch, std::enable_if_t<std::is_base_of_v<xsimd::avx512f, Arch>>> {
  using type = xsimd::fma3<xsimd::avx2>;
};
#endif
template <class Arch>
using half_width_t = typename half_width<Arch>::type;

// Number of float lanes of Arch.
template <class Arch = default_arch>
inline constexpr std::size_t f32_lanes = xsimd::batch<float, Arch>::size;

template <class Arch>
inline xsimd::batch<float, Arch> load(const float* p) noexcept {
  return xsimd::batch<float, Arch>::load_unaligned(p);
}

template <class Arch>
inline void store(float* p, const xsimd::batch<float, Arch>& b) noexcept {
  b.store_unaligned(p);
}

template <class T, class Arch>
inline T reduce_add(const xsimd::batch<T, Arch>& b) noexcept {
#if XSIMD_VERSION_MAJOR >= 9
  return xsimd::reduce_add(b);
#else
  return xsimd::hadd(b);
#endif
}

// out lane i = Σ lanes of a[i], for i < lanes: one transposing reduction. xsimd 8.1's haddp is
// wrong for AVX-512 (its lanes 2–5 and 10–13 come out permuted), so 16-lane batches fold each
// half onto the other and reduce the two sets of 8 with the 8-lane haddp.
FLIPSIDE_AVX512_INTRINSICS_BEGIN
#if XSIMD_WITH_AVX512F
namespace detail {
// Lane i = v[i] + v[i + 8]: a 16-lane batch folded onto 8 lanes, the first step of haddp / hadd8.
inline xsimd::batch<float, xsimd::avx2> fold_halves(const __m512& v) noexcept {
  const __m256 hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));
  return _mm256_add_ps(_mm512_castps512_ps256(v), hi);
}
}  // namespace detail
#endif

template <class Arch>
inline xsimd::batch<float, Arch> haddp(const xsimd::batch<float, Arch>* a) noexcept {
#if XSIMD_WITH_AVX512F
  if constexpr (std::is_base_of_v<xsimd::avx512f, Arch>) {
    xsimd::batch<float, xsimd::avx2> half[16];
    for (std::size_t i = 0; i < 16; ++i) half[i] = detail::fold_halves(a[i]);
    const __m256 lo8 = xsimd::haddp(half), hi8 = xsimd::haddp(half + 8);
    return _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_castps_pd(lo8)),
                                               _mm256_castps_pd(hi8), 1));
  } else
#endif
  {
    return xsimd::haddp(a);
  }
}

// out[i] = Σ lanes of a[i], for i < 8, of 16-lane batches: each folded onto its low 8 lanes, then
// one 8-lane transposing reduction. Decode attention's 4×2 score kernel reduces 8 accumulators per
// key pair; 8 separate horizontal sums were ~a third of its in-cache time on Zen 4.
template <class Arch>
inline void hadd8(const xsimd::batch<float, Arch>* a, float* out) noexcept {
  static_assert(xsimd::batch<float, Arch>::size == 16, "hadd8: 16-lane batches");
#if XSIMD_WITH_AVX512F
  xsimd::batch<float, xsimd::avx2> half[8];
  for (std::size_t i = 0; i < 8; ++i) half[i] = detail::fold_halves(a[i]);
  xsimd::haddp(half).store_unaligned(out);
#else
  for (std::size_t i = 0; i < 8; ++i) out[i] = reduce_add(a[i]);
#endif
}
FLIPSIDE_AVX512_INTRINSICS_END

// a·b + c with a single rounding whenever the compiler targets FMA. xsimd spells fma for sse4_2
// as a·b + c, which the compiler may or may not contract depending on the inlining context — a
// kernel whose tiles are different instantiations would then give split-dependent results.
template <class Arch>
inline xsimd::batch<float, Arch> fmadd(const xsimd::batch<float, Arch>& a,
                                       const xsimd::batch<float, Arch>& b,
                                       const xsimd::batch<float, Arch>& c) noexcept {
#if defined(__FMA__) && XSIMD_WITH_SSE2
  if constexpr (std::is_base_of<xsimd::sse2, Arch>::value && xsimd::batch<float, Arch>::size == 4)
    return _mm_fmadd_ps(a, b, c);
#endif
  return xsimd::fma(a, b, c);
}

template <class T, class Arch>
inline T reduce_max(const xsimd::batch<T, Arch>& b) noexcept {
  alignas(64) T lanes[xsimd::batch<T, Arch>::size];
  b.store_aligned(lanes);
  T m = lanes[0];
  for (std::size_t i = 1; i < xsimd::batch<T, Arch>::size; ++i) m = lanes[i] > m ? lanes[i] : m;
  return m;
}

// The vector paths tests instantiate each kernel for (Catch2's TEMPLATE_LIST_TEST_CASE): one arch
// per vector width this translation unit was compiled for — 16 lanes (avx512bw), 8 lanes
// (fma3<avx2>), 4 lanes (sse4_2) — so tails of every width are exercised, not only the best path.
template <class Arch>
using if_compiled = std::conditional_t<Arch::supported(), std::tuple<Arch>, std::tuple<>>;

// (sse2 when the compiler targets nothing newer: the x86-64 baseline)
using sse_arch =
    std::conditional_t<xsimd::sse4_2::supported(), xsimd::sse4_2,
                       std::conditional_t<xsimd::sse2::supported(), xsimd::sse2, xsimd::sse4_2>>;

using compiled_archs =
    decltype(std::tuple_cat(if_compiled<xsimd::avx512bw>{}, if_compiled<xsimd::fma3<xsimd::avx2>>{},
                            if_compiled<sse_arch>{}));

}  // namespace flipside::simd
