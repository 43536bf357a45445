// Tokenizer throughput and load time (issue 5). Encode MB/s of UTF-8 input, one thread, on the
// SST-2 training sentences (../shared/data/sst2/stsa.binary.train, labels stripped), for gpt2
// (encoder.json + vocab.bpe), llama3 and qwen3 (tokenizer.json); load time of each file.
//
// Rows per tokenizer:
//   encode/<tok>/steady     the corpus again and again: the word cache holds the corpus's words
//   encode/<tok>/first_pass the cache emptied before every pass: every word is merged once
//   encode/<tok>/naive      baseline in the same binary: the same pipeline with the textbook
//                           O(n²) merge loop ("find the lowest-rank pair, merge, rescan") and no
//                           cache — what a straightforward implementation does
//   load/<tok>              parse the files and build vocabulary + merge tables
// Targets (issue 5): ≥ 20 MB/s gpt2 and llama3, ≥ 15 MB/s qwen3; qwen3 tokenizer.json ≤ 150 ms.
// Peers measured on this machine (../shared/ANCHORS.md): tiktoken (WebAssembly) gpt2 3.2–3.5 MB/s,
// transformers.js llama3 0.8–1.1 MB/s, qwen3 0.4–0.9 MB/s.
//
//   build/benchmarks/bench_tokenizer --benchmark_min_time=1
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include <flipside/tokenizer.hpp>

namespace {

std::filesystem::path shared_dir() {
  if (const char* env = std::getenv("FLIPSIDE_SHARED_DIR"); env && *env) return env;
  return FLIPSIDE_SHARED_DIR_DEFAULT;
}

struct corpus {
  std::vector<std::string> lines;
  std::size_t bytes = 0;
};

const corpus& sst2() {
  static const corpus c = [] {
    corpus r;
    std::ifstream in(shared_dir() / "data/sst2/stsa.binary.train");
    for (std::string line; std::getline(in, line);) {
      if (line.size() > 2) line.erase(0, 2);  // "<label> "
      r.bytes += line.size();
      r.lines.push_back(std::move(line));
    }
    return r;
  }();
  return c;
}

std::string tokenizer_path(const std::string& name) {
  return (shared_dir() / "tokenizers" / name).string();
}

flipside::tokenizer& cached(const std::string& name) {
  static std::map<std::string, std::unique_ptr<flipside::tokenizer>> cache;
  auto& t = cache[name];
  if (!t) t = std::make_unique<flipside::tokenizer>(flipside::load_tokenizer(tokenizer_path(name)));
  return *t;
}

bool have_data(benchmark::State& state) {
  if (sst2().lines.empty() || !std::filesystem::exists(tokenizer_path("gpt2"))) {
    state.SkipWithError("../shared (SST-2 and tokenizers) not found; set FLIPSIDE_SHARED_DIR");
    return false;
  }
  return true;
}

enum class mode { steady, first_pass, naive };

void encode_corpus(benchmark::State& state, const std::string& name, mode m) {
  if (!have_data(state)) return;
  flipside::tokenizer& tk = cached(name);
  const corpus& c = sst2();
  std::vector<flipside::token_id> ids;
  std::size_t tokens = 0;
  if (m == mode::steady) {
    for (const auto& s : c.lines) tk.encode(s, ids);  // warm the cache
  }
  for (auto _ : state) {
    if (m == mode::first_pass) {
      state.PauseTiming();
      tk.clear_cache();
      state.ResumeTiming();
    }
    tokens = 0;
    for (const auto& s : c.lines) {
      ids.clear();
      if (m == mode::naive) {
        ids = tk.encode_reference(s);
      } else {
        tk.encode(s, ids);
      }
      tokens += ids.size();
    }
    benchmark::DoNotOptimize(ids.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * c.bytes));
  state.counters["tokens"] = static_cast<double>(tokens);
  state.counters["MB/s"] = benchmark::Counter(static_cast<double>(c.bytes) / 1e6,
                                              benchmark::Counter::kIsIterationInvariantRate);
}

void load(benchmark::State& state, const std::string& name) {
  if (!have_data(state)) return;
  for (auto _ : state) {
    flipside::tokenizer tk = flipside::load_tokenizer(tokenizer_path(name));
    benchmark::DoNotOptimize(tk.vocab_size());
  }
}

void register_all() {
  for (const std::string name : {"gpt2", "llama3", "qwen3"}) {
    benchmark::RegisterBenchmark(("encode/" + name + "/steady").c_str(), encode_corpus, name,
                                 mode::steady)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("encode/" + name + "/first_pass").c_str(), encode_corpus, name,
                                 mode::first_pass)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("encode/" + name + "/naive").c_str(), encode_corpus, name,
                                 mode::naive)
        ->Unit(benchmark::kMillisecond);
  }
  for (const std::string name : {"gpt2", "llama3", "qwen3", "llama2"}) {
    benchmark::RegisterBenchmark(("load/" + name).c_str(), load, name)
        ->Unit(benchmark::kMillisecond);
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
