// Quantized GEMV / GEMM / linear against plain double-precision references written here, on
// awkward shapes (row counts that are not multiples of the row groups, several kc slices, panel
// tails), for both strategies and every compiled arch; plus thread-count invariance and the
// activation quantisers' vector path against their scalar references.
#include <flipside/quant.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "quant_test_util.hpp"

using flipside::dtype;
namespace quant = flipside::quant;
namespace test = flipside::test;

namespace {

const dtype weight_types[] = {dtype::q4_0,   dtype::q4_1,   dtype::q5_0, dtype::q5_1, dtype::q8_0,
                              dtype::iq4_nl, dtype::q2_k,   dtype::q3_k, dtype::q4_k, dtype::q5_k,
                              dtype::q6_k,   dtype::iq4_xs, dtype::f16,  dtype::bf16, dtype::f32};

std::size_t block_of(dtype t) { return flipside::traits_of(t)->block_size; }

// Weights of a real distribution, quantised by ggml's own rules where we have them (q8_0, q4_0,
// q4_1, q5_0, q5_1, f16, bf16, f32); the other block types get random bytes with sane scales.
std::vector<std::uint8_t> make_weights(dtype t, std::size_t rows, std::size_t cols, test::rng& g) {
  std::vector<std::uint8_t> w(rows * quant::row_bytes(t, cols));
  std::vector<float> src(rows * cols);
  for (auto& v : src) v = 0.05f * g.normal();
  try {
    quant::quantize_row(t, src.data(), w.data(), src.size());
    return w;
  } catch (const flipside::unsupported_error&) {
  }
  const auto tr = *flipside::traits_of(t);
  for (auto& b : w) b = g.byte();
  std::vector<std::size_t> halves;
  switch (t) {
    case dtype::q2_k:
      halves = {80, 82};
      break;
    case dtype::q3_k:
      halves = {108};
      break;
    case dtype::q6_k:
      halves = {208};
      break;
    case dtype::q4_k:
    case dtype::q5_k:
      halves = {0, 2};
      break;
    default:
      halves = {0};
      break;
  }
  for (std::size_t b = 0; b < w.size() / tr.block_bytes; ++b)
    for (std::size_t off : halves)
      quant::store_f16(w.data() + b * tr.block_bytes + off, 0.002f * (1.0f + g.uniform()));
  return w;
}

std::vector<float> dequant_all(dtype t, const std::vector<std::uint8_t>& w, std::size_t rows,
                               std::size_t cols) {
  std::vector<float> out(rows * cols);
  quant::dequantize_row<quant::reference_arch>(t, w.data(), out.data(), out.size());
  return out;
}

// Y = X·Wᵀ in double, and Σ|terms| per element (the scale of the rounding error).
void reference_gemm(const std::vector<float>& wd, const std::vector<float>& x, std::size_t m,
                    std::size_t n, std::size_t k, std::vector<double>& y,
                    std::vector<double>& mag) {
  y.assign(m * n, 0.0);
  mag.assign(m * n, 0.0);
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t r = 0; r < n; ++r) {
      double s = 0, a = 0;
      for (std::size_t c = 0; c < k; ++c) {
        const double p = static_cast<double>(wd[r * k + c]) * x[i * k + c];
        s += p;
        a += std::fabs(p);
      }
      y[i * n + r] = s;
      mag[i * n + r] = a;
    }
}

// The activations as the integer path sees them: quantised, then dequantised (rows of k).
std::vector<float> quantised_activations(dtype t, const std::vector<float>& x, std::size_t m,
                                         std::size_t k) {
  const dtype at = quant::vec_dot_type(t);
  const std::size_t ab = quant::row_bytes(at, k);
  std::vector<std::uint8_t> q(ab);
  std::vector<float> out(m * k);
  for (std::size_t i = 0; i < m; ++i) {
    quant::quantize_activations<quant::reference_arch>(at, x.data() + i * k, q.data(), k);
    quant::dequantize_row(at, q.data(), out.data() + i * k, k);
  }
  return out;
}

