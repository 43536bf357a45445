// Runtime properties: thread-count invariance, batching, prefix reuse through the KV cache
// (truncate / fork), restricted unembedding, qwen3 (no shared golden: a random model written as
// an HF directory and converted to GGUF).
#include <cstring>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <flipside/model/gguf_export.hpp>
#include <flipside/model/model.hpp>
#include <flipside/model/synthetic.hpp>

#include "model_test_util.hpp"
#include "shared_data.hpp"

using namespace flipside;
using namespace flipside::test;

namespace {

std::vector<std::int32_t> some_tokens(std::size_t n, std::int32_t vocab, std::uint32_t seed) {
  std::vector<std::int32_t> t(n);
  std::uint32_t s = seed;
  for (auto& x : t) {
    s = s * 1664525u + 1013904223u;
    x = static_cast<std::int32_t>((s >> 8) % static_cast<std::uint32_t>(vocab));
  }
  return t;
}

// Logits of `tokens` evaluated from an empty cache, all positions.
std::vector<float> scratch(const model& m, const std::vector<std::int32_t>& tokens) {
  auto cache = m.new_cache(tokens.size());
  return m.forward(cache, tokens, output_rows::all, {true, nullptr}).logits;
}

std::vector<float> tail(const std::vector<float>& logits, std::size_t rows, std::size_t V) {
  return std::vector<float>(logits.end() - static_cast<std::ptrdiff_t>(rows * V), logits.end());
}

// A tiny qwen3: qwen2's block without biases, plus per-head RMSNorm of q and k, and
// head_dim (32) ≠ hidden / heads (16).
model_config tiny_qwen3() {
  model_config c;
  c.architecture = "qwen3";
  c.vocab_size = 512;
  c.hidden_size = 64;
  c.n_layers = 2;
  c.n_heads = 4;
  c.n_kv_heads = 2;
  c.head_dim = 32;
  c.ffn_size = 96;
  c.max_positions = 256;
  c.norm_eps = 1e-6;
  c.rope.theta = 1e6;
  c.rope.rotary_dim = 32;
  c.qk_norm = true;
  c.tied_embeddings = true;
  c.layers.assign(2, layer_config{});
  return c;
}

// tiny_qwen3's shape as a llama (no q/k norms, a 16-wide head: llama GGUF permutes its q/k rows).
model_config tiny_llama() {
  model_config c = tiny_qwen3();
  c.architecture = "llama";
  c.qk_norm = false;
  c.head_dim = 16;
  c.rope.rotary_dim = 16;
  return c;
}

}  // namespace

TEST_CASE("results are bitwise identical for any thread count") {
  FLIPSIDE_SHARED_OR_SKIP(hf, "golden/hf/qwen2");
  const model m = model::load(hf);
  const auto ids = some_tokens(2 * 37, 1024, 7);
  const auto one = batch_logits(m, ids, 2);
  for (std::size_t n : {2, 3, 4}) {
    thread_pool pool(n);
    INFO(n << " threads");
    CHECK(bitwise_equal(batch_logits(m, ids, 2, &pool), one));
  }
  // Decode steps too.
  thread_pool pool(3);
  CHECK(m.generate_greedy(std::vector<std::int32_t>(ids.begin(), ids.begin() + 9), 6, &pool) ==
        m.generate_greedy(std::vector<std::int32_t>(ids.begin(), ids.begin() + 9), 6));
}

