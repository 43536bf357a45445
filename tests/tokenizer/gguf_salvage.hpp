// Test-only salvage of the tokenizer metadata of a GGUF file that went through a UTF-8 decode
// with replacement (the copies in ../shared/golden/llamacpp-vocab were damaged this way: every
// maximal ill-formed subsequence became EF BF BD, as Python's bytes.decode(errors="replace")
// does — Unicode 15, §3.9 "U+FFFD Substitution of Maximal Subparts").
//
// What survives such a copy: every byte < 0x80 and every well-formed UTF-8 sequence, so the keys,
// the token and merge strings (UTF-8 text) and small integers (token types 0..6) are intact. What
// is lost: any length or count with a byte >= 0x80, and the sign/exponent byte of every negative
// float (the SentencePiece scores).
//
// The salvage reads tokenizer.ggml.{model,pre,tokens,token_type,merges,scores} by structure: for
// each damaged length it keeps the values whose damaged form matches the bytes and whose string
// is well-formed text followed by another well-formed entry; an array ends where the next
// metadata key starts and its element count, damaged, gives the count field's bytes; scores are
// reconstructed from a few candidates (see get_scores). Then it proves the result: each entry,
// written back as GGUF bytes and damaged the same way, must reproduce the file's bytes exactly.
//
// The library's GGUF reader is not involved in any of this (it rejects the damaged files, and the
// tests check that): the salvaged entries are written into a clean GGUF image that the normal
// reader then loads.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <flipside/tokenizer/utf8.hpp>

#include "tokenizer_test_util.hpp"

namespace flipside::test {

// One step of bytes.decode("utf-8", errors="replace").encode("utf-8") at s[i]: appends the
// output for the sequence (or maximal ill-formed subpart, one U+FFFD) starting there and returns
// the bytes consumed; returns 0 when the answer depends on bytes past the end of s and !final.
inline std::size_t mangle_step(std::string_view s, std::size_t i, bool final, std::string& out) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  const unsigned c = p[i];
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
    return 1;
  }
  // Sequence length and the allowed range of the second byte (Unicode Table 3-7).
  std::size_t len = 0;
  unsigned lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  }
  std::size_t k = 1;
  while (len && k < len && i + k < n) {
    const unsigned b = p[i + k];
    if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) break;
    ++k;
  }
  if (len && k < len && i + k == n && !final) return 0;
  if (len && k == len) {
    out.append(s.data() + i, len);
  } else {
    out += "\xEF\xBF\xBD";
  }
  return k;
}

// bytes.decode("utf-8", errors="replace").encode("utf-8"): one U+FFFD per maximal subpart.
inline std::string mangle_maximal_subparts(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 16);
  for (std::size_t i = 0; i < s.size();) i += mangle_step(s, i, true, out);
  return out;
}

struct salvaged_vocab {
  std::string model, pre;
  std::vector<std::string> tokens, merges;
  std::vector<std::int32_t> types;
  std::vector<float> scores;  // "llama" only: reconstructed, see gguf_salvager::get_scores

  // A clean GGUF image holding these entries (for flipside::gguf_file::from_memory).
  std::string gguf() const {
    gguf_builder g;
    g.str("tokenizer.ggml.model", model);
    if (!pre.empty()) g.str("tokenizer.ggml.pre", pre);
    g.strings("tokenizer.ggml.tokens", tokens).i32s("tokenizer.ggml.token_type", types);
    if (!merges.empty()) g.strings("tokenizer.ggml.merges", merges);
    if (!scores.empty()) g.f32s("tokenizer.ggml.scores", scores);
    return g.bytes();
  }
};

class gguf_salvager {
 public:
  explicit gguf_salvager(std::string damaged) : bytes_(std::move(damaged)), d_(bytes_) {}

