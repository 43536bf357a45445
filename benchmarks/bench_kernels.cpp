// SIMD kernels against OpenBLAS and against the machine's measured ceilings, in one run.
//
//   gemm/{flipside,blas}/1024/threads:T       C = A·Bᵀ, M = N = K = 1024 (f32; flipside also f16 /
//                                             bf16 weights) — GFLOP/s, fraction of FMA peak,
//                                             flipside's vs_blas = blas time / flipside time
//   gemv/{flipside,blas}/4096/threads:T       y = W·x, 4096 × 4096 — GB/s of weights, fraction of
//                                             the measured read bandwidth
//   gemm_small_m/flipside/M                   decode-shaped GEMM, M ≤ 4 rows against 4096 × 4096
//
// Run: build/benchmarks/bench_kernels (see benchmarks/README.md for the exact commands).
#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <type_traits>
#include <vector>

#include <benchmark/benchmark.h>

#include <flipside/parallel/thread_pool.hpp>
#include <flipside/simd.hpp>

#include "ceilings.hpp"

#ifdef FLIPSIDE_HAVE_OPENBLAS
#include <cblas.h>
#endif

namespace {

using flipside::bf16;
using flipside::f16;
namespace simd = flipside::simd;
namespace fb = flipside::bench;

std::vector<float> random_floats(std::size_t n, std::uint64_t seed) {
  std::vector<float> v(n);
  for (auto& x : v) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    x = static_cast<float>(static_cast<double>(seed >> 40) * 0x1.0p-24 - 0.5);
  }
  return v;
}

template <class T>
std::vector<T> converted(const std::vector<float>& v) {
  std::vector<T> out(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) out[i] = simd::from_f32<T>(v[i]);
  return out;
}

// Seconds per iteration of finished baselines, by name, for the vs_blas counters.
std::map<std::string, double>& baseline_seconds() {
  static std::map<std::string, double> m;
  return m;
}

void set_ratio(benchmark::State& state, const std::string& baseline, double own_seconds) {
  auto it = baseline_seconds().find(baseline);
  if (it != baseline_seconds().end()) state.counters["vs_blas"] = it->second / own_seconds;
}

std::string key(const char* op, std::size_t n, std::size_t threads) {
  return std::string(op) + "/" + std::to_string(n) + "/threads:" + std::to_string(threads);
}

// ---- GEMM --------------------------------------------------------------------------------------
template <class T>
void gemm_flipside(benchmark::State& state, std::size_t n, std::size_t threads) {
  const auto A = random_floats(n * n, 1);
  const auto B = converted<T>(random_floats(n * n, 2));
  std::vector<float> C(n * n);
  flipside::thread_pool pool(threads);
  const double s = fb::timed_loop(state, [&] {
    simd::gemm(A.data(), B.data(), C.data(), n, n, n, &pool);
    benchmark::DoNotOptimize(C.data());
  });
  fb::report_flops(state, 2.0 * n * n * n, s, threads);
  set_ratio(state, key("gemm", n, threads), s);
}

#ifdef FLIPSIDE_HAVE_OPENBLAS
void gemm_blas(benchmark::State& state, std::size_t n, std::size_t threads) {
  const auto A = random_floats(n * n, 1);
  const auto B = random_floats(n * n, 2);
  std::vector<float> C(n * n);
  openblas_set_num_threads(static_cast<int>(threads));
  const int in = static_cast<int>(n);
  const double s = fb::timed_loop(state, [&] {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, in, in, in, 1.0f, A.data(), in, B.data(),
                in, 0.0f, C.data(), in);
    benchmark::DoNotOptimize(C.data());
  });
  fb::report_flops(state, 2.0 * n * n * n, s, threads);
  baseline_seconds()[key("gemm", n, threads)] = s;
}
#endif

// ---- GEMV --------------------------------------------------------------------------------------
// Decode streams weights far larger than the caches: each iteration reads a different copy of W
// (≥ 256 MiB in all, 8× the L3), so the matrix always comes from DRAM, never from L3.
constexpr std::size_t rotation_bytes = 256u << 20;

