// softmax / log_softmax / logsumexp, rmsnorm / layernorm, activations against double references.
#include "support.hpp"

#include <cmath>
#include <limits>

using flipside::bf16;
using flipside::f16;
namespace simd = flipside::simd;
using namespace flipside_test;

namespace {

const std::size_t awkward_rows[] = {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100, 257, 1000, 4099};
constexpr float inf = std::numeric_limits<float>::infinity();

double ref_logsumexp(const std::vector<float>& x) {
  double m = -HUGE_VAL;
  for (float v : x) m = std::max(m, double(v));
  if (m == -HUGE_VAL) return m;
  double s = 0;
  for (float v : x) s += std::exp(double(v) - m);
  return m + std::log(s);
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("softmax, log_softmax and logsumexp are stable and accurate",
                        "[simd][softmax]", simd::compiled_archs) {
  using Arch = TestType;
  rng r(11);
  for (std::size_t n : awkward_rows)
    for (float offset : {0.0f, 1000.0f, -5000.0f}) {  // huge offsets: exp would overflow naively
      clear_paths();
      auto x = r.vec(n, -30.0f, 30.0f);
      for (auto& v : x) v += offset;
      if (n > 4) x[n / 3] = -inf;  // a masked position
      const double lse = ref_logsumexp(x);
      INFO("n " << n << " offset " << offset);
      REQUIRE(std::fabs(simd::logsumexp<Arch>(x.data(), n) - lse) <= 2e-6 * (1 + std::fabs(lse)));
      std::vector<float> p(n), lp(n);
      simd::softmax<Arch>(x.data(), p.data(), n);
      simd::log_softmax<Arch>(x.data(), lp.data(), n);
      double total = 0, m = -HUGE_VAL;
      for (float v : x) m = std::max(m, double(v));
      for (std::size_t i = 0; i < n; ++i) {
        const double ref = std::exp(double(x[i]) - lse);
        INFO("i " << i << " x " << x[i] << " p " << p[i] << " ref " << ref);
        // float x − max carries an absolute error of |x − max| · 2^−24 into the exponent
        if (x[i] == -inf)
          REQUIRE(p[i] == 0.0f);
        else
          REQUIRE(std::fabs(p[i] - ref) <= (2e-6 + 6e-8 * std::fabs(x[i] - m)) * ref + 1e-30);
        total += p[i];
        if (x[i] == -inf)
          REQUIRE(lp[i] == -inf);
        else
          REQUIRE(std::fabs(lp[i] - (double(x[i]) - lse)) <= 2e-6 * (1 + std::fabs(lse)));
      }
      REQUIRE(std::fabs(total - 1.0) <= 1e-5);
      if (n >= lanes<Arch>) {
        REQUIRE(took_path("max_of", lanes<Arch>));
        REQUIRE(took_path("sum_exp", lanes<Arch>));
      }
      // in place gives the same bits
      auto y = x;
      simd::softmax<Arch>(y.data(), y.data(), n);
      REQUIRE(y == p);
      // the scalar references agree
      std::vector<float> ps(n);
      simd::softmax_scalar(x.data(), ps.data(), n);
      for (std::size_t i = 0; i < n; ++i) REQUIRE(std::fabs(ps[i] - p[i]) <= 1e-5 * p[i] + 1e-30);
    }
}

TEMPLATE_LIST_TEST_CASE("a fully masked row: logsumexp −inf, softmax zeros, log_softmax −inf",
                        "[simd][softmax]", simd::compiled_archs) {
  using Arch = TestType;
  for (std::size_t n : {std::size_t(1), std::size_t(5), std::size_t(40)}) {
    std::vector<float> x(n, -inf), y(n, 7.0f);
    REQUIRE(simd::logsumexp<Arch>(x.data(), n) == -inf);
    simd::softmax<Arch>(x.data(), y.data(), n);
    for (float v : y) REQUIRE(v == 0.0f);
    simd::log_softmax<Arch>(x.data(), y.data(), n);
    for (float v : y) REQUIRE(v == -inf);
  }
  REQUIRE(simd::logsumexp<Arch>(nullptr, 0) == -inf);
}

TEMPLATE_LIST_TEST_CASE("rmsnorm, rmsnorm_plus_one and layernorm match double references",
                        "[simd][norm]", simd::compiled_archs) {
  using Arch = TestType;
  rng r(12);
  auto run = [&](auto tag) {
    using T = decltype(tag);
    for (std::size_t n : awkward_rows) {
      clear_paths();
      auto x = r.vec(n, -3.0f, 3.0f);
      for (auto& v : x) v += 5.0f;  // a large mean: layernorm must not cancel
      const auto w = as<T>(r.vec(n, -2.0f, 2.0f));
      const auto b = as<T>(r.vec(n));
      const float eps = 1e-5f;
      double ss = 0, s = 0;
      for (float v : x) ss += double(v) * v, s += v;
      const double rms = 1.0 / std::sqrt(ss / n + eps);
      const double mu = s / n;
      double var = 0;
      for (float v : x) var += (v - mu) * (v - mu);
      const double rstd = 1.0 / std::sqrt(var / n + eps);
      std::vector<float> y(n), y1(n), yl(n), yn(n);
      simd::rmsnorm<Arch>(x.data(), w.data(), y.data(), n, eps);
      simd::rmsnorm_plus_one<Arch>(x.data(), w.data(), y1.data(), n, eps);
      simd::layernorm<Arch>(x.data(), w.data(), b.data(), yl.data(), n, eps);
      simd::layernorm<Arch>(x.data(), static_cast<const T*>(nullptr),
                            static_cast<const T*>(nullptr), yn.data(), n, eps);
      INFO("n " << n << " T size " << sizeof(T));
      for (std::size_t i = 0; i < n; ++i) {
        const double wi = value(w[i]);
        const double r1 = x[i] * rms * wi, r2 = x[i] * rms * (1 + wi);
        const double r3 = (x[i] - mu) * rstd * wi + value(b[i]), r4 = (x[i] - mu) * rstd;
        REQUIRE(std::fabs(y[i] - r1) <= 2e-6 * (std::fabs(x[i] * rms * wi)) + 1e-7);
        REQUIRE(std::fabs(y1[i] - r2) <=
                2e-6 * (std::fabs(x[i] * rms) * (1 + std::fabs(wi))) + 1e-7);
        REQUIRE(std::fabs(yl[i] - r3) <= 1e-5 * (std::fabs((x[i] - mu) * rstd * wi)) + 1e-6);
        REQUIRE(std::fabs(yn[i] - r4) <= 1e-5 * std::fabs(r4) + 1e-6);
      }
      if (n >= lanes<Arch>) REQUIRE(took_path("normalize", lanes<Arch>));
      // in place and scalar reference
      auto xi = x;
      simd::rmsnorm<Arch>(xi.data(), w.data(), xi.data(), n, eps);
      REQUIRE(xi == y);
      std::vector<float> ys(n);
      simd::rmsnorm_scalar(x.data(), w.data(), ys.data(), n, eps);
      for (std::size_t i = 0; i < n; ++i)
        REQUIRE(std::fabs(ys[i] - y[i]) <= 1e-5 * std::fabs(y[i]) + 1e-6);
    }
  };
  run(float{});
  run(f16{});
  run(bf16{});
}

TEMPLATE_LIST_TEST_CASE("silu, gelu (tanh, erf) and the gated forms match double references",
                        "[simd][activation]", simd::compiled_archs) {
  using Arch = TestType;
  rng r(13);
  auto silu = [](double x) { return x / (1 + std::exp(-x)); };
  auto gelu_t = [](double x) {
    return 0.5 * x *
           (1 + std::tanh(std::sqrt(2 / 3.14159265358979323846) * (x + 0.044715 * x * x * x)));
  };
  auto gelu_e = [](double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); };
  for (std::size_t n : awkward_rows) {
    clear_paths();
    auto x = r.vec(n, -12.0f, 12.0f);
    x[0] = 0.0f;
    if (n > 3) x[1] = -100.0f, x[2] = 100.0f;
    const auto up = r.vec(n, -2.0f, 2.0f);
    std::vector<float> a(n), b(n), c(n), ga(n), gb(n), gc(n);
    simd::silu<Arch>(x.data(), a.data(), n);
    simd::gelu_tanh<Arch>(x.data(), b.data(), n);
    simd::gelu_erf<Arch>(x.data(), c.data(), n);
    simd::swiglu<Arch>(x.data(), up.data(), ga.data(), n);
    simd::geglu_tanh<Arch>(x.data(), up.data(), gb.data(), n);
    simd::geglu_erf<Arch>(x.data(), up.data(), gc.data(), n);
    // Bounds: a few ulp relative, plus the absolute error of 1 + tanh / 1 + erf near −1 in float.
    auto close = [](double got, double ref, double x) {
      return std::fabs(got - ref) <= 4e-6 * std::fabs(ref) + 1.5e-7 * std::fabs(x);
    };
    for (std::size_t i = 0; i < n; ++i) {
      INFO("x = " << x[i]);
      REQUIRE(close(a[i], silu(x[i]), x[i]));
      REQUIRE(close(b[i], gelu_t(x[i]), x[i]));
      REQUIRE(close(c[i], gelu_e(x[i]), x[i]));
      REQUIRE(close(ga[i], silu(x[i]) * up[i], x[i] * up[i]));
      REQUIRE(close(gb[i], gelu_t(x[i]) * up[i], x[i] * up[i]));
      REQUIRE(close(gc[i], gelu_e(x[i]) * up[i], x[i] * up[i]));
      REQUIRE(close(simd::silu_scalar(x[i]), silu(x[i]), x[i]));
      REQUIRE(close(simd::gelu_tanh_scalar(x[i]), gelu_t(x[i]), x[i]));
      REQUIRE(close(simd::gelu_erf_scalar(x[i]), gelu_e(x[i]), x[i]));
    }
    if (n >= lanes<Arch>)
      for (const char* k : {"silu", "gelu_tanh", "gelu_erf"}) REQUIRE(took_path(k, lanes<Arch>));
    auto inplace = x;
    simd::silu<Arch>(inplace.data(), inplace.data(), n);
    REQUIRE(inplace == a);
  }
}
