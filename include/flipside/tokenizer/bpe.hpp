// Byte-pair encoding with merge ranks (Sennrich et al. 2016; GPT-2's byte-level variant, Radford
// et al. 2019), as Hugging Face tokenizers' BPE model and llama.cpp's llm_tokenizer_bpe run it.
//
// A word starts as one symbol per character (byte-level: per byte); then, repeatedly, the
// adjacent pair with the lowest merge rank is merged — the leftmost one on ties — until no
// adjacent pair has a merge. A min-heap of (rank, position) candidates makes this O(n log n);
// stale candidates (a side already merged into something else) are skipped when popped.
//
// Options, all from tokenizer.json: byte_fallback (an unknown character becomes its <0xXX>
// tokens), unk_token with fuse_unk, ignore_merges (a word that is itself a token is emitted as
// is, Llama-3), continuing_subword_prefix / end_of_word_suffix.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <flipside/tokenizer/byte_level.hpp>
#include <flipside/tokenizer/flat_map.hpp>
#include <flipside/tokenizer/vocab.hpp>
#include <flipside/tokenizer/word_cache.hpp>

namespace flipside::tok {

struct bpe_symbol {
  token_id id;
  std::int32_t prev;
  std::int32_t next;
  bool alive;
};

struct bpe_candidate {
  std::uint32_t rank;
  std::uint32_t pos;
  token_id new_id;
};

struct bpe_scratch {
  std::vector<bpe_symbol> symbols;
  std::vector<bpe_candidate> heap;
  std::vector<token_id> ids;
  std::string piece;
};

// Short words (most of them): the same order without a heap. rank[i] caches the merge of the
// pair starting at live symbol i; each step takes the lowest rank, leftmost on ties.
inline void bpe_merge_short(std::vector<bpe_symbol>& sym, const detail::pair_map& merges) {
  constexpr std::uint32_t none = 0xFFFFFFFFu;
  const std::size_t n = sym.size();
  std::uint32_t rank[32];
  token_id merged[32];
  for (std::size_t i = 0; i + 1 < n; ++i) merges.prefetch(sym[i].id, sym[i + 1].id);
  auto look = [&](std::size_t i) {
    rank[i] = none;
    if (sym[i].next < 0) return;
    if (const auto* m = merges.find(sym[i].id, sym[sym[i].next].id)) {
      rank[i] = m->rank;
      merged[i] = m->id;
    }
  };
  for (std::size_t i = 0; i < n; ++i) look(i);
  for (;;) {
    std::uint32_t best = none;
    std::size_t at = 0;
    for (std::int32_t i = 0; i >= 0; i = sym[i].next) {
      if (rank[i] < best) {
        best = rank[i];
        at = static_cast<std::size_t>(i);
      }
    }
    if (best == none) return;
    bpe_symbol& left = sym[at];
    const std::int32_t r = left.next;
    left.id = merged[at];
    left.next = sym[r].next;
    sym[r].alive = false;
    if (left.next >= 0) {
      sym[left.next].prev = static_cast<std::int32_t>(at);
      merges.prefetch(left.id, sym[left.next].id);
    }
    if (left.prev >= 0) look(static_cast<std::size_t>(left.prev));
    look(at);
  }
}

// Merges symbols in place (HF Word::merge_all; llama.cpp's queue orders the same way).
inline void bpe_merge(std::vector<bpe_symbol>& sym, const detail::pair_map& merges,
                      std::vector<bpe_candidate>& heap) {
  if (sym.size() <= 32) {
    bpe_merge_short(sym, merges);
    return;
  }
  // std heaps are max-heaps: "a < b" means a has lower priority (larger rank, then position).
  auto lower = [](const bpe_candidate& a, const bpe_candidate& b) {
    return a.rank != b.rank ? a.rank > b.rank : a.pos > b.pos;
  };
  heap.clear();
  const std::size_t n = sym.size();
  // The merge table is far larger than the caches: issue every first lookup before using one.
  for (std::size_t i = 0; i + 1 < n; ++i) merges.prefetch(sym[i].id, sym[i + 1].id);
  for (std::size_t i = 0; i + 1 < n; ++i) {
    if (const auto* m = merges.find(sym[i].id, sym[i + 1].id)) {
      heap.push_back({m->rank, static_cast<std::uint32_t>(i), m->id});
    }
  }
  std::make_heap(heap.begin(), heap.end(), lower);
  auto push = [&](std::int32_t left) {
    const std::int32_t right = sym[left].next;
    if (right < 0) return;
    if (const auto* m = merges.find(sym[left].id, sym[right].id)) {
      heap.push_back({m->rank, static_cast<std::uint32_t>(left), m->id});
      std::push_heap(heap.begin(), heap.end(), lower);
    }
  };
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), lower);
    const bpe_candidate top = heap.back();
    heap.pop_back();
    bpe_symbol& left = sym[top.pos];
    if (!left.alive || left.next < 0) continue;
    const std::int32_t r = left.next;
    const auto* m = merges.find(left.id, sym[r].id);
    if (!m || m->id != top.new_id) continue;  // stale: the pair changed since it was queued
    left.id = top.new_id;
    left.next = sym[r].next;
    sym[r].alive = false;
    if (left.next >= 0) {
      sym[left.next].prev = static_cast<std::int32_t>(top.pos);
      merges.prefetch(left.id, sym[left.next].id);
    }
    if (left.prev >= 0) push(left.prev);
    push(static_cast<std::int32_t>(top.pos));
  }
}