TEST_CASE("a batch of sequences of different lengths equals running each alone") {
  FLIPSIDE_SHARED_OR_SKIP(hf, "golden/hf/llama");
  const model m = model::load(hf);
  const auto a = some_tokens(20, 1024, 1), b = some_tokens(7, 1024, 2),
             c = some_tokens(33, 1024, 3);
  auto ca = m.new_cache(64), cb = m.new_cache(64), cc = m.new_cache(64);
  std::vector<sequence_step<float>> batch{{&ca, a.data(), a.size(), output_rows::all},
                                          {&cb, b.data(), b.size(), output_rows::last},
                                          {&cc, c.data(), c.size(), output_rows::all}};
  thread_pool pool(2);
  forward_options opt{true, &pool};
  opt.max_batch_rows = 16;  // also splits sequences across micro-batches
  const forward_result r = m.forward(batch, opt);
  REQUIRE(r.rows() == 20 + 1 + 33);
  CHECK(r.sequence_rows == std::vector<std::size_t>{0, 20, 21, 54});
  const std::size_t V = 1024;
  const auto la = scratch(m, a), lb = scratch(m, b), lc = scratch(m, c);
  CHECK(max_abs_diff(std::vector<float>(r.logits.begin(), r.logits.begin() + 20 * V), la) <= 1e-5);
  CHECK(max_abs_diff(std::vector<float>(r.logits.begin() + 20 * V, r.logits.begin() + 21 * V),
                     tail(lb, 1, V)) <= 1e-5);
  CHECK(max_abs_diff(std::vector<float>(r.logits.begin() + 21 * V, r.logits.end()), lc) <= 1e-5);
  CHECK(ca.size() == 20);
  CHECK(cb.size() == 7);
  CHECK(cc.size() == 33);
}

TEST_CASE(
    "a shared prefix evaluated once, then truncated or forked, equals evaluating from scratch") {
  const std::string name = GENERATE("llama", "qwen2", "gpt2");
  FLIPSIDE_SHARED_OR_SKIP(hf, "golden/hf/" + name);
  const model m = model::load(hf);
  const std::size_t V = 1024;
  const auto prefix = some_tokens(24, 1024, 11);
  // Continuations of ≥ 12 tokens take the same paths as the scratch runs — the packed GEMM
  // (≥ 5 rows) and the packed-key attention (≥ 12 query rows per KV head, block.hpp) — so the
  // results are bitwise equal; shorter ones use the dot-product kernels (equal up to rounding,
  // as in the token-by-token section).
  const auto s1 = some_tokens(13, 1024, 12), s2 = some_tokens(12, 1024, 13);
  auto joined = [&](const std::vector<std::int32_t>& s) {
    auto t = prefix;
    t.insert(t.end(), s.begin(), s.end());
    return t;
  };
  const auto ref1 = tail(scratch(m, joined(s1)), s1.size(), V);
  const auto ref2 = tail(scratch(m, joined(s2)), s2.size(), V);

  auto cache = m.new_cache(64);
  m.forward(cache, prefix, output_rows::none);
  const std::size_t n = cache.size();
  REQUIRE(n == prefix.size());

  SECTION("truncate back to the prefix between continuations") {
    CHECK(bitwise_equal(m.forward(cache, s1, output_rows::all, {true}).logits, ref1));
    cache.truncate(n);
    CHECK(bitwise_equal(m.forward(cache, s2, output_rows::all, {true}).logits, ref2));
  }
  SECTION("fork: copies of the prefix cache run as one batch") {
    auto f1 = cache, f2 = cache;
    std::vector<sequence_step<float>> batch{{&f1, s1.data(), s1.size(), output_rows::all},
                                            {&f2, s2.data(), s2.size(), output_rows::all}};
    const auto r = m.forward(batch, {true});
    const auto split = r.logits.begin() + static_cast<std::ptrdiff_t>(s1.size() * V);
    CHECK(bitwise_equal(std::vector<float>(r.logits.begin(), split), ref1));
    CHECK(bitwise_equal(std::vector<float>(split, r.logits.end()), ref2));
    CHECK(cache.size() == n);  // the original is untouched
  }
  SECTION("token-by-token decode after the prefix") {
    // One-row steps use the direct (dot-product) kernel instead of the packed GEMM: equal up to
    // float rounding.
    std::vector<float> steps;
    for (auto t : s1) {
      const auto r = m.forward(cache, {t}, output_rows::last, {true});
      steps.insert(steps.end(), r.logits.begin(), r.logits.end());
    }
    CHECK(max_abs_diff(steps, ref1) <= 1e-5);
  }
}

TEST_CASE("restricted unembedding equals the full-vocabulary logits bitwise") {
  FLIPSIDE_SHARED_OR_SKIP(hf, "golden/hf/llama3");
  const model m = model::load(hf);
  auto cache = m.new_cache(64);
  const auto r = m.forward(cache, some_tokens(30, 1024, 5), output_rows::last, {true});
  const std::vector<std::int32_t> labels = {3, 1023, 17, 0, 512};
  std::vector<float> some(labels.size());
  m.token_logits(r.hidden_row(0), labels.data(), labels.size(), some.data());
  for (std::size_t i = 0; i < labels.size(); ++i) CHECK(some[i] == r.logits_row(0)[labels[i]]);
  std::vector<float> full(1024);
  m.logits(r.hidden_row(0), 1, full.data());
  CHECK(bitwise_equal(full, r.logits));
}

