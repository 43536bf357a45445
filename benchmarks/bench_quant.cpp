// Quantized weights: GEMV per weight type against its f32 equivalent and against the measured
// DRAM read bandwidth, and whole-model prefill / decode of the SmolLM2-135M and Qwen2.5-0.5B
// shapes (random weights written here) in Q8_0, Q4_0, Q4_K_M and Q6_K against their rooflines.
//
// Ceilings and baselines are measured in this binary, before the benchmarks:
//   read bandwidth  — support/ceilings.hpp: a 512 MiB buffer summed by 1 and 2 threads as 1 and as
//                     8 sequential streams per thread, the best of both;
//   FMA peak        — support/ceilings.hpp: 12 independent FMA chains per thread, 1 and 2 threads;
//   f32 GEMV        — simd::gemv on the same shape and ring of matrices as the quantized ones.
// Counters: GB_s = weight bytes read per second; bw_frac = GB_s / read bandwidth; x_f32 = weights
// per second relative to f32 GEMV at the same thread count. gemm_rows/<type>/<strategy>/<M>: the
// product of M activation rows with weights from DRAM, both strategies (the row count from which
// exact beats integer is model/weight_kernels.hpp's quant_exact_min_rows). Model runs (F32, F16
// and the quantized mixes, the runtime's default quant_matmul::by_rows): decode_frac = tokens/s ÷
// (roofline_GB_s ÷ weight bytes per token), the median over 5 rounds of 8 tokens, each judged
// against the larger of the read bandwidth sampled right before and right after it (see BM_model);
// decode_frac_start uses the process-start ceiling instead; prefill_frac = achieved matrix FLOP/s
// ÷ FMA peak. The KV cache holds f16, as in llama.cpp's runs in ../shared/ANCHORS.md (an f32
// cache reads twice the attention bytes: +0.6 ms per 0.5B decode token at 512 positions, Zen 4).
//
//   /work/coord/bench build/benchmarks/bench_quant --benchmark_min_time=0.2
//   (--benchmark_filter=gemv, =gemm_rows or =model to run a part)
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <flipside/io/gguf_writer.hpp>
#include <flipside/model/gguf_export.hpp>
#include <flipside/model/model.hpp>
#include <flipside/model/synthetic.hpp>
#include <flipside/model/tensor_plan.hpp>
#include <flipside/parallel/thread_pool.hpp>
#include <flipside/quant.hpp>
#include <flipside/simd/arch.hpp>
#include <flipside/simd/gemv.hpp>

#include "ceilings.hpp"

using flipside::dtype;
namespace quant = flipside::quant;

