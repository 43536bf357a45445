// Attention benchmarks: causal prefill (T = 512, 2048) and decode (1 query against L = 4096),
// 8 query heads / 2 KV heads, head_dim 64 and 128, for every softmax policy and KV storage type,
// against three baselines in the same binary:
//   naive     flipside::reference::attention (scalar loops, one query row and key at a time)
//   xtensor   the same math as xtensor expressions (views, broadcasting, reducers)
//   blas      the framework way: S = Q·Kᵀ (cblas_sgemm over all T×L), mask, softmax, O = S·V
//             (cblas_sgemm); OpenBLAS restricted to 1 thread
// Each result is reported as a fraction of this machine's FMA peak (prefill) or read bandwidth
// (decode), both measured in the same run (support/ceilings.hpp), and as ratios to the baselines
// of the same shape (vs_blas, vs_naive = baseline time / this time); a summary of the issue-2
// targets is printed at the end. Decode at L = 4096 reads its K/V cold from DRAM: it rotates over
// enough caches to overflow the L3; decode at L = 128 (d = 128 only) keeps one copy in L2, the
// step's compute alone (its frac_read_bw may exceed 1).
//
// Names: {prefill,decode}/<impl>/<kv type>/T:<T>/L:<L>/d:<head_dim>[/threads:2], impl one of
// flipside_online<64>, flipside_online<128>, flipside_two_pass, blas, xtensor, naive.
// Run: build/benchmarks/bench_attention (see benchmarks/README.md for the exact commands).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <xtensor/xadapt.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xtensor.hpp>
#include <xtensor/xview.hpp>

#include <flipside/attention.hpp>

#include "ceilings.hpp"

#ifdef FLIPSIDE_HAVE_OPENBLAS
#include <cblas.h>
#endif

namespace {

using namespace flipside;
using f16_t = flipside::f16;
using bf16_t = flipside::bf16;

constexpr std::size_t n_heads = 8, n_kv_heads = 2;

namespace fb = flipside::bench;

// Seconds per call of each benchmark, for the summary.
std::map<std::string, double>& results() {
  static std::map<std::string, double> r;
  return r;
}

std::vector<float> random_floats(std::size_t n, std::uint64_t seed) {
  std::vector<float> x(n);
  for (auto& e : x) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    e = static_cast<float>(seed >> 40) * (2.0f / 16777216.0f) - 1.0f;
  }
  return x;
}

template <class E>
std::vector<E> converted(const std::vector<float>& x) {
  std::vector<E> out(x.size());
  detail::convert_from_f32(x.data(), out.data(), x.size());
  return out;
}

// One problem: Q [T, H, D], and `copies` independent K/V caches [L, KV, D] of element E.
template <class E>
struct workload {
  std::size_t T, L, D, position;
  std::vector<float> q;
  std::vector<std::vector<E>> k, v;
  attention_shape shape() const {
    attention_shape s;
    s.n_queries = T;
    s.n_keys = L;
    s.n_heads = n_heads;
    s.n_kv_heads = n_kv_heads;
    s.head_dim = D;
    return s;
  }
};

template <class E>
workload<E> make_workload(std::size_t T, std::size_t L, std::size_t D, std::size_t copies) {
  workload<E> w{T, L, D, L - T, random_floats(T * n_heads * D, 1), {}, {}};
  for (std::size_t c = 0; c < copies; ++c) {
    w.k.push_back(converted<E>(random_floats(L * n_kv_heads * D, 100 + c)));
    w.v.push_back(converted<E>(random_floats(L * n_kv_heads * D, 200 + c)));
  }
  return w;
}

// Useful FLOPs of causal attention: 2·D for q·k plus 2·D for p·v, per visible (query, key) pair.
double attention_flops(std::size_t T, std::size_t L, std::size_t D) {
  const std::size_t first = L - T + 1;  // keys seen by query 0 (positions L−T … L−1)
  const double pairs = double(T) * first + double(T) * (T - 1) / 2.0;
  return 4.0 * D * n_heads * pairs;
}

double kv_bytes(std::size_t L, std::size_t D, std::size_t elem) {
  return 2.0 * L * n_kv_heads * D * elem;
}

// Times fn(copy) over all iterations, rotating copies, and reports rates and ceiling fractions.
// Ratios to the baselines of the same shape that already ran (they are registered first).
void set_ratios(benchmark::State& state, const std::string& key, double per_call) {
  for (const char* b : {"blas", "naive"}) {
    const std::size_t at = key.find('/') + 1;
    std::string base = key.substr(0, at) + b + "/f32" + key.substr(key.find("/T:"));
    const std::size_t th = base.find("/threads:");
    if (th != std::string::npos) base.erase(th);
    auto it = results().find(base);
    if (it != results().end() && it->first != key)
      state.counters[std::string("vs_") + b] = it->second / per_call;
  }
}

