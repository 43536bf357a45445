// Pre-tokenizers: cut normalized text into the pieces ("words") the model encodes one by one.
//
// The steps follow Hugging Face tokenizers (pre_tokenizers/*.rs): Split (a regex from
// patterns.hpp or a literal string, with a split behaviour), ByteLevel (optional prefix space,
// optional GPT-2 regex; its byte→alphabet mapping is done by the model, which is keyed by raw
// bytes), Digits, Metaspace ('▁' for spaces, prefix, split before each '▁'), Punctuation,
// WhitespaceSplit, and a Sequence of these. Each step refines every piece of the previous one;
// empty pieces are dropped, as HF does.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <flipside/tokenizer/patterns.hpp>
#include <flipside/tokenizer/unicode.hpp>
#include <flipside/tokenizer/utf8.hpp>

namespace flipside::tok {

// What happens to the delimiter when a piece is split (HF SplitDelimiterBehavior).
enum class split_behavior { removed, isolated, merged_with_previous, merged_with_next, contiguous };

// When Metaspace prepends its replacement character.
enum class prepend_scheme { always, first, never };

struct byte_span {
  std::uint32_t begin;
  std::uint32_t end;
};

// Reusable buffers of one encode call (no allocation per piece once warm).
struct pretok_scratch {
  std::vector<char32_t> cps;
  std::vector<std::uint8_t> fl;
  std::vector<std::uint32_t> off;  // byte offset of each code point, plus one past the end
  std::size_t n = 0;               // code points decoded (the vectors may be longer)
  std::vector<std::pair<byte_span, bool>> matches;
  std::vector<byte_span> pieces;
  std::vector<byte_span> next;
  std::string buf[2];
  int cur_buf = 0;
};

// Decodes text[b, e) (valid UTF-8) into s.cps / s.fl / s.off.
inline void decode_piece(std::string_view text, std::uint32_t b, std::uint32_t e,
                         pretok_scratch& s) {
  const std::size_t most = e - b;  // at most one code point per byte
  if (s.cps.size() < most) {
    s.cps.resize(most);
    s.fl.resize(most);
    s.off.resize(most + 1);
  }
  char32_t* cps = s.cps.data();
  std::uint8_t* fl = s.fl.data();
  std::uint32_t* off = s.off.data();
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::uint8_t* table = detail::bmp_flag_table();
  std::size_t n = 0;
  for (std::uint32_t i = b; i < e;) {
    if (p[i] < 0x80) {
      cps[n] = p[i];
      fl[n] = table[p[i]];
      off[n++] = i++;
      continue;
    }
    char32_t cp;
    std::size_t len = utf8_decode(p, e, i, cp);
    if (len == 0) {  // callers pass repaired text; be safe anyway
      cp = replacement_char;
      len = 1;
    }
    cps[n] = cp;
    fl[n] = cp_flags(cp);
    off[n++] = i;
    i += static_cast<std::uint32_t>(len);
  }
  off[n] = e;
  s.n = n;
}

// Turns a list of (span, is_match) covering a piece into pieces, per the behaviour (the same
// folds as HF's NormalizedString::split).
inline void apply_split_behavior(const std::vector<std::pair<byte_span, bool>>& m,
                                 split_behavior behavior, std::vector<byte_span>& out) {
  switch (behavior) {
    case split_behavior::isolated:
      for (const auto& x : m) out.push_back(x.first);
      return;
    case split_behavior::removed:
      for (const auto& x : m) {
        if (!x.second) out.push_back(x.first);
      }
      return;
    case split_behavior::contiguous: {
      const std::size_t start = out.size();
      bool prev = false;
      for (const auto& x : m) {
        if (x.second == prev && out.size() > start) {
          out.back().end = x.first.end;
        } else {
          out.push_back(x.first);
        }
        prev = x.second;
      }
      return;
    }
    case split_behavior::merged_with_previous: {
      const std::size_t start = out.size();
      bool prev = false;
      for (const auto& x : m) {
        if (x.second && !prev && out.size() > start) {
          out.back().end = x.first.end;
        } else {
          out.push_back(x.first);
        }
        prev = x.second;
      }
      return;
    }
    case split_behavior::merged_with_next: {
      const std::size_t start = out.size();
      bool prev = false;  // is_match of the piece to the right
      for (std::size_t k = m.size(); k-- > 0;) {
        const auto& x = m[k];
        if (x.second && !prev && out.size() > start) {
          out.back().begin = x.first.begin;
        } else {
          out.push_back(x.first);
        }
        prev = x.second;
      }
      std::reverse(out.begin() + static_cast<std::ptrdiff_t>(start), out.end());
      return;
    }
  }
}

// One pre-tokenizer step.
struct pre_step {
  enum kind_t {
    split_regex,       // Split with a known regex (fn)
    split_string,      // Split with a literal string
    byte_level,        // ByteLevel
    digits,            // Digits
    metaspace,         // Metaspace
    punctuation,       // Punctuation
    whitespace_split,  // WhitespaceSplit
  };
  kind_t kind = split_regex;
  match_fn fn = nullptr;
  std::string literal;  // split_string: the delimiter; metaspace: the replacement character
  split_behavior behavior = split_behavior::isolated;
  bool add_prefix_space = false;  // byte_level
  bool use_regex = true;          // byte_level
  bool individual_digits = false;
  prepend_scheme scheme = prepend_scheme::always;
  bool split = true;  // metaspace
};

class pre_tokenizer {
 public:
  std::vector<pre_step> steps;

