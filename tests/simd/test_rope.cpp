// RoPE (neox / gptj layouts, partial rotary, frequency factors, mscale) against a double reference.
#include "support.hpp"

#include <cmath>
#include <cstring>

namespace simd = flipside::simd;
using namespace flipside_test;
using simd::rope_layout;

namespace {

// inv_freq by the formula of the header comment, in double, rounded once to float.
std::vector<float> ref_inv_freq(const simd::rope_config& c, std::size_t rot) {
  std::vector<float> f(rot / 2);
  for (std::size_t i = 0; i < rot / 2; ++i) {
    double v = std::pow(c.theta, -double(2 * i) / double(rot));
    if (!c.freq_factors.empty()) v /= c.freq_factors[i];
    f[i] = static_cast<float>(v);
  }
  return f;
}

// x [heads][head_dim] of one token at position pos, rotated in double.
std::vector<double> ref_rope(const std::vector<float>& x, std::size_t heads,
                             const simd::rope_config& c, std::size_t rot, std::int64_t pos) {
  const auto inv = ref_inv_freq(c, rot);
  std::vector<double> y(x.begin(), x.end());
  const std::size_t half = rot / 2;
  for (std::size_t h = 0; h < heads; ++h)
    for (std::size_t i = 0; i < half; ++i) {
      const double angle = double(float(pos) * inv[i]);  // HF: float32 position × inv_freq
      const double co = std::cos(angle) * c.mscale, si = std::sin(angle) * c.mscale;
      const std::size_t ia = h * c.head_dim + (c.layout == rope_layout::neox ? i : 2 * i);
      const std::size_t ib =
          h * c.head_dim + (c.layout == rope_layout::neox ? i + half : 2 * i + 1);
      y[ia] = x[ia] * co - x[ib] * si;
      y[ib] = x[ib] * co + x[ia] * si;
    }
  return y;
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("rope rotates every head in both layouts, any rotary dim", "[simd][rope]",
                        simd::compiled_archs) {
  using Arch = TestType;
  rng r(21);
  for (std::size_t head_dim : {8, 24, 40, 64, 80, 96, 128, 256})
    for (std::size_t rot :
         {head_dim, head_dim / 2, std::size_t(2), (head_dim * 3 / 8) & ~std::size_t(1)})
      for (rope_layout layout : {rope_layout::neox, rope_layout::gptj})
        for (bool factors : {false, true}) {
          clear_paths();
          simd::rope_config c;
          c.head_dim = head_dim;
          c.rot_dim = rot;
          c.layout = layout;
          c.theta = factors ? 500000.0 : 10000.0;
          c.mscale = factors ? 1.1f : 1.0f;
          if (factors)
            for (std::size_t i = 0; i < rot / 2; ++i)
              c.freq_factors.push_back(1.0f + 0.25f * float(i % 5));
          const simd::rope_table table(c);
          const std::size_t heads = 3, tokens = 4;
          const std::int64_t pos0 = static_cast<std::int64_t>(r.below(5000));
          const auto x = r.vec(tokens * heads * head_dim);
          auto y = x;
          simd::rope<Arch>(table, y.data(), tokens, heads, pos0);
          INFO("head_dim " << head_dim << " rot " << rot << " gptj "
                           << (layout == rope_layout::gptj) << " factors " << factors << " pos0 "
                           << pos0);
          for (std::size_t t = 0; t < tokens; ++t) {
            const std::vector<float> xt(x.begin() + t * heads * head_dim,
                                        x.begin() + (t + 1) * heads * head_dim);
            const auto ref = ref_rope(xt, heads, c, rot, pos0 + static_cast<std::int64_t>(t));
            for (std::size_t i = 0; i < xt.size(); ++i) {
              const float got = y[t * heads * head_dim + i];
              if (i % head_dim >= rot)
                REQUIRE(got == xt[i]);  // pass-through dimensions are untouched
              else
                REQUIRE(std::fabs(got - ref[i]) <= 4e-7 * 1.1 * 2);
            }
          }
          const std::size_t L = lanes<Arch>;
          if (layout == rope_layout::neox && rot / 2 >= L) REQUIRE(took_path("rope_neox", L));
          if (layout == rope_layout::gptj && rot >= L) REQUIRE(took_path("rope_gptj", L));
          // the scalar reference agrees
          auto ys = x;
          std::vector<float> co(rot / 2), si(rot / 2);
          table.cos_sin(pos0, co.data(), si.data());
          simd::rope_apply_scalar(ys.data(), heads, head_dim, rot, layout, co.data(), si.data());
          for (std::size_t i = 0; i < heads * head_dim; ++i)
            REQUIRE(std::fabs(ys[i] - y[i]) <= 1e-6);
        }
}

TEMPLATE_LIST_TEST_CASE("rope: explicit positions, cached table and threads give identical bits",
                        "[simd][rope]", simd::compiled_archs) {
  using Arch = TestType;
  rng r(22);
  simd::rope_config c;
  c.head_dim = 80;
  c.rot_dim = 64;
  for (rope_layout layout : {rope_layout::neox, rope_layout::gptj}) {
    c.layout = layout;
    simd::rope_table plain(c), cached(c);
    cached.reserve(300);
    const std::size_t tokens = 37, heads = 5, stride = heads * 80 + 16;  // Q inside a fused row
    const auto x = r.vec(tokens * stride);
    std::vector<std::int32_t> pos(tokens);
    for (std::size_t t = 0; t < tokens; ++t) pos[t] = static_cast<std::int32_t>(250 + t);
    auto a = x, b = x, d = x;
    simd::rope<Arch>(plain, a.data(), tokens, heads, 250, nullptr, stride);
    simd::rope_at<Arch>(cached, b.data(), tokens, heads, pos.data(), nullptr, stride);
    REQUIRE(std::memcmp(a.data(), b.data(), a.size() * 4) == 0);  // crosses the cache end (300)
    for (std::size_t threads : {2, 3, 4}) {
      flipside::thread_pool pool(threads);
      d = x;
      simd::rope<Arch>(plain, d.data(), tokens, heads, 250, &pool, stride);
      REQUIRE(std::memcmp(a.data(), d.data(), a.size() * 4) == 0);
    }
    for (std::size_t t = 0; t < tokens; ++t)  // the 16 floats after the heads are not touched
      for (std::size_t i = heads * 80; i < stride; ++i)
        REQUIRE(a[t * stride + i] == x[t * stride + i]);
  }
}

TEST_CASE("rope_table rejects odd or oversized rotary dims and mismatched factors",
          "[simd][rope]") {
  simd::rope_config c;
  c.head_dim = 64;
  c.rot_dim = 65;
  REQUIRE_THROWS_AS(simd::rope_table(c), flipside::argument_error);
  c.rot_dim = 33;
  REQUIRE_THROWS_AS(simd::rope_table(c), flipside::argument_error);
  c.rot_dim = 32;
  c.freq_factors = {1.0f, 2.0f};
  REQUIRE_THROWS_AS(simd::rope_table(c), flipside::argument_error);
  c.freq_factors.clear();
  REQUIRE(simd::rope_table(c).inv_freq().size() == 16);
}
