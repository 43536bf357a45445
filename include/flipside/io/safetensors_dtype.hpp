// safetensors dtype strings ("F32", "BF16", …; safetensors format spec, huggingface/safetensors
// README) mapped onto flipside::dtype and back.
#pragma once

#include <optional>
#include <string_view>

#include <flipside/core/dtype.hpp>

namespace flipside {

// The flipside::dtype of a safetensors dtype string, or nullopt if flipside has no such type.
inline std::optional<dtype> dtype_from_safetensors(std::string_view s) noexcept {
  if (s == "F32") return dtype::f32;
  if (s == "F16") return dtype::f16;
  if (s == "BF16") return dtype::bf16;
  if (s == "F64") return dtype::f64;
  if (s == "I64") return dtype::i64;
  if (s == "I32") return dtype::i32;
  if (s == "I16") return dtype::i16;
  if (s == "I8") return dtype::i8;
  if (s == "U8") return dtype::u8;
  if (s == "BOOL") return dtype::boolean;
  return std::nullopt;
}

// Valid safetensors dtypes that flipside does not represent (a clear "unsupported" rather than a
// "malformed" error).
inline bool is_known_safetensors_dtype(std::string_view s) noexcept {
  for (std::string_view k :
       {"U16", "U32", "U64", "F8_E4M3", "F8_E5M2", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2", "C64"}) {
    if (s == k) return true;
  }
  return dtype_from_safetensors(s).has_value();
}

// The safetensors spelling of a dtype, or nullopt for types safetensors cannot hold (quantized).
inline std::optional<std::string_view> safetensors_dtype_name(dtype t) noexcept {
  switch (t) {
    case dtype::f32:
      return "F32";
    case dtype::f16:
      return "F16";
    case dtype::bf16:
      return "BF16";
    case dtype::f64:
      return "F64";
    case dtype::i64:
      return "I64";
    case dtype::i32:
      return "I32";
    case dtype::i16:
      return "I16";
    case dtype::i8:
      return "I8";
    case dtype::u8:
      return "U8";
    case dtype::boolean:
      return "BOOL";
    default:
      return std::nullopt;
  }
}

}  // namespace flipside