  bool empty() const noexcept { return steps.empty(); }

  // True when a ByteLevel step is present: the model then works on raw bytes.
  bool byte_level() const noexcept {
    for (const auto& s : steps) {
      if (s.kind == pre_step::byte_level) return true;
    }
    return false;
  }

  // Splits text into s.pieces; returns the text those spans index (text itself, or one of the
  // scratch buffers when a step rewrote it). first_segment: the text starts the input (for
  // Metaspace's "first" scheme).
  std::string_view run(std::string_view text, bool first_segment, pretok_scratch& s) const {
    s.pieces.clear();
    if (!text.empty()) s.pieces.push_back({0, static_cast<std::uint32_t>(text.size())});
    std::string_view cur = text;
    for (const pre_step& st : steps) {
      switch (st.kind) {
        case pre_step::split_regex:
          for_each_piece(cur, s, [&](byte_span p) { split_regex(cur, p, st.fn, st.behavior, s); });
          break;
        case pre_step::split_string:
          for_each_piece(cur, s,
                         [&](byte_span p) { split_literal(cur, p, st.literal, st.behavior, s); });
          break;
        case pre_step::byte_level:
          if (st.add_prefix_space) {
            cur = transform(
                cur, s,
                [](std::string_view piece, std::string& out, bool) {
                  if (piece.empty() || piece.front() != ' ') out.push_back(' ');
                  out.append(piece);
                },
                first_segment);
          }
          if (st.use_regex) {
            for_each_piece(cur, s, [&](byte_span p) {
              split_regex(cur, p, &patterns::gpt2, split_behavior::isolated, s);
            });
          }
          break;
        case pre_step::digits:
          for_each_piece(cur, s, [&](byte_span p) {
            split_predicate(
                cur, p, [](char32_t, std::uint8_t f) { return (f & cp_number) != 0; },
                st.individual_digits ? split_behavior::isolated : split_behavior::contiguous, s);
          });
          break;
        case pre_step::punctuation:
          for_each_piece(cur, s, [&](byte_span p) {
            split_predicate(
                cur, p,
                [](char32_t c, std::uint8_t f) {
                  return (f & cp_punct) ||
                         (c < 0x80 && ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) ||
                                       (c >= 91 && c <= 96) || (c >= 123 && c <= 126)));
                },
                st.behavior, s);
          });
          break;
        case pre_step::whitespace_split:
          for_each_piece(cur, s, [&](byte_span p) {
            split_predicate(
                cur, p, [](char32_t, std::uint8_t f) { return (f & cp_whitespace) != 0; },
                split_behavior::removed, s);
          });
          break;
        case pre_step::metaspace: {
          const std::string& rep = st.literal;
          cur = transform(
              cur, s,
              [&](std::string_view piece, std::string& out, bool first) {
                const std::size_t start = out.size();
                for (char c : piece) {
                  if (c == ' ') {
                    out += rep;
                  } else {
                    out.push_back(c);
                  }
                }
                const std::string_view done(out.data() + start, out.size() - start);
                const bool starts = done.substr(0, rep.size()) == rep;
                if (!starts && (st.scheme == prepend_scheme::always ||
                                (st.scheme == prepend_scheme::first && first))) {
                  out.insert(start, rep);
                }
              },
              first_segment);
          if (st.split) {
            for_each_piece(cur, s, [&](byte_span p) {
              split_literal(cur, p, rep, split_behavior::merged_with_next, s);
            });
          }
          break;
        }
      }
    }
    return cur;
  }

 private:
  // Applies a splitting step to every piece: f(piece) appends sub-pieces to s.next.
  template <class F>
  static void for_each_piece(std::string_view, pretok_scratch& s, F&& f) {
    s.next.clear();
    for (byte_span p : s.pieces) f(p);
    s.pieces.clear();
    for (byte_span p : s.next) {
      if (p.end > p.begin) s.pieces.push_back(p);
    }
  }

  static void split_regex(std::string_view text, byte_span p, match_fn fn, split_behavior b,
                          pretok_scratch& s) {
    decode_piece(text, p.begin, p.end, s);
    const cp_text t{s.cps.data(), s.fl.data(), s.n};
    s.matches.clear();
    std::size_t last = 0;
    for (std::size_t i = 0; i < t.n;) {
      const std::size_t e = fn(t, i);
      if (e > i) {
        if (last < i) s.matches.push_back({{s.off[last], s.off[i]}, false});
        s.matches.push_back({{s.off[i], s.off[e]}, true});
        i = last = e;
      } else {
        ++i;
      }
    }
    if (last < t.n) s.matches.push_back({{s.off[last], s.off[t.n]}, false});
    apply_split_behavior(s.matches, b, s.next);
  }

  template <class Pred>
  static void split_predicate(std::string_view text, byte_span p, Pred pred, split_behavior b,
                              pretok_scratch& s) {
    decode_piece(text, p.begin, p.end, s);
    s.matches.clear();
    std::size_t last = 0;
    for (std::size_t i = 0; i < s.n; ++i) {
      if (pred(s.cps[i], s.fl[i])) {
        if (last < i) s.matches.push_back({{s.off[last], s.off[i]}, false});
        s.matches.push_back({{s.off[i], s.off[i + 1]}, true});
        last = i + 1;
      }
    }
    if (last < s.n) s.matches.push_back({{s.off[last], s.off[s.n]}, false});
    apply_split_behavior(s.matches, b, s.next);
  }

  static void split_literal(std::string_view text, byte_span p, std::string_view delim,
                            split_behavior b, pretok_scratch& s) {
    s.matches.clear();
    const std::string_view piece = text.substr(p.begin, p.end - p.begin);
    std::size_t last = 0;
    if (!delim.empty()) {
      for (std::size_t i = piece.find(delim); i != std::string_view::npos;
           i = piece.find(delim, i)) {
        if (last < i) s.matches.push_back({{p.begin + u32(last), p.begin + u32(i)}, false});
        s.matches.push_back({{p.begin + u32(i), p.begin + u32(i + delim.size())}, true});
        i += delim.size();
        last = i;
      }
    }
    if (last < piece.size()) s.matches.push_back({{p.begin + u32(last), p.end}, false});
    apply_split_behavior(s.matches, b, s.next);
  }

  // Rewrites every piece with f(piece, out, is_first_piece) into a scratch buffer.
  template <class F>
  static std::string_view transform(std::string_view cur, pretok_scratch& s, F&& f,
                                    bool first_segment) {
    const int dst = 1 - s.cur_buf;
    // cur may live in buf[cur_buf]; write into the other one.
    std::string& out = s.buf[dst];
    out.clear();
    s.next.clear();
    for (std::size_t k = 0; k < s.pieces.size(); ++k) {
      const byte_span p = s.pieces[k];
      const std::uint32_t begin = u32(out.size());
      f(cur.substr(p.begin, p.end - p.begin), out, first_segment && k == 0 && p.begin == 0);
      s.next.push_back({begin, u32(out.size())});
    }
    s.pieces.swap(s.next);
    s.next.clear();
    s.cur_buf = dst;
    return out;
  }

  static std::uint32_t u32(std::size_t v) { return static_cast<std::uint32_t>(v); }
};

}  // namespace flipside::tok
