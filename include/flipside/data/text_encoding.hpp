// Text decoding for dataset files. Everything flipside hands to a tokenizer is UTF-8; some classic
// datasets were published in ISO-8859-1 ("latin-1": TREC, the Financial PhraseBank), and copies of
// them circulate in both encodings. Latin-1 maps every byte to the code point of the same value, so
// the conversion is a few lines of code and needs no iconv.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace flipside {

enum class text_encoding {
  utf8,            // must be valid UTF-8; an invalid line is a malformed line
  latin1,          // every byte is one character (ISO-8859-1), converted to UTF-8
  utf8_or_latin1,  // UTF-8 when the whole file is valid UTF-8, else latin-1 for the whole file
};

inline const char* to_string(text_encoding e) noexcept {
  switch (e) {
    case text_encoding::utf8:
      return "utf-8";
    case text_encoding::latin1:
      return "latin-1";
    case text_encoding::utf8_or_latin1:
      return "utf-8-or-latin-1";
  }
  return "?";
}

// Length of the valid UTF-8 sequence starting at s[i] (RFC 3629: no overlong forms, no UTF-16
// surrogates U+D800..U+DFFF, nothing above U+10FFFF), or 0 when it is invalid or truncated.
inline std::size_t utf8_sequence_length(std::string_view s, std::size_t i) noexcept {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return 1;
  const std::size_t left = s.size() - i;
  const auto cont = [&](std::size_t k) { return (b(i + k) & 0xC0) == 0x80; };
  if (c >= 0xC2 && c <= 0xDF) return left >= 2 && cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (left < 3 || !cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(i + 1) < 0xA0) return 0;   // overlong
    if (c == 0xED && b(i + 1) >= 0xA0) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (left < 4 || !cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(i + 1) < 0x90) return 0;   // overlong
    if (c == 0xF4 && b(i + 1) >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;  // 0x80..0xC1 (continuation or overlong lead), 0xF5..0xFF
}

inline bool is_valid_utf8(std::string_view s) noexcept {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_sequence_length(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

// ISO-8859-1 → UTF-8: bytes 0x00..0x7F stay, 0x80..0xFF become two bytes (110000xx 10xxxxxx).
inline std::string latin1_to_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      out.push_back(ch);
    } else {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

// Replaces every invalid byte with U+FFFD (the Unicode replacement character), so that a lenient
// load can keep going; returns the number of replacements.
inline std::size_t repair_utf8(std::string& s) {
  std::string out;
  std::size_t replaced = 0;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_sequence_length(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++replaced;
      ++i;
    } else {
      out.append(s, i, n);
      i += n;
    }
  }
  if (replaced) s.swap(out);
  return replaced;
}

}  // namespace flipside