class bpe_model {
 public:
  detail::pair_map merges;
  bool byte_level = false;               // symbols are bytes (keyed by vocabulary::bytes)
  std::array<token_id, 256> byte_ids{};  // byte-level: the token of each single byte
  bool byte_fallback = false;
  std::array<token_id, 256> fallback_ids{};  // "<0xXX>" tokens
  token_id unk = vocabulary::none;
  bool fuse_unk = false;
  bool ignore_merges = false;
  std::string continuing_subword_prefix;
  std::string end_of_word_suffix;
  // Byte-level with ignore_merges: raw bytes of every model token → id, so that the whole-word
  // test needs no spelling in the alphabet and shares the word cache's hash (and prefetch).
  detail::string_map whole_words;

  bpe_model() {
    byte_ids.fill(vocabulary::none);
    fallback_ids.fill(vocabulary::none);
  }

  // Appends the tokens of one pre-token word.
  void encode_word(const vocabulary& v, std::string_view word, bpe_scratch& s, word_cache* cache,
                   std::vector<token_id>& out) const {
    encode_word(v, word, cache ? word_cache::hash(word) : 0, s, cache, out);
  }
  // The same with the word's hash (word_cache::hash) computed by the caller.
  void encode_word(const vocabulary& v, std::string_view word, std::uint64_t hash, bpe_scratch& s,
                   word_cache* cache, std::vector<token_id>& out) const {
    if (word.empty()) return;
    if (byte_level && word.size() == 1) {
      const token_id id = byte_ids[static_cast<unsigned char>(word[0])];
      if (id != vocabulary::none) out.push_back(id);
      return;
    }
    // The cache holds final results, so it may be asked before ignore_merges.
    if (cache && cache->lookup(word, hash, out)) return;
    const std::size_t first = out.size();
    if (ignore_merges && whole_word(v, word, hash, s, out)) {
      if (cache) cache->insert(word, hash, out.data() + first, 1);
      return;
    }
    s.symbols.clear();
    if (byte_level) {
      for (unsigned char b : word) {
        if (byte_ids[b] != vocabulary::none) add_symbol(s, byte_ids[b]);
      }
    } else {
      initial_symbols(v, word, s);
    }
    bpe_merge(s.symbols, merges, s.heap);
    for (const bpe_symbol& sym : s.symbols) {
      if (sym.alive) out.push_back(sym.id);
    }
    if (cache) cache->insert(word, hash, out.data() + first, out.size() - first);
  }

