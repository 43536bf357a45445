// UTF-8 decoding, encoding and repair for the tokenizers.
//
// Invalid input (the behaviour every encode() follows): a byte that does not begin a well-formed
// UTF-8 sequence (RFC 3629: shortest form, no surrogates, at most U+10FFFF) is replaced by U+FFFD
// and decoding resumes at the next byte. This is llama.cpp's rule (unicode_cpts_from_utf8: one
// replacement character per offending byte); Hugging Face tokenizers cannot receive invalid UTF-8
// at all (Rust &str), so there is no other reference behaviour to follow.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace flipside::tok {

inline constexpr char32_t replacement_char = 0xFFFD;

// Decodes the code point at s[i] (i < n). Returns its length in bytes (1–4), or 0 when the bytes
// at i do not form a well-formed sequence; cp is set only on success.
inline std::size_t utf8_decode(const unsigned char* s, std::size_t n, std::size_t i,
                               char32_t& cp) noexcept {
  const unsigned c = s[i];
  if (c < 0x80) {
    cp = c;
    return 1;
  }
  auto cont = [&](std::size_t k) { return i + k < n && (s[i + k] & 0xC0) == 0x80; };
  if (c >= 0xC2 && c <= 0xDF) {
    if (!cont(1)) return 0;
    cp = ((c & 0x1Fu) << 6) | (s[i + 1] & 0x3Fu);
    return 2;
  }
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    const unsigned c1 = s[i + 1];
    if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F)) return 0;  // overlong, surrogate
    cp = ((c & 0x0Fu) << 12) | ((c1 & 0x3Fu) << 6) | (s[i + 2] & 0x3Fu);
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    const unsigned c1 = s[i + 1];
    if ((c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 > 0x8F)) return 0;  // overlong, > U+10FFFF
    cp =
        ((c & 0x07u) << 18) | ((c1 & 0x3Fu) << 12) | ((s[i + 2] & 0x3Fu) << 6) | (s[i + 3] & 0x3Fu);
    return 4;
  }
  return 0;
}

// Appends the UTF-8 encoding of cp (assumed a valid scalar value).
inline void utf8_append(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

inline std::string utf8_encode(char32_t cp) {
  std::string s;
  utf8_append(s, cp);
  return s;
}

// True when every byte of s belongs to a well-formed sequence. ASCII is checked 8 bytes at a time.
inline bool utf8_is_valid(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    if (i + 8 <= n) {
      std::uint64_t w;
      std::memcpy(&w, p + i, 8);
      if ((w & 0x8080808080808080ull) == 0) {
        i += 8;
        continue;
      }
    }
    char32_t cp;
    const std::size_t len = utf8_decode(p, n, i, cp);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

// Writes s into out with every invalid byte replaced by U+FFFD (see the header comment).
inline void utf8_repair(std::string_view s, std::string& out) {
  out.clear();
  out.reserve(s.size() + 8);
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp;
    const std::size_t len = utf8_decode(p, s.size(), i, cp);
    if (len == 0) {
      utf8_append(out, replacement_char);
      ++i;
    } else {
      out.append(s.data() + i, len);
      i += len;
    }
  }
}

inline std::string utf8_repair(std::string_view s) {
  std::string out;
  utf8_repair(s, out);
  return out;
}

}  // namespace flipside::tok