std::vector<float> random_activations(std::size_t m, std::size_t k, test::rng& g) {
  std::vector<float> x(m * k);
  for (auto& v : x) v = g.normal();
  for (std::size_t i = 0; i < m; ++i) x[i * k + (7 * i) % k] *= 30.0f;  // outlier channels
  return x;
}

// ggml's q4_1 / q5_1 dot uses the q8_1 block's stored s = fp16(d·Σq) for the min term instead
// of d·Σq: the exact value of what the integer path computes includes that difference.
double q8_1_min_correction(dtype t, const std::vector<std::uint8_t>& w, std::size_t r,
                           const float* x, std::size_t k) {
  std::vector<quant::block_q8_1> a(k / 32);
  quant::quantize_activations<quant::reference_arch>(dtype::q8_1, x, a.data(), k);
  const std::size_t bb = flipside::traits_of(t)->block_bytes, rb = quant::row_bytes(t, k);
  double corr = 0;
  for (std::size_t b = 0; b < k / 32; ++b) {
    double sumq = 0;
    for (int j = 0; j < 32; ++j) sumq += a[b].qs[j];
    const double m = quant::load_f16(w.data() + r * rb + b * bb + 2);
    corr += m * (quant::load_f16(a[b].s) - static_cast<double>(quant::load_f16(a[b].d)) * sumq);
  }
  return corr;
}

// Checks y against the double reference: exact_dequant within f32 rounding of the exact
// product; q8_activations within rounding of the exact product with the quantised activations.
template <class Strategy>
void check_result(dtype t, const std::vector<std::uint8_t>& w, const std::vector<float>& x,
                  const std::vector<float>& y, std::size_t m, std::size_t n, std::size_t k) {
  const auto wd = dequant_all(t, w, n, k);
  const bool integer = quant::detail::use_integer_path<Strategy>(t);
  const auto xe = integer ? quantised_activations(t, x, m, k) : x;
  std::vector<double> ref, mag;
  reference_gemm(wd, xe, m, n, k, ref, mag);
  const bool min_term = integer && quant::vec_dot_type(t) == dtype::q8_1;
  double worst = 0;
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t r = 0; r < n; ++r) {
      const std::size_t e = i * n + r;
      const double expect =
          ref[e] + (min_term ? q8_1_min_correction(t, w, r, x.data() + i * k, k) : 0.0);
      const double tol = 1e-5 * mag[e] + 1e-30;
      worst = std::max(worst, std::fabs(y[e] - expect) / tol);
    }
  INFO(flipside::dtype_name(t) << " m=" << m << " n=" << n << " k=" << k
                               << " worst error/tolerance " << worst);
  CHECK(worst <= 1.0);
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("quant: gemv matches a double reference for both strategies", "[quant]",
                        flipside::simd::compiled_archs) {
  test::rng g(11);
  for (dtype t : weight_types) {
    const std::size_t bs = std::max<std::size_t>(block_of(t), 32);
    for (std::size_t rows : {1u, 7u, 13u, 29u}) {
      const std::size_t cols = bs * (rows % 3 + 1);
      const auto w = make_weights(t, rows, cols, g);
      const auto x = random_activations(1, cols, g);
      std::vector<float> y(rows);
      quant::gemv<quant::exact_dequant, TestType>(t, w.data(), x.data(), y.data(), rows, cols);
      check_result<quant::exact_dequant>(t, w, x, y, 1, rows, cols);
      quant::gemv<quant::q8_activations, TestType>(t, w.data(), x.data(), y.data(), rows, cols);
      check_result<quant::q8_activations>(t, w, x, y, 1, rows, cols);
    }
  }
}

