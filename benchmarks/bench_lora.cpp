// Unmerged LoRA overhead (issue 8): decode and prefill of the Qwen2.5-0.5B shape (random F16
// weights, flipside's own writer) with an adapter of rank r = 8, 16, 64 on every q/k/v/o/gate/up/
// down projection, applied at run time, against the same model without it (r = 0): the cost of a
// merged model written back in the base's type (F16). Target: ≤ 10 % at r = 16. Counters: tokens/s;
// the ratio to r = 0 is the overhead. `…_merged/16` is the adapter merged at load by model::load(…,
// {merge = true}), which writes f32 matrices (twice the F16 bytes): the cost of not re-exporting.
//
//   /work/coord/bench build/benchmarks/bench_lora --benchmark_min_time=0.2
//
// The model (≈ 1 GB) and adapters are written once to $FLIPSIDE_BENCH_DIR (default
// ./bench-models) and reused.
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include <flipside/model/lora_export.hpp>
#include <flipside/model/model.hpp>
#include <flipside/model/synthetic.hpp>
#include <flipside/parallel/thread_pool.hpp>

namespace fs = std::filesystem;
using namespace flipside;

namespace {

fs::path bench_dir() {
  const char* d = std::getenv("FLIPSIDE_BENCH_DIR");
  fs::path p = d ? d : "bench-models";
  fs::create_directories(p);
  return p;
}

const model_config& config() {
  static const model_config c = qwen25_05b_config();
  return c;
}

fs::path base_file() {
  const fs::path p = bench_dir() / "qwen2.5-0.5b-shape-f16.gguf";
  if (!fs::exists(p)) {
    synthetic_options o;
    o.matrix_type = dtype::f16;
    write_synthetic_gguf(config(), p, o);
  }
  return p;
}

// A random adapter of rank r on every projection (B nonzero, unlike a freshly initialised one).
fs::path adapter_file(std::int64_t r) {
  const fs::path p = bench_dir() / ("qwen2.5-0.5b-shape-lora-r" + std::to_string(r) + ".gguf");
  if (fs::exists(p)) return p;
  const model_config& c = config();
  const auto& arch = *find_architecture(c.architecture);
  lora_adapter ad;
  ad.file = p.string();
  ad.gguf_layout = true;
  std::uint64_t seed = 1;
  for (std::int64_t l = 0; l < c.n_layers; ++l)
    for (tensor_role role : detail::lora_roles(c, arch)) {
      lora_pair q;
      q.name = gguf_tensor_name(role, l);
      q.role = role;
      q.layer = l;
      q.rank = r;
      const auto shape = detail::lora_matrix_shape(c, arch, role);
      q.out = shape.first;
      q.in = shape.second;
      detail::splitmix64 g(seed++);
      q.a.resize(static_cast<std::size_t>(r * q.in));
      q.b.resize(static_cast<std::size_t>(q.out * r));
      for (float& x : q.a) x = 0.05f * g.symmetric();
      for (float& x : q.b) x = 0.05f * g.symmetric();
      q.scaling = 2.0;
      ad.pairs.push_back(std::move(q));
    }
  write_gguf_lora(ad, c, p);
  return p;
}

// r > 0: an unmerged adapter of rank r; r < 0: the adapter of rank −r merged at load.
const model& model_with_rank(std::int64_t r) {
  static std::map<std::int64_t, std::unique_ptr<model>> models;
  auto& m = models[r];
  if (!m) {
    std::vector<adapter_spec> a;
    if (r != 0) a.push_back({adapter_file(r < 0 ? -r : r), 1.0, r < 0});
    m = std::make_unique<model>(model::load(base_file(), a));
  }
  return *m;
}

thread_pool& pool() {
  static thread_pool p(2);
  return p;
}

std::vector<std::int32_t> prompt(std::size_t n) {
  std::vector<std::int32_t> t(n);
  for (std::size_t i = 0; i < n; ++i) t[i] = static_cast<std::int32_t>((i * 7919 + 13) % 151936);
  return t;
}

// One new token after a 64-token prefix (the prefix is evaluated once; the cache is truncated
// back after each step).
void BM_decode(benchmark::State& st) {
  const model& m = model_with_rank(st.range(0));
  auto cache = m.new_cache(128);
  m.forward(cache, prompt(64), output_rows::none, {false, &pool()});
  const std::vector<std::int32_t> next{42};
  for (auto _ : st) {
    auto r = m.forward(cache, next, output_rows::last, {false, &pool()});
    benchmark::DoNotOptimize(r.hidden.data());
    cache.truncate(64);
  }
  st.counters["tokens/s"] =
      benchmark::Counter(static_cast<double>(st.iterations()), benchmark::Counter::kIsRate);
}

// A 128-token prompt from an empty cache.
void BM_prefill(benchmark::State& st) {
  const model& m = model_with_rank(st.range(0));
  auto cache = m.new_cache(128);
  const auto p = prompt(128);
  for (auto _ : st) {
    auto r = m.forward(cache, p, output_rows::last, {false, &pool()});
    benchmark::DoNotOptimize(r.hidden.data());
    cache.truncate(0);
  }
  st.counters["tokens/s"] = benchmark::Counter(static_cast<double>(st.iterations() * p.size()),
                                               benchmark::Counter::kIsRate);
}

}  // namespace

static void BM_decode_merged(benchmark::State& st) {
  st.SetLabel("merged at load (f32 matrices)");
  BM_decode(st);
}
static void BM_prefill_merged(benchmark::State& st) {
  st.SetLabel("merged at load (f32 matrices)");
  BM_prefill(st);
}

// r = 0: no adapter (a merged model in the base's type).
BENCHMARK(BM_decode)
    ->Arg(0)
    ->Arg(8)
    ->Arg(16)
    ->Arg(64)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_prefill)
    ->Arg(0)
    ->Arg(8)
    ->Arg(16)
    ->Arg(64)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_decode_merged)->Arg(-16)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_prefill_merged)->Arg(-16)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_MAIN();
