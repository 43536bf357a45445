// The label-scoring step of one prompt at the Qwen2.5-0.5B shape (vocabulary 151,936, hidden 896,
// tied bf16 embedding as W_out), 2–6 label tokens: restricted unembedding (the label rows of W_out
// only) against the full unembedding + log-softmax, in one run.
//
//   unembed/full_log_softmax/threads:T   baseline: ℓ = W_out·h over all V rows (model::logits),
//                                        log_softmax(ℓ), the label entries read — GB/s of W_out
//                                        and the fraction of the read ceiling below
//   unembed/restricted/labels:C/warm     model::token_logits: C dot products h·W_out[id]; the same
//                                        C rows every iteration (they stay in cache)
//   unembed/restricted/labels:C/cold     the same with C rows never read recently (a new set of
//                                        rows, spread over the matrix, each iteration): what a
//                                        query sees after its forward pass has streamed the
//                                        weights through the caches
//   scorer/<policy>/labels:C             label_scorer::score_options on single-token labels (the
//                                        whole step: checks, label logits, decision, renormalised
//                                        probabilities); full_vocabulary is the straightforward
//                                        path, normalised adds log Z_0 from the full row to the
//                                        restricted logits, unnormalised (the default) skips it
//   ceiling/read/threads:T               streaming read of W_out's bytes: the DRAM read ceiling
//
// Counters: vs_full_1t / vs_full_2t = time of the 1- / 2-thread baseline ÷ own time (the
// speed-up; the target is ≥ 20×), read_fraction = own bytes/s ÷ the read ceiling of the
// same thread count. Baselines and ceilings are registered first, so the counters are filled
// when they run in the same invocation (a --benchmark_filter that drops them leaves them out).
//
// The model is a 1-layer random-weight model of the Qwen2.5-0.5B shape (model/synthetic.hpp),
// written once to the temporary directory (~275 MB): the scoring step after the final norm does
// not depend on the number of layers. Run: see benchmarks/README.md ("Scoring").
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include <flipside/model/model.hpp>
#include <flipside/model/synthetic.hpp>
#include <flipside/parallel/thread_pool.hpp>
#include <flipside/scoring.hpp>
#include <flipside/simd/softmax.hpp>

namespace {

using namespace flipside;

const model& qwen_shape_model() {
  static const model m = [] {
    model_config c = qwen25_05b_config();
    c.n_layers = 1;
    c.layers.assign(1, layer_config{});
    const auto path = std::filesystem::temp_directory_path() /
                      "flipside-bench-scoring-qwen2.5-0.5b-shape-1layer-bf16.gguf";
    std::error_code ec;
    if (std::filesystem::file_size(path, ec) < 270'000'000 || ec) {
      const auto tmp = path.string() + ".partial";
      write_synthetic_gguf(c, tmp, {dtype::bf16, 7});
      std::filesystem::rename(tmp, path);
    }
    model loaded = model::load(path);
    // Touch every page of W_out once, so that no timed region pays for mapping the file.
    const matrix_weight& w = loaded.unembedding();
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < w.nbytes(); i += 4096)
      sum += std::to_integer<std::uint64_t>(w.data[i]);
    benchmark::DoNotOptimize(sum);
    return loaded;
  }();
  return m;
}

// A realistic final hidden state: the last position of a short prompt.
const std::vector<float>& hidden_state() {
  static const std::vector<float> h = [] {
    const model& m = qwen_shape_model();
    auto cache = m.new_cache(8);
    const auto r =
        m.forward(cache, std::vector<std::int32_t>{9707, 11, 1879, 0, 5571, 25}, output_rows::last);
    return std::vector<float>(r.hidden_row(0), r.hidden_row(0) + r.hidden_size);
  }();
  return h;
}

// Label token ids of C labels (spread over the vocabulary like real label words).
std::vector<std::int32_t> label_ids(std::size_t C) {
  std::vector<std::int32_t> ids;
  for (std::size_t c = 0; c < C; ++c) ids.push_back(static_cast<std::int32_t>(1000 + 23917 * c));
  return ids;
}

thread_pool& pool_of(std::size_t threads) {
  static thread_pool two(2);
  static thread_pool one(1);
  return threads == 2 ? two : one;
}

// Seconds per iteration of baselines and ceilings that already ran, by name.
std::map<std::string, double>& measured() {
  static std::map<std::string, double> m;
  return m;
}

double seconds_per_iteration(const benchmark::State& state, double total_seconds) {
  return total_seconds / static_cast<double>(state.iterations());
}

void speedup_counters(benchmark::State& state, double own) {
  for (const char* t : {"1", "2"}) {
    const auto it = measured().find(std::string("full") + t);
    if (it != measured().end())
      state.counters[std::string("vs_full_") + t + "t"] = it->second / own;
  }
}

// Timing is manual (wall clock of the timed region): the 2-thread runs spend their time in the
// pool's threads, which Google Benchmark's default CPU time of the main thread would not count.
template <class F>
double timed(benchmark::State& state, F&& f) {
  double total = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    const auto t1 = std::chrono::steady_clock::now();
    const double s = std::chrono::duration<double>(t1 - t0).count();
    state.SetIterationTime(s);
    total += s;
  }
  return seconds_per_iteration(state, total);
}

