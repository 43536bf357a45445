// The machine's own ceilings, measured in the benchmark process itself, so every kernel can be
// reported as a fraction of what this machine (this run, this load) can do:
//
//   FP32 FMA peak   — independent chains of vector FMAs (acc = acc · m + a) on every thread.
//                     With latency ℓ and p FMA pipes, ≥ ℓ·p chains keep the pipes full
//                     (Zen 3: 4 × 2 = 8; Zen 4 / Skylake-X similar); we run 12.
//   read bandwidth  — a vector sum over an array far larger than the last-level cache (512 MiB),
//                     best of a few passes, read as 1 and as 8 sequential streams (the best is
//                     the ceiling); threads sum disjoint parts at the same time.
//
// Usage in a bench_*.cpp (see bench_kernels.cpp):
//   flipside::bench::register_ceiling_benchmarks();           // "ceiling/..." rows in the output
//   const double s = flipside::bench::timed_loop(state, [&] { kernel(); });  // s per iteration
//   flipside::bench::report_flops(state, flops_per_iter, s, threads);  // GFLOP/s, frac of peak
//   flipside::bench::report_bytes(state, bytes_per_iter, s, threads);  // GB/s, frac of bandwidth
// The ceilings are measured once per process, on first use (about a second).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>
#include <flipside/simd/arch.hpp>

namespace flipside::bench {

namespace detail {

// Run fn(t) on `threads` threads at once; returns the wall time of the slowest, in seconds.
template <class F>
double timed_parallel(std::size_t threads, F&& fn) {
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back([&fn, t] { fn(t); });
  fn(0);
  for (auto& th : pool) th.join();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// `iters` rounds of 12 independent FMA chains; returns the flops done.
inline double fma_chains(std::size_t iters) {
  using batch = xsimd::batch<float>;
  constexpr int chains = 12;
  batch acc[chains];
  for (int c = 0; c < chains; ++c) acc[c] = batch(1.0f + 0.01f * static_cast<float>(c));
  const batch m(0.999999f), a(1e-6f);  // acc stays near 1: no overflow, no denormals
  for (std::size_t i = 0; i < iters; ++i) {
    for (int c = 0; c < chains; ++c) acc[c] = xsimd::fma(acc[c], m, a);
  }
  batch s(0.0f);
  for (int c = 0; c < chains; ++c) s += acc[c];
  benchmark::DoNotOptimize(s);
  return 2.0 * chains * static_cast<double>(batch::size) * static_cast<double>(iters);
}

// Σ p[0..n), read as `streams` interleaved sequential streams: one stream leaves the memory
// system idle between prefetches (a Zen 3 core reads ~11 GB/s that way, ~15 GB/s with ≥ 4
// streams), so the ceiling takes the best of 1 and 8 streams — what a kernel can reach.
template <int streams>
float sum_floats(const float* p, std::size_t n) {
  using batch = xsimd::batch<float>;
  constexpr std::size_t L = batch::size;
  const std::size_t seg = (n / streams) / (2 * L) * (2 * L);
  batch acc[streams];
  for (int s = 0; s < streams; ++s) acc[s] = batch(0.0f);
  for (std::size_t i = 0; i < seg; i += 2 * L)
    for (int s = 0; s < streams; ++s)
      acc[s] += batch::load_aligned(p + s * seg + i) + batch::load_aligned(p + s * seg + i + L);
  batch t(0.0f);
  for (int s = 0; s < streams; ++s) t += acc[s];
  float sum = flipside::simd::reduce_add(t);
  for (std::size_t i = streams * seg; i < n; ++i) sum += p[i];
  return sum;
}

}  // namespace detail

// FP32 FMA peak in GFLOP/s with `threads` threads: best of 12 runs of ~25 ms (the machine is
// shared; the best short run is the least disturbed one).
inline double measure_fma_peak_gflops(std::size_t threads) {
  const std::size_t iters = 5'000'000;
  double best = 0.0;
  for (int rep = 0; rep < 12; ++rep) {
    double flops = 0.0;
    const double s = detail::timed_parallel(threads, [&](std::size_t t) {
      const double f = detail::fma_chains(iters);
      if (t == 0) flops = f;
    });
    best = std::max(best, flops * static_cast<double>(threads) / s * 1e-9);
  }
  return best;
}

// Read bandwidth in GB/s (1e9 bytes/s) over one buffer kept between samples: `threads` threads
// sum disjoint parts at once, each as `streams` (1 or 8) sequential streams; best of `passes`.
// Keeping the buffer lets a benchmark sample the ceiling right next to the run it judges (this
// VM's DRAM rate drifts by up to 2x within minutes) without paying for fresh pages each time.
class read_bandwidth_probe {
 public:
  explicit read_bandwidth_probe(std::size_t bytes = 512u << 20)
      : data_(bytes / sizeof(float), 1.0f) {}  // pages touched here, not in the timed passes