template <class Fn>
void timed_loop(benchmark::State& state, const std::string& key, std::size_t threads,
                std::size_t copies, double flops, double bytes, Fn&& fn) {
  std::size_t c = 0, n = 0;
  double seconds = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    fn(c);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    c = (c + 1) % copies;
    ++n;
  }
  const double per_call = seconds / double(n);
  results()[key] = per_call;
  state.counters["ms"] = per_call * 1e3;
  fb::report_flops(state, flops, per_call, threads);
  if (bytes > 0) fb::report_bytes(state, bytes, per_call, threads);
  set_ratios(state, key, per_call);
}

// ---- baselines --------------------------------------------------------------------------------

void xtensor_attention(const workload<float>& w, std::size_t copy, float* out) {
  // Views over the packed arrays; every step is an xtensor expression.
  const std::size_t T = w.T, L = w.L, D = w.D, G = n_heads / n_kv_heads;
  auto q = xt::adapt(w.q.data(), T * n_heads * D, xt::no_ownership(),
                     std::vector<std::size_t>{T, n_heads, D});
  auto k = xt::adapt(w.k[copy].data(), L * n_kv_heads * D, xt::no_ownership(),
                     std::vector<std::size_t>{L, n_kv_heads, D});
  auto v = xt::adapt(w.v[copy].data(), L * n_kv_heads * D, xt::no_ownership(),
                     std::vector<std::size_t>{L, n_kv_heads, D});
  auto o =
      xt::adapt(out, T * n_heads * D, xt::no_ownership(), std::vector<std::size_t>{T, n_heads, D});
  const float scale = 1.0f / std::sqrt(float(D));
  for (std::size_t t = 0; t < T; ++t) {
    const std::size_t hi = w.position + t + 1;
    for (std::size_t h = 0; h < n_heads; ++h) {
      auto kh = xt::view(k, xt::range(0, hi), h / G, xt::all());
      auto vh = xt::view(v, xt::range(0, hi), h / G, xt::all());
      auto qh = xt::view(q, t, h, xt::newaxis(), xt::all());
      xt::xtensor<float, 1> s = xt::sum(kh * qh, {1}) * scale;
      const float m = xt::amax(s)();
      xt::xtensor<float, 1> p = xt::exp(s - m);
      p /= xt::sum(p)();
      xt::view(o, t, h, xt::all()) = xt::sum(vh * xt::view(p, xt::all(), xt::newaxis()), {0});
    }
  }
}

#ifdef FLIPSIDE_HAVE_OPENBLAS
// Row-wise masked softmax of S [T, L] in place (vectorised with xsimd, as frameworks' softmax is).
void masked_softmax(float* s, std::size_t T, std::size_t L, std::size_t position) {
  using B = xsimd::batch<float>;
  constexpr std::size_t N = B::size;
  for (std::size_t t = 0; t < T; ++t) {
    float* row = s + t * L;
    const std::size_t hi = std::min(L, position + t + 1);
    std::fill(row + hi, row + L, 0.0f);
    float m = -INFINITY;
    for (std::size_t j = 0; j < hi; ++j) m = std::max(m, row[j]);
    B sum(0.0f);
    std::size_t j = 0;
    for (; j + N <= hi; j += N) {
      const B p = xsimd::exp(B::load_unaligned(row + j) - B(m));
      p.store_unaligned(row + j);
      sum += p;
    }
    float total = simd::reduce_add(sum);
    for (; j < hi; ++j) total += (row[j] = std::exp(row[j] - m));
    const B inv(1.0f / total);
    for (j = 0; j + N <= hi; j += N) (B::load_unaligned(row + j) * inv).store_unaligned(row + j);
    for (; j < hi; ++j) row[j] /= total;
  }
}