namespace {

using clock_type = std::chrono::steady_clock;
double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

flipside::thread_pool& pool(int threads) {
  static flipside::thread_pool p1(1), p2(2);
  return threads == 1 ? p1 : p2;
}

// ---- ceilings (support/ceilings.hpp, measured once in this process) ------------------------

struct ceilings {
  double bw[3] = {0, 0, 0};    // bytes / s by thread count
  double peak[3] = {0, 0, 0};  // FLOP / s by thread count
};
const ceilings& ceiling() {
  static const ceilings c = [] {
    ceilings r;
    const auto& m = flipside::bench::ceilings();
    for (int t : {1, 2}) {
      r.bw[t] = m.read(static_cast<std::size_t>(t)) * 1e9;
      r.peak[t] = m.fma(static_cast<std::size_t>(t)) * 1e9;
    }
    return r;
  }();
  return c;
}

// ---- weights ------------------------------------------------------------------------------

std::uint64_t mix(std::uint64_t& s) {  // SplitMix64
  std::uint64_t z = (s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// Offsets of the fp16 scale fields in each block type (blocks.hpp).
std::vector<std::size_t> scale_offsets(dtype t) {
  switch (t) {
    case dtype::q4_1:
    case dtype::q5_1:
    case dtype::q4_k:
    case dtype::q5_k:
      return {0, 2};
    case dtype::q2_k:
      return {80, 82};
    case dtype::q3_k:
      return {108};
    case dtype::q6_k:
      return {208};
    default:
      return {0};
  }
}

// rows × cols weights of type t: random quants with small finite scales (timing does not depend
// on the values; they only must not be NaN, infinite or subnormal).
void fill_weights(dtype t, std::uint8_t* dst, std::size_t rows, std::size_t cols,
                  std::uint64_t seed) {
  const std::size_t bytes = rows * quant::row_bytes(t, cols);
  std::uint64_t s = seed;
  if (t == dtype::f32 || t == dtype::f16 || t == dtype::bf16) {
    const std::size_t es = t == dtype::f32 ? 4 : 2;
    for (std::size_t i = 0; i < bytes / es; ++i) {
      const float v = 0.05f * (static_cast<float>(mix(s) >> 40) * (1.0f / 8388608.0f) - 1.0f);
      if (t == dtype::f32)
        std::memcpy(dst + 4 * i, &v, 4);
      else if (t == dtype::f16)
        quant::store_f16(dst + 2 * i, v);
      else {
        const std::uint16_t b = quant::f32_to_bf16(v);
        std::memcpy(dst + 2 * i, &b, 2);
      }
    }
    return;
  }
  for (std::size_t i = 0; i + 8 <= bytes; i += 8) {
    const std::uint64_t r = mix(s);
    std::memcpy(dst + i, &r, 8);
  }
  for (std::size_t i = bytes / 8 * 8; i < bytes; ++i) dst[i] = static_cast<std::uint8_t>(mix(s));
  const auto tr = *flipside::traits_of(t);
  const auto offs = scale_offsets(t);
  for (std::size_t b = 0; b < bytes / tr.block_bytes; ++b)
    for (std::size_t o : offs) quant::store_f16(dst + b * tr.block_bytes + o, 1e-3f);
}

// ---- GEMV ---------------------------------------------------------------------------------

// Qwen2.5-0.5B's ffn_down shape: 896 rows of 4864 (a multiple of 256, so every type fits).
constexpr std::size_t gemv_rows = 896, gemv_cols = 4864;

// A ring of matrices of one type, ≥ 256 MB in all for f32 and ≥ 96 MB otherwise (well beyond the
// last-level cache, as a model's weights are during decode).
struct ring {
  dtype type = dtype::f32;
  std::size_t rows = 0, cols = 0;
  std::vector<std::uint8_t> bytes;
  std::size_t matrix_bytes = 0, count = 0;
  // The i-th call's matrix: the ring is walked in turn, so each call reads a cold matrix.
  const std::uint8_t* matrix(std::size_t i) const {
    return bytes.data() + (i % count) * matrix_bytes;
  }
};

// n activations in [−0.05, 0.046], the same for every benchmark here.
std::vector<float> activations(std::size_t n) {
  std::vector<float> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = 0.001f * static_cast<float>(i % 97) - 0.05f;
  return x;
}
ring& ring_of(dtype t, std::size_t rows = gemv_rows, std::size_t cols = gemv_cols) {
  static ring r;
  if (r.bytes.empty() || r.type != t || r.rows != rows || r.cols != cols) {
    r.type = t;
    r.rows = rows;
    r.cols = cols;
    r.matrix_bytes = rows * quant::row_bytes(t, cols);
    const std::size_t target = (t == dtype::f32 ? 256u : 96u) << 20;
    r.count = (target + r.matrix_bytes - 1) / r.matrix_bytes;
    r.bytes.assign(r.count * r.matrix_bytes, 0);
    fill_weights(t, r.bytes.data(), rows * r.count, cols, 42);
  }
  return r;
}

// Calls gemv on the ring's matrices in turn, and reports GB_s and bw_frac (of the read ceiling).
template <class Strategy>
void run_gemv_ring(benchmark::State& st, dtype t, ring& r, int threads) {
  const std::vector<float> x = activations(r.cols);
  std::vector<float> y(r.rows);
  std::size_t i = 0;
  for (auto _ : st) {
    quant::gemv<Strategy>(t, r.matrix(i++), x.data(), y.data(), r.rows, r.cols, &pool(threads));
    benchmark::DoNotOptimize(y.data());
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * r.matrix_bytes));
  st.counters["GB_s"] = benchmark::Counter(
      static_cast<double>(st.iterations() * r.matrix_bytes) / 1e9, benchmark::Counter::kIsRate);
  st.counters["bw_frac"] = benchmark::Counter(
      static_cast<double>(st.iterations() * r.matrix_bytes) / ceiling().bw[threads],
      benchmark::Counter::kIsRate);
}

template <class Strategy>
double time_gemv(dtype t, int threads, std::size_t calls) {
  ring& r = ring_of(t);
  const std::vector<float> x = activations(r.cols);
  std::vector<float> y(r.rows);
  const auto t0 = clock_type::now();
  for (std::size_t i = 0; i < calls; ++i)
    quant::gemv<Strategy>(t, r.matrix(i), x.data(), y.data(), r.rows, r.cols, &pool(threads));
  benchmark::DoNotOptimize(y.data());
  return seconds_since(t0) / static_cast<double>(calls);
}

double f32_gemv_seconds(int threads) {
  static std::map<int, double> cache;
  auto it = cache.find(threads);
  if (it != cache.end()) return it->second;
  double best = 1e9;
  for (int rep = 0; rep < 3; ++rep)
    best = std::min(best, time_gemv<quant::exact_dequant>(dtype::f32, threads, 200));
  return cache[threads] = best;
}

template <class Strategy>
void BM_gemv(benchmark::State& st, dtype t) {
  const int threads = static_cast<int>(st.range(0));
  const double base = f32_gemv_seconds(threads);
  run_gemv_ring<Strategy>(st, t, ring_of(t), threads);
  // f32 GEMV seconds per call ÷ this type's seconds per call.
  st.counters["x_f32"] =
      benchmark::Counter(static_cast<double>(st.iterations()) * base, benchmark::Counter::kIsRate);
}

// Short-row GEMV, W = 4864 × 896 (Qwen2.5-0.5B's ffn_up/gate: rows of 896 weights, a few
// hundred bytes, the shape most decode matrices have), q8 activations, weights from DRAM.
void BM_gemv_short(benchmark::State& st, dtype t) {
  const int threads = static_cast<int>(st.range(0));
  run_gemv_ring<quant::q8_activations>(st, t, ring_of(t, 4864, 896), threads);
}

// Prefill-shaped product: Y[64][896] = X[64][4864] · Wᵀ, weights in cache (compute-bound).
template <class Strategy>
void BM_gemm(benchmark::State& st, dtype t) {
  const int threads = static_cast<int>(st.range(0));
  constexpr std::size_t M = 64;
  ring& r = ring_of(t);
  const std::vector<float> x = activations(M * gemv_cols);
  std::vector<float> y(M * gemv_rows);
  for (auto _ : st) {
    quant::gemm<Strategy>(t, r.bytes.data(), x.data(), y.data(), M, gemv_rows, gemv_cols,
                          &pool(threads));
    benchmark::DoNotOptimize(y.data());
  }
  const double flops = 2.0 * M * gemv_rows * gemv_cols * static_cast<double>(st.iterations());
  st.counters["GFLOP_s"] = benchmark::Counter(flops / 1e9, benchmark::Counter::kIsRate);
  st.counters["peak_frac"] =
      benchmark::Counter(flops / ceiling().peak[threads], benchmark::Counter::kIsRate);
}

// Y[M][896] = X[M][4864] · Wᵀ with W cycling through the ring (from DRAM, as in a model whose
// weights exceed the cache): where integer block dot products stop paying for themselves.
template <class Strategy>
void BM_gemm_rows(benchmark::State& st, dtype t) {
  const auto M = static_cast<std::size_t>(st.range(0));
  const int threads = static_cast<int>(st.range(1));
  ring& r = ring_of(t);
  const std::vector<float> x = activations(M * gemv_cols);
  std::vector<float> y(M * gemv_rows);
  std::size_t i = 0;
  for (auto _ : st) {
    quant::gemm<Strategy>(t, r.matrix(i++), x.data(), y.data(), M, gemv_rows, gemv_cols,
                          &pool(threads));
    benchmark::DoNotOptimize(y.data());
  }
  const double flops = 2.0 * M * gemv_rows * gemv_cols * static_cast<double>(st.iterations());
  st.counters["GFLOP_s"] = benchmark::Counter(flops / 1e9, benchmark::Counter::kIsRate);
  st.counters["peak_frac"] =
      benchmark::Counter(flops / ceiling().peak[threads], benchmark::Counter::kIsRate);
}

// ---- whole models -------------------------------------------------------------------------

// llama.cpp's choice of type for one matrix of a "mix" (llama_model_quantize, simplified): rows
// whose length is not a multiple of 256 fall back from K-quants (Q4_K → Q5_0, Q6_K → Q8_0);
// Q4_K_M gives attn_v and ffn_down of "more bits" layers Q6_K and the embedding/output Q6_K.
dtype mix_type(const std::string& mixname, flipside::tensor_role role, std::int64_t layer,
               std::int64_t n_layers, std::int64_t cols) {
  using R = flipside::tensor_role;
  const bool k_ok = cols % 256 == 0;
  auto k_or = [&](dtype k, dtype fallback) { return k_ok ? k : fallback; };
  const bool embd = role == R::token_embd || role == R::output;
  if (mixname == "f32") return dtype::f32;
  if (mixname == "f16") return dtype::f16;
  if (mixname == "q8_0") return dtype::q8_0;
  if (mixname == "q4_0") return embd ? k_or(dtype::q6_k, dtype::q8_0) : dtype::q4_0;
  if (mixname == "q6_k") return k_or(dtype::q6_k, dtype::q8_0);
  // q4_k_m
  const bool more_bits =
      layer < n_layers / 8 || layer >= 7 * n_layers / 8 || (layer - n_layers / 8) % 3 == 2;
  if (embd) return k_or(dtype::q6_k, dtype::q8_0);
  if ((role == R::attn_v || role == R::ffn_down) && more_bits)
    return k_or(dtype::q6_k, dtype::q8_0);
  return k_or(dtype::q4_k, dtype::q5_0);
}

std::uint32_t file_type_of(const std::string& mixname) {
  if (mixname == "f32") return 0;
  if (mixname == "f16") return 1;
  if (mixname == "q8_0") return 7;
  if (mixname == "q4_0") return 2;
  if (mixname == "q6_k") return 18;
  return 15;  // LLAMA_FTYPE_MOSTLY_Q4_K_M
}

std::filesystem::path synthetic_model(const flipside::model_config& c, const std::string& mixname) {
  const auto dir = std::filesystem::temp_directory_path() / "flipside-bench-quant";
  std::filesystem::create_directories(dir);
  const auto path = dir / (c.name + "-" + mixname + ".gguf");
  if (std::filesystem::exists(path)) return path;
  flipside::gguf_writer w;
  flipside::set_gguf_metadata(w, c, dtype::f32);
  w.set("general.file_type", file_type_of(mixname));
  std::uint64_t seed = 1;
  for (const flipside::planned_tensor& p : flipside::tensor_plan(c)) {
    const std::string name = flipside::gguf_tensor_name(p.role, p.layer);
    if (!p.matrix()) {
      const std::size_t n = static_cast<std::size_t>(p.shape[0]);
      std::vector<float> v(n, 1.0f);
      if (name.find("bias") != std::string::npos) std::fill(v.begin(), v.end(), 0.01f);
      w.add_tensor(name, dtype::f32, p.shape, flipside::detail::to_bytes(v, dtype::f32));
      continue;
    }
    const dtype t = mix_type(mixname, p.role, p.layer, c.n_layers, p.shape[1]);
    const auto rows = static_cast<std::size_t>(p.shape[0]),
               cols = static_cast<std::size_t>(p.shape[1]);
    std::vector<std::byte> bytes(rows * quant::row_bytes(t, cols));
    fill_weights(t, reinterpret_cast<std::uint8_t*>(bytes.data()), rows, cols, ++seed);
    w.add_tensor(name, t, p.shape, std::move(bytes));
  }
  w.write(path);
  return path;
}

// Matrix FLOPs per token (2 per weight of every layer matrix; the output projection runs for the
// last position only during prefill, so it is left out of prefill's count).
double layer_flops_per_token(const flipside::model_weights& w) {
  double n = 0;
  for (const auto& l : w.layers)
    for (const flipside::matrix_weight* m : {&l.q, &l.k, &l.v, &l.o, &l.gate, &l.up, &l.down})
      if (*m) n += 2.0 * static_cast<double>(m->rows) * static_cast<double>(m->cols);
  return n;
}

// Decode runs in rounds of decode_steps_per_round tokens, each between two read-bandwidth samples
// (a 256 MiB probe, best of 3 passes): this VM's DRAM rate drifts by up to 2x within minutes, so
// a roofline measured at process start (or once after the row) can belong to a faster or slower
// phase than the decode it judges. Each round's fraction uses the larger of its two samples
// (conservative); decode_frac is the median over all rounds, decode_frac_min/_max their spread.
constexpr std::size_t decode_rounds = 5, decode_steps_per_round = 8;

const flipside::bench::read_bandwidth_probe& round_probe() {
  static const flipside::bench::read_bandwidth_probe p(256u << 20);
  return p;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n == 0 ? 0.0 : (n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]));
}

