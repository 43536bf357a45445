// Unicode character classes and normalization for the tokenizers, from utf8proc.
//
// The pre-tokenizer patterns need \p{L}, \p{N}, \p{P}, \p{S}, \p{M} and \s once per code point,
// so the general categories of the Basic Multilingual Plane are read from utf8proc once into a
// 64 Ki-entry table of flag bytes (computed from the library, not written by hand); code points
// above U+FFFF ask utf8proc directly. \s is the Unicode White_Space property, which is the space
// separators (Zs, Zl, Zp) plus U+0009–U+000D and U+0085 (PropList.txt) — what Oniguruma (HF
// tokenizers) and Rust's char::is_whitespace use.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <utf8proc.h>

#include <flipside/core/error.hpp>

namespace flipside::tok {

// Character-class flags of one code point.
enum cp_flag : std::uint8_t {
  cp_letter = 1,       // \p{L}: Lu Ll Lt Lm Lo
  cp_number = 2,       // \p{N}: Nd Nl No
  cp_punct = 4,        // \p{P}: Pc Pd Ps Pe Pi Pf Po
  cp_symbol = 8,       // \p{S}: Sm Sc Sk So
  cp_mark = 16,        // \p{M}: Mn Mc Me
  cp_whitespace = 32,  // \s: White_Space
  cp_digit = 64,       // Nd only (str.isdigit-like decimal digits)
};

namespace detail {

inline std::uint8_t compute_cp_flags(char32_t cp) noexcept {
  std::uint8_t f = 0;
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(cp))) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
      f = cp_letter;
      break;
    case UTF8PROC_CATEGORY_ND:
      f = cp_number | cp_digit;
      break;
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
      f = cp_number;
      break;
    case UTF8PROC_CATEGORY_PC:
    case UTF8PROC_CATEGORY_PD:
    case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE:
    case UTF8PROC_CATEGORY_PI:
    case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO:
      f = cp_punct;
      break;
    case UTF8PROC_CATEGORY_SM:
    case UTF8PROC_CATEGORY_SC:
    case UTF8PROC_CATEGORY_SK:
    case UTF8PROC_CATEGORY_SO:
      f = cp_symbol;
      break;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
      f = cp_mark;
      break;
    case UTF8PROC_CATEGORY_ZS:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
      f = cp_whitespace;
      break;
    default:
      break;
  }
  if ((cp >= 0x09 && cp <= 0x0D) || cp == 0x85) f |= cp_whitespace;
  return f;
}

inline const std::uint8_t* bmp_flag_table() {
  static const std::unique_ptr<std::uint8_t[]> table = [] {
    std::unique_ptr<std::uint8_t[]> t(new std::uint8_t[0x10000]);
    for (char32_t cp = 0; cp < 0x10000; ++cp) t[cp] = compute_cp_flags(cp);
    return t;
  }();
  return table.get();
}

}  // namespace detail

// Flags of one code point; the BMP table is built on first use (thread-safe static).
inline std::uint8_t cp_flags(char32_t cp) noexcept {
  if (cp < 0x10000) return detail::bmp_flag_table()[cp];
  return detail::compute_cp_flags(cp);
}

inline bool is_whitespace(char32_t cp) noexcept { return (cp_flags(cp) & cp_whitespace) != 0; }

// Unicode normalization forms, as the HF normalizers NFC/NFD/NFKC/NFKD.
enum class normal_form { nfc, nfd, nfkc, nfkd };

// Normalizes valid UTF-8 text into out. ASCII is invariant under every form, so it is copied
// without calling the library.
inline void unicode_normalize(std::string_view text, normal_form form, std::string& out) {
  bool ascii = true;
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    out.assign(text.data(), text.size());
    return;
  }
  int options = UTF8PROC_STABLE;
  switch (form) {
    case normal_form::nfc:
      options |= UTF8PROC_COMPOSE;
      break;
    case normal_form::nfd:
      options |= UTF8PROC_DECOMPOSE;
      break;
    case normal_form::nfkc:
      options |= UTF8PROC_COMPOSE | UTF8PROC_COMPAT;
      break;
    case normal_form::nfkd:
      options |= UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT;
      break;
  }
  utf8proc_uint8_t* result = nullptr;
  const utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                                          static_cast<utf8proc_ssize_t>(text.size()), &result,
                                          static_cast<utf8proc_option_t>(options));
  if (n < 0) {
    std::free(result);
    throw error(std::string("unicode normalization failed: ") + utf8proc_errmsg(n));
  }
  out.assign(reinterpret_cast<const char*>(result), static_cast<std::size_t>(n));
  std::free(result);
}

// Simple (one-to-one) lowercase mapping of every code point, as HF's Lowercase normalizer on the
// characters that have one.
inline char32_t unicode_tolower(char32_t cp) noexcept {
  return static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(cp)));
}

}  // namespace flipside::tok
