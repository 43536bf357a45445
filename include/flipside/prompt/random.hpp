// The portable seeded generator behind every random choice of the protocol (exemplars, flipped
// positions, random labels, the synthetic task), so that a seed means the same prompts on every
// platform, compiler and standard library — std::*_distribution and std::shuffle do not promise
// that.
//
// - splitmix64 (Steele, Lea & Flood 2014) expands seeds; its outputs for seed 1234567 are the
//   published reference values (tests/prompt/test_random.cpp).
// - xoshiro256** (Blackman & Vigna 2018) is the generator; state {1,2,3,4} gives the published
//   outputs 11520, 0, 1509978240, 1215971899390074240, …
// - bounded(n) is exactly uniform: a 64-bit draw x is rejected while x < 2^64 mod n, which leaves
//   a range that is a multiple of n, and x mod n is returned.
// - shuffle is Fisher–Yates (Durstenfeld): for i = n-1 … 1, swap a[i] with a[bounded(i+1)].
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <utility>
#include <vector>

#include <flipside/core/error.hpp>
#include <flipside/core/splitmix64.hpp>

namespace flipside {

// A seed for a named sub-stream: splitmix64 folded over (seed, path...). Sub-streams for
// different purposes (exemplars of eval example 7, flip order of eval example 7, …) are
// independent draws, and adding a new purpose never shifts an existing one.
inline std::uint64_t derive_seed(std::uint64_t seed, std::initializer_list<std::uint64_t> path) {
  std::uint64_t state = seed;
  std::uint64_t h = splitmix64(state);
  for (const std::uint64_t p : path) {
    state = h ^ p;
    h = splitmix64(state);
  }
  return h;
}

class xoshiro256ss {
 public:
  using result_type = std::uint64_t;

  // The state is filled by splitmix64 from `seed`, as the authors recommend (never all zero).
  explicit xoshiro256ss(std::uint64_t seed = 0) noexcept {
    std::uint64_t sm = seed;
    for (auto& w : s_) w = splitmix64(sm);
  }

  static xoshiro256ss from_state(std::uint64_t a, std::uint64_t b, std::uint64_t c,
                                 std::uint64_t d) noexcept {
    xoshiro256ss g;
    g.s_[0] = a;
    g.s_[1] = b;
    g.s_[2] = c;
    g.s_[3] = d;
    return g;
  }

  static constexpr result_type min() noexcept { return 0; }
  static constexpr result_type max() noexcept { return ~std::uint64_t{0}; }

  result_type operator()() noexcept {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform integer in [0, n), n ≥ 1, without modulo bias.
  std::uint64_t bounded(std::uint64_t n) {
    if (n == 0) throw argument_error("xoshiro256ss::bounded: empty range");
    const std::uint64_t reject_below = (0 - n) % n;  // = 2^64 mod n
    while (true) {
      const std::uint64_t x = (*this)();
      if (x >= reject_below) return x % n;
    }
  }

  // Uniform integer in [lo, hi].
  std::int64_t uniform_int(std::int64_t lo, std::int64_t hi) {
    if (hi < lo) throw argument_error("xoshiro256ss::uniform_int: empty range");
    const std::uint64_t span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
    const std::uint64_t r = span == max() ? (*this)() : bounded(span + 1);
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + r);
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4]{};
};

// The protocol's generator.
using rng = xoshiro256ss;

template <class T>
void shuffle(std::vector<T>& a, xoshiro256ss& g) {
  for (std::size_t i = a.size(); i > 1; --i) {
    const std::size_t j = static_cast<std::size_t>(g.bounded(i));
    std::swap(a[i - 1], a[j]);
  }
}

// A uniformly random permutation of 0 … n-1.
inline std::vector<std::size_t> random_permutation(std::size_t n, xoshiro256ss& g) {
  std::vector<std::size_t> p(n);
  for (std::size_t i = 0; i < n; ++i) p[i] = i;
  shuffle(p, g);
  return p;
}

}  // namespace flipside
