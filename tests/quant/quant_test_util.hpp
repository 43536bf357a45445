// Helpers shared by the quant tests: typed copies of (possibly unaligned) golden tensors, bitwise
// comparison, and a small seeded PRNG (no std distributions: results must not depend on the
// standard library).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include <flipside/core/splitmix64.hpp>
#include <flipside/core/tensor_view.hpp>

namespace flipside::test {

inline std::vector<float> floats(const tensor_view& t) {
  std::vector<float> v(t.nbytes / sizeof(float));
  if (!v.empty()) std::memcpy(v.data(), t.data, v.size() * sizeof(float));
  return v;
}

inline std::vector<double> doubles(const tensor_view& t) {
  std::vector<double> v(t.nbytes / sizeof(double));
  if (!v.empty()) std::memcpy(v.data(), t.data, v.size() * sizeof(double));
  return v;
}

inline bool bitwise_equal(const float* a, const float* b, std::size_t n) {
  return std::memcmp(a, b, n * sizeof(float)) == 0;
}

// splitmix64: deterministic across platforms.
struct rng {
  std::uint64_t s;
  explicit rng(std::uint64_t seed) : s(seed) {}
  std::uint64_t next() { return flipside::splitmix64(s); }
  // Uniform in [-1, 1).
  float uniform() {
    return static_cast<float>(static_cast<double>(next() >> 11) * 0x1.0p-52 - 1.0);
  }
  // Roughly normal (sum of four uniforms, variance 4/3).
  float normal() { return uniform() + uniform() + uniform() + uniform(); }
  std::uint8_t byte() { return static_cast<std::uint8_t>(next() >> 56); }
};

}  // namespace flipside::test
