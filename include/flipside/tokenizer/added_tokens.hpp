// Added tokens (HF added_tokens; GGUF control and user-defined tokens) are found in the text
// before anything else, so "<|im_start|>" becomes one token instead of being spelled out.
//
// Matching follows HF tokenizers' AddedVocabulary: leftmost-longest matches over a trie, tokens
// with normalized=false matched in the raw text and those with normalized=true in the normalized
// text; lstrip / rstrip extend a match over the whitespace beside it, single_word rejects matches
// inside a word. When special-token parsing is off (llama.cpp's parse_special = false, HF's
// encode_special_tokens = true) special tokens are not matched, but the other added tokens still
// are — both references do that.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <flipside/tokenizer/unicode.hpp>
#include <flipside/tokenizer/utf8.hpp>
#include <flipside/tokenizer/vocab.hpp>

namespace flipside::tok {

struct added_token {
  std::string content;
  token_id id = vocabulary::none;
  bool special = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = false;
  bool single_word = false;
};

class added_vocabulary {
 public:
  const std::vector<added_token>& tokens() const noexcept { return tokens_; }
  bool empty() const noexcept { return tokens_.empty(); }
  bool has_normalized() const noexcept { return has_normalized_; }

  void add(added_token t) {
    if (t.content.empty()) return;
    tokens_.push_back(std::move(t));
    build();
  }

  void assign(std::vector<added_token> ts) {
    tokens_.clear();
    for (auto& t : ts) {
      if (!t.content.empty()) tokens_.push_back(std::move(t));
    }
    build();
  }

  const added_token* find(std::string_view content) const {
    for (const auto& t : tokens_) {
      if (t.content == content) return &t;
    }
    return nullptr;
  }

  // Splits text: emit(begin, end, id) for each matched token (id ≥ 0, the span includes any
  // stripped whitespace) and emit(begin, end, vocabulary::none) for the text between them.
  // normalized_pass: match the normalized=true tokens instead of the raw ones.
  template <class Emit>
  void split(std::string_view text, bool normalized_pass, bool parse_special, Emit&& emit) const {
    const trie& tr = normalized_pass ? norm_ : raw_;
    std::size_t last = 0;  // end of the previous match
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    if (!tr.nodes.empty() && !text.empty()) {
      const bool* first = tr.first.data();
      const unsigned char* end = p + text.size();
      for (std::size_t i = 0; i < text.size();) {
        // Skip to the next byte that can start a token (most text has none).
        const unsigned char* q = p + i;
        if (tr.only_first >= 0) {
          q = static_cast<const unsigned char*>(std::memchr(q, tr.only_first, end - q));
          if (!q) break;
        } else {
          while (q < end && !first[*q]) ++q;
          if (q == end) break;
        }
        i = static_cast<std::size_t>(q - p);
        std::size_t match_end = 0;
        const added_token* match = nullptr;
        std::int32_t node = 0;
        for (std::size_t j = i; j < text.size(); ++j) {
          node = tr.child(node, p[j]);
          if (node < 0) break;
          const std::int32_t t = tr.nodes[node].token;
          if (t >= 0 && (parse_special || !tokens_[t].special)) {
            match = &tokens_[t];
            match_end = j + 1;
          }
        }
        if (!match || (match->single_word && !single_word_ok(text, i, match_end))) {
          ++i;
          continue;
        }
        std::size_t start = i, stop = match_end;
        if (match->lstrip) start = std::max(last, whitespace_run_start(text, start));
        if (match->rstrip) stop = whitespace_run_end(text, stop);
        if (last < start) emit(last, start, vocabulary::none);
        emit(start, stop, match->id);
        last = i = stop;
      }
    }
    if (last < text.size()) emit(last, text.size(), vocabulary::none);
  }

 private:
  struct trie {
    struct node {
      std::int32_t token = -1;  // index into tokens_
      std::vector<std::pair<unsigned char, std::int32_t>> kids;
    };
    std::vector<node> nodes;
    std::array<bool, 256> first{};
    int only_first = -1;  // the first byte of every token, when they all share one

    std::int32_t child(std::int32_t n, unsigned char c) const {
      for (const auto& [k, v] : nodes[n].kids) {
        if (k == c) return v;
      }
      return -1;
    }
    void insert(std::string_view s, std::int32_t token) {
      if (nodes.empty()) nodes.emplace_back();
      first[static_cast<unsigned char>(s[0])] = true;
      std::int32_t n = 0;
      for (unsigned char c : s) {
        std::int32_t k = child(n, c);
        if (k < 0) {
          k = static_cast<std::int32_t>(nodes.size());
          nodes[n].kids.emplace_back(c, k);
          nodes.emplace_back();
        }
        n = k;
      }
      if (nodes[n].token < 0) nodes[n].token = token;
      int count = 0, which = -1;
      for (int c = 0; c < 256; ++c) {
        if (first[c]) {
          ++count;
          which = c;
        }
      }
      only_first = count == 1 ? which : -1;
    }
  };

  void build() {
    raw_ = trie{};
    norm_ = trie{};
    has_normalized_ = false;
    for (std::size_t i = 0; i < tokens_.size(); ++i) {
      const auto& t = tokens_[i];
      (t.normalized ? norm_ : raw_).insert(t.content, static_cast<std::int32_t>(i));
      has_normalized_ = has_normalized_ || t.normalized;
    }
  }

  // Code point ending at byte e (exclusive), or starting at byte b.
  static char32_t cp_before(std::string_view s, std::size_t e) {
    std::size_t b = e - 1;
    while (b > 0 && (static_cast<unsigned char>(s[b]) & 0xC0) == 0x80) --b;
    char32_t cp = replacement_char;
    utf8_decode(reinterpret_cast<const unsigned char*>(s.data()), e, b, cp);
    return cp;
  }
  static std::size_t cp_at(std::string_view s, std::size_t b, char32_t& cp) {
    cp = replacement_char;
    const std::size_t len =
        utf8_decode(reinterpret_cast<const unsigned char*>(s.data()), s.size(), b, cp);
    return len ? len : 1;
  }
  static bool is_word_char(char32_t c) {
    return c == '_' || (cp_flags(c) & (cp_letter | cp_number | cp_mark)) != 0;
  }
  static bool single_word_ok(std::string_view s, std::size_t b, std::size_t e) {
    if (b > 0 && is_word_char(cp_before(s, b))) return false;
    if (e < s.size()) {
      char32_t c;
      cp_at(s, e, c);
      if (is_word_char(c)) return false;
    }
    return true;
  }
  static std::size_t whitespace_run_start(std::string_view s, std::size_t e) {
    while (e > 0) {
      std::size_t b = e - 1;
      while (b > 0 && (static_cast<unsigned char>(s[b]) & 0xC0) == 0x80) --b;
      char32_t c;
      cp_at(s, b, c);
      if (!is_whitespace(c)) break;
      e = b;
    }
    return e;
  }
  static std::size_t whitespace_run_end(std::string_view s, std::size_t b) {
    while (b < s.size()) {
      char32_t c;
      const std::size_t len = cp_at(s, b, c);
      if (!is_whitespace(c)) break;
      b += len;
    }
    return b;
  }

  std::vector<added_token> tokens_;
  trie raw_, norm_;
  bool has_normalized_ = false;
};

}  // namespace flipside::tok
