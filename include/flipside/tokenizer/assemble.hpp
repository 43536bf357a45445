// Steps every loader shares once the vocabulary is read: the byte-level index (raw bytes of every
// token), the byte and byte-fallback token tables, and merges given as strings.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <flipside/core/error.hpp>
#include <flipside/tokenizer/byte_level.hpp>
#include <flipside/tokenizer/tokenizer.hpp>

namespace flipside::tok {

// Byte-level models: the model works on raw bytes; find the token of each single byte, and with
// ignore_merges index every model token by its raw bytes (call after ignore_merges is set).
inline void index_byte_level(tokenizer::parts& p) {
  p.bpe.byte_level = true;
  const auto& alphabet = byte_level();
  for (unsigned b = 0; b < 256; ++b) {
    p.bpe.byte_ids[b] = p.vocab.find(utf8_encode(alphabet.byte_to_cp[b]));
  }
  if (!p.bpe.ignore_merges) return;
  const vocabulary& v = p.vocab;
  std::vector<std::pair<std::string, token_id>> raw;
  raw.reserve(v.size());
  std::string bytes;
  std::size_t total = 0;
  for (token_id id = 0; id < static_cast<token_id>(v.size()); ++id) {
    const token_attr a = v.attr(id);
    if (!v.contains(id) || (a != token_attr::normal && a != token_attr::byte)) continue;
    if (byte_level_decode(v.piece(id), bytes)) {
      total += bytes.size();
      raw.emplace_back(bytes, id);
    }
  }
  auto& index = p.bpe.whole_words;
  index.reserve(raw.size(), total);
  constexpr std::size_t ahead = 8;
  std::uint64_t ring[ahead + 1];
  for (std::size_t i = 0; i < raw.size() + ahead; ++i) {
    if (i < raw.size()) {
      ring[i % (ahead + 1)] = detail::string_map::hash(raw[i].first);
      index.prefetch(ring[i % (ahead + 1)]);
    }
    if (i >= ahead) {
      const std::size_t j = i - ahead;
      index.insert(raw[j].first, ring[j % (ahead + 1)], static_cast<std::uint32_t>(raw[j].second));
    }
  }
}

// "<0x0A>"-style byte tokens (SentencePiece byte fallback).
inline void find_byte_tokens(const vocabulary& v, std::array<token_id, 256>& ids) {
  char buf[8];
  for (unsigned b = 0; b < 256; ++b) {
    std::snprintf(buf, sizeof buf, "<0x%02X>", b);
    ids[b] = v.find(buf);
  }
}

// Splits a merge line "a b" at its first space after position 0 (so that a token may itself
// start with a space, as llama.cpp allows); false when there is none.
inline bool split_merge(std::string_view line, std::string_view& a, std::string_view& b) {
  if (line.size() < 3) return false;
  const std::size_t sp = line.find(' ', 1);
  if (sp == std::string_view::npos || sp + 1 >= line.size()) return false;
  a = line.substr(0, sp);
  b = line.substr(sp + 1);
  return true;
}

// Fills the vocabulary from (piece, id) pairs, hashing a few entries ahead and prefetching their
// slots so that the table's cache misses overlap.
inline void fill_vocab(vocabulary& v, const std::vector<std::pair<std::string_view, token_id>>& e,
                       token_attr attr = token_attr::normal, bool replace = false) {
  std::size_t bytes = 0;
  token_id max_id = -1;
  for (const auto& [piece, id] : e) {
    bytes += piece.size();
    max_id = std::max(max_id, id);
  }
  v.reserve(e.size(), bytes);
  if (max_id >= 0 && static_cast<std::size_t>(max_id) >= v.size()) v.resize(max_id + 1);
  constexpr std::size_t ahead = 8;
  std::uint64_t ring[ahead + 1];
  for (std::size_t i = 0; i < e.size() + ahead; ++i) {
    if (i < e.size()) {
      ring[i % (ahead + 1)] = detail::string_map::hash(e[i].first);
      v.prefetch(ring[i % (ahead + 1)]);
    }
    if (i >= ahead) {
      const std::size_t j = i - ahead;
      v.set(e[j].second, e[j].first, ring[j % (ahead + 1)], attr, replace);
    }
  }
}

// Adds merges (a, b) with ranks 0, 1, …: a, b and a+b (minus b's continuing-subword prefix)
// must be tokens, else format_error(file, field_prefix[i]). keep_first: a duplicate keeps its
// first rank (llama.cpp) instead of the last (HF). Lookups are pipelined like fill_vocab.
inline void add_merges(tokenizer::parts& p,
                       const std::vector<std::pair<std::string_view, std::string_view>>& m,
                       bool keep_first, const std::string& file, const std::string& field_prefix) {
  p.bpe.merges.reserve(p.bpe.merges.size() + m.size());
  const std::string& prefix = p.bpe.continuing_subword_prefix;
  constexpr std::size_t ahead = 8;
  struct staged {
    std::uint64_t ha, hb, hm;
    std::string merged;
  };
  staged ring[ahead + 1];
  auto fail = [&](std::size_t i, const std::string& what) {
    throw format_error(file, field_prefix + "[" + std::to_string(i) + "]", what);
  };
  for (std::size_t i = 0; i < m.size() + ahead; ++i) {
    if (i < m.size()) {
      staged& s = ring[i % (ahead + 1)];
      std::string_view b = m[i].second;
      s.ha = detail::string_map::hash(m[i].first);
      s.hb = detail::string_map::hash(b);
      if (!prefix.empty() && b.substr(0, prefix.size()) == prefix) b.remove_prefix(prefix.size());
      s.merged.assign(m[i].first.data(), m[i].first.size());
      s.merged.append(b.data(), b.size());
      s.hm = detail::string_map::hash(s.merged);
      p.vocab.prefetch(s.ha);
      p.vocab.prefetch(s.hb);
      p.vocab.prefetch(s.hm);
    }
    if (i < ahead) continue;
    const std::size_t j = i - ahead;
    const staged& s = ring[j % (ahead + 1)];
    const token_id ia = p.vocab.find(m[j].first, s.ha);
    const token_id ib = p.vocab.find(m[j].second, s.hb);
    const token_id im = p.vocab.find(s.merged, s.hm);
    if (ia == vocabulary::none) {
      fail(j, "merge token '" + std::string(m[j].first) + "' is not in the vocabulary");
    }
    if (ib == vocabulary::none) {
      fail(j, "merge token '" + std::string(m[j].second) + "' is not in the vocabulary");
    }
    if (im == vocabulary::none) {
      fail(j, "merged token '" + s.merged + "' is not in the vocabulary");
    }
    const auto rank = static_cast<std::uint32_t>(j);
    if (keep_first) {
      p.bpe.merges.insert_if_absent(ia, ib, {rank, im});
    } else {
      p.bpe.merges.insert_or_assign(ia, ib, {rank, im});
    }
  }
}

}  // namespace flipside::tok
