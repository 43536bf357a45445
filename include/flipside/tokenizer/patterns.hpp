// Pre-tokenizer regular expressions, written as code.
//
// Byte-level BPE tokenizers cut text into "words" with a regex before merging (GPT-2's
// encoder.py; HF tokenizers' Split / ByteLevel pre-tokenizers; llama.cpp's per-model lists in
// llama-vocab.cpp). std::regex has no Unicode classes and is slow, so each regex flipside knows is
// a hand-written matcher over decoded code points with the same leftmost-first semantics
// (alternatives tried in order at each position; greedy quantifiers with backtracking where it
// changes the answer, e.g. \s+(?!\S) gives back the last space before a word).
//
// A matcher receives a piece (code points and their cp_flags) and a position, and returns the end
// of the match that starts there, or the position itself when none does. find_pattern() maps the
// regex source text found in tokenizer.json files and llama.cpp to its matcher.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <flipside/tokenizer/unicode.hpp>
#include <flipside/tokenizer/utf8.hpp>

namespace flipside::tok {

// One piece of text, decoded: n code points and their flags.
struct cp_text {
  const char32_t* cp;
  const std::uint8_t* fl;
  std::size_t n;
};

using match_fn = std::size_t (*)(const cp_text& t, std::size_t pos);

namespace patterns {

inline constexpr std::uint8_t lnw = cp_letter | cp_number | cp_whitespace;

inline bool is_cr_lf(char32_t c) { return c == '\r' || c == '\n'; }

inline std::size_t run(const cp_text& t, std::size_t p, std::uint8_t any_of) {
  while (p < t.n && (t.fl[p] & any_of)) ++p;
  return p;
}
// "Other": not whitespace, letter or number ([^\s\p{L}\p{N}]).
inline std::size_t run_other(const cp_text& t, std::size_t p) {
  while (p < t.n && !(t.fl[p] & lnw)) ++p;
  return p;
}

// 's|'t|'re|'ve|'m|'ll|'d, optionally case-insensitive ((?i:...) uses Unicode simple case
// folding, under which U+017F LATIN SMALL LETTER LONG S folds to 's').
inline std::size_t contraction(const cp_text& t, std::size_t pos, bool ignore_case) {
  if (t.cp[pos] != '\'' || pos + 1 >= t.n) return pos;
  auto low = [&](std::size_t i) -> char32_t {
    char32_t c = t.cp[i];
    if (!ignore_case) return c;
    if (c >= 'A' && c <= 'Z') return c + 32;
    if (c == 0x17F) return 's';
    return c;
  };
  const char32_t a = low(pos + 1);
  if (a == 's' || a == 't' || a == 'm' || a == 'd') return pos + 2;
  if (pos + 2 < t.n) {
    const char32_t b = low(pos + 2);
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return pos + 3;
  }
  return pos;
}

// \s+(?!\S)|\s+ at a whitespace position: the run, minus its last character when a
// non-space follows and the run is longer than one.
inline std::size_t whitespace_tail(const cp_text& t, std::size_t pos, bool plain_run_fallback) {
  const std::size_t k = run(t, pos, cp_whitespace);
  if (k == t.n) return k;
  if (k - pos >= 2) return k - 1;
  return plain_run_fallback ? k : pos;
}

// GPT-2: 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// (llama.cpp drops the final |\s+; the result is the same, because the single space it leaves
// unmatched becomes a piece of its own.)
inline std::size_t gpt2(const cp_text& t, std::size_t pos) {
  if (std::size_t e = contraction(t, pos, false); e != pos) return e;
  std::size_t q = pos;
  if (t.cp[pos] == ' ' && pos + 1 < t.n) q = pos + 1;  // the optional leading space
  const std::uint8_t g = t.fl[q];
  if (g & cp_letter) return run(t, q, cp_letter);
  if (g & cp_number) return run(t, q, cp_number);
  if (!(g & lnw)) return run_other(t, q);
  // Here t.cp[pos] is whitespace (a space before whitespace matches none of the above).
  return whitespace_tail(t, pos, true);
}

// Llama-3 (Digits = 3) and Qwen2 (Digits = 1):
// (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*
//   |\s*[\r\n]+|\s+(?!\S)|\s+
template <int Digits>
inline std::size_t llama3(const cp_text& t, std::size_t pos) {
  if (std::size_t e = contraction(t, pos, true); e != pos) return e;
  const char32_t c = t.cp[pos];
  const std::uint8_t f = t.fl[pos];
  if (f & cp_letter) return run(t, pos, cp_letter);
  if (!is_cr_lf(c) && !(f & cp_number) && pos + 1 < t.n && (t.fl[pos + 1] & cp_letter)) {
    return run(t, pos + 1, cp_letter);
  }
  if (f & cp_number) {
    std::size_t e = pos;
    while (e < t.n && e - pos < Digits && (t.fl[e] & cp_number)) ++e;
    return e;
  }
  const std::size_t q = (c == ' ' && pos + 1 < t.n) ? pos + 1 : pos;
  if (!(t.fl[q] & lnw)) {
    std::size_t e = run_other(t, q);
    while (e < t.n && is_cr_lf(t.cp[e])) ++e;
    return e;
  }
  // Whitespace: \s*[\r\n]+ ends after the last CR/LF of the run.
  const std::size_t k = run(t, pos, cp_whitespace);
  for (std::size_t i = k; i > pos; --i) {
    if (is_cr_lf(t.cp[i - 1])) return i;
  }
  return whitespace_tail(t, pos, true);
}

// Single-purpose pieces used by the multi-regex lists of llama.cpp and HF Split sequences.
inline std::size_t cr_or_lf(const cp_text& t, std::size_t pos) {  // [\r\n]
  return is_cr_lf(t.cp[pos]) ? pos + 1 : pos;
}
inline std::size_t numbers(const cp_text& t, std::size_t pos) {  // \p{N}+
  return run(t, pos, cp_number);
}
inline std::size_t number(const cp_text& t, std::size_t pos) {  // \p{N}
  return (t.fl[pos] & cp_number) ? pos + 1 : pos;
}
inline std::size_t numbers_1_3(const cp_text& t, std::size_t pos) {  // \p{N}{1,3}
  std::size_t e = pos;
  while (e < t.n && e - pos < 3 && (t.fl[e] & cp_number)) ++e;
  return e;
}
inline std::size_t ascii_digits_3(const cp_text& t, std::size_t pos) {  // [0-9][0-9][0-9]
  if (pos + 3 > t.n) return pos;
  for (std::size_t i = pos; i < pos + 3; ++i) {
    if (t.cp[i] < '0' || t.cp[i] > '9') return pos;
  }
  return pos + 3;
}
inline std::size_t trailing_whitespace(const cp_text& t, std::size_t pos) {  // \s+$
  const std::size_t k = run(t, pos, cp_whitespace);
  return k == t.n ? k : pos;
}
// \s?X+ for a class X given by a predicate on (code point, flags).
template <bool (*In)(char32_t, std::uint8_t)>
inline std::size_t opt_space_run(const cp_text& t, std::size_t pos) {
  std::size_t q = pos;
  if ((t.fl[pos] & cp_whitespace) && pos + 1 < t.n && In(t.cp[pos + 1], t.fl[pos + 1])) q = pos + 1;
  std::size_t e = q;
  while (e < t.n && In(t.cp[e], t.fl[e])) ++e;
  return e == q ? pos : e;
}
template <bool (*In)(char32_t, std::uint8_t)>
inline std::size_t class_run(const cp_text& t, std::size_t pos) {  // X+
  std::size_t e = pos;
  while (e < t.n && In(t.cp[e], t.fl[e])) ++e;
  return e;
}

inline bool in_letter(char32_t, std::uint8_t f) { return (f & cp_letter) != 0; }
inline bool in_punct(char32_t, std::uint8_t f) { return (f & cp_punct) != 0; }

// [\p{P}\$\+<=>\^~\|`]+ (falcon) and [\p{P}\$\+<=>\^~\|]+ (llama.cpp's default list).
inline bool in_falcon_punct(char32_t c, std::uint8_t f) {
  return (f & cp_punct) || c == '$' || c == '+' || c == '<' || c == '=' || c == '>' || c == '^' ||
         c == '~' || c == '|' || c == '`';
}
inline bool in_default_punct(char32_t c, std::uint8_t f) {
  return c != '`' && in_falcon_punct(c, f);
}

// [一-龥ࠀ-一가-퟿]+ (deepseek): U+4E00–U+9FA5, U+0800–U+4E00, U+AC00–U+D7FF.
inline bool in_deepseek_cjk(char32_t c, std::uint8_t) {
  return (c >= 0x4E00 && c <= 0x9FA5) || (c >= 0x0800 && c <= 0x4E00) ||
         (c >= 0xAC00 && c <= 0xD7FF);
}
// [一-龥぀-ゟ゠-ヿ]+ (deepseek-v3): CJK ideographs, Hiragana, Katakana.
inline bool in_deepseek3_cjk(char32_t c, std::uint8_t) {
  return (c >= 0x4E00 && c <= 0x9FA5) || (c >= 0x3040 && c <= 0x309F) ||
         (c >= 0x30A0 && c <= 0x30FF);
}

// The explicit letter and punctuation classes of deepseek-llm's pre-tokenizer (its
// tokenizer.json lists them instead of \p{L}); each pair is an inclusive code point range.
inline const std::vector<std::pair<char32_t, char32_t>>& deepseek_letter_ranges() {
  static const std::vector<std::pair<char32_t, char32_t>> r = {
      {0x41, 0x5A},       {0x61, 0x7A},       {0xB5, 0xB5},       {0xC0, 0xD6},
      {0xD8, 0xF6},       {0xF8, 0x1BA},      {0x1BC, 0x1BF},     {0x1C4, 0x293},
      {0x295, 0x2AF},     {0x370, 0x373},     {0x376, 0x376},     {0x377, 0x377},
      {0x37B, 0x37D},     {0x37F, 0x37F},     {0x386, 0x386},     {0x388, 0x38A},
      {0x38C, 0x38C},     {0x38E, 0x3A1},     {0x3A3, 0x3F5},     {0x3F7, 0x481},
      {0x48A, 0x52F},     {0x531, 0x556},     {0x10A0, 0x10C5},   {0x13A0, 0x13F5},
      {0x13F8, 0x13FD},   {0x1C90, 0x1CBA},   {0x1CBD, 0x1CBF},   {0x1D00, 0x1D2B},
      {0x1D6B, 0x1D77},   {0x1D79, 0x1D9A},   {0x1E00, 0x1F15},   {0x1F18, 0x1F1D},
      {0x1F20, 0x1F45},   {0x1F48, 0x1F4D},   {0x1F50, 0x1F57},   {0x1F59, 0x1F59},
      {0x1F5B, 0x1F5B},   {0x1F5D, 0x1F5D},   {0x1F5F, 0x1F7D},   {0x1F80, 0x1FB4},
      {0x1FB6, 0x1FBC},   {0x1FBE, 0x1FBE},   {0x1FC2, 0x1FC4},   {0x1FC6, 0x1FCC},
      {0x1FD0, 0x1FD3},   {0x1FD6, 0x1FDB},   {0x1FE0, 0x1FEC},   {0x1FF2, 0x1FF4},
      {0x1FF6, 0x1FFC},   {0x2102, 0x2102},   {0x2107, 0x2107},   {0x210A, 0x2113},
      {0x2115, 0x2115},   {0x2119, 0x211D},   {0x2124, 0x2124},   {0x2126, 0x2126},
      {0x2128, 0x2128},   {0x212A, 0x212D},   {0x212F, 0x2134},   {0x2139, 0x2139},
      {0x213C, 0x213F},   {0x2145, 0x2149},   {0x214E, 0x214E},   {0x2183, 0x2183},
      {0x2184, 0x2184},   {0x2C00, 0x2C7B},   {0x2C7E, 0x2CE4},   {0x2CEB, 0x2CEE},
      {0x2CF2, 0x2CF2},   {0x2CF3, 0x2CF3},   {0xA640, 0xA66D},   {0xA680, 0xA69B},
      {0xA722, 0xA76F},   {0xA771, 0xA787},   {0xA78B, 0xA78E},   {0xAB70, 0xABBF},
      {0xFB00, 0xFB06},   {0xFB13, 0xFB17},   {0xFF21, 0xFF3A},   {0xFF41, 0xFF5A},
      {0x10400, 0x1044F}, {0x104B0, 0x104D3}, {0x104D8, 0x104FB}, {0x10C80, 0x10CB2},
      {0x10CC0, 0x10CF2}, {0x118A0, 0x118DF}, {0x1E900, 0x1E943}};
  return r;
}
inline const std::vector<std::pair<char32_t, char32_t>>& deepseek_punct_ranges() {
  static const std::vector<std::pair<char32_t, char32_t>> r = {{0x21, 0x2F},     {0x3A, 0x7E},
                                                               {0xFF01, 0xFF0F}, {0xFF1A, 0xFF5E},
                                                               {0x2018, 0x201F}, {0x3000, 0x3002}};
  return r;
}
inline bool in_ranges(const std::vector<std::pair<char32_t, char32_t>>& r, char32_t c) {
  for (const auto& [lo, hi] : r) {
    if (c >= lo && c <= hi) return true;
  }
  return false;
}
inline bool in_deepseek_letter(char32_t c, std::uint8_t) {
  return c < 0x80 ? ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
                  : in_ranges(deepseek_letter_ranges(), c);
}
inline bool in_deepseek_punct(char32_t c, std::uint8_t) {
  return in_ranges(deepseek_punct_ranges(), c);
}

// BLOOM / Poro / GPT-3-Finnish: " ?[^(\s|.,!?…。，、।۔،)]+" — the bracket is a class, so the
// parentheses and '|' are excluded characters too.
inline bool in_bloom_word(char32_t c, std::uint8_t f) {
  if (f & cp_whitespace) return false;
  switch (c) {
    case '(':
    case ')':
    case '|':
    case '.':
    case ',':
    case '!':
    case '?':
    case 0x2026:
    case 0x3002:
    case 0xFF0C:
    case 0x3001:
    case 0x0964:
    case 0x06D4:
    case 0x060C:
      return false;
    default:
      return true;
  }
}
inline std::size_t bloom(const cp_text& t, std::size_t pos) {
  std::size_t q = pos;
  if (t.cp[pos] == ' ' && pos + 1 < t.n && in_bloom_word(t.cp[pos + 1], t.fl[pos + 1])) q = pos + 1;
  std::size_t e = q;
  while (e < t.n && in_bloom_word(t.cp[e], t.fl[e])) ++e;
  return e == q ? pos : e;
}

// deepseek-v3's third regex:
// [!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+
//   | ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
inline std::size_t deepseek3(const cp_text& t, std::size_t pos) {
  auto ascii_letter = [&](std::size_t i) {
    return i < t.n && t.cp[i] < 0x80 && ((t.cp[i] | 0x20) >= 'a' && (t.cp[i] | 0x20) <= 'z');
  };
  const char32_t c = t.cp[pos];
  const std::uint8_t f = t.fl[pos];
  const bool ascii_ps = c < 0x80 && c > 0x20 && c != 0x7F && !(f & (cp_letter | cp_number));
  if (ascii_ps && ascii_letter(pos + 1)) {
    std::size_t e = pos + 1;
    while (ascii_letter(e)) ++e;
    return e;
  }
  const std::uint8_t lm = cp_letter | cp_mark;
  if (f & lm) return run(t, pos, lm);
  if (!is_cr_lf(c) && !(f & (cp_letter | cp_punct | cp_symbol)) && pos + 1 < t.n &&
      (t.fl[pos + 1] & lm)) {
    return run(t, pos + 1, lm);
  }
  const std::uint8_t ps = cp_punct | cp_symbol;
  const std::size_t q = (c == ' ' && pos + 1 < t.n && (t.fl[pos + 1] & ps)) ? pos + 1 : pos;
  if (t.fl[q] & ps) {
    std::size_t e = run(t, q, ps);
    while (e < t.n && is_cr_lf(t.cp[e])) ++e;
    return e;
  }
  if (!(f & cp_whitespace)) return pos;
  const std::size_t k = run(t, pos, cp_whitespace);
  for (std::size_t i = k; i > pos; --i) {
    if (is_cr_lf(t.cp[i - 1])) return i;
  }
  return whitespace_tail(t, pos, true);
}

inline std::string ranges_source(const std::vector<std::pair<char32_t, char32_t>>& r) {
  std::string s;
  for (const auto& [lo, hi] : r) {
    utf8_append(s, lo);
    if (hi != lo) {
      s += '-';
      utf8_append(s, hi);
    }
  }
  return s;
}

}  // namespace patterns

// Well-known regex sources (as written in tokenizer.json and llama.cpp).
namespace regex_source {
inline constexpr std::string_view gpt2 =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
inline constexpr std::string_view gpt2_llamacpp =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
inline constexpr std::string_view llama3 =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
inline constexpr std::string_view llama3_llamacpp =
    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|"
    "\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
inline constexpr std::string_view qwen2 =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
inline constexpr std::string_view qwen2_llamacpp =
    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|"
    "\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
inline constexpr std::string_view deepseek3 =
    "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]"
    "+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+";
}  // namespace regex_source

// The matcher for a regex source, or nullptr when flipside does not implement that regex.
inline match_fn find_pattern(std::string_view source) {
  namespace p = patterns;
  struct entry {
    std::string source;
    match_fn fn;
  };
  static const std::vector<entry> table = [] {
    const std::string ds_letters = "\\s?[" + p::ranges_source(p::deepseek_letter_ranges()) + "]+";
    const std::string ds_punct = "\\s?[" + p::ranges_source(p::deepseek_punct_ranges()) + "]+";
    std::vector<entry> t = {
        {std::string(regex_source::gpt2), &p::gpt2},
        {std::string(regex_source::gpt2_llamacpp), &p::gpt2},
        {std::string(regex_source::llama3), &p::llama3<3>},
        {std::string(regex_source::llama3_llamacpp), &p::llama3<3>},
        {std::string(regex_source::qwen2), &p::llama3<1>},
        {std::string(regex_source::qwen2_llamacpp), &p::llama3<1>},
        {std::string(regex_source::deepseek3), &p::deepseek3},
        {"[\r\n]", &p::cr_or_lf},
        {"[\\r\\n]", &p::cr_or_lf},
        {"\\p{N}+", &p::numbers},
        {"\\p{N}", &p::number},
        {"\\d", &p::number},
        {"\\p{N}{1,3}", &p::numbers_1_3},
        {"[0-9][0-9][0-9]", &p::ascii_digits_3},
        {"\\s+$", &p::trailing_whitespace},
        {"\\s?\\p{L}+", &p::opt_space_run<&p::in_letter>},
        {"\\s?\\p{P}+", &p::opt_space_run<&p::in_punct>},
        {"[\\p{P}\\$\\+<=>\\^~\\|`]+", &p::class_run<&p::in_falcon_punct>},
        {"[\\p{P}\\$\\+<=>\\^~\\|]+", &p::class_run<&p::in_default_punct>},
        {"[一-龥ࠀ-一가-퟿]+", &p::class_run<&p::in_deepseek_cjk>},
        {"[一-龥぀-ゟ゠-ヿ]+", &p::class_run<&p::in_deepseek3_cjk>},
        {" ?[^(\\s|.,!?…。，、।۔،)]+", &p::bloom},
        {ds_letters, &p::opt_space_run<&p::in_deepseek_letter>},
        {ds_punct, &p::opt_space_run<&p::in_deepseek_punct>},
    };
    return t;
  }();
  for (const entry& e : table) {
    if (e.source == source) return e.fn;
  }
  return nullptr;
}

}  // namespace flipside::tok
