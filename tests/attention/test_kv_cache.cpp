// kv_cache: append/truncate/views, decode against the cache ≡ rows of a full prefill, prefix
// reuse; and the f16/bf16 element conversions KV storage relies on.
#include <cmath>
#include <cstring>

#include <catch2/catch.hpp>

#include "attention_support.hpp"

using namespace flipside;
using namespace flipside::test;

namespace {

template <class E>
void check_decode_equals_prefill() {
  const std::size_t T = 70, H = 8, KV = 2, D = 40, row = KV * D, qrow = H * D;
  test_rng g(21);
  std::vector<float> q(T * qrow), k(T * row), v(T * row);
  for (auto& x : q) x = g.uniform();
  for (auto& x : k) x = g.uniform();
  for (auto& x : v) x = g.uniform();

  kv_cache_layer<E> full_cache(T, KV, D);
  full_cache.append(k.data(), v.data(), T);
  std::vector<float> prefill(T * qrow);
  attention(q.data(), T, H, full_cache.view(), prefill.data());

  // Token by token: append one position, attend with position = size − 1.
  kv_cache_layer<E> cache(T, KV, D);
  std::vector<float> one(qrow);
  for (std::size_t t = 0; t < T; ++t) {
    cache.append(k.data() + t * row, v.data() + t * row, 1);
    REQUIRE(cache.size() == t + 1);
    attention_params p;
    p.position = t;
    attention(q.data() + t * qrow, 1, H, cache.view(), one.data(), p);
    INFO("t=" << t);
    for (std::size_t c = 0; c < qrow; ++c)
      REQUIRE(one[c] == Approx(prefill[t * qrow + c]).epsilon(1e-6).margin(1e-7));
  }

  // Chunked prefill: 50 positions, then 20 more at position 50.
  kv_cache_layer<E> chunked(T, KV, D);
  std::vector<float> part(20 * qrow);
  chunked.append(k.data(), v.data(), 50);
  chunked.append(k.data() + 50 * row, v.data() + 50 * row, 20);
  attention_params p;
  p.position = 50;
  attention(q.data() + 50 * qrow, 20, H, chunked.view(), part.data(), p);
  for (std::size_t i = 0; i < part.size(); ++i)
    REQUIRE(part[i] == Approx(prefill[50 * qrow + i]).epsilon(1e-6).margin(1e-7));
}

}  // namespace

TEST_CASE("decode against a kv_cache equals the matching row of a full prefill") {
  SECTION("f32") { check_decode_equals_prefill<float>(); }
  SECTION("f16") { check_decode_equals_prefill<f16_t>(); }
  SECTION("bf16") { check_decode_equals_prefill<bf16_t>(); }
}

TEST_CASE("truncate keeps a shared prefix: suffixes after truncation equal fresh runs") {
  const std::size_t H = 4, KV = 1, D = 64, row = KV * D, qrow = H * D;
  const std::size_t prefix = 30, suffix = 9;
  test_rng g(8);
  auto random_rows = [&](std::size_t n, std::size_t w) {
    std::vector<float> x(n * w);
    for (auto& e : x) e = g.uniform();
    return x;
  };
  const auto kp = random_rows(prefix, row), vp = random_rows(prefix, row);
  kv_cache<float> cache(3, 64, KV, D);  // three layers, as a model would hold
  for (std::size_t l = 0; l < cache.n_layers(); ++l)
    cache.layer(l).append(kp.data(), vp.data(), prefix);
  REQUIRE(cache.size() == prefix);
  for (int query = 0; query < 3; ++query) {
    const auto ks = random_rows(suffix, row), vs = random_rows(suffix, row);
    const auto q = random_rows(suffix, qrow);
    std::vector<float> reused(suffix * qrow), fresh(suffix * qrow);
    for (std::size_t l = 0; l < cache.n_layers(); ++l)
      cache[l].append(ks.data(), vs.data(), suffix);
    attention_params p;
    p.position = prefix;
    attention(q.data(), suffix, H, cache.layer(1).view(), reused.data(), p);

    kv_cache_layer<float> scratch(prefix + suffix, KV, D);
    scratch.append(kp.data(), vp.data(), prefix);
    scratch.append(ks.data(), vs.data(), suffix);
    attention(q.data(), suffix, H, scratch.view(), fresh.data(), p);
    REQUIRE(std::memcmp(reused.data(), fresh.data(), fresh.size() * sizeof(float)) == 0);
    cache.truncate(prefix);
    REQUIRE(cache.size() == prefix);
  }
}

