// Element types of tensors in model files. The numeric values are ggml's type ids, because GGUF
// stores them verbatim in its tensor infos (ggml.h, `enum ggml_type`); safetensors dtypes map onto
// the same enum. Block types store `block_size` elements in `block_bytes` bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace flipside {

enum class dtype : std::uint32_t {
  f32 = 0,
  f16 = 1,
  q4_0 = 2,
  q4_1 = 3,
  q5_0 = 6,
  q5_1 = 7,
  q8_0 = 8,
  q8_1 = 9,
  q2_k = 10,
  q3_k = 11,
  q4_k = 12,
  q5_k = 13,
  q6_k = 14,
  q8_k = 15,
  iq2_xxs = 16,
  iq2_xs = 17,
  iq3_xxs = 18,
  iq1_s = 19,
  iq4_nl = 20,
  iq3_s = 21,
  iq2_s = 22,
  iq4_xs = 23,
  i8 = 24,
  i16 = 25,
  i32 = 26,
  i64 = 27,
  f64 = 28,
  iq1_m = 29,
  bf16 = 30,
  tq1_0 = 34,
  tq2_0 = 35,
  // Not ggml types: safetensors-only element types, numbered above ggml's range.
  u8 = 1000,
  boolean = 1001,
};

struct dtype_traits {
  std::string_view name;    // ggml's spelling ("q4_K"), or the safetensors one for u8/bool
  std::size_t block_size;   // elements per block (1 for plain types)
  std::size_t block_bytes;  // bytes per block
};

// Traits of a known type, or nullopt for an id this build has never heard of (a hostile or newer
// file): callers turn that into a format_error naming the tensor.
inline std::optional<dtype_traits> traits_of(dtype t) noexcept {
  // One line per type: a table. clang-format would split every case.
  // clang-format off
  switch (t) {
    case dtype::f32: return dtype_traits{"f32", 1, 4};
    case dtype::f16: return dtype_traits{"f16", 1, 2};
    case dtype::bf16: return dtype_traits{"bf16", 1, 2};
    case dtype::f64: return dtype_traits{"f64", 1, 8};
    case dtype::i8: return dtype_traits{"i8", 1, 1};
    case dtype::i16: return dtype_traits{"i16", 1, 2};
    case dtype::i32: return dtype_traits{"i32", 1, 4};
    case dtype::i64: return dtype_traits{"i64", 1, 8};
    case dtype::u8: return dtype_traits{"u8", 1, 1};
    case dtype::boolean: return dtype_traits{"bool", 1, 1};
    case dtype::q4_0: return dtype_traits{"q4_0", 32, 18};
    case dtype::q4_1: return dtype_traits{"q4_1", 32, 20};
    case dtype::q5_0: return dtype_traits{"q5_0", 32, 22};
    case dtype::q5_1: return dtype_traits{"q5_1", 32, 24};
    case dtype::q8_0: return dtype_traits{"q8_0", 32, 34};
    case dtype::q8_1: return dtype_traits{"q8_1", 32, 36};
    case dtype::q2_k: return dtype_traits{"q2_K", 256, 84};
    case dtype::q3_k: return dtype_traits{"q3_K", 256, 110};
    case dtype::q4_k: return dtype_traits{"q4_K", 256, 144};
    case dtype::q5_k: return dtype_traits{"q5_K", 256, 176};
    case dtype::q6_k: return dtype_traits{"q6_K", 256, 210};
    case dtype::q8_k: return dtype_traits{"q8_K", 256, 292};
    case dtype::iq2_xxs: return dtype_traits{"iq2_xxs", 256, 66};
    case dtype::iq2_xs: return dtype_traits{"iq2_xs", 256, 74};
    case dtype::iq3_xxs: return dtype_traits{"iq3_xxs", 256, 98};
    case dtype::iq1_s: return dtype_traits{"iq1_s", 256, 50};
    case dtype::iq4_nl: return dtype_traits{"iq4_nl", 32, 18};
    case dtype::iq3_s: return dtype_traits{"iq3_s", 256, 110};
    case dtype::iq2_s: return dtype_traits{"iq2_s", 256, 82};
    case dtype::iq4_xs: return dtype_traits{"iq4_xs", 256, 136};
    case dtype::iq1_m: return dtype_traits{"iq1_m", 256, 56};
    case dtype::tq1_0: return dtype_traits{"tq1_0", 256, 54};
    case dtype::tq2_0: return dtype_traits{"tq2_0", 256, 66};
  }
  // clang-format on
  return std::nullopt;
}

inline std::string dtype_name(dtype t) {
  if (auto tr = traits_of(t)) return std::string(tr->name);
  return "unknown type " + std::to_string(static_cast<std::uint32_t>(t));
}

// Bytes taken by `n` elements of type t, or nullopt if n is not a whole number of blocks or the
// size overflows — the two ways a hostile file lies about a tensor.
inline std::optional<std::size_t> bytes_for(dtype t, std::uint64_t n) noexcept {
  auto tr = traits_of(t);
  if (!tr || n % tr->block_size != 0) return std::nullopt;
  const std::uint64_t blocks = n / tr->block_size;
  if (blocks != 0 && tr->block_bytes > SIZE_MAX / blocks) return std::nullopt;
  return static_cast<std::size_t>(blocks * tr->block_bytes);
}

}  // namespace flipside