// Per query head: S = scale·Q_h·K_gᵀ [T, L], causal mask + softmax, O_h = S·V_g. Decode (T = 1)
// batches the G heads of a group into one GEMM with M = G instead.
void blas_attention(const workload<float>& w, std::size_t copy, float* out, std::vector<float>& s) {
  const std::size_t T = w.T, L = w.L, D = w.D, G = n_heads / n_kv_heads;
  const int ld_q = int(n_heads * D), ld_kv = int(n_kv_heads * D);
  const float scale = 1.0f / std::sqrt(float(D));
  if (T == 1) {
    s.resize(G * L);
    for (std::size_t g = 0; g < n_kv_heads; ++g) {
      const float* k = w.k[copy].data() + g * D;
      const float* v = w.v[copy].data() + g * D;
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(G), int(L), int(D), scale,
                  w.q.data() + g * G * D, int(D), k, ld_kv, 0.0f, s.data(), int(L));
      for (std::size_t r = 0; r < G; ++r) masked_softmax(s.data() + r * L, 1, L, w.position);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(G), int(D), int(L), 1.0f, s.data(),
                  int(L), v, ld_kv, 0.0f, out + g * G * D, int(D));
    }
    return;
  }
  s.resize(T * L);
  for (std::size_t h = 0; h < n_heads; ++h) {
    const float* k = w.k[copy].data() + (h / G) * D;
    const float* v = w.v[copy].data() + (h / G) * D;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(T), int(L), int(D), scale,
                w.q.data() + h * D, ld_q, k, ld_kv, 0.0f, s.data(), int(L));
    masked_softmax(s.data(), T, L, w.position);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(T), int(D), int(L), 1.0f, s.data(),
                int(L), v, ld_kv, 0.0f, out + h * D, ld_q);
  }
}
#endif

// Largest |a − b| relative to max |b|: baselines are checked against flipside once, up front.
double rel_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double e = 0, m = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    e = std::max(e, double(std::abs(a[i] - b[i])));
    m = std::max(m, double(std::abs(b[i])));
  }
  return e / m;
}

// ---- registration -----------------------------------------------------------------------------

struct config {
  std::string kind;  // prefill | decode
  std::size_t T, L, D;
  std::size_t copies;  // decode: enough K/V caches to exceed the L3
};

std::string key_of(const config& c, const std::string& impl, const std::string& kv,
                   std::size_t threads) {
  std::string k = c.kind + "/" + impl + "/" + kv + "/T:" + std::to_string(c.T) +
                  "/L:" + std::to_string(c.L) + "/d:" + std::to_string(c.D);
  if (threads > 1) k += "/threads:" + std::to_string(threads);
  return k;
}

template <class Softmax, class E>
void register_flipside(const config& c, const std::string& impl, const std::string& kv,
                       std::size_t threads) {
  const std::string key = key_of(c, impl, kv, threads);
  benchmark::RegisterBenchmark(
      key.c_str(),
      [c, key, threads](benchmark::State& state) {
        static std::map<std::string, std::shared_ptr<workload<E>>> cache;
        auto& w = cache[key];
        if (!w) w = std::make_shared<workload<E>>(make_workload<E>(c.T, c.L, c.D, c.copies));
        std::vector<float> out(c.T * n_heads * c.D);
        std::unique_ptr<thread_pool> pool(threads > 1 ? new thread_pool(threads) : nullptr);
        attention_params p;
        p.position = w->position;
        p.pool = pool.get();
        const auto shape = w->shape();
        timed_loop(state, key, threads, w->k.size(), attention_flops(c.T, c.L, c.D),
                   c.kind == "decode" ? kv_bytes(c.L, c.D, sizeof(E)) : 0.0, [&](std::size_t copy) {
                     attention<causal, Softmax>(w->q.data(), w->k[copy].data(), w->v[copy].data(),
                                                out.data(), shape, p);
                     benchmark::DoNotOptimize(out.data());
                   });
        cache.erase(key);
      })
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
}

enum class baseline { naive, xtensor, blas };

void register_baseline(const config& c, baseline b) {
  static const char* names[] = {"naive", "xtensor", "blas"};
  const std::string key = key_of(c, names[int(b)], "f32", 1);
  auto* bm = benchmark::RegisterBenchmark(key.c_str(), [c, key, b](benchmark::State& state) {
    const std::size_t copies = b == baseline::naive || b == baseline::xtensor ? 1 : c.copies;
    const auto w = make_workload<float>(c.T, c.L, c.D, copies);
    std::vector<float> out(c.T * n_heads * c.D), expect(out.size()), s;
    attention_params p;
    p.position = w.position;
    const auto shape = w.shape();
    attention<causal, two_pass>(w.q.data(), w.k[0].data(), w.v[0].data(), expect.data(), shape, p);
    auto run = [&](std::size_t copy) {
      switch (b) {
        case baseline::naive:
          reference::attention<causal>(w.q.data(), w.k[copy].data(), w.v[copy].data(), out.data(),
                                       shape, p);
          break;
        case baseline::xtensor:
          xtensor_attention(w, copy, out.data());
          break;
        case baseline::blas:
#ifdef FLIPSIDE_HAVE_OPENBLAS
          blas_attention(w, copy, out.data(), s);
#endif
          break;
      }
      benchmark::DoNotOptimize(out.data());
    };
    run(0);
    if (rel_diff(out, expect) > 1e-4) {
      state.SkipWithError("baseline disagrees with flipside::attention");
      return;
    }
    timed_loop(state, key, 1, copies, attention_flops(c.T, c.L, c.D),
               c.kind == "decode" ? kv_bytes(c.L, c.D, 4) : 0.0, run);
  });
  bm->UseRealTime()->Unit(benchmark::kMillisecond);
  // Scalar baselines take seconds per call at T = 2048: one timed call is plenty.
  if (b != baseline::blas && c.kind == "prefill" && c.T >= 2048) bm->Iterations(1);
}

