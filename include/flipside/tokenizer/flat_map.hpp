// Flat open-addressing hash tables for vocabularies, merge ranks and the word cache.
//
// Vocabularies hold 30–250 thousand strings and are probed once per pre-token, so the tables keep
// the keys in one arena (no allocation per key), probe linearly in a power-of-two slot array kept
// at most ~70 % full, and compare a 32-bit hash tag before touching the key bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <flipside/simd/prefetch.hpp>

namespace flipside::tok::detail {

// A fast 64-bit hash of a short byte string (multiply–xorshift over 8-byte chunks).
inline std::uint64_t hash_bytes(const char* p, std::size_t n) noexcept {
  std::uint64_t h = 0x9E3779B97F4A7C15ull ^ (static_cast<std::uint64_t>(n) * 0xFF51AFD7ED558CCDull);
  while (n >= 8) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    h = (h ^ v) * 0xBF58476D1CE4E5B9ull;
    h ^= h >> 31;
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    std::uint64_t v = 0;
    std::memcpy(&v, p, n);
    h = (h ^ v) * 0x94D049BB133111EBull;
    h ^= h >> 29;
  }
  h = (h ^ (h >> 32)) * 0xFF51AFD7ED558CCDull;
  return h ^ (h >> 29);
}

// a == b for byte strings of equal length n, without a library call for short keys (most
// vocabulary pieces are under 16 bytes).
inline bool same_bytes(const char* a, const char* b, std::size_t n) noexcept {
  auto load8 = [](const char* p) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
  };
  auto load4 = [](const char* p) {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
  };
  if (n >= 8) {
    // 8-byte words, the last one overlapping: no memcmp call (and no bound for GCC's
    // -Wstringop-overread to misjudge when a caller's key is a small local buffer).
    for (std::size_t i = 0; i + 8 < n; i += 8) {
      if (load8(a + i) != load8(b + i)) return false;
    }
    return load8(a + n - 8) == load8(b + n - 8);
  }
  if (n >= 4) return load4(a) == load4(b) && load4(a + n - 4) == load4(b + n - 4);
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

inline std::size_t table_capacity_for(std::size_t n) {
  std::size_t cap = 16;
  while (cap * 7 < n * 10 + 10) cap *= 2;
  return cap;
}

// string_view → uint32 value; keys are copied into an arena. The first insertion of a key wins.
// Slots carry the key's arena offset and length, so a probe touches the slot array and the key
// bytes only; loaders hash keys ahead and prefetch their slots to overlap the cache misses.
class string_map {
 public:
  static constexpr std::uint32_t npos = 0xFFFFFFFFu;

  string_map() { rehash(16); }

  static std::uint64_t hash(std::string_view key) noexcept {
    return hash_bytes(key.data(), key.size());
  }

  void reserve(std::size_t n, std::size_t key_bytes = 0) {
    values_.reserve(n);
    keys_.reserve(key_bytes);
    if (table_capacity_for(n) > slots_.size()) rehash(table_capacity_for(n));
  }

  std::size_t size() const noexcept { return values_.size(); }

  void prefetch(std::uint64_t h) const noexcept { simd::prefetch_read(&slots_[h & mask_]); }

