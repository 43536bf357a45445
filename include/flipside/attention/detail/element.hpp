// KV storage element types and their f32 conversions, private to attention until
// simd/convert.hpp (kernels) lands; then these go away in favour of the shared ones.
// IEEE 754 binary16: 1 sign, 5 exponent (bias 15), 10 mantissa bits; bfloat16: the top 16 bits
// of a binary32. f32 → 16-bit rounds to nearest, ties to even, like F16C's vcvtps2ph and torch.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

namespace flipside::detail {

struct f16_storage {
  std::uint16_t bits;
};
struct bf16_storage {
  std::uint16_t bits;
};

inline float bits_to_f32(std::uint32_t u) noexcept {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
inline std::uint32_t f32_to_bits(float f) noexcept {
  std::uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

inline float to_f32(float x) noexcept { return x; }
inline float to_f32(bf16_storage x) noexcept { return bits_to_f32(std::uint32_t(x.bits) << 16); }
inline float to_f32(f16_storage x) noexcept {
  const std::uint32_t sign = std::uint32_t(x.bits & 0x8000u) << 16;
  const std::uint32_t exp = (x.bits >> 10) & 0x1fu;
  std::uint32_t mant = x.bits & 0x3ffu;
  if (exp == 0x1f) return bits_to_f32(sign | 0x7f800000u | (mant << 13));  // inf / nan
  if (exp != 0) return bits_to_f32(sign | ((exp + 112u) << 23) | (mant << 13));
  if (mant == 0) return bits_to_f32(sign);
  // Subnormal: renormalise (value = mant · 2^-24).
  std::uint32_t e = 113;
  while (!(mant & 0x400u)) {
    mant <<= 1;
    --e;
  }
  return bits_to_f32(sign | (e << 23) | ((mant & 0x3ffu) << 13));
}

template <class E>
E from_f32(float x) noexcept;

template <>
inline float from_f32<float>(float x) noexcept {
  return x;
}
template <>
inline bf16_storage from_f32<bf16_storage>(float x) noexcept {
  std::uint32_t u = f32_to_bits(x);
  if ((u & 0x7fffffffu) > 0x7f800000u) return {std::uint16_t((u >> 16) | 0x40u)};  // quiet nan
  u += 0x7fffu + ((u >> 16) & 1u);
  return {std::uint16_t(u >> 16)};
}
template <>
inline f16_storage from_f32<f16_storage>(float x) noexcept {
  const std::uint32_t u = f32_to_bits(x);
  const std::uint16_t sign = std::uint16_t((u >> 16) & 0x8000u);
  const std::uint32_t a = u & 0x7fffffffu;
  if (a > 0x7f800000u) return {std::uint16_t(sign | 0x7e00u | ((a >> 13) & 0x3ffu))};  // nan
  if (a >= 0x477ff000u) return {std::uint16_t(sign | 0x7c00u)};  // rounds to ≥ 65520: inf
  if (a >= 0x38800000u) {                                        // normal half
    std::uint32_t r = a - 0x38000000u;                           // rebias 127 → 15
    r += 0xfffu + ((r >> 13) & 1u);
    return {std::uint16_t(sign | (r >> 13))};
  }
  if (a < 0x33000000u) return {sign};  // below half the smallest subnormal: ±0
  // Subnormal half: value = m · 2^-24 with m = round(a_value · 2^24).
  const std::uint32_t e = a >> 23;
  const std::uint32_t m = (a & 0x7fffffu) | 0x800000u;
  const std::uint32_t shift = 126 - e;  // 14 … 24 + 1
  const std::uint32_t half_ulp = 1u << (shift - 1);
  std::uint32_t r = m >> shift;
  const std::uint32_t rem = m & ((1u << shift) - 1u);
  if (rem > half_ulp || (rem == half_ulp && (r & 1u))) ++r;
  return {std::uint16_t(sign | r)};
}

template <class E>
inline constexpr bool is_kv_element =
    std::is_same_v<E, float> || std::is_same_v<E, f16_storage> || std::is_same_v<E, bf16_storage>;

// dst[i] = float(src[i]), i < n.
template <class E>
inline void convert_to_f32(const E* src, float* dst, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) dst[i] = to_f32(src[i]);
}
template <class E>
inline void convert_from_f32(const float* src, E* dst, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) dst[i] = from_f32<E>(src[i]);
}

}  // namespace flipside::detail