TEST_CASE("qwen3: HF directory and the GGUF converted from it agree; cache reuse equals scratch") {
  temp_dir tmp;
  const model_config cfg = tiny_qwen3();
  write_synthetic_hf(cfg, tmp / "hf", {dtype::f32, 3});
  convert_hf_to_gguf(tmp / "hf", tmp / "q3.gguf");
  const model hf = model::load(tmp / "hf");
  const model gg = model::load(tmp / "q3.gguf");
  for (const model* m : {&hf, &gg}) {
    CHECK(m->config().architecture == "qwen3");
    CHECK(m->config().head_dim == 32);
    CHECK(m->config().qk_norm);
    CHECK(m->config().rope.layout == rope_layout::half_split);
  }
  const auto ids = some_tokens(2 * 25, 512, 9);
  const auto a = batch_logits(hf, ids, 2), b = batch_logits(gg, ids, 2);
  CHECK(bitwise_equal(a, b));  // same weights, same layout: same arithmetic
  double spread = 0;
  for (float x : a) spread = std::max(spread, static_cast<double>(std::fabs(x)));
  CHECK(spread > 0.1);  // not a degenerate model
  // q_norm/k_norm matter: a qwen2-style run without them would differ.
  // Prefix reuse.
  const std::vector<std::int32_t> first(ids.begin(), ids.begin() + 18),
      rest(ids.begin() + 18, ids.begin() + 25);
  auto cache = gg.new_cache(32);
  gg.forward(cache, first, output_rows::none);
  const auto cont = gg.forward(cache, rest, output_rows::all, {true}).logits;
  CHECK(bitwise_equal(cont, std::vector<float>(b.begin() + 18 * 512, b.begin() + 25 * 512)));
  // The same model written directly as GGUF by the synthetic writer is the same model.
  write_synthetic_gguf(cfg, tmp / "direct.gguf", {dtype::f32, 3});
  CHECK(bitwise_equal(batch_logits(model::load(tmp / "direct.gguf"), ids, 2), b));
}

TEST_CASE("llama from HF (half-split rope) and from GGUF (permuted, interleaved) agree") {
  temp_dir tmp;
  model_config c = tiny_llama();
  c.tied_embeddings = false;
  write_synthetic_hf(c, tmp / "hf", {dtype::f32, 5});
  write_synthetic_gguf(c, tmp / "l.gguf", {dtype::f32, 5});
  const model hf = model::load(tmp / "hf"), gg = model::load(tmp / "l.gguf");
  CHECK(hf.config().rope.layout == rope_layout::half_split);
  CHECK(gg.config().rope.layout == rope_layout::interleaved);
  const auto ids = some_tokens(40, 512, 4);
  CHECK(max_abs_diff(batch_logits(hf, ids, 2), batch_logits(gg, ids, 2)) <= 1e-5);
}

