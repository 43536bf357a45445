// A small portable hash for fingerprints and shard plans: FNV-1a, 64 bit (Fowler, Noll & Vo;
// IETF draft-eastlake-fnv). Byte-at-a-time, so the value depends only on the bytes fed in — never
// on endianness, word size or the standard library (std::hash promises none of that).
//
// field_hasher feeds named fields as `name=<byte length>:<bytes>;`, a canonical, unambiguous
// string (no value can imitate a field boundary), so fingerprints hash what was meant.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace flipside {

inline constexpr std::uint64_t fnv1a64_offset_basis = 0xcbf29ce484222325ull;
inline constexpr std::uint64_t fnv1a64_prime = 0x100000001b3ull;

// h ← (h ⊕ byte) · prime over every byte; pass a previous result as `h` to continue a stream.
inline std::uint64_t fnv1a64_bytes(const void* data, std::size_t n,
                                   std::uint64_t h = fnv1a64_offset_basis) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= fnv1a64_prime;
  }
  return h;
}

inline std::uint64_t fnv1a64(std::string_view s, std::uint64_t h = fnv1a64_offset_basis) noexcept {
  return fnv1a64_bytes(s.data(), s.size(), h);
}

// 16 lower-case hex digits, most significant first.
inline std::string hex64(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

inline std::optional<std::uint64_t> parse_hex64(std::string_view s) {
  if (s.empty() || s.size() > 16) return std::nullopt;
  std::uint64_t v = 0;
  for (const char c : s) {
    int d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      d = c - 'A' + 10;
    else
      return std::nullopt;
    v = (v << 4) | static_cast<std::uint64_t>(d);
  }
  return v;
}

class field_hasher {
 public:
  field_hasher& add(std::string_view name, std::string_view value) {
    h_ = fnv1a64(name, h_);
    const std::string len = "=" + std::to_string(value.size()) + ":";
    h_ = fnv1a64(len, h_);
    h_ = fnv1a64(value, h_);
    h_ = fnv1a64(";", h_);
    return *this;
  }
  field_hasher& add(std::string_view name, const char* value) {
    return add(name, std::string_view(value));
  }
  field_hasher& add(std::string_view name, long long value) {
    return add(name, std::string_view(std::to_string(value)));
  }
  field_hasher& add(std::string_view name, unsigned long long value) {
    return add(name, std::string_view(std::to_string(value)));
  }
  field_hasher& add(std::string_view name, int value) {
    return add(name, static_cast<long long>(value));
  }
  // Doubles as %.17g: the exact value, the same text on every IEEE-754 platform.
  field_hasher& add(std::string_view name, double value) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", value);
    return add(name, std::string_view(buf));
  }
  field_hasher& add(std::string_view name, bool value) {
    return add(name, std::string_view(value ? "true" : "false"));
  }

  std::uint64_t value() const noexcept { return h_; }
  std::string hex() const { return hex64(h_); }

 private:
  std::uint64_t h_ = fnv1a64_offset_basis;
};

}  // namespace flipside