  // The vocabulary, or nullopt with the reason in why().
  std::optional<salvaged_vocab> run() {
    try {
      salvaged_vocab v;
      v.model = get_string("tokenizer.ggml.model");
      if (v.model == "gpt2") {
        v.pre = get_string("tokenizer.ggml.pre");
        v.tokens = get_strings("tokenizer.ggml.tokens");
        v.types = get_i32s("tokenizer.ggml.token_type", v.tokens.size());
        v.merges = get_strings("tokenizer.ggml.merges");
      } else if (v.model == "llama") {
        // SentencePiece pieces are well-formed UTF-8, so a U+FFFD inside one is genuine (the
        // verification below holds either way).
        replacement_in_strings_ = true;
        v.tokens = get_strings("tokenizer.ggml.tokens");
        v.types = get_i32s("tokenizer.ggml.token_type", v.tokens.size());
        v.scores = get_scores("tokenizer.ggml.scores", v.types);
      } else {
        fail("tokenizer.ggml.model '" + v.model + "' is not salvaged");
      }
      return v;
    } catch (const failure&) {
      return std::nullopt;
    }
  }
  const std::string& why() const { return why_; }

 private:
  struct failure {};
  [[noreturn]] void fail(const std::string& why) {
    why_ = why;
    throw failure{};
  }

  static std::string le64(std::uint64_t v) {
    char b[8];
    std::memcpy(b, &v, 8);
    return std::string(b, 8);
  }
  static std::string le32(std::uint32_t v) {
    char b[4];
    std::memcpy(b, &v, 4);
    return std::string(b, 4);
  }

  // Damaged form of every u64 below 2^16 (vocabulary strings are shorter) → those values.
  static const std::unordered_map<std::string, std::vector<std::uint32_t>>& short_lengths() {
    static const auto table = [] {
      std::unordered_map<std::string, std::vector<std::uint32_t>> t;
      for (std::uint32_t v = 0; v < 65536; ++v) t[mangle_maximal_subparts(le64(v))].push_back(v);
      return t;
    }();
    return table;
  }
  // Candidate (value, damaged field size) pairs of a length field at q.
  std::vector<std::pair<std::uint32_t, std::size_t>> lengths_at(std::size_t q) const {
    std::vector<std::pair<std::uint32_t, std::size_t>> out;
    if (q + 8 <= d_.size()) {
      // Undamaged (no byte >= 0x80): the only reading, since every other damaged form has an
      // EF BF BD in its first two bytes.
      const auto* p = reinterpret_cast<const unsigned char*>(d_.data()) + q;
      std::uint64_t v;
      std::memcpy(&v, p, 8);
      if ((v & 0x8080808080808080ull) == 0) {
        if (v < 65536) out.emplace_back(static_cast<std::uint32_t>(v), 8);
        return out;
      }
    }
    for (std::size_t size : {8, 9, 10, 12}) {
      if (q + size > d_.size()) break;
      const auto it = short_lengths().find(std::string(d_.substr(q, size)));
      if (it == short_lengths().end()) continue;
      for (std::uint32_t v : it->second) out.emplace_back(v, size);
    }
    return out;
  }

  // A metadata key starts at q: length < 128, [a-z0-9_.-] with a dot, then a value type 0..12.
  bool key_at(std::size_t q) const {
    if (q + 8 > d_.size()) return false;
    const auto* p = reinterpret_cast<const unsigned char*>(d_.data()) + q;
    if (p[0] < 3 || p[0] >= 0x80) return false;
    for (int i = 1; i < 8; ++i) {
      if (p[i]) return false;
    }
    const std::size_t len = p[0];
    if (q + 8 + len + 4 > d_.size()) return false;
    bool dot = false;
    for (std::size_t i = 0; i < len; ++i) {
      const char c = static_cast<char>(p[8 + i]);
      dot |= c == '.';
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
        return false;
    }
    const unsigned char* t = p + 8 + len;
    return dot && t[0] <= 12 && t[1] == 0 && t[2] == 0 && t[3] == 0;
  }