void ceiling_read(benchmark::State& state, std::size_t T) {
  const matrix_weight& w = qwen_shape_model().unembedding();
  const auto* words = reinterpret_cast<const std::uint64_t*>(w.data);
  const std::size_t n = w.nbytes() / sizeof(std::uint64_t);
  std::uint64_t sink[2] = {0, 0};
  const double s = timed(state, [&] {
    pool_of(T).parallel_for(n, [&](std::size_t b, std::size_t e) {
      std::uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
      std::size_t i = b;
      for (; i + 4 <= e; i += 4) {
        a0 ^= words[i];
        a1 ^= words[i + 1];
        a2 ^= words[i + 2];
        a3 ^= words[i + 3];
      }
      for (; i < e; ++i) a0 ^= words[i];
      sink[b == 0 ? 0 : 1] ^= a0 ^ a1 ^ a2 ^ a3;
    });
    benchmark::DoNotOptimize(sink);
  });
  measured()["read" + std::to_string(T)] = w.nbytes() / s;
  state.SetBytesProcessed(static_cast<std::int64_t>(w.nbytes()) * state.iterations());
}

void full_log_softmax(benchmark::State& state, std::size_t T) {
  const model& m = qwen_shape_model();
  const std::vector<float>& h = hidden_state();
  const std::size_t V = static_cast<std::size_t>(m.config().vocab_size);
  const std::vector<std::int32_t> ids = label_ids(6);
  std::vector<float> logits(V), logp(V), out(ids.size());
  thread_pool* pool = T == 1 ? nullptr : &pool_of(T);
  const double s = timed(state, [&] {
    m.logits(h.data(), 1, logits.data(), pool);
    simd::log_softmax(logits.data(), logp.data(), V);
    for (std::size_t c = 0; c < ids.size(); ++c) out[c] = logp[static_cast<std::size_t>(ids[c])];
    benchmark::DoNotOptimize(out.data());
  });
  measured()["full" + std::to_string(T)] = s;
  const double bytes = static_cast<double>(m.unembedding().nbytes());
  const auto read = measured().find("read" + std::to_string(T));
  if (read != measured().end()) state.counters["read_fraction"] = bytes / s / read->second;
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes) * state.iterations());
}

void restricted(benchmark::State& state, std::size_t C, bool cold) {
  const model& m = qwen_shape_model();
  const std::vector<float>& h = hidden_state();
  const std::int32_t V = static_cast<std::int32_t>(m.config().vocab_size);
  std::vector<float> out(C);
  std::vector<std::int32_t> ids = label_ids(C);
  // Cold: rows walk the matrix with a stride of 7919 rows (14 MB of bf16 apart), so a row comes
  // back only after ~V / C iterations, long after the caches (32 MB L3) dropped it.
  std::int64_t next = 0;
  const double s = timed(state, [&] {
    if (cold)
      for (std::size_t c = 0; c < C; ++c) {
        next = (next + 7919) % V;
        ids[c] = static_cast<std::int32_t>(next);
      }
    m.token_logits(h.data(), ids.data(), C, out.data());
    benchmark::DoNotOptimize(out.data());
  });
  speedup_counters(state, s);
}

template <class Policy>
void scorer(benchmark::State& state, std::size_t C) {
  const model& m = qwen_shape_model();
  const std::vector<float>& h = hidden_state();
  auto cache = m.new_cache(1);
  m.forward(cache, std::vector<std::int32_t>{9707}, output_rows::none);
  label_option_ids options;
  for (const std::int32_t id : label_ids(C)) options.push_back({id});
  label_scorer<Policy> sc(m);
  const double s = timed(state, [&] {
    const option_scores r = sc.score_options(cache, h.data(), options);
    benchmark::DoNotOptimize(r.predicted);
  });
  speedup_counters(state, s);
}

void register_all() {
  auto ms = [](benchmark::internal::Benchmark* b) {
    b->UseManualTime()->Unit(benchmark::kMillisecond);
  };
  auto us = [](benchmark::internal::Benchmark* b) {
    b->UseManualTime()->Unit(benchmark::kMicrosecond);
  };
  for (std::size_t T : {1, 2})
    ms(benchmark::RegisterBenchmark(("ceiling/read/threads:" + std::to_string(T)).c_str(),
                                    ceiling_read, T));
  for (std::size_t T : {1, 2})
    ms(benchmark::RegisterBenchmark(
        ("unembed/full_log_softmax/threads:" + std::to_string(T)).c_str(), full_log_softmax, T));
  for (const bool cold : {false, true})
    for (std::size_t C : {2, 4, 6})
      us(benchmark::RegisterBenchmark(
          ("unembed/restricted/labels:" + std::to_string(C) + (cold ? "/cold" : "/warm")).c_str(),
          restricted, C, cold));
  for (std::size_t C : {2, 6}) {
    const std::string l = "/labels:" + std::to_string(C);
    us(benchmark::RegisterBenchmark(("scorer/full_vocabulary" + l).c_str(), scorer<full_vocabulary>,
                                    C));
    us(benchmark::RegisterBenchmark(("scorer/normalised" + l).c_str(), scorer<normalised_logprobs>,
                                    C));
    us(benchmark::RegisterBenchmark(("scorer/unnormalised" + l).c_str(),
                                    scorer<unnormalised_logprobs>, C));
  }
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