TEMPLATE_LIST_TEST_CASE("quant: gemm matches a double reference (direct and packed paths)",
                        "[quant]", flipside::simd::compiled_archs) {
  test::rng g(12);
  for (dtype t : weight_types) {
    // K over several 256-deep slices with a short last one; N with a partial panel.
    const std::size_t k = block_of(t) == 256 ? 768 : 800;
    const std::size_t n = 37;
    const auto w = make_weights(t, n, k, g);
    for (std::size_t m : {2u, 5u, 13u}) {
      const auto x = random_activations(m, k, g);
      std::vector<float> y(m * n);
      quant::gemm<quant::exact_dequant, TestType>(t, w.data(), x.data(), y.data(), m, n, k);
      check_result<quant::exact_dequant>(t, w, x, y, m, n, k);
      quant::gemm<quant::q8_activations, TestType>(t, w.data(), x.data(), y.data(), m, n, k);
      check_result<quant::q8_activations>(t, w, x, y, m, n, k);
    }
  }
}

TEST_CASE("quant: gemv and gemm are bitwise independent of the thread count") {
  test::rng g(13);
  flipside::thread_pool p2(2), p3(3);
  for (dtype t : {dtype::q8_0, dtype::q5_0, dtype::q4_k, dtype::q6_k, dtype::f16}) {
    INFO(flipside::dtype_name(t));
    const std::size_t n = 61, k = 512, m = 9;
    const auto w = make_weights(t, n, k, g);
    const auto x = random_activations(m, k, g);
    for (int strategy = 0; strategy < 2; ++strategy) {
      auto run = [&](flipside::thread_pool* pool, std::size_t rows) {
        std::vector<float> y(rows * n);
        if (strategy == 0) {
          if (rows == 1)
            quant::gemv<quant::exact_dequant>(t, w.data(), x.data(), y.data(), n, k, pool);
          else
            quant::gemm<quant::exact_dequant>(t, w.data(), x.data(), y.data(), rows, n, k, pool);
        } else {
          if (rows == 1)
            quant::gemv<quant::q8_activations>(t, w.data(), x.data(), y.data(), n, k, pool);
          else
            quant::gemm<quant::q8_activations>(t, w.data(), x.data(), y.data(), rows, n, k, pool);
        }
        return y;
      };
      for (std::size_t rows : {std::size_t{1}, std::size_t{3}, m}) {
        const auto y1 = run(nullptr, rows), y2 = run(&p2, rows), y3 = run(&p3, rows);
        CHECK(test::bitwise_equal(y1.data(), y2.data(), y1.size()));
        CHECK(test::bitwise_equal(y1.data(), y3.data(), y1.size()));
      }
      // The integer GEMM is the GEMV of each activation row, bit for bit.
      if (strategy == 1 && quant::has_integer_dot(t)) {
        const auto ym = run(&p2, m);
        std::vector<float> yr(n);
        for (std::size_t i = 0; i < m; ++i) {
          quant::gemv<quant::q8_activations>(t, w.data(), x.data() + i * k, yr.data(), n, k);
          CHECK(test::bitwise_equal(yr.data(), ym.data() + i * n, n));
        }
      }
    }
  }
}

TEST_CASE("quant: gemv_group is bitwise one gemv per matrix for any thread count") {
  test::rng g(29);
  flipside::thread_pool p2(2), p3(3);
  const std::size_t k = 512;
  // Mixed partner types (q8_0, q8_K) and row counts that split unevenly, as q, k, v of a layer.
  const dtype types[] = {dtype::q5_0, dtype::q8_0, dtype::q6_k, dtype::q4_k};
  const std::size_t rows[] = {67, 9, 1, 33};
  std::vector<std::vector<std::uint8_t>> w;
  for (std::size_t i = 0; i < 4; ++i) w.push_back(make_weights(types[i], rows[i], k, g));
  const auto x = random_activations(1, k, g);
  for (flipside::thread_pool* pool : {static_cast<flipside::thread_pool*>(nullptr), &p2, &p3}) {
    std::vector<std::vector<float>> y(4), ref(4);
    quant::gemv_job jobs[4];
    for (std::size_t i = 0; i < 4; ++i) {
      y[i].assign(rows[i], -1.0f);
      ref[i].assign(rows[i], 0.0f);
      quant::gemv<quant::q8_activations>(types[i], w[i].data(), x.data(), ref[i].data(), rows[i],
                                         k);
      jobs[i] = {types[i], w[i].data(), y[i].data(), rows[i]};
    }
    quant::gemv_group(jobs, 4, x.data(), k, pool);
    for (std::size_t i = 0; i < 4; ++i) {
      INFO(flipside::dtype_name(types[i]) << ", " << (pool ? pool->size() : 1) << " threads");
      CHECK(test::bitwise_equal(y[i].data(), ref[i].data(), rows[i]));
    }
  }
  quant::gemv_job f16_job{dtype::f16, w[0].data(), nullptr, 1};
  CHECK_THROWS_AS(quant::gemv_group(&f16_job, 1, x.data(), k), flipside::unsupported_error);
}