std::vector<config> configs() {
  std::vector<config> cs;
  for (std::size_t T : {512, 2048})
    for (std::size_t D : {64, 128}) cs.push_back({"prefill", T, T, D, 1});
  for (std::size_t D : {64, 128}) {
    const double bytes = kv_bytes(4096, D, 4);
    cs.push_back({"decode", 1, 4096, D, std::size_t(std::ceil(128e6 / bytes))});
  }
  // The compute of a decode step without the DRAM transfer: L = 128 keys, one K/V copy (256 KB,
  // resident in L2), so the L:4096 rows can be split into compute and memory time (issue 2).
  cs.push_back({"decode", 1, 128, 128, 1});
  return cs;
}

void register_all() {
  for (const auto& c : configs()) {
    // Baselines first, so that the flipside rows can report vs_blas / vs_naive.
#ifdef FLIPSIDE_HAVE_OPENBLAS
    register_baseline(c, baseline::blas);
#endif
    register_baseline(c, baseline::xtensor);
    register_baseline(c, baseline::naive);
    for (std::size_t threads : {1, 2}) {
      if (threads == 2 && !(c.D == 128 && (c.kind == "decode" || c.T == 2048))) continue;
      register_flipside<online<64>, float>(c, "flipside_online<64>", "f32", threads);
      register_flipside<online<64>, f16_t>(c, "flipside_online<64>", "f16", threads);
      if (threads > 1) continue;
      register_flipside<online<64>, bf16_t>(c, "flipside_online<64>", "bf16", threads);
      register_flipside<online<128>, float>(c, "flipside_online<128>", "f32", threads);
      register_flipside<two_pass, float>(c, "flipside_two_pass", "f32", threads);
      register_flipside<two_pass, f16_t>(c, "flipside_two_pass", "f16", threads);
      register_flipside<two_pass, bf16_t>(c, "flipside_two_pass", "bf16", threads);
    }
  }
}

void print_summary() {
  const auto& r = results();
  if (r.empty()) return;  // nothing ran (--benchmark_list_tests, a filter without attention)
  auto get = [&](const std::string& k) {
    auto it = r.find(k);
    return it == r.end() ? 0.0 : it->second;
  };
  const auto& cl = fb::ceilings();
  std::printf("\nceilings (this run, 1 thread): FMA peak %.1f GFLOP/s, read bandwidth %.1f GB/s\n",
              cl.fma(1), cl.read(1));
  std::printf("issue-2 targets (1 thread):\n");
  const config pre{"prefill", 2048, 2048, 128, 1}, dec{"decode", 1, 4096, 128, 1};
  const double on = get(key_of(pre, "flipside_online<64>", "f32", 1));
  const double blas = get(key_of(pre, "blas", "f32", 1));
  if (on > 0) {
    const double frac = attention_flops(2048, 2048, 128) / on / 1e9 / cl.fma(1);
    std::printf("  prefill T=2048 d=128 online: %.3f of FMA peak (target >= 0.40)\n", frac);
    if (blas > 0)
      std::printf("  prefill T=2048 d=128 online vs blas: %.2fx (target >= 1.5x)\n", blas / on);
  }
  const double d32 = get(key_of(dec, "flipside_online<64>", "f32", 1));
  const double d16 = get(key_of(dec, "flipside_online<64>", "f16", 1));
  if (d32 > 0)
    std::printf("  decode L=4096 d=128 f32 KV: %.3f of read bandwidth (target >= 0.60)\n",
                kv_bytes(4096, 128, 4) / d32 / 1e9 / cl.read(1));
  if (d32 > 0 && d16 > 0)
    std::printf("  decode L=4096 d=128 f16 KV vs f32 KV: %.2fx faster (target > 1)\n", d32 / d16);
}

}  // namespace

int main(int argc, char** argv) {
#ifdef FLIPSIDE_HAVE_OPENBLAS
  openblas_set_num_threads(1);
#endif
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  fb::register_ceiling_benchmarks();
  register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  print_summary();
}
