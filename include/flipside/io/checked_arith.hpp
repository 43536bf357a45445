// Overflow-checked unsigned arithmetic for sizes and offsets read from untrusted files: every
// operation returns nullopt instead of wrapping, so "offset + size <= file size" cannot be fooled
// by an offset near 2^64.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>

namespace flipside::detail {

inline std::optional<std::uint64_t> checked_add(std::uint64_t a, std::uint64_t b) noexcept {
  if (b > std::numeric_limits<std::uint64_t>::max() - a) return std::nullopt;
  return a + b;
}

inline std::optional<std::uint64_t> checked_mul(std::uint64_t a, std::uint64_t b) noexcept {
  if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) return std::nullopt;
  return a * b;
}

// Smallest multiple of `alignment` (a power of two) that is >= x.
inline std::optional<std::uint64_t> checked_align_up(std::uint64_t x,
                                                     std::uint64_t alignment) noexcept {
  auto y = checked_add(x, alignment - 1);
  if (!y) return std::nullopt;
  return *y & ~(alignment - 1);
}

inline bool is_power_of_two(std::uint64_t x) noexcept { return x != 0 && (x & (x - 1)) == 0; }

}  // namespace flipside::detail
