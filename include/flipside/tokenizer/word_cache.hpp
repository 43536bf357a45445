// A bounded cache of BPE results per pre-token word. Natural text repeats a small set of words
// (Zipf), so most words are merged once and then looked up (HF tokenizers does the same with a
// 10 000-entry cache). When the cache is full it is emptied and refilled: simple, bounded, and
// the result never depends on the cache.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include <flipside/tokenizer/flat_map.hpp>
#include <flipside/tokenizer/vocab.hpp>

namespace flipside::tok {

class word_cache {
 public:
  static constexpr std::size_t max_entries = 1u << 16;
  static constexpr std::size_t max_word_bytes = 64;

  static std::uint64_t hash(std::string_view word) noexcept {
    return detail::string_map::hash(word);
  }
  // Encoders hash the next words ahead and prefetch their slots (the table is larger than L2).
  void prefetch(std::uint64_t h) const noexcept { index_.prefetch(h); }

  // Appends the cached ids of word (whose hash is h) to out and returns true, or returns false.
  bool lookup(std::string_view word, std::uint64_t h, std::vector<token_id>& out) const {
    const std::uint32_t e = index_.find(word, h);
    if (e == detail::string_map::npos) return false;
    const std::uint32_t b = begin_[e], n = begin_[e + 1] - b;
    if (n == 1) {
      out.push_back(ids_[b]);
    } else {
      out.insert(out.end(), ids_.begin() + b, ids_.begin() + b + n);
    }
    return true;
  }
  bool lookup(std::string_view word, std::vector<token_id>& out) const {
    return lookup(word, hash(word), out);
  }

  void insert(std::string_view word, std::uint64_t h, const token_id* ids, std::size_t n) {
    if (word.size() > max_word_bytes) return;
    if (index_.size() >= max_entries) clear();
    if (begin_.empty()) begin_.push_back(0);
    const auto e = static_cast<std::uint32_t>(begin_.size() - 1);
    if (index_.insert(word, h, e) != e) return;  // already present
    ids_.insert(ids_.end(), ids, ids + n);
    begin_.push_back(static_cast<std::uint32_t>(ids_.size()));
  }
  void insert(std::string_view word, const token_id* ids, std::size_t n) {
    insert(word, hash(word), ids, n);
  }

  void clear() {
    index_.clear();
    ids_.clear();
    begin_.assign(1, 0);
  }

  std::size_t size() const noexcept { return index_.size(); }

 private:
  detail::string_map index_;
  std::vector<token_id> ids_;
  std::vector<std::uint32_t> begin_;
};

}  // namespace flipside::tok