TEST_CASE("kv_cache_layer stores rows (strided input), converts, and checks its bounds") {
  const std::size_t KV = 2, D = 3, stride = 10;
  kv_cache_layer<bf16_t> layer(4, KV, D);
  REQUIRE(layer.size() == 0);
  REQUIRE(layer.capacity() == 4);
  REQUIRE(layer.row_size() == 6);
  // Two rows of a fused projection output, 10 floats apart: k at +0, v at +stride/2.
  std::vector<float> fused(2 * stride);
  for (std::size_t i = 0; i < fused.size(); ++i) fused[i] = float(i) + 0.5f;
  layer.append(fused.data(), fused.data() + 4, 2, stride);
  REQUIRE(layer.size() == 2);
  for (std::size_t j = 0; j < 2; ++j)
    for (std::size_t c = 0; c < 6; ++c) {
      REQUIRE(detail::to_f32(layer.keys()[j * 6 + c]) == fused[j * stride + c]);
      REQUIRE(detail::to_f32(layer.values()[j * 6 + c]) == fused[j * stride + 4 + c]);
    }
  const auto view = layer.view();
  REQUIRE(view.size == 2);
  REQUIRE(view.keys == layer.keys());
  REQUIRE(view.row_stride == 6);
  REQUIRE_THROWS_AS(layer.append(fused.data(), fused.data(), 3, stride), argument_error);
  REQUIRE_THROWS_AS(layer.append(fused.data(), fused.data(), 1, 5), argument_error);
  REQUIRE_THROWS_AS(layer.truncate(3), argument_error);
  layer.truncate(1);
  REQUIRE(layer.size() == 1);
  layer.clear();
  REQUIRE(layer.size() == 0);
  REQUIRE_THROWS_AS(kv_cache_layer<float>(4, 0, 8), argument_error);

  kv_cache<float> cache(2, 8, 1, 4);
  std::vector<float> r(4 * 3, 1.0f);
  cache[0].append(r.data(), r.data(), 3);
  REQUIRE(cache.size() == 0);  // layer 1 has not been appended to yet
  cache[1].append(r.data(), r.data(), 2);
  REQUIRE(cache.size() == 2);
  REQUIRE_THROWS_AS(cache.truncate(3), argument_error);
  cache.truncate(1);
  REQUIRE(cache[0].size() == 1);
  REQUIRE(cache[1].size() == 1);
}

TEST_CASE("f16 and bf16 conversions: exact widening, round-to-nearest-even narrowing") {
  for (std::uint32_t bits = 0; bits < 65536; ++bits) {
    const f16_t h{std::uint16_t(bits)};
    const float f = detail::to_f32(h);
    const std::uint32_t e = (bits >> 10) & 31, m = bits & 1023;
    const double sign = (bits & 0x8000) ? -1.0 : 1.0;
    INFO("f16 bits " << bits);
    if (e == 31) {
      REQUIRE((m ? std::isnan(f) : std::isinf(f)));
      continue;
    }
    const double expect =
        e ? sign * std::ldexp(1024.0 + m, int(e) - 25) : sign * std::ldexp(double(m), -24);
    REQUIRE(double(f) == expect);
    REQUIRE(detail::from_f32<f16_t>(f).bits == bits);  // every half survives the round trip
    const bf16_t b{std::uint16_t(bits)};
    const float fb = detail::to_f32(b);
    if (!std::isnan(fb)) REQUIRE(detail::from_f32<bf16_t>(fb).bits == bits);
  }
  // Narrowing picks the nearest value, ties to even.
  test_rng g(99);
  for (int i = 0; i < 20000; ++i) {
    const float x = std::ldexp(g.uniform(), int(g.below(40)) - 26);
    const float h = detail::to_f32(detail::from_f32<f16_t>(x));
    const float b = detail::to_f32(detail::from_f32<bf16_t>(x));
    const auto next_up = [](float y, auto tag) {
      using T = decltype(tag);
      T t = detail::from_f32<T>(y);
      return detail::to_f32(T{std::uint16_t(t.bits + 1)});
    };
    const auto next_down = [](float y, auto tag) {
      using T = decltype(tag);
      T t = detail::from_f32<T>(y);
      return detail::to_f32(T{std::uint16_t(t.bits - 1)});
    };
    if (std::abs(x) < 65504.0f && h != 0.0f) {
      REQUIRE(std::abs(x - h) <= std::abs(x - next_up(x, f16_t{})));
      REQUIRE(std::abs(x - h) <= std::abs(x - next_down(x, f16_t{})));
    }
    if (b != 0.0f) {
      REQUIRE(std::abs(x - b) <= std::abs(x - next_up(x, bf16_t{})));
      REQUIRE(std::abs(x - b) <= std::abs(x - next_down(x, bf16_t{})));
    }
  }
  // Ties: 1 + 2^-11 lies halfway between halves 1 and 1 + 2^-10 → even mantissa (1).
  REQUIRE(detail::to_f32(detail::from_f32<f16_t>(1.0f + std::ldexp(1.0f, -11))) == 1.0f);
  REQUIRE(detail::to_f32(detail::from_f32<f16_t>(1.0f + 3 * std::ldexp(1.0f, -11))) ==
          1.0f + std::ldexp(1.0f, -9));
  REQUIRE(detail::to_f32(detail::from_f32<bf16_t>(1.0f + std::ldexp(1.0f, -8))) == 1.0f);
  REQUIRE(std::isinf(detail::to_f32(detail::from_f32<f16_t>(65520.0f))));
  REQUIRE(detail::to_f32(detail::from_f32<f16_t>(65519.0f)) == 65504.0f);
  REQUIRE(detail::to_f32(detail::from_f32<f16_t>(std::ldexp(1.0f, -25))) == 0.0f);  // tie → 0
  REQUIRE(detail::to_f32(detail::from_f32<f16_t>(std::ldexp(1.5f, -25))) == std::ldexp(1.0f, -24));
}
