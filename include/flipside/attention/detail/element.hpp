// KV storage element types of attention and the KV cache: float, or the 16-bit storage types of
// simd/half.hpp (flipside::f16 = IEEE 754 binary16, flipside::bf16 = bfloat16), converted with
// the shared simd conversions (F16C when the target has it; f32 → 16 bits rounds to nearest,
// ties to even, like vcvtps2ph and torch). f16_storage / bf16_storage are the older spellings.
#pragma once

#include <cstddef>
#include <type_traits>

#include <flipside/simd/arch.hpp>
#include <flipside/simd/convert.hpp>
#include <flipside/simd/half.hpp>

namespace flipside::detail {

using f16_storage = flipside::f16;
using bf16_storage = flipside::bf16;

using simd::from_f32;
using simd::to_f32;

template <class E>
inline constexpr bool is_kv_element =
    std::is_same_v<E, float> || std::is_same_v<E, f16> || std::is_same_v<E, bf16>;

// dst[i] = float(src[i]), i < n (vectorised for Arch).
template <class Arch = simd::default_arch, class E>
inline void convert_to_f32(const E* src, float* dst, std::size_t n) noexcept {
  simd::convert<Arch>(src, dst, n);
}
template <class Arch = simd::default_arch, class E>
inline void convert_from_f32(const float* src, E* dst, std::size_t n) noexcept {
  simd::convert<Arch>(src, dst, n);
}

}  // namespace flipside::detail