  double gbps(std::size_t threads, int streams = 8, int passes = 8) const {
    const std::size_t chunk = (data_.size() / threads) & ~std::size_t(63);
    double best = 0.0;
    for (int rep = 0; rep < passes; ++rep) {
      const double s = detail::timed_parallel(threads, [&](std::size_t t) {
        const float* p = data_.data() + t * chunk;
        benchmark::DoNotOptimize(streams == 1 ? detail::sum_floats<1>(p, chunk)
                                              : detail::sum_floats<8>(p, chunk));
      });
      best = std::max(best, static_cast<double>(chunk * threads * sizeof(float)) / s * 1e-9);
    }
    return best;
  }

 private:
  std::vector<float, xsimd::aligned_allocator<float, 64>> data_;
};

inline double measure_read_bandwidth_gbps(std::size_t threads, int streams = 8,
                                          std::size_t bytes = 512u << 20) {
  return read_bandwidth_probe(bytes).gbps(threads, streams);
}

struct machine_ceilings {
  double fma_gflops[3] = {0, 0, 0};            // index = threads (1, 2)
  double read_gbps[3] = {0, 0, 0};             // best of 1 and 8 streams: the ceiling
  double read_one_stream_gbps[3] = {0, 0, 0};  // a single sequential stream, for reference

  double fma(std::size_t threads) const { return fma_gflops[std::min<std::size_t>(threads, 2)]; }
  double read(std::size_t threads) const { return read_gbps[std::min<std::size_t>(threads, 2)]; }
};

// Measured once per process, on first call.
inline const machine_ceilings& ceilings() {
  static const machine_ceilings c = [] {
    machine_ceilings m;
    const std::size_t hw = std::max(1u, std::thread::hardware_concurrency());
    for (std::size_t t = 1; t <= 2; ++t) {
      const std::size_t threads = std::min(t, hw);
      m.fma_gflops[t] = measure_fma_peak_gflops(threads);
      m.read_one_stream_gbps[t] = measure_read_bandwidth_gbps(threads, 1);
      m.read_gbps[t] = std::max(m.read_one_stream_gbps[t], measure_read_bandwidth_gbps(threads, 8));
    }
    std::fprintf(stderr,
                 "ceilings: FP32 FMA peak %.1f / %.1f GFLOP/s, read bandwidth %.1f / %.1f GB/s "
                 "(single stream %.1f / %.1f) (1 / 2 threads)\n",
                 m.fma_gflops[1], m.fma_gflops[2], m.read_gbps[1], m.read_gbps[2],
                 m.read_one_stream_gbps[1], m.read_one_stream_gbps[2]);
    return m;
  }();
  return c;
}

// Seconds per iteration of a Google Benchmark loop, timed with a steady clock (so ratios between
// benchmarks of one run can be formed; use UseRealTime() for multi-threaded kernels as well).
template <class F>
double timed_loop(benchmark::State& state, F&& body) {
  const auto t0 = std::chrono::steady_clock::now();
  for (auto _ : state) body();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return s / static_cast<double>(std::max<benchmark::IterationCount>(state.iterations(), 1));
}

// Counters "GFLOP/s" and "frac_fma_peak" (of the peak for the same thread count).
inline void report_flops(benchmark::State& state, double flops_per_iter, double seconds_per_iter,
                         std::size_t threads) {
  const double gflops = flops_per_iter / seconds_per_iter * 1e-9;
  state.counters["GFLOP/s"] = gflops;
  state.counters["frac_fma_peak"] = gflops / ceilings().fma(threads);
}

// Counters "GB/s" and "frac_read_bw" (of the read bandwidth for the same thread count).
inline void report_bytes(benchmark::State& state, double bytes_per_iter, double seconds_per_iter,
                         std::size_t threads) {
  const double gbps = bytes_per_iter / seconds_per_iter * 1e-9;
  state.counters["GB/s"] = gbps;
  state.counters["frac_read_bw"] = gbps / ceilings().read(threads);
}

// "ceiling/fma_peak/threads:N" and "ceiling/read_bw/threads:N" rows, so the ceilings appear in
// the console and JSON output next to the kernels (values from ceilings(), measured once).
inline void register_ceiling_benchmarks() {
  for (std::size_t t = 1; t <= 2; ++t) {
    benchmark::RegisterBenchmark(("ceiling/fma_peak/threads:" + std::to_string(t)).c_str(),
                                 [t](benchmark::State& st) {
                                   const double g = ceilings().fma(t);
                                   for (auto _ : st) benchmark::DoNotOptimize(g);
                                   st.counters["GFLOP/s"] = g;
                                 })
        ->Iterations(1);
    benchmark::RegisterBenchmark(("ceiling/read_bw/threads:" + std::to_string(t)).c_str(),
                                 [t](benchmark::State& st) {
                                   const double g = ceilings().read(t);
                                   for (auto _ : st) benchmark::DoNotOptimize(g);
                                   st.counters["GB/s"] = g;
                                   st.counters["one_stream_GB/s"] =
                                       ceilings().read_one_stream_gbps[std::min<std::size_t>(t, 2)];
                                 })
        ->Iterations(1);
  }
}

}  // namespace flipside::bench
