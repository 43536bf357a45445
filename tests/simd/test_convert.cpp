#include "support.hpp"

#include <cmath>
#include <cstring>
#include <limits>

using flipside::bf16;
using flipside::f16;
namespace simd = flipside::simd;
using namespace flipside_test;

namespace {

std::uint32_t bits(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
float from_bits(std::uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// binary16 decoded by its definition: (−1)^s · 2^(e−15) · (1 + m/1024), or 2^−14 · m/1024.
double f16_value(std::uint16_t h) {
  const int s = h >> 15, e = (h >> 10) & 31, m = h & 1023;
  const double sign = s ? -1.0 : 1.0;
  if (e == 31) return m ? std::numeric_limits<double>::quiet_NaN() : sign * HUGE_VAL;
  if (e == 0) return sign * std::ldexp(m, -24);
  return sign * std::ldexp(1024 + m, e - 25);
}

// Nearest binary16 (ties to even) of a finite or infinite double, by exact scaling in double.
std::uint16_t f16_nearest(double x) {
  const std::uint16_t sign = std::signbit(x) ? 0x8000 : 0;
  const double a = std::fabs(x);
  if (a >= 65520.0) return sign | 0x7c00;  // halfway between 65504 and 2^16 rounds to inf
  if (a < std::ldexp(1.0, -14))
    return sign | static_cast<std::uint16_t>(std::nearbyint(std::ldexp(a, 24)));
  int e;
  std::frexp(a, &e);  // a = f · 2^e, f ∈ [0.5, 1): quantum 2^(e−11)
  const double q = std::nearbyint(std::ldexp(a, 11 - e));  // 1024 … 2048
  return sign | static_cast<std::uint16_t>(((e + 14) << 10) + static_cast<int>(q) - 1024);
}

// Nearest bfloat16 (ties to even) by exact scaling; overflow past the largest bf16 → inf.
std::uint16_t bf16_nearest(double x) {
  const std::uint16_t sign = std::signbit(x) ? 0x8000 : 0;
  const double a = std::fabs(x);
  if (std::isinf(a)) return sign | 0x7f80;
  if (a < std::ldexp(1.0, -126))
    return sign | static_cast<std::uint16_t>(std::nearbyint(std::ldexp(a, 133)));
  int e;
  std::frexp(a, &e);
  const double q = std::nearbyint(std::ldexp(a, 8 - e));  // 128 … 256
  const int code = ((e + 126) << 7) + static_cast<int>(q) - 128;
  return sign | static_cast<std::uint16_t>(code >= 0x7f80 ? 0x7f80 : code);
}

// Float bit patterns that stress rounding: random, near f16 / bf16 ties, specials, subnormals.
std::vector<float> awkward_floats(std::size_t n_random) {
  rng r(42);
  std::vector<float> v;
  for (std::size_t i = 0; i < n_random; ++i) v.push_back(from_bits(r.u32()));
  for (std::uint32_t h = 0; h < 0x7c00; h += 7) {  // f16 values and the midpoints around them
    const float f = static_cast<float>(f16_value(static_cast<std::uint16_t>(h)));
    const std::uint32_t b = bits(f);
    for (std::uint32_t d : {0u, 1u, 0xfffu, 0x1000u, 0x1001u, 0x2000u, 0x3000u})
      v.push_back(from_bits(b + d)), v.push_back(-from_bits(b + d));
  }
  for (std::uint32_t b = 0; b < 0x7f800000u; b += 0x7f800000u / 3001u)
    for (std::uint32_t d : {0u, 0x7fffu, 0x8000u, 0x8001u, 0x18000u}) v.push_back(from_bits(b + d));
  const float inf = std::numeric_limits<float>::infinity();
  for (float f : {0.0f, -0.0f, inf, -inf, 65504.0f, 65519.99f, 65520.0f, 1e-8f, 2.98e-8f, 5.96e-8f,
                  6.1e-5f, std::numeric_limits<float>::max(),
                  std::numeric_limits<float>::denorm_min(), std::numeric_limits<float>::min()})
    v.push_back(f), v.push_back(-f);
  for (std::uint32_t nan : {0x7f800001u, 0x7fc00000u, 0xffc00001u, 0x7fbfffffu, 0xff800fffu})
    v.push_back(from_bits(nan));
  return v;
}

}  // namespace

TEST_CASE("f16 → f32 is exact for all 65536 bit patterns", "[simd][convert]") {
  for (std::uint32_t h = 0; h < 65536; ++h) {
    const float got = simd::f16_to_f32(f16{static_cast<std::uint16_t>(h)});
    const double want = f16_value(static_cast<std::uint16_t>(h));
    if (std::isnan(want)) {
      REQUIRE(std::isnan(got));
      REQUIRE((bits(got) & 0x80000000u) == ((h & 0x8000u) << 16));
      REQUIRE(((bits(got) >> 13) & 0x3ffu) == (h & 0x3ffu));  // payload kept
    } else {
      REQUIRE(static_cast<double>(got) == want);
      REQUIRE(std::signbit(got) == std::signbit(want));
    }
  }
}

TEST_CASE("f32 → f16 rounds to nearest even, bit-exact, with NaN / inf / subnormals",
          "[simd][convert]") {
  for (float f : awkward_floats(200000)) {
    const std::uint16_t got = simd::f32_to_f16(f).bits;
    if (std::isnan(f)) {
      REQUIRE((got & 0x7c00) == 0x7c00);
      REQUIRE((got & 0x0200) != 0);  // quiet
      REQUIRE((got & 0x8000) == ((bits(f) >> 16) & 0x8000));
      continue;
    }
    INFO("f = " << f << " bits " << bits(f));
    REQUIRE(got == f16_nearest(static_cast<double>(f)));
  }
  // every f16 survives the round trip
  for (std::uint32_t h = 0; h < 65536; ++h) {
    if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff)) continue;
    REQUIRE(simd::f32_to_f16(simd::f16_to_f32(f16{static_cast<std::uint16_t>(h)})).bits == h);
  }
}