void BM_model(benchmark::State& st, flipside::model_config (*cfg)(), std::string mixname) {
  const int threads = static_cast<int>(st.range(0));
  const auto path = synthetic_model(cfg(), mixname);
  const flipside::model m = flipside::model::load(path);
  std::vector<std::int32_t> prompt(512);
  for (std::size_t i = 0; i < prompt.size(); ++i)
    prompt[i] = static_cast<std::int32_t>((i * 7919) % 1000 + 10);
  const double bytes = static_cast<double>(m.weights().matrix_bytes());
  const auto probe = [&] {
    return round_probe().gbps(static_cast<std::size_t>(threads), 8, 3) * 1e9;
  };
  {  // touch every weight page of the fresh mapping once, outside the timings
    auto warm = m.new_cache<flipside::f16>(1);
    m.forward(warm, std::vector<std::int32_t>{11}, flipside::output_rows::last,
              {true, &pool(threads)});
  }
  double prefill_s = 0, decode_s = 0;
  std::vector<double> fracs, rooflines;
  for (auto _ : st) {
    auto cache =
        m.new_cache<flipside::f16>(prompt.size() + decode_rounds * decode_steps_per_round + 1);
    auto t0 = clock_type::now();
    m.forward(cache, prompt, flipside::output_rows::last, {true, &pool(threads)});
    prefill_s += seconds_since(t0);
    std::vector<std::int32_t> step = {11};
    double bw_before = probe();
    for (std::size_t r = 0; r < decode_rounds; ++r) {
      t0 = clock_type::now();
      for (std::size_t i = 0; i < decode_steps_per_round; ++i)
        m.forward(cache, step, flipside::output_rows::last, {true, &pool(threads)});
      const double s = seconds_since(t0);
      decode_s += s;
      const double bw_after = probe(), bw = std::max(bw_before, bw_after);
      rooflines.push_back(bw);
      fracs.push_back(static_cast<double>(decode_steps_per_round) / s / (bw / bytes));
      bw_before = bw_after;
    }
  }
  const double n = static_cast<double>(st.iterations());
  const double prefill_tps = n * 512 / prefill_s,
               decode_tps = n * decode_rounds * decode_steps_per_round / decode_s;
  st.counters["prefill_tok_s"] = prefill_tps;
  st.counters["decode_tok_s"] = decode_tps;
  st.counters["weight_MB"] = bytes / 1e6;
  st.counters["roofline_GB_s"] = median(rooflines) / 1e9;
  st.counters["decode_frac"] = median(fracs);
  st.counters["decode_frac_min"] = *std::min_element(fracs.begin(), fracs.end());
  st.counters["decode_frac_max"] = *std::max_element(fracs.begin(), fracs.end());
  st.counters["decode_frac_start"] = decode_tps / (ceiling().bw[threads] / bytes);
  st.counters["prefill_frac"] =
      prefill_tps * layer_flops_per_token(m.weights()) / ceiling().peak[threads];
}