  // Reference encoder for tests and the benchmark baseline: the textbook loop (find the lowest
  // rank pair, merge it, rescan), O(n²) per word. Same results as encode_word.
  void encode_word_naive(const vocabulary& v, std::string_view word, bpe_scratch& s,
                         std::vector<token_id>& out) const {
    if (word.empty()) return;
    if (ignore_merges && whole_word(v, word, word_cache::hash(word), s, out)) return;
    s.symbols.clear();
    if (byte_level) {
      for (unsigned char b : word) {
        if (byte_ids[b] != vocabulary::none) add_symbol(s, byte_ids[b]);
      }
    } else {
      initial_symbols(v, word, s);
    }
    std::vector<token_id> ids;
    for (const auto& sym : s.symbols) ids.push_back(sym.id);
    for (;;) {
      std::size_t best = ids.size();
      detail::pair_map::value bv{0xFFFFFFFFu, 0};
      for (std::size_t i = 0; i + 1 < ids.size(); ++i) {
        const auto* m = merges.find(ids[i], ids[i + 1]);
        if (m && m->rank < bv.rank) {
          bv = *m;
          best = i;
        }
      }
      if (best == ids.size()) break;
      ids[best] = bv.id;
      ids.erase(ids.begin() + static_cast<std::ptrdiff_t>(best) + 1);
    }
    out.insert(out.end(), ids.begin(), ids.end());
  }

 private:
  // ignore_merges: a word that is a token is that token (the vocabulary is keyed by pieces, so
  // a byte-level word is first spelled in the alphabet).
  bool whole_word(const vocabulary& v, std::string_view word, std::uint64_t hash, bpe_scratch& s,
                  std::vector<token_id>& out) const {
    token_id id;
    if (byte_level && whole_words.size() > 0) {
      const std::uint32_t x = whole_words.find(word, hash);
      id = x == detail::string_map::npos ? vocabulary::none : static_cast<token_id>(x);
    } else if (byte_level) {
      s.piece.clear();
      const auto& a = tok::byte_level();
      for (unsigned char b : word) utf8_append(s.piece, a.byte_to_cp[b]);
      id = v.find(s.piece);
    } else {
      id = v.find(word);
    }
    if (id == vocabulary::none) return false;
    out.push_back(id);
    return true;
  }

  static void add_symbol(bpe_scratch& s, token_id id) {
    const auto i = static_cast<std::int32_t>(s.symbols.size());
    if (i > 0) s.symbols.back().next = i;
    s.symbols.push_back({id, i - 1, -1, true});
  }

  // One symbol per character (HF BPE::merge_word), with byte fallback and unknown handling.
  void initial_symbols(const vocabulary& v, std::string_view word, bpe_scratch& s) const {
    token_id pending_unk = vocabulary::none;
    for (std::size_t i = 0; i < word.size();) {
      std::size_t len = 1;
      const auto c = static_cast<unsigned char>(word[i]);
      if (c >= 0xF0) {
        len = 4;
      } else if (c >= 0xE0) {
        len = 3;
      } else if (c >= 0xC0) {
        len = 2;
      }
      len = std::min(len, word.size() - i);
      const std::string_view ch = word.substr(i, len);
      const bool first = i == 0;
      const bool last = i + len == word.size();
      i += len;
      token_id id;
      if ((first || continuing_subword_prefix.empty()) && (!last || end_of_word_suffix.empty())) {
        id = v.find(ch);
      } else {
        s.piece.clear();
        if (!first) s.piece += continuing_subword_prefix;
        s.piece.append(ch);
        if (last) s.piece += end_of_word_suffix;
        id = v.find(s.piece);
      }
      if (id != vocabulary::none) {
        if (pending_unk != vocabulary::none) {
          add_symbol(s, pending_unk);
          pending_unk = vocabulary::none;
        }
        add_symbol(s, id);
        continue;
      }
      if (byte_fallback) {
        bool all = true;
        for (unsigned char b : ch) all = all && fallback_ids[b] != vocabulary::none;
        if (all) {
          for (unsigned char b : ch) add_symbol(s, fallback_ids[b]);
          continue;  // HF leaves a pending unknown token pending here
        }
      }
      if (unk != vocabulary::none) {
        if (pending_unk != vocabulary::none && !fuse_unk) add_symbol(s, pending_unk);
        pending_unk = unk;
      }
    }
    if (pending_unk != vocabulary::none) add_symbol(s, pending_unk);
  }
};

}  // namespace flipside::tok
