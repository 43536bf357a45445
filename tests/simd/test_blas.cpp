// dot, axpy, scale, gemv, gemm against double-precision references computed here.
#include "support.hpp"

#include <cmath>
#include <cstring>
#include <tuple>

using flipside::bf16;
using flipside::f16;
namespace simd = flipside::simd;
using namespace flipside_test;

namespace {

using element_types = std::tuple<float, f16, bf16>;

template <class F>
void for_each_element_type(F&& f) {
  f(float{});
  f(f16{});
  f(bf16{});
}

const std::size_t awkward_n[] = {0,  1,  2,  3,  5,  7,  8,   9,   15,  16,   17,
                                 31, 32, 33, 63, 64, 65, 100, 127, 257, 1000, 4099};

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("dot matches a double reference for f32 / f16 / bf16 operands",
                        "[simd][dot]", simd::compiled_archs) {
  using Arch = TestType;
  rng r(1);
  for_each_element_type([&](auto tag) {
    using T = decltype(tag);
    for (std::size_t n : awkward_n) {
      clear_paths();
      const auto a = r.vec(n);
      const auto b = as<T>(r.vec(n));
      double ref = 0, mag = 0;
      for (std::size_t i = 0; i < n; ++i) {
        ref += double(a[i]) * value(b[i]);
        mag += std::fabs(double(a[i]) * value(b[i]));
      }
      const float got = simd::dot<Arch>(a.data(), b.data(), n);
      INFO("n = " << n << " T size " << sizeof(T));
      REQUIRE(std::fabs(got - ref) <= 1e-6 * mag + 1e-30);
      REQUIRE(std::fabs(simd::dot_scalar(a.data(), b.data(), n) - ref) <= 1e-5 * mag + 1e-30);
      if (n >= lanes<Arch>) REQUIRE(took_path("dot", lanes<Arch>));
    }
  });
}

TEMPLATE_LIST_TEST_CASE("axpy and scale are element-wise exact up to one rounding", "[simd][axpy]",
                        simd::compiled_archs) {
  using Arch = TestType;
  rng r(2);
  for_each_element_type([&](auto tag) {
    using T = decltype(tag);
    for (std::size_t n : awkward_n) {
      clear_paths();
      const auto x = as<T>(r.vec(n));
      const auto y0 = r.vec(n);
      const float alpha = r.uniform(-2, 2);
      auto y = y0;
      simd::axpy<Arch>(alpha, x.data(), y.data(), n);
      for (std::size_t i = 0; i < n; ++i) {
        const double ref = double(y0[i]) + double(alpha) * value(x[i]);
        REQUIRE(std::fabs(y[i] - ref) <=
                1.2e-7 * (std::fabs(y0[i]) + std::fabs(alpha * value(x[i]))));
      }
      if (n >= lanes<Arch>) REQUIRE(took_path("axpy", lanes<Arch>));
    }
  });
  for (std::size_t n : awkward_n) {
    clear_paths();
    auto x = r.vec(n);
    const auto x0 = x;
    simd::scale<Arch>(-0.37f, x.data(), n);
    for (std::size_t i = 0; i < n; ++i) REQUIRE(x[i] == -0.37f * x0[i]);  // one rounding: exact
    if (n >= lanes<Arch>) REQUIRE(took_path("scale", lanes<Arch>));
  }
}

TEMPLATE_LIST_TEST_CASE("gemv matches a double reference and is thread-count invariant",
                        "[simd][gemv]", simd::compiled_archs) {
  using Arch = TestType;
  rng r(3);
  flipside::thread_pool pools[] = {flipside::thread_pool(2), flipside::thread_pool(3),
                                   flipside::thread_pool(4)};
  const std::size_t rows_list[] = {1, 3, 4, 5, 9, 17, 64, 129};
  const std::size_t cols_list[] = {1, 7, 8, 15, 16, 17, 33, 100, 515};
  for_each_element_type([&](auto tag) {
    using T = decltype(tag);
    for (std::size_t rows : rows_list)
      for (std::size_t cols : cols_list) {
        clear_paths();
        const auto W = as<T>(r.vec(rows * cols));
        const auto x = r.vec(cols);
        std::vector<float> y(rows, -1.0f);
        simd::gemv<Arch>(W.data(), x.data(), y.data(), rows, cols);
        INFO("rows " << rows << " cols " << cols << " T size " << sizeof(T));
        for (std::size_t i = 0; i < rows; ++i) {
          double ref = 0, mag = 0;
          for (std::size_t c = 0; c < cols; ++c) {
            ref += value(W[i * cols + c]) * double(x[c]);
            mag += std::fabs(value(W[i * cols + c]) * double(x[c]));
          }
          REQUIRE(std::fabs(y[i] - ref) <= 1e-6 * mag + 1e-30);
        }
        if (cols >= lanes<Arch>) REQUIRE(took_path("gemv", lanes<Arch>));
        for (auto& pool : pools) {
          std::vector<float> yt(rows, -2.0f);
          simd::gemv<Arch>(W.data(), x.data(), yt.data(), rows, cols, &pool);
          REQUIRE(same_bits(y, yt));
        }
        std::vector<float> ys(rows);
        simd::gemv_scalar(W.data(), x.data(), ys.data(), rows, cols);
        for (std::size_t i = 0; i < rows; ++i)
          REQUIRE(std::fabs(ys[i] - y[i]) <= 1e-5 * (1 + std::fabs(y[i])) * double(cols));
      }
  });
}

namespace {

struct gemm_shape {
  std::size_t M, N, K;
};

// C0 + A·Bᵀ in double; also Σ|terms| per element for the error bound.
template <class T>
void gemm_reference(const std::vector<float>& A, std::size_t lda, const std::vector<T>& B,
                    std::size_t ldb, const std::vector<float>& C0, std::size_t ldc,
                    const gemm_shape& s, bool accumulate, std::vector<double>& ref,
                    std::vector<double>& mag) {
  ref.assign(s.M * s.N, 0.0);
  mag.assign(s.M * s.N, 0.0);
  for (std::size_t m = 0; m < s.M; ++m)
    for (std::size_t n = 0; n < s.N; ++n) {
      double acc = accumulate ? C0[m * ldc + n] : 0.0;
      double g = accumulate ? std::fabs(C0[m * ldc + n]) : 0.0;
      for (std::size_t k = 0; k < s.K; ++k) {
        const double t = double(A[m * lda + k]) * value(B[n * ldb + k]);
        acc += t;
        g += std::fabs(t);
      }
      ref[m * s.N + n] = acc;
      mag[m * s.N + n] = g;
    }
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("gemm C (+)= A·Bᵀ matches a double reference on awkward shapes",
                        "[simd][gemm]", simd::compiled_archs) {
  using Arch = TestType;
  using tile = simd::gemm_tile<Arch>;
  rng r(4);
  std::vector<gemm_shape> shapes = {{1, 1, 1},
                                    {1, 17, 33},
                                    {2, 5, 8},
                                    {3, 9, 100},
                                    {4, 16, 16},
                                    {5, 1, 1},
                                    {5, 33, 7},
                                    {6, 16, 256},
                                    {7, 17, 257},
                                    {13, 31, 40},
                                    {tile::mr, tile::nr, tile::kc},
                                    {tile::mr + 1, tile::nr + 1, tile::kc + 1},
                                    {tile::mc + 5, 20, 30},
                                    {9, tile::nc + 3, 9},
                                    {64, 64, 600},
                                    {1, 100, 0},
                                    {7, 3, 0}};
  for (int i = 0; i < 12; ++i)
    shapes.push_back({1 + r.below(70), 1 + r.below(90), 1 + r.below(300)});
  for_each_element_type([&](auto tag) {
    using T = decltype(tag);
    for (const auto& s : shapes)
      for (bool accumulate : {false, true})
        for (bool strided : {false, true}) {
          clear_paths();
          const std::size_t lda = s.K + (strided ? 3 : 0), ldb = s.K + (strided ? 5 : 0),
                            ldc = s.N + (strided ? 2 : 0);
          const auto A = r.vec(s.M * lda);
          const auto B = as<T>(r.vec(s.N * ldb));
          const auto C0 = r.vec(s.M * ldc);
          auto C = C0;
          if (strided)
            simd::gemm_strided<Arch>(A.data(), lda, B.data(), ldb, C.data(), ldc, s.M, s.N, s.K,
                                     nullptr, accumulate);
          else
            simd::gemm<Arch>(A.data(), B.data(), C.data(), s.M, s.N, s.K, nullptr, accumulate);
          std::vector<double> ref, mag;
          gemm_reference(A, lda, B, ldb, C0, ldc, s, accumulate, ref, mag);
          INFO("M " << s.M << " N " << s.N << " K " << s.K << " acc " << accumulate << " strided "
                    << strided << " T size " << sizeof(T));
          for (std::size_t m = 0; m < s.M; ++m) {
            for (std::size_t n = 0; n < s.N; ++n)
              REQUIRE(std::fabs(C[m * ldc + n] - ref[m * s.N + n]) <=
                      2e-6 * mag[m * s.N + n] + 1e-30);
            for (std::size_t n = s.N; n < ldc; ++n)  // padding columns untouched
              REQUIRE(C[m * ldc + n] == C0[m * ldc + n]);
          }
          const char* path = s.M <= 4 ? "gemm_small_m" : "gemm_packed";
          if (s.K >= lanes<Arch>) REQUIRE(took_path(path, lanes<Arch>));
        }
  });
}

TEMPLATE_LIST_TEST_CASE("gemm is bitwise identical for 1, 2, 3 and 4 threads", "[simd][gemm]",
                        simd::compiled_archs) {
  using Arch = TestType;
  rng r(5);
  flipside::thread_pool pools[] = {flipside::thread_pool(2), flipside::thread_pool(3),
                                   flipside::thread_pool(4)};
  const gemm_shape shapes[] = {{1, 70, 50},  {3, 9, 33},    {4, 130, 64}, {37, 100, 300},
                               {100, 7, 20}, {200, 40, 17}, {6, 600, 40}, {9, 40, 1100}};
  for_each_element_type([&](auto tag) {
    using T = decltype(tag);
    for (const auto& s : shapes) {  // K = 1100: three K slices of the packed path
      const auto A = r.vec(s.M * s.K);
      const auto B = as<T>(r.vec(s.N * s.K));
      const auto C0 = r.vec(s.M * s.N);
      for (bool accumulate : {false, true}) {
        auto C1 = C0;
        simd::gemm<Arch>(A.data(), B.data(), C1.data(), s.M, s.N, s.K, nullptr, accumulate);
        for (auto& pool : pools) {
          auto Ct = C0;
          simd::gemm<Arch>(A.data(), B.data(), Ct.data(), s.M, s.N, s.K, &pool, accumulate);
          INFO("M " << s.M << " N " << s.N << " K " << s.K << " threads " << pool.size());
          REQUIRE(same_bits(C1, Ct));
        }
      }
    }
  });
}

TEST_CASE("gemm_scalar is the plain triple loop", "[simd][gemm]") {
  const std::vector<float> A = {1, 2, 3, 4, 5, 6};  // 2×3
  const std::vector<float> B = {1, 0, 1, 0, 1, 0};  // 2×3
  std::vector<float> C = {10, 20, 30, 40};          // 2×2
  simd::gemm_scalar(A.data(), 3, B.data(), 3, C.data(), 2, 2, 2, 3, true);
  REQUIRE(C == std::vector<float>{14, 22, 40, 45});
}

// xsimd 8.1's own haddp permutes lanes 2–5 and 10–13 on AVX-512; simd::haddp must not.
TEMPLATE_LIST_TEST_CASE("haddp puts the lane sum of batch i in lane i", "[simd][haddp]",
                        simd::compiled_archs) {
  using Arch = TestType;
  using B = xsimd::batch<float, Arch>;
  constexpr std::size_t N = B::size;
  rng r(17);
  for (int round = 0; round < 8; ++round) {
    std::vector<float> x = r.vec(N * N);
    for (float& v : x) v = std::round(v * 64.0f);  // small integers: every sum order is exact
    B rows[N];
    for (std::size_t i = 0; i < N; ++i) rows[i] = B::load_unaligned(x.data() + i * N);
    float got[N];
    simd::haddp(rows).store_unaligned(got);
    for (std::size_t i = 0; i < N; ++i) {
      double want = 0;
      for (std::size_t l = 0; l < N; ++l) want += x[i * N + l];
      INFO("lanes " << N << " batch " << i);
      REQUIRE(double(got[i]) == want);
    }
  }
}
