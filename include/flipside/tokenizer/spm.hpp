// SentencePiece-style BPE with scores (Kudo & Richardson 2018), as llama.cpp's
// llm_tokenizer_spm runs the "llama" vocabularies of GGUF files: start from one symbol per UTF-8
// character; repeatedly merge the adjacent pair whose concatenation is a token with the highest
// score (leftmost on ties); a final symbol that is not a token (an unknown character) becomes
// its <0xXX> byte tokens. Spaces were already replaced by '▁' by the normalizer.
//
// Merged symbols are always tokens (a pair is queued only if its concatenation is one), so
// llama.cpp's re-segmentation of non-tokens only ever splits single characters into bytes.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include <flipside/tokenizer/vocab.hpp>

namespace flipside::tok {

struct spm_symbol {
  std::uint32_t begin;  // byte range of the symbol in the text
  std::uint32_t len;
  std::int32_t prev;
  std::int32_t next;
};

struct spm_candidate {
  float score;
  std::int32_t left;
  std::int32_t right;
  std::uint32_t len;
};

struct spm_scratch {
  std::vector<spm_symbol> symbols;
  std::vector<spm_candidate> heap;
};

class spm_model {
 public:
  std::array<token_id, 256> byte_ids{};  // "<0xXX>" tokens (or the byte itself as a token)
  token_id unk = vocabulary::none;

  spm_model() { byte_ids.fill(vocabulary::none); }

  void encode(const vocabulary& v, std::string_view text, spm_scratch& s,
              std::vector<token_id>& out) const {
    if (text.empty()) return;
    auto& sym = s.symbols;
    sym.clear();
    for (std::size_t i = 0; i < text.size();) {
      const auto c = static_cast<unsigned char>(text[i]);
      std::size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
      if (c >= 0x80 && c < 0xC0) len = 1;  // stray continuation byte (repaired text has none)
      len = std::min(len, text.size() - i);
      const auto k = static_cast<std::int32_t>(sym.size());
      sym.push_back({static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(len), k - 1,
                     i + len == text.size() ? -1 : k + 1});
      i += len;
    }
    // max-heap on score, then the smaller left index (llm_bigram_spm::comparator)
    auto lower = [](const spm_candidate& a, const spm_candidate& b) {
      return a.score < b.score || (a.score == b.score && a.left > b.left);
    };
    auto& heap = s.heap;
    heap.clear();
    auto try_add = [&](std::int32_t l, std::int32_t r) {
      if (l < 0 || r < 0) return;
      const std::uint32_t len = sym[l].len + sym[r].len;
      const token_id id = v.find(text.substr(sym[l].begin, len));
      if (id == vocabulary::none) return;
      heap.push_back({v.score(id), l, r, len});
      std::push_heap(heap.begin(), heap.end(), lower);
    };
    for (std::int32_t i = 1; i < static_cast<std::int32_t>(sym.size()); ++i) try_add(i - 1, i);
    while (!heap.empty()) {
      std::pop_heap(heap.begin(), heap.end(), lower);
      const spm_candidate c = heap.back();
      heap.pop_back();
      spm_symbol& l = sym[c.left];
      spm_symbol& r = sym[c.right];
      if (l.len == 0 || r.len == 0 || l.len + r.len != c.len) continue;  // stale
      l.len += r.len;
      r.len = 0;
      l.next = r.next;
      if (r.next >= 0) sym[r.next].prev = c.left;
      try_add(l.prev, c.left);
      try_add(c.left, l.next);
    }
    for (std::int32_t i = 0; i != -1; i = sym[i].next) {
      const spm_symbol& x = sym[i];
      const std::string_view piece = text.substr(x.begin, x.len);
      const token_id id = v.find(piece);
      if (id != vocabulary::none) {
        out.push_back(id);
        continue;
      }
      for (unsigned char b : piece) {
        if (byte_ids[b] != vocabulary::none) {
          out.push_back(byte_ids[b]);
        } else if (unk != vocabulary::none) {
          out.push_back(unk);
        }
      }
    }
  }
};

}  // namespace flipside::tok
