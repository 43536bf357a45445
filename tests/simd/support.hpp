// Shared by every test_simd translation unit; include it FIRST (before any flipside header): it
// defines the path hook the kernels call, so all TUs of test_simd see the same kernel bodies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <flipside/core/splitmix64.hpp>

namespace flipside_test {

// (kernel name, lanes) pairs reported by FLIPSIDE_SIMD_PATH_HOOK since the last clear.
inline std::mutex& path_mutex() {
  static std::mutex m;
  return m;
}
inline std::set<std::pair<std::string, std::size_t>>& path_hits() {
  static std::set<std::pair<std::string, std::size_t>> hits;
  return hits;
}
inline void record_path(const char* kernel, std::size_t lanes) {
  std::lock_guard<std::mutex> lock(path_mutex());
  path_hits().emplace(kernel, lanes);
}
inline void clear_paths() {
  std::lock_guard<std::mutex> lock(path_mutex());
  path_hits().clear();
}
inline bool took_path(const std::string& kernel, std::size_t lanes) {
  std::lock_guard<std::mutex> lock(path_mutex());
  return path_hits().count({kernel, lanes}) != 0;
}

// splitmix64 (Steele, Lea & Flood 2014): deterministic, platform-independent.
class rng {
 public:
  explicit rng(std::uint64_t seed) : s_(seed) {}
  std::uint64_t next() { return flipside::splitmix64(s_); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(next() >> 32); }
  // uniform in [lo, hi)
  float uniform(float lo = -1.0f, float hi = 1.0f) {
    return lo + (hi - lo) * static_cast<float>((next() >> 40) * 0x1.0p-24);
  }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
  std::vector<float> vec(std::size_t n, float lo = -1.0f, float hi = 1.0f) {
    std::vector<float> v(n);
    for (auto& x : v) x = uniform(lo, hi);
    return v;
  }

 private:
  std::uint64_t s_;
};

}  // namespace flipside_test

#define FLIPSIDE_SIMD_PATH_HOOK(kernel, lanes) ::flipside_test::record_path(kernel, lanes)

#include <catch2/catch.hpp>
#include <flipside/simd.hpp>

namespace flipside_test {

// Element vectors of float / f16 / bf16 holding the rounded values of v.
template <class T>
std::vector<T> as(const std::vector<float>& v) {
  std::vector<T> out(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) out[i] = flipside::simd::from_f32<T>(v[i]);
  return out;
}

template <class T>
double value(T x) {
  return static_cast<double>(flipside::simd::to_f32(x));
}

// Lanes of Arch, for path checks.
template <class Arch>
constexpr std::size_t lanes = xsimd::batch<float, Arch>::size;

}  // namespace flipside_test