TEMPLATE_LIST_TEST_CASE("quant: vector activation quantisers are byte-identical to the references",
                        "[quant]", flipside::simd::compiled_archs) {
  test::rng g(14);
  for (int trial = 0; trial < 60; ++trial) {
    std::vector<float> x(512);
    for (auto& v : x) v = 4.0f * g.uniform();
    switch (trial % 5) {
      case 1:  // values on quarter steps: many exact .5 ties after scaling
        for (auto& v : x) v = std::round(v * 4.0f) / 4.0f;
        break;
      case 2:  // two elements of equal magnitude and opposite sign hold the maximum
        std::fill(x.begin(), x.end(), 0.25f);
        x[9] = 3.0f;
        x[3] = -3.0f;
        x[300] = 3.0f;
        x[260] = -3.0f;
        break;
      case 3:  // all-zero blocks and super-blocks
        std::fill(x.begin(), x.begin() + 256, 0.0f);
        break;
      case 4:  // tiny values (fp16 scale underflow)
        for (auto& v : x) v *= 1e-9f;
        break;
      default:
        break;
    }
    for (dtype a : {dtype::q8_0, dtype::q8_1, dtype::q8_k}) {
      INFO("trial " << trial << " " << flipside::dtype_name(a));
      const std::size_t rb = quant::row_bytes(a, 512);
      std::vector<std::uint8_t> ref(rb), vec(rb);
      quant::quantize_activations<quant::reference_arch>(a, x.data(), ref.data(), 512);
      quant::quantize_activations<TestType>(a, x.data(), vec.data(), 512);
      CHECK(std::memcmp(ref.data(), vec.data(), rb) == 0);
    }
  }
}

TEST_CASE("quant: linear takes tensor views of every supported type and rejects bad ones") {
  test::rng g(15);
  const std::size_t n = 10, k = 256, m = 3;
  const auto x = random_activations(m, k, g);
  for (dtype t : weight_types) {
    INFO(flipside::dtype_name(t));
    const auto w = make_weights(t, n, k, g);
    const flipside::tensor_view v{"blk.0.attn_q.weight",
                                  t,
                                  {static_cast<std::int64_t>(n), static_cast<std::int64_t>(k)},
                                  reinterpret_cast<const std::byte*>(w.data()),
                                  w.size()};
    std::vector<float> y(m * n);
    quant::linear<quant::exact_dequant>(v, x.data(), y.data(), m);
    check_result<quant::exact_dequant>(t, w, x, y, m, n, k);
    quant::linear(v, x.data(), y.data(), 1);
    check_result<quant::default_strategy>(t, w, x, y, 1, n, k);
  }
  std::vector<std::uint8_t> bytes(1000);
  flipside::tensor_view bad{"output.weight",
                            dtype::iq2_xxs,
                            {1, 256},
                            reinterpret_cast<const std::byte*>(bytes.data()),
                            66};
  std::vector<float> y(4);
  CHECK_THROWS_WITH(
      quant::linear(bad, x.data(), y.data(), 1),
      Catch::Contains("output.weight") && Catch::Contains("unsupported type iq2_xxs"));
  bad.type = dtype::q4_k;
  bad.shape = {1, 96};
  CHECK_THROWS_WITH(quant::linear(bad, x.data(), y.data(), 1),
                    Catch::Contains("output.weight") && Catch::Contains("not a multiple"));
  bad.shape = {2, 256};  // 288 bytes of q4_K, but the view holds 66
  CHECK_THROWS_WITH(quant::linear(bad, x.data(), y.data(), 1), Catch::Contains("output.weight") &&
                                                                   Catch::Contains("66 bytes") &&
                                                                   Catch::Contains("need 288"));
}

