// IEEE binary16 and bfloat16 scalars as they appear inside GGUF blocks (block scales, F16/BF16
// tensors), read from unaligned little-endian bytes. Conversions are the exact ones of
// simd/half.hpp (F16C for decoding when the target has it — same result, one instruction): a block
// scale decodes to the same float as ggml's GGML_FP16_TO_FP32, and encoding rounds to nearest even
// like GGML_FP32_TO_FP16 (NaN payloads aside: ggml-base writes 0x7E00 for every NaN).
#pragma once

#include <cstdint>
#include <cstring>

#include <flipside/simd/half.hpp>
#include <flipside/simd/int8_dot.hpp>

namespace flipside::quant {

inline float f16_to_f32(std::uint16_t h) noexcept { return simd::int8::half_to_float(h); }
inline std::uint16_t f32_to_f16(float f) noexcept { return simd::f32_to_f16(f).bits; }
inline float bf16_to_f32(std::uint16_t h) noexcept { return simd::bf16_to_f32(bf16{h}); }
inline std::uint16_t f32_to_bf16(float f) noexcept { return simd::f32_to_bf16(f).bits; }

// Little-endian loads from unaligned bytes (blocks are byte-packed; file offsets need not be
// aligned, so fields are never accessed through wider pointer types).
inline std::uint16_t load_u16(const std::uint8_t* p) noexcept {
  std::uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}
inline std::uint32_t load_u32(const std::uint8_t* p) noexcept {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline float load_f16(const std::uint8_t* p) noexcept { return f16_to_f32(load_u16(p)); }
inline float load_f32(const std::uint8_t* p) noexcept {
  float v;
  std::memcpy(&v, p, 4);
  return v;
}
inline void store_f16(std::uint8_t* p, float f) noexcept {
  const std::uint16_t h = f32_to_f16(f);
  std::memcpy(p, &h, 2);
}

}  // namespace flipside::quant