const char* const model_mixes[] = {"f32", "f16", "q8_0", "q4_0", "q4_k_m", "q6_k"};

void register_all() {
  const dtype types[] = {dtype::f16,  dtype::bf16, dtype::q8_0,   dtype::q4_0,  dtype::q4_1,
                         dtype::q5_0, dtype::q5_1, dtype::q2_k,   dtype::q3_k,  dtype::q4_k,
                         dtype::q5_k, dtype::q6_k, dtype::iq4_nl, dtype::iq4_xs};
  benchmark::RegisterBenchmark("gemv/f32", BM_gemv<quant::exact_dequant>, dtype::f32)
      ->Arg(1)
      ->Arg(2)
      ->UseRealTime();
  for (dtype t : types) {
    const std::string n = flipside::dtype_name(t);
    if (quant::has_integer_dot(t))
      benchmark::RegisterBenchmark(("gemv/" + n + "/q8_act").c_str(),
                                   BM_gemv<quant::q8_activations>, t)
          ->Arg(1)
          ->Arg(2)
          ->UseRealTime();
    benchmark::RegisterBenchmark(("gemv/" + n + "/exact").c_str(), BM_gemv<quant::exact_dequant>, t)
        ->Arg(1)
        ->Arg(2)
        ->UseRealTime();
  }
  for (dtype t : {dtype::q8_0, dtype::q4_0, dtype::q5_0})
    benchmark::RegisterBenchmark(("gemv_short/" + flipside::dtype_name(t) + "/q8_act").c_str(),
                                 BM_gemv_short, t)
        ->Arg(1)
        ->Arg(2)
        ->UseRealTime();
  for (dtype t :
       {dtype::f32, dtype::f16, dtype::q8_0, dtype::q4_0, dtype::q5_0, dtype::q4_k, dtype::q6_k}) {
    const std::string n = flipside::dtype_name(t);
    if (quant::has_integer_dot(t))
      benchmark::RegisterBenchmark(("gemm64/" + n + "/q8_act").c_str(),
                                   BM_gemm<quant::q8_activations>, t)
          ->Arg(1)
          ->Arg(2)
          ->UseRealTime();
    benchmark::RegisterBenchmark(("gemm64/" + n + "/exact").c_str(), BM_gemm<quant::exact_dequant>,
                                 t)
        ->Arg(1)
        ->Arg(2)
        ->UseRealTime();
  }
  for (dtype t : {dtype::q8_0, dtype::q4_0, dtype::q5_0, dtype::q4_k, dtype::q6_k}) {
    const std::string n = flipside::dtype_name(t);
    for (int strategy = 0; strategy < 2; ++strategy) {
      auto* b = strategy == 0 ? benchmark::RegisterBenchmark(("gemm_rows/" + n + "/q8_act").c_str(),
                                                             BM_gemm_rows<quant::q8_activations>, t)
                              : benchmark::RegisterBenchmark(("gemm_rows/" + n + "/exact").c_str(),
                                                             BM_gemm_rows<quant::exact_dequant>, t);
      b->ArgNames({"M", "threads"})->UseRealTime();
      for (int threads : {1, 2})
        for (int m : {4, 8, 12, 16, 32}) b->Args({m, threads});
    }
  }
  for (const char* mixname : model_mixes) {
    benchmark::RegisterBenchmark((std::string("model/smollm2-135m/") + mixname).c_str(), BM_model,
                                 &flipside::smollm2_135m_config, std::string(mixname))
        ->Arg(1)
        ->Arg(2)
        ->Iterations(1)
        ->UseRealTime();
    benchmark::RegisterBenchmark((std::string("model/qwen2.5-0.5b/") + mixname).c_str(), BM_model,
                                 &flipside::qwen25_05b_config, std::string(mixname))
        ->Arg(1)
        ->Arg(2)
        ->Iterations(1)
        ->UseRealTime();
  }
}

}  // namespace

int main(int argc, char** argv) {
  // --prepare-models: write the synthetic model files (cached in the temp directory) and exit, so
  // that a timed run under the benchmark lock does not spend its time writing gigabytes.
  if (argc > 1 && std::string(argv[1]) == "--prepare-models") {
    for (const char* mixname : model_mixes)
      for (auto cfg : {&flipside::smollm2_135m_config, &flipside::qwen25_05b_config})
        std::printf("%s\n", synthetic_model(cfg(), mixname).string().c_str());
    return 0;
  }
  benchmark::Initialize(&argc, argv);
  register_all();
  const ceilings& c = ceiling();
  flipside::bench::register_ceiling_benchmarks();
  benchmark::AddCustomContext("read_bw_GB_s_1t", std::to_string(c.bw[1] / 1e9));
  benchmark::AddCustomContext("read_bw_GB_s_2t", std::to_string(c.bw[2] / 1e9));
  benchmark::AddCustomContext("fma_peak_GFLOP_s_1t", std::to_string(c.peak[1] / 1e9));
  benchmark::AddCustomContext("fma_peak_GFLOP_s_2t", std::to_string(c.peak[2] / 1e9));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