// Each thread reads its share of weight rows as 8 streams (4 for the K-quants;
// quant/row_streams.hpp): row counts around multiples of the stream count and of the thread count
// (shares that are not multiples of it, parts of 0–34 rows, rows left over), one and two threads,
// GEMV and the 3-row GEMM, each output bitwise the kernel's one-row result for that row
// (vec_dot_rows of 1 row); the exact_dequant path (unchanged order) against dot_f32_rows of 1 row
// alike.
TEMPLATE_LIST_TEST_CASE("quant: row-stream GEMV and GEMM are bitwise the one-row kernels",
                        "[quant]", flipside::simd::compiled_archs) {
  test::rng g(17);
  flipside::thread_pool p2(2);
  for (dtype t : {dtype::q8_0, dtype::q4_0, dtype::q5_0, dtype::q4_k, dtype::q6_k}) {
    const std::size_t k = block_of(t) == 256 ? 512 : 96;
    const std::size_t n_max = 139;
    const auto w = make_weights(t, n_max, k, g);
    const std::size_t rb = quant::row_bytes(t, k);
    const auto x = random_activations(3, k, g);
    const dtype at = quant::vec_dot_type(t);
    const std::size_t ab = quant::row_bytes(at, k);
    std::vector<std::uint8_t> xq(3 * ab);
    for (std::size_t i = 0; i < 3; ++i)
      quant::quantize_activations<TestType>(at, x.data() + i * k, xq.data() + i * ab, k);
    for (std::size_t n : {1u, 7u, 8u, 9u, 15u, 16u, 17u, 31u, 33u, 63u, 67u, 129u, 139u}) {
      for (std::size_t m : {1u, 3u}) {
        std::vector<float> ref_q(m * n), ref_f(m * n);
        for (std::size_t i = 0; i < m; ++i)
          for (std::size_t r = 0; r < n; ++r) {
            quant::vec_dot_rows<TestType>(t, w.data() + r * rb, rb, xq.data() + i * ab, k, 1,
                                          &ref_q[i * n + r]);
            quant::dot_f32_rows<TestType>(t, w.data() + r * rb, rb, x.data() + i * k, k, 1,
                                          &ref_f[i * n + r]);
          }
        for (flipside::thread_pool* pool : {static_cast<flipside::thread_pool*>(nullptr), &p2}) {
          INFO(flipside::dtype_name(t)
               << " rows=" << n << " m=" << m << " threads=" << (pool ? 2 : 1));
          std::vector<float> yq(m * n), yf(m * n);
          if (m == 1) {
            quant::gemv<quant::q8_activations, TestType>(t, w.data(), x.data(), yq.data(), n, k,
                                                         pool);
            quant::gemv<quant::exact_dequant, TestType>(t, w.data(), x.data(), yf.data(), n, k,
                                                        pool);
          } else {
            quant::gemm<quant::q8_activations, TestType>(t, w.data(), x.data(), yq.data(), m, n, k,
                                                         pool);
            quant::gemm<quant::exact_dequant, TestType>(t, w.data(), x.data(), yf.data(), m, n, k,
                                                        pool);
          }
          CHECK(test::bitwise_equal(ref_q.data(), yq.data(), m * n));
          CHECK(test::bitwise_equal(ref_f.data(), yf.data(), m * n));
        }
      }
    }
  }
}
