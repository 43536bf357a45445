// GPT-2's byte-level alphabet: every byte 0–255 is shown as one printable code point, so that a
// byte-level BPE vocabulary is a file of readable strings (Radford et al. 2019, openai/gpt-2
// encoder.py, bytes_to_unicode). The printable bytes ! … ~, ¡ … ¬ and ® … ÿ map to themselves;
// the other 68 bytes map, in increasing order, to U+0100, U+0101, … (so the space 0x20 is 'Ġ'
// U+0120 and the newline 0x0A is 'Ċ' U+010A).
//
// flipside keys byte-level vocabularies by the raw bytes instead (decoded once at load), so
// encoding never builds the mapped string; the mapping is needed only to read the files.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include <flipside/tokenizer/utf8.hpp>

namespace flipside::tok {

struct byte_level_alphabet {
  std::array<char32_t, 256> byte_to_cp{};
  std::array<std::int16_t, 0x144> cp_to_byte{};  // every mapped code point is < U+0144

  byte_level_alphabet() {
    cp_to_byte.fill(-1);
    auto printable = [](unsigned b) {
      return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    };
    char32_t next = 0x100;
    for (unsigned b = 0; b < 256; ++b) {
      byte_to_cp[b] = printable(b) ? static_cast<char32_t>(b) : next++;
      cp_to_byte[byte_to_cp[b]] = static_cast<std::int16_t>(b);
    }
  }

  // The byte a code point stands for, or -1.
  int byte_of(char32_t cp) const noexcept { return cp < cp_to_byte.size() ? cp_to_byte[cp] : -1; }
};

inline const byte_level_alphabet& byte_level() {
  static const byte_level_alphabet alphabet;
  return alphabet;
}

// Decodes a mapped string ("Ġpositive") into raw bytes (" positive"). Returns false (out
// unspecified) when some code point is not in the alphabet or the text is not valid UTF-8.
inline bool byte_level_decode(std::string_view mapped, std::string& out) {
  out.clear();
  const auto* p = reinterpret_cast<const unsigned char*>(mapped.data());
  const auto& a = byte_level();
  for (std::size_t i = 0; i < mapped.size();) {
    char32_t cp;
    const std::size_t len = utf8_decode(p, mapped.size(), i, cp);
    if (len == 0) return false;
    const int b = a.byte_of(cp);
    if (b < 0) return false;
    out.push_back(static_cast<char>(b));
    i += len;
  }
  return true;
}

// Maps raw bytes to the alphabet (" positive" → "Ġpositive").
inline std::string byte_level_encode(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) utf8_append(out, byte_level().byte_to_cp[b]);
  return out;
}

}  // namespace flipside::tok