TEST_CASE("synthetic GGUF in block types: matrices quantized with ggml's rule, close to f32") {
  temp_dir tmp;
  model_config c = tiny_llama();
  write_synthetic_gguf(c, tmp / "f32.gguf", {dtype::f32, 7});
  const model f = model::load(tmp / "f32.gguf");
  const auto ids = some_tokens(24, 512, 8);
  const auto ref = batch_logits(f, ids, 2);
  double err[2] = {0, 0};
  int i = 0;
  for (const dtype t : {dtype::q8_0, dtype::q4_0}) {
    INFO(dtype_name(t));
    write_synthetic_gguf(c, tmp / (dtype_name(t) + ".gguf"), {t, 7});
    const model q = model::load(tmp / (dtype_name(t) + ".gguf"), quant_matmul::exact);
    const gguf_file& g = *q.gguf();
    CHECK(g.find_tensor("blk.0.attn_q.weight")->type == t);
    CHECK(g.find_tensor("blk.0.attn_norm.weight")->type == dtype::f32);
    CHECK(g.get_u32("general.file_type") == (t == dtype::q8_0 ? 7u : 2u));
    // Every matrix row is quantize_row (ggml's rule) of the f32 file's row, byte for byte.
    for (const char* name : {"blk.0.ffn_up.weight", "blk.1.attn_q.weight", "token_embd.weight"}) {
      INFO(name);
      const tensor_view& a = *f.gguf()->find_tensor(name);
      const tensor_view& b = *g.find_tensor(name);
      REQUIRE(a.shape == b.shape);
      const auto cols = static_cast<std::size_t>(a.shape[1]);
      std::vector<std::byte> want(b.nbytes);
      const std::size_t rb = quant::row_bytes(t, cols);
      for (std::size_t r = 0; r < static_cast<std::size_t>(a.shape[0]); ++r)
        quant::quantize_row(t, reinterpret_cast<const float*>(a.data) + r * cols,
                            want.data() + r * rb, cols);
      CHECK(std::memcmp(want.data(), b.data, b.nbytes) == 0);
    }
    err[i++] = max_abs_diff(batch_logits(q, ids, 2), ref);
  }
  // Q4_0 steps are 16x coarser than Q8_0's: the quantized models are near the f32 one, Q8_0 nearer.
  CHECK(err[0] > 0);
  CHECK(err[0] * 4 < err[1]);
  CHECK(err[1] < 2.0);
  CHECK_THROWS_WITH(write_synthetic_gguf(c, tmp / "k.gguf", {dtype::q4_k, 7}),
                    Catch::Contains(dtype_name(dtype::q4_k)));
}

TEST_CASE("16-bit KV caches stay close to the f32 cache") {
  FLIPSIDE_SHARED_OR_SKIP(hf, "golden/hf/qwen2");
  const model m = model::load(hf);
  const auto ids = some_tokens(40, 1024, 21);
  auto c32 = m.new_cache<float>(40);
  auto c16 = m.new_cache<flipside::f16>(40);
  const auto a = m.forward(c32, ids, output_rows::all, {true}).logits;
  const auto b = m.forward(c16, ids, output_rows::all, {true}).logits;
  CHECK(max_abs_diff(a, b) < 5e-3);
  CHECK_FALSE(bitwise_equal(a, b));
}

TEST_CASE("the decode-time small-batch GEMM is bitwise simd::gemm's direct path") {
  // model/detail/small_batch_gemm.hpp (a stopgap reading each thread's rows as separate
  // streams) must not change any result, for any row count per thread and stream.
  std::uint32_t s = 99;
  auto next = [&] {
    s = s * 1664525u + 1013904223u;
    return static_cast<float>(s >> 8) / 16777216.0f - 0.5f;
  };
  thread_pool pool(2);
  for (std::size_t M = 1; M <= 4; ++M)
    for (std::size_t N : {1, 7, 8, 17, 100, 131})
      for (std::size_t K : {3, 8, 37, 64, 1100, 2100}) {
        std::vector<float> A(M * K), B(N * K);
        for (auto& x : A) x = next();
        for (auto& x : B) x = next();
        std::vector<f16> B16(B.size());
        for (std::size_t i = 0; i < B.size(); ++i) B16[i] = simd::f32_to_f16(B[i]);
        std::vector<float> c1(M * N), c2(M * N), c3(M * N), c4(M * N), c5(M * N), c6(M * N);
        simd::gemm(A.data(), B.data(), c1.data(), M, N, K);
        detail::small_batch_gemm(A.data(), K, B.data(), K, c2.data(), N, M, N, K, &pool);
        detail::small_batch_gemm(A.data(), K, B.data(), K, c5.data(), N, M, N, K, nullptr);
        simd::gemm(A.data(), B16.data(), c3.data(), M, N, K);
        detail::small_batch_gemm(A.data(), K, B16.data(), K, c4.data(), N, M, N, K, nullptr);
        detail::small_batch_gemm(A.data(), K, B16.data(), K, c6.data(), N, M, N, K, &pool);
        INFO("M " << M << " N " << N << " K " << K);
        CHECK(bitwise_equal(c1, c2));
        CHECK(bitwise_equal(c1, c5));
        CHECK(bitwise_equal(c3, c4));
        CHECK(bitwise_equal(c3, c6));
      }
}