  // Inserts key → value unless the key is present; returns the value now stored for the key.
  std::uint32_t insert(std::string_view key, std::uint32_t value) {
    return insert(key, hash(key), value);
  }
  std::uint32_t insert(std::string_view key, std::uint64_t h, std::uint32_t value) {
    const std::uint32_t tag = static_cast<std::uint32_t>(h >> 32);
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      slot& s = slots_[i];
      if (s.entry == npos) {
        s = slot{tag, static_cast<std::uint32_t>(values_.size()),
                 static_cast<std::uint32_t>(keys_.size()), static_cast<std::uint32_t>(key.size())};
        keys_.append(key.data(), key.size());
        values_.push_back(value);
        if (values_.size() * 10 > slots_.size() * 7) rehash(slots_.size() * 2);
        return value;
      }
      if (s.tag == tag && equal(s, key)) return values_[s.entry];
    }
  }

  // Inserts key → value, replacing the value when the key is present.
  void insert_or_assign(std::string_view key, std::uint32_t value) {
    const std::uint64_t h = hash(key);
    const std::uint32_t tag = static_cast<std::uint32_t>(h >> 32);
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      const slot& s = slots_[i];
      if (s.entry == npos) break;
      if (s.tag == tag && equal(s, key)) {
        values_[s.entry] = value;
        return;
      }
    }
    insert(key, h, value);
  }

  // The value stored for key, or npos.
  std::uint32_t find(std::string_view key) const noexcept { return find(key, hash(key)); }
  std::uint32_t find(std::string_view key, std::uint64_t h) const noexcept {
    const std::uint32_t tag = static_cast<std::uint32_t>(h >> 32);
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      const slot& s = slots_[i];
      if (s.entry == npos) return npos;
      if (s.tag == tag && equal(s, key)) return values_[s.entry];
    }
  }

  void clear() {
    keys_.clear();
    values_.clear();
    for (slot& s : slots_) s.entry = npos;
  }

  std::size_t key_bytes() const noexcept { return keys_.size(); }

 private:
  struct slot {
    std::uint32_t tag;
    std::uint32_t entry;
    std::uint32_t off;
    std::uint32_t len;
  };

  std::string_view key_of(const slot& s) const noexcept { return {keys_.data() + s.off, s.len}; }
  bool equal(const slot& s, std::string_view key) const noexcept {
    return s.len == key.size() && same_bytes(keys_.data() + s.off, key.data(), key.size());
  }

  void rehash(std::size_t cap) {
    std::vector<slot> old;
    old.swap(slots_);
    slots_.assign(cap, slot{0, npos, 0, 0});
    mask_ = cap - 1;
    for (const slot& s : old) {
      if (s.entry == npos) continue;
      const std::uint64_t h = hash(key_of(s));
      std::size_t i = h & mask_;
      while (slots_[i].entry != npos) i = (i + 1) & mask_;
      slots_[i] = s;
    }
  }

  std::vector<slot> slots_;
  std::size_t mask_ = 0;
  std::string keys_;
  std::vector<std::uint32_t> values_;
};

// (left id, right id) → (rank, merged id): the BPE merge table.
class pair_map {
 public:
  struct value {
    std::uint32_t rank;
    std::int32_t id;
  };

  pair_map() { rehash(16); }

  void reserve(std::size_t n) {
    if (table_capacity_for(n) > slots_.size()) rehash(table_capacity_for(n));
  }

  std::size_t size() const noexcept { return size_; }

  // Inserts or overwrites (Hugging Face builds its merge map the same way: a later duplicate
  // merge replaces an earlier one).
  void insert_or_assign(std::int32_t a, std::int32_t b, value v) {
    const std::uint64_t key = make_key(a, b);
    for (std::size_t i = hash(key) & mask_;; i = (i + 1) & mask_) {
      slot& s = slots_[i];
      if (s.key == empty_key) {
        s = slot{key, v};
        if (++size_ * 10 > slots_.size() * 7) rehash(slots_.size() * 2);
        return;
      }
      if (s.key == key) {
        s.v = v;
        return;
      }
    }
  }

  // Inserts unless present (llama.cpp keeps the first rank of a duplicate merge).
  void insert_if_absent(std::int32_t a, std::int32_t b, value v) {
    if (!find(a, b)) insert_or_assign(a, b, v);
  }

  void prefetch(std::int32_t a, std::int32_t b) const noexcept {
    simd::prefetch_read(&slots_[hash(make_key(a, b)) & mask_]);
  }

  const value* find(std::int32_t a, std::int32_t b) const noexcept {
    const std::uint64_t key = make_key(a, b);
    for (std::size_t i = hash(key) & mask_;; i = (i + 1) & mask_) {
      const slot& s = slots_[i];
      if (s.key == key) return &s.v;
      if (s.key == empty_key) return nullptr;
    }
  }

 private:
  static constexpr std::uint64_t empty_key = ~0ull;  // ids are < 2^31, so never a real key

  struct slot {
    std::uint64_t key;
    value v;
  };

  static std::uint64_t make_key(std::int32_t a, std::int32_t b) noexcept {
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(a)) << 32) |
           static_cast<std::uint32_t>(b);
  }
  static std::uint64_t hash(std::uint64_t k) noexcept {
    k *= 0x9E3779B97F4A7C15ull;
    return k ^ (k >> 29);
  }

  void rehash(std::size_t cap) {
    std::vector<slot> old;
    old.swap(slots_);
    slots_.assign(cap, slot{empty_key, value{0, 0}});
    mask_ = cap - 1;
    for (const slot& s : old) {
      if (s.key == empty_key) continue;
      std::size_t i = hash(s.key) & mask_;
      while (slots_[i].key != empty_key) i = (i + 1) & mask_;
      slots_[i] = s;
    }
  }

  std::vector<slot> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

}  // namespace flipside::tok::detail