template <class T>
std::vector<std::vector<T>> weight_copies(std::size_t n) {
  const std::size_t copies = std::max<std::size_t>(2, rotation_bytes / (n * n * sizeof(T)));
  std::vector<std::vector<T>> W;
  for (std::size_t c = 0; c < copies; ++c) W.push_back(converted<T>(random_floats(n * n, 3 + c)));
  return W;
}

template <class T>
void gemv_flipside(benchmark::State& state, std::size_t n, std::size_t threads) {
  const auto W = weight_copies<T>(n);
  const auto x = random_floats(n, 4);
  std::vector<float> y(n);
  flipside::thread_pool pool(threads);
  std::size_t c = 0;
  const double s = fb::timed_loop(state, [&] {
    simd::gemv(W[c].data(), x.data(), y.data(), n, n, &pool);
    c = (c + 1) % W.size();
    benchmark::DoNotOptimize(y.data());
  });
  fb::report_bytes(state, static_cast<double>(n * n * sizeof(T)), s, threads);
  if (std::is_same<T, float>::value) set_ratio(state, key("gemv", n, threads), s);
}

#ifdef FLIPSIDE_HAVE_OPENBLAS
void gemv_blas(benchmark::State& state, std::size_t n, std::size_t threads) {
  const auto W = weight_copies<float>(n);
  const auto x = random_floats(n, 4);
  std::vector<float> y(n);
  openblas_set_num_threads(static_cast<int>(threads));
  const int in = static_cast<int>(n);
  std::size_t c = 0;
  const double s = fb::timed_loop(state, [&] {
    cblas_sgemv(CblasRowMajor, CblasNoTrans, in, in, 1.0f, W[c].data(), in, x.data(), 1, 0.0f,
                y.data(), 1);
    c = (c + 1) % W.size();
    benchmark::DoNotOptimize(y.data());
  });
  fb::report_bytes(state, static_cast<double>(n * n * sizeof(float)), s, threads);
  baseline_seconds()[key("gemv", n, threads)] = s;
}
#endif

// ---- small-M GEMM (decode with a few rows) ------------------------------------------------------
template <class T>
void gemm_small_m(benchmark::State& state, std::size_t m, std::size_t n) {
  const auto B = weight_copies<T>(n);
  const auto A = random_floats(m * n, 5);
  std::vector<float> C(m * n);
  std::size_t c = 0;
  const double s = fb::timed_loop(state, [&] {
    simd::gemm(A.data(), B[c].data(), C.data(), m, n, n);
    c = (c + 1) % B.size();
    benchmark::DoNotOptimize(C.data());
  });
  fb::report_bytes(state, static_cast<double>(n * n * sizeof(T)), s, 1);
}

void register_all() {
  fb::register_ceiling_benchmarks();
  for (std::size_t threads : {1, 2}) {
    const std::string t = "/threads:" + std::to_string(threads);
#ifdef FLIPSIDE_HAVE_OPENBLAS
    benchmark::RegisterBenchmark(("gemm/blas/1024" + t).c_str(), gemm_blas, 1024, threads)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
#endif
    benchmark::RegisterBenchmark(("gemm/flipside/1024" + t).c_str(), gemm_flipside<float>, 1024,
                                 threads)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("gemm/flipside_f16/1024" + t).c_str(), gemm_flipside<f16>, 1024,
                                 threads)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("gemm/flipside_bf16/1024" + t).c_str(), gemm_flipside<bf16>, 1024,
                                 threads)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
  }
  for (std::size_t threads : {1, 2}) {
    const std::string t = "/threads:" + std::to_string(threads);
#ifdef FLIPSIDE_HAVE_OPENBLAS
    benchmark::RegisterBenchmark(("gemv/blas/4096" + t).c_str(), gemv_blas, 4096, threads)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
#endif
    benchmark::RegisterBenchmark(("gemv/flipside/4096" + t).c_str(), gemv_flipside<float>, 4096,
                                 threads)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("gemv/flipside_f16/4096" + t).c_str(), gemv_flipside<f16>, 4096,
                                 threads)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("gemv/flipside_bf16/4096" + t).c_str(), gemv_flipside<bf16>, 4096,
                                 threads)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
  }
  for (std::size_t m : {1, 4})
    benchmark::RegisterBenchmark(
        ("gemm_small_m/flipside_f16/" + std::to_string(m) + "x4096x4096").c_str(),
        gemm_small_m<f16>, m, 4096)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
