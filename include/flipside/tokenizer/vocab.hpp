// The vocabulary: token id ↔ piece (the string as the tokenizer file writes it), per-token
// attributes and scores.
//
// Pieces live in one arena indexed by id, so loading 150 000 tokens costs two allocations, not
// 150 000. Ids may have holes (tokenizer.json vocabularies need not be dense); a hole has an
// empty piece and the `unused` attribute.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <flipside/core/error.hpp>
#include <flipside/tokenizer/flat_map.hpp>

namespace flipside {

// Token ids are int32, as in ggml / llama.cpp.
using token_id = std::int32_t;

namespace tok {

// What kind of token an id is (llama.cpp's token types; HF's added tokens map to control when
// special, user_defined otherwise).
enum class token_attr : std::uint8_t {
  normal = 0,
  unknown = 1,
  control = 2,       // special: BOS/EOS/chat markers; skipped by decode(skip_special)
  user_defined = 3,  // added, not special: always matched in the raw text
  byte = 4,          // <0xXX> byte-fallback token
  unused = 5,        // hole in the id range, or a token the file marks unused
};

class vocabulary {
 public:
  static constexpr token_id none = -1;

  std::size_t size() const noexcept { return len_.size(); }

  void resize(std::size_t n) {
    off_.resize(n, 0);
    len_.resize(n, 0);
    attr_.resize(n, token_attr::unused);
    present_.resize(n, 0);
  }

  // Sets the piece of id (growing the id range). replace: a later duplicate piece takes over
  // the piece → id lookup (llama.cpp), else the first id keeps it (HF's map semantics).
  void set(token_id id, std::string_view piece, token_attr attr = token_attr::normal,
           bool replace = false) {
    set(id, piece, detail::string_map::hash(piece), attr, replace);
  }
  // The same with the piece's hash computed by the caller (see prefetch).
  void set(token_id id, std::string_view piece, std::uint64_t hash, token_attr attr, bool replace) {
    if (id < 0) throw argument_error("vocabulary: negative token id");
    if (static_cast<std::size_t>(id) >= size()) resize(static_cast<std::size_t>(id) + 1);
    off_[id] = static_cast<std::uint32_t>(arena_.size());
    len_[id] = static_cast<std::uint32_t>(piece.size());
    arena_.append(piece.data(), piece.size());
    attr_[id] = attr;
    present_[id] = 1;
    if (replace) {
      index_.insert_or_assign(piece, static_cast<std::uint32_t>(id));
    } else {
      index_.insert(piece, hash, static_cast<std::uint32_t>(id));
    }
  }

  void reserve(std::size_t n, std::size_t bytes) {
    arena_.reserve(bytes);
    index_.reserve(n, bytes);
  }

  bool contains(token_id id) const noexcept {
    return id >= 0 && static_cast<std::size_t>(id) < size() && present_[id];
  }

  std::string_view piece(token_id id) const noexcept {
    return {arena_.data() + off_[id], len_[id]};
  }

  token_id find(std::string_view piece) const noexcept {
    return find(piece, detail::string_map::hash(piece));
  }
  token_id find(std::string_view piece, std::uint64_t hash) const noexcept {
    const std::uint32_t v = index_.find(piece, hash);
    return v == detail::string_map::npos ? none : static_cast<token_id>(v);
  }
  // Loaders hash pieces a few entries ahead and prefetch their slots: the lookups of a
  // 150 000-token vocabulary are cache misses, and overlapping them halves the load time.
  void prefetch(std::uint64_t hash) const noexcept { index_.prefetch(hash); }

  token_attr attr(token_id id) const noexcept { return attr_[id]; }
  void set_attr(token_id id, token_attr a) { attr_[id] = a; }

  float score(token_id id) const noexcept {
    return static_cast<std::size_t>(id) < scores_.size() ? scores_[id] : 0.0f;
  }
  void set_scores(std::vector<float> s) { scores_ = std::move(s); }

 private:
  std::string arena_;
  std::vector<std::uint32_t> off_, len_;
  std::vector<token_attr> attr_;
  std::vector<std::uint8_t> present_;
  std::vector<float> scores_;
  detail::string_map index_;
};

}  // namespace tok
}  // namespace flipside