  // A string of n bytes at q that a vocabulary can hold: well-formed, no NUL, no U+FFFD (which
  // could not be told apart from damage), followed by another string or a key (depth levels).
  bool item_ok(std::size_t q, std::size_t n, int depth) const {
    if (q + n > d_.size()) return false;
    const std::string_view s = d_.substr(q, n);
    if (s.find('\0') != std::string_view::npos ||
        (!replacement_in_strings_ && s.find("\xEF\xBF\xBD") != std::string_view::npos) ||
        !tok::utf8_is_valid(s)) {
      return false;
    }
    const std::size_t next = q + n;
    if (next == d_.size() || key_at(next)) return true;
    for (const auto& [v, size] : lengths_at(next)) {
      if (depth == 0 || item_ok(next + size, v, depth - 1)) return true;
    }
    return false;
  }

  // Position just after the key (which must occur once), and the key's start.
  std::size_t find_key(const std::string& key, std::size_t* start = nullptr) {
    const std::string pat = le64(key.size()) + key;
    const std::size_t at = d_.find(pat);
    if (at == std::string_view::npos) fail(key + ": key not found");
    if (d_.find(pat, at + 1) != std::string_view::npos) fail(key + ": key found twice");
    if (start) *start = at;
    return at + pat.size();
  }

  // Proof: the entry written back as GGUF and damaged equals the file's bytes at its place.
  void verify(const std::string& key, std::size_t start, const std::string& value_bytes) {
    const std::string original = le64(key.size()) + key + value_bytes;
    const std::string damaged = mangle_maximal_subparts(original);
    if (d_.substr(start, damaged.size()) != damaged) {
      fail(key + ": the salvaged entry, damaged again, does not reproduce the file's bytes");
    }
  }

  std::string get_string(const std::string& key) {
    std::size_t start;
    std::size_t q = find_key(key, &start);
    if (d_.substr(q, 4) != le32(8)) fail(key + ": not a string");
    q += 4;
    const auto c = lengths_at(q);
    if (c.size() != 1) fail(key + ": damaged length");
    const std::string v(d_.substr(q + c[0].second, c[0].first));
    verify(key, start, le32(8) + le64(v.size()) + v);
    return v;
  }

  std::vector<std::string> get_strings(const std::string& key) {
    std::size_t start;
    const std::size_t p = find_key(key, &start) + 8;
    if (d_.substr(p - 8, 8) != le32(9) + le32(8)) fail(key + ": not an array of strings");
    // The count field is 8 bytes, each byte >= 0x80 of it turned into EF BF BD (with its
    // neighbours when they formed a maximal subpart): between 3 and 24 damaged bytes.
    for (std::size_t field = 3; field <= 24 && p + field <= d_.size(); ++field) {
      std::vector<std::string> items;
      std::size_t q = p + field;
      const std::string_view count = d_.substr(p, field);
      for (;;) {
        if (key_at(q) && mangle_maximal_subparts(le64(items.size())) == count) break;
        std::pair<std::uint32_t, std::size_t> pick{0, 0};
        int found = 0;
        const auto cands = lengths_at(q);
        // One candidate (the length had no byte >= 0x80): a wrong string would still be caught
        // by the parse of what follows and by verify(); several: look two strings ahead.
        const int depth = cands.size() == 1 ? 0 : 2;
        for (const auto& c : cands) {
          if (item_ok(q + c.second, c.first, depth)) {
            pick = c;
            ++found;
          }
        }
        if (found != 1) {
          if (found > 1 && !items.empty()) {
            fail(key + "[" + std::to_string(items.size()) + "]: ambiguous damaged length");
          }
          q = 0;
          break;
        }
        items.emplace_back(d_.substr(q + pick.second, pick.first));
        q += pick.second + pick.first;
      }
      if (q == 0) continue;
      std::string bytes = le32(9) + le32(8) + le64(items.size());
      for (const auto& s : items) bytes += le64(s.size()) + s;
      verify(key, start, bytes);
      return items;
    }
    fail(key + ": the array could not be re-read");
  }

