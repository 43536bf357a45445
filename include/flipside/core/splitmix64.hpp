// splitmix64 (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number generators"): the one
// seed expander of the library and its tests. Plain 64-bit integer arithmetic, so a seed gives
// the same stream on every platform and compiler (std::*_distribution does not promise that).
#pragma once

#include <cstdint>

namespace flipside {

// One splitmix64 step: advances `state` by the golden-ratio increment and returns its mix.
inline std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace flipside
