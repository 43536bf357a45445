// 16-bit floating-point storage types and their exact scalar conversions.
//
// `f16` is IEEE 754 binary16 (1 sign, 5 exponent, 10 mantissa bits); `bf16` is bfloat16, the top
// half of a binary32 (1, 8, 7). Both are plain 2-byte wrappers around the bit pattern, so a model
// file's bytes can be viewed as `const f16*` / `const bf16*`, and kernels take the element type as
// a template parameter (f32 / f16 / bf16) without confusing the two 16-bit formats.
//
// Rounding f32 → 16 bits is round-to-nearest-even, bit-identical to the F16C instruction
// `vcvtps2ph` (imm = nearest) and to ggml / PyTorch for bf16; NaNs stay NaN (quietened, payload
// truncated), overflow goes to ±inf, binary16 subnormals are produced and read exactly.
#pragma once

#include <cstdint>
#include <cstring>

namespace flipside {

struct f16 {
  std::uint16_t bits;
};

struct bf16 {
  std::uint16_t bits;
};

static_assert(sizeof(f16) == 2 && sizeof(bf16) == 2, "16-bit storage types must be 2 bytes");

namespace simd {

inline std::uint32_t f32_bits(float f) noexcept {
  std::uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

inline float f32_from_bits(std::uint32_t u) noexcept {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

// binary16 → binary32 is exact: rebias the exponent (15 → 127), widen the mantissa (10 → 23 bits).
inline float f16_to_f32(f16 h) noexcept {
  const std::uint32_t sign = std::uint32_t(h.bits & 0x8000u) << 16;
  const std::uint32_t exp = (h.bits >> 10) & 0x1fu;
  const std::uint32_t man = h.bits & 0x3ffu;
  if (exp == 0x1f) return f32_from_bits(sign | 0x7f800000u | (man << 13));  // inf / NaN
  if (exp != 0) return f32_from_bits(sign | ((exp + 112u) << 23) | (man << 13));
  // Zero or subnormal: man · 2^-24, exact in binary32.
  const float mag = static_cast<float>(man) * 5.9604644775390625e-8f;
  return f32_from_bits(sign | f32_bits(mag));
}

// binary32 → binary16, round to nearest, ties to even.
inline f16 f32_to_f16(float f) noexcept {
  const std::uint32_t x = f32_bits(f);
  const std::uint16_t sign = static_cast<std::uint16_t>((x >> 16) & 0x8000u);
  const std::uint32_t ax = x & 0x7fffffffu;
  if (ax >= 0x7f800000u) {  // inf stays inf; NaN keeps its top payload bits and becomes quiet
    const std::uint32_t nan = ax > 0x7f800000u ? (0x200u | ((ax >> 13) & 0x3ffu)) : 0u;
    return f16{static_cast<std::uint16_t>(sign | 0x7c00u | nan)};
  }
  if (ax >= 0x477ff000u) return f16{static_cast<std::uint16_t>(sign | 0x7c00u)};  // ≥ 65520 → inf
  if (ax < 0x38800000u) {
    // Result is subnormal (|f| < 2^-14): adding 0.5 puts the binary16 subnormal quantum (2^-24)
    // at the last mantissa bit of the sum, so the FPU's own round-to-nearest-even does the
    // rounding; subtracting the bits of 0.5 leaves the binary16 mantissa.
    const float sum = f32_from_bits(ax) + 0.5f;
    return f16{static_cast<std::uint16_t>(sign | (f32_bits(sum) - 0x3f000000u))};
  }
  // Normal: rebias the exponent (127 → 15), then round the 13 dropped bits to nearest-even by
  // adding 0x0fff plus the lowest kept bit (a carry into the exponent is the correct rounding).
  const std::uint32_t odd = (ax >> 13) & 1u;
  const std::uint32_t r = ax - ((127u - 15u) << 23) + 0x0fffu + odd;
  return f16{static_cast<std::uint16_t>(sign | (r >> 13))};
}

inline float bf16_to_f32(bf16 h) noexcept { return f32_from_bits(std::uint32_t(h.bits) << 16); }

// binary32 → bfloat16, round to nearest, ties to even; NaN → quiet NaN (as PyTorch and ggml).
inline bf16 f32_to_bf16(float f) noexcept {
  const std::uint32_t x = f32_bits(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return bf16{static_cast<std::uint16_t>((x >> 16) | 0x40u)};
  const std::uint32_t r = x + 0x7fffu + ((x >> 16) & 1u);
  return bf16{static_cast<std::uint16_t>(r >> 16)};
}

// Uniform spelling for generic scalar code: to_f32(x) for float / f16 / bf16 elements.
inline float to_f32(float x) noexcept { return x; }
inline float to_f32(f16 x) noexcept { return f16_to_f32(x); }
inline float to_f32(bf16 x) noexcept { return bf16_to_f32(x); }

// from_f32<T>(x): the nearest T (identity for float).
template <class T>
T from_f32(float x) noexcept;
template <>
inline float from_f32<float>(float x) noexcept {
  return x;
}
template <>
inline f16 from_f32<f16>(float x) noexcept {
  return f32_to_f16(x);
}
template <>
inline bf16 from_f32<bf16>(float x) noexcept {
  return f32_to_bf16(x);
}

}  // namespace simd
}  // namespace flipside