  std::vector<std::int32_t> get_i32s(const std::string& key, std::size_t n) {
    std::size_t start;
    std::size_t q = find_key(key, &start);
    std::string bytes = le32(9) + le32(5) + le64(n);
    const std::string head = mangle_maximal_subparts(bytes);
    if (d_.substr(q, head.size()) != head) fail(key + ": not an array of " + std::to_string(n));
    q += head.size();
    if (q + 4 * n > d_.size()) fail(key + ": truncated");
    std::vector<std::int32_t> v(n);
    std::memcpy(v.data(), d_.data() + q, 4 * n);
    for (std::int32_t t : v) {
      if (t < 0 || t > 6) fail(key + ": a token type outside 0..6 (damaged)");
    }
    bytes.append(d_.data() + q, 4 * n);
    verify(key, start, bytes);
    return v;
  }

  // The scores are floats: their bytes >= 0x80 (the sign and exponent of every negative score)
  // are gone, so they cannot be read back, only reconstructed and checked. Each score is the
  // first of a few candidates whose damaged bytes continue the file's bytes — for a normal
  // piece: -(id - first normal id) (sentencepiece BPE scores a piece by minus its merge rank),
  // then 0, -1000, -10000, -1e9 (the values llama.cpp's converters give to special, added and
  // unreachable pieces) — and the whole array is then verified like every other entry: written
  // back and damaged, it must reproduce the file's bytes exactly. The exact float bits of a
  // score are thereby pinned only up to its damaged bytes; the order of the scores, which is all
  // the SentencePiece merge loop uses, is what the candidates assert.
  std::vector<float> get_scores(const std::string& key, const std::vector<std::int32_t>& types) {
    const std::size_t n = types.size();
    std::size_t start;
    std::size_t q = find_key(key, &start);
    std::string bytes = le32(9) + le32(6) + le64(n);
    const std::string head = mangle_maximal_subparts(bytes);
    if (d_.substr(q, head.size()) != head) fail(key + ": not an array of " + std::to_string(n));
    q += head.size();
    std::int32_t first_normal = -1;
    for (std::size_t i = 0; i < n && first_normal < 0; ++i) {
      if (types[i] == 1) first_normal = static_cast<std::int32_t>(i);
    }
    std::vector<float> scores(n);
    std::string pending;  // original bytes not yet turned into output (an undecided sequence)
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
      float cands[5] = {0.0f, -1000.0f, -10000.0f, -1e9f, 0.0f};
      int nc = 4;
      if (types[i] == 1) {
        cands[4] = cands[0];
        cands[0] = static_cast<float>(-(static_cast<std::int64_t>(i) - first_normal));
        nc = 5;
      }
      bool found = false;
      for (int c = 0; c < nc && !found; ++c) {
        std::string trial = pending;
        char b[4];
        std::memcpy(b, &cands[c], 4);
        trial.append(b, 4);
        out.clear();
        std::size_t k = 0;
        while (k < trial.size()) {
          const std::size_t step = mangle_step(trial, k, i + 1 == n, out);
          if (step == 0) break;
          k += step;
        }
        if (d_.substr(q, out.size()) != out) continue;
        found = true;
        scores[i] = cands[c];
        q += out.size();
        pending = trial.substr(k);
      }
      if (!found)
        fail(key + "[" + std::to_string(i) + "]: no candidate score fits the damaged bytes");
    }
    bytes.append(reinterpret_cast<const char*>(scores.data()), 4 * n);
    verify(key, start, bytes);
    if (!key_at(start + mangle_maximal_subparts(le64(key.size()) + key + bytes).size())) {
      fail(key + ": the reconstructed array does not end where the next key starts");
    }
    return scores;
  }

  std::string bytes_;
  std::string_view d_;
  std::string why_;
  bool replacement_in_strings_ = false;
};

}  // namespace flipside::test