TEST_CASE("bf16 ⇄ f32: exact widening, round-to-nearest-even narrowing", "[simd][convert]") {
  for (std::uint32_t h = 0; h < 65536; ++h)
    REQUIRE(bits(simd::bf16_to_f32(bf16{static_cast<std::uint16_t>(h)})) == h << 16);
  for (float f : awkward_floats(200000)) {
    const std::uint16_t got = simd::f32_to_bf16(f).bits;
    if (std::isnan(f)) {
      REQUIRE((got & 0x7f80) == 0x7f80);
      REQUIRE((got & 0x0040) != 0);
      continue;
    }
    INFO("f = " << f << " bits " << bits(f));
    REQUIRE(got == bf16_nearest(static_cast<double>(f)));
  }
}

TEMPLATE_LIST_TEST_CASE("bulk convert equals the scalar conversion bitwise", "[simd][convert]",
                        simd::compiled_archs) {
  using Arch = TestType;
  const std::vector<float> src = awkward_floats(20000);
  for (std::size_t n : {std::size_t(0), std::size_t(1), std::size_t(7), std::size_t(17),
                        std::size_t(33), src.size()}) {
    clear_paths();
    std::vector<f16> h(n);
    std::vector<bf16> b(n);
    std::vector<float> back(n);
    simd::convert<Arch>(src.data(), h.data(), n);
    simd::convert<Arch>(src.data(), b.data(), n);
    for (std::size_t i = 0; i < n; ++i) {
      INFO("i = " << i << " f = " << src[i]);
      REQUIRE(h[i].bits == simd::f32_to_f16(src[i]).bits);
      REQUIRE(b[i].bits == simd::f32_to_bf16(src[i]).bits);
    }
    simd::convert<Arch>(h.data(), back.data(), n);
    for (std::size_t i = 0; i < n; ++i) REQUIRE(bits(back[i]) == bits(simd::f16_to_f32(h[i])));
    simd::convert<Arch>(b.data(), back.data(), n);
    for (std::size_t i = 0; i < n; ++i) REQUIRE(bits(back[i]) == bits(simd::bf16_to_f32(b[i])));
    if (n >= lanes<Arch>) REQUIRE(took_path("convert", lanes<Arch>));
  }
}
