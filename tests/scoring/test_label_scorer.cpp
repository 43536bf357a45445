// The label scorer on the golden HF models (../shared/golden/hf, transformers-made random-weight
// models the runtime reproduces): restricted ≡ full-vocabulary scoring, teacher forcing ≡ scoring
// each full sequence from scratch (double-precision reference), shared-KV ≡ separate evaluation,
// prefix sharing across prompts, caches left as found.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <flipside/parallel/thread_pool.hpp>
#include <flipside/scoring.hpp>

#include "scoring_test_util.hpp"
#include "shared_data.hpp"

using namespace flipside;
using namespace flipside::test;

namespace {

// Single- and multi-token options; two share their first token (17), two are 1 token.
const label_option_ids some_options = {{5}, {17, 300}, {900, 12, 44}, {17, 301}, {1000}};

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

void require_identical(const option_scores& a, const option_scores& b) {
  CHECK(a.predicted == b.predicted);
  CHECK(same_bits(a.log_probs, b.log_probs));
  CHECK(same_bits(a.probs, b.probs));
  CHECK(a.n_tokens == b.n_tokens);
}

}  // namespace

TEST_CASE("restricted unembedding scores exactly like the full-vocabulary path") {
  const std::string name =
      GENERATE(values<std::string>({"llama", "llama3", "qwen2", "gpt2", "mistral_swa"}));
  FLIPSIDE_SHARED_OR_SKIP(dir, "golden/hf/" + name);
  INFO(name);
  const model m = model::load(dir);
  const auto tokens = read_golden_tensor<std::int32_t>(dir / "golden.safetensors", "tokens");
  for (std::size_t row = 0; row < 2; ++row) {
    const auto p = golden_prompt(tokens, row, 20, 12, some_options);
    const option_scores full = label_scorer<full_vocabulary>(m).score(p);
    const option_scores norm = label_scorer<normalised_logprobs>(m).score(p);
    const option_scores un = label_scorer<unnormalised_logprobs>(m).score(p);
    // Same code path for the numbers, logits bitwise equal: identical results.
    require_identical(norm, full);
    CHECK(norm.normalised);
    CHECK_FALSE(un.normalised);
    // Unnormalised: the same decision; log-probs shifted by one constant (log Z_0).
    CHECK(un.predicted == full.predicted);
    CHECK(same_bits(un.probs, full.probs));
    const double shift = un.log_probs[0] - full.log_probs[0];
    CHECK(shift > 0);  // log Z_0 > max logit for a 1024-token vocabulary spread
    for (std::size_t c = 0; c < un.size(); ++c)
      CHECK(un.log_probs[c] - full.log_probs[c] == Approx(shift).epsilon(1e-12));
    // Renormalised probabilities: p_c / Σ p_j from the log-probs.
    double z = 0;
    for (double lp : full.log_probs) z += std::exp(lp);
    for (std::size_t c = 0; c < full.size(); ++c)
      CHECK(full.probs[c] == Approx(std::exp(full.log_probs[c]) / z).epsilon(1e-12));
  }
}

TEST_CASE("teacher-forced option log-probs equal each full sequence scored from scratch") {
  const std::string name = GENERATE(values<std::string>({"llama", "llama3", "qwen2", "gpt2"}));
  FLIPSIDE_SHARED_OR_SKIP(dir, "golden/hf/" + name);
  INFO(name);
  const model m = model::load(dir);
  const auto tokens = read_golden_tensor<std::int32_t>(dir / "golden.safetensors", "tokens");
  const auto p = golden_prompt(tokens, 1, 16, 9, some_options);
  const option_scores s = label_scorer<normalised_logprobs>(m).score(p);
  std::vector<double> ref;
  for (std::size_t c = 0; c < some_options.size(); ++c) {
    ref.push_back(reference_log_prob(m, p.prompt(), some_options[c]));
    INFO("option " << c);
    CHECK(s.log_probs[c] == Approx(ref[c]).margin(1e-4));
    CHECK(s.n_tokens[c] == some_options[c].size());
  }
  CHECK(s.predicted == argmax_option(ref));
}

TEST_CASE("options scored together over a shared KV cache equal options scored separately") {
  FLIPSIDE_SHARED_OR_SKIP(dir, "golden/hf/llama");
  const model m = model::load(dir);
  const auto tokens = read_golden_tensor<std::int32_t>(dir / "golden.safetensors", "tokens");
  SECTION("up to 4 continuation rows: the same per-row arithmetic, bitwise equal") {
    const auto p = golden_prompt(tokens, 0, 10, 20, some_options);  // 1 + 2 + 1 = 4 rows
    label_scorer<normalised_logprobs> scorer(m);
    const option_scores all = scorer.score(p);
    for (std::size_t c = 0; c < p.options.size(); ++c) {
      auto one = p;
      one.options = {p.options[c]};
      const option_scores alone = scorer.score(one);
      INFO("option " << c);
      CHECK(std::memcmp(&alone.log_probs[0], &all.log_probs[c], sizeof(double)) == 0);
    }
  }
  SECTION("more rows (packed GEMM in the batch): equal within float rounding") {
    const label_option_ids opts = {{3, 4, 5, 6}, {7, 8, 9}, {10, 11}, {12}};
    const auto p = golden_prompt(tokens, 1, 10, 20, opts);
    label_scorer<normalised_logprobs> scorer(m);
    const option_scores all = scorer.score(p);
    for (std::size_t c = 0; c < opts.size(); ++c) {
      auto one = p;
      one.options = {opts[c]};
      INFO("option " << c);
      CHECK(scorer.score(one).log_probs[0] == Approx(all.log_probs[c]).margin(1e-5));
    }
  }
}

TEST_CASE("score_options works on a caller's cache and leaves it as it was") {
  FLIPSIDE_SHARED_OR_SKIP(dir, "golden/hf/qwen2");
  const model m = model::load(dir);
  const auto tokens = read_golden_tensor<std::int32_t>(dir / "golden.safetensors", "tokens");
  const auto p = golden_prompt(tokens, 0, 24, 8, some_options);
  const option_scores ref = label_scorer<>(m).score(p);

  const std::size_t capacity = GENERATE(std::size_t(32), std::size_t(33), std::size_t(64));
  INFO("capacity " << capacity);  // 32: no room for continuations, every option in a fork
  auto cache = m.new_cache(capacity);
  const auto r = m.forward(cache, p.prompt(), output_rows::last);
  label_scorer<> scorer(m);
  const option_scores a = scorer.score_options(cache, r.hidden_row(0), p.options);
  CHECK(cache.size() == 32);
  const option_scores b = scorer.score_options(cache, r.hidden_row(0), p.options);
  require_identical(a, b);
  require_identical(a, ref);
  // The free function gives the same.
  require_identical(score_options(m, cache, r.hidden_row(0), p.options), a);
  CHECK(cache.size() == 32);
}

TEST_CASE("score_prompt on a cache holding the prefix equals scoring from scratch") {
  FLIPSIDE_SHARED_OR_SKIP(dir, "golden/hf/llama3");
  const model m = model::load(dir);
  const auto tokens = read_golden_tensor<std::int32_t>(dir / "golden.safetensors", "tokens");
  const auto p = golden_prompt(tokens, 0, 30, 10, some_options);
  label_scorer<normalised_logprobs> scorer(m);
  const option_scores ref = scorer.score(p);
  auto cache = m.new_cache(64);
  m.forward(cache, p.prefix, output_rows::none);
  const option_scores s = scorer.score_prompt(cache, p.query, p.options);
  CHECK(cache.size() == 30);
  CHECK(s.predicted == ref.predicted);
  for (std::size_t c = 0; c < s.size(); ++c)
    CHECK(s.log_probs[c] == Approx(ref.log_probs[c]).margin(1e-5));
}

TEST_CASE("many prompts sharing prefixes: each prefix evaluated once, same scores") {
  FLIPSIDE_SHARED_OR_SKIP(dir, "golden/hf/qwen2");
  const model m = model::load(dir);
  const auto tokens = read_golden_tensor<std::int32_t>(dir / "golden.safetensors", "tokens");
  // Two exemplar sets (prefixes of 20 tokens from each golden row), three queries each, plus a
  // prompt whose query is empty (its prefix's last token is run as the tail).
  std::vector<tokenized_prompt<std::int32_t>> ps;
  for (std::size_t q = 0; q < 3; ++q)
    for (std::size_t row = 0; row < 2; ++row) {
      auto p = golden_prompt(tokens, row, 20, 0, some_options);
      const auto* t = tokens.data() + (1 - row) * 48 + 20 + 8 * q;  // queries from the other row
      p.query.assign(t, t + 5 + q);
      ps.push_back(p);
    }
  ps.push_back(golden_prompt(tokens, 0, 21, 0, some_options));

  label_scorer<> batch(m);
  const auto got = batch.score_prompts(ps);
  REQUIRE(got.size() == ps.size());
  label_scorer<> single(m);
  for (std::size_t i = 0; i < ps.size(); ++i) {
    const option_scores one = single.score(ps[i]);
    INFO("prompt " << i);
    CHECK(got[i].predicted == one.predicted);
    for (std::size_t c = 0; c < one.size(); ++c)
      CHECK(got[i].log_probs[c] == Approx(one.log_probs[c]).margin(1e-5));
  }
  // Tokens run: 2 prefixes of 20 (the 21-token prompt shares row 0's and runs its last token as
  // its tail), the queries, and the continuations (1 + 2 + 1 = 4 tokens per prompt).
  std::uint64_t queries = 0;
  for (std::size_t i = 0; i < 6; ++i) queries += ps[i].query.size();
  CHECK(batch.stats().forward_tokens == 2 * 20 + 1 + queries + 7 * 4);
  CHECK(batch.stats().forward_tokens < single.stats().forward_tokens);

  // The cache form: prompts whose prefix the cache holds.
  auto cache = m.new_cache(40);
  m.forward(cache, ps[0].prefix, output_rows::none);
  const std::vector<tokenized_prompt<std::int32_t>> same{ps[0], ps[2], ps[4]};
  const auto via_cache = label_scorer<>(m).score_prompts(cache, same);
  CHECK(cache.size() == 20);
  for (std::size_t i = 0; i < 3; ++i) require_identical(via_cache[i], got[2 * i]);
  CHECK_THROWS_WITH(label_scorer<>(m).score_prompts(cache, {ps[6]}),
                    Catch::Contains("prefix of 21 tokens; the cache holds 20"));
}

TEST_CASE("scores do not depend on the thread count; 16-bit caches stay close") {
  FLIPSIDE_SHARED_OR_SKIP(dir, "golden/hf/llama3");
  const model m = model::load(dir);
  const auto tokens = read_golden_tensor<std::int32_t>(dir / "golden.safetensors", "tokens");
  const auto p = golden_prompt(tokens, 1, 20, 12, some_options);
  const option_scores one = label_scorer<normalised_logprobs>(m).score(p);
  thread_pool pool(2);
  const option_scores two =
      label_scorer<normalised_logprobs>(m, {option_aggregation::sum, &pool}).score(p);
  require_identical(one, two);

  auto c16 = m.new_cache<detail::f16_storage>(48);
  const auto r = m.forward(c16, p.prompt(), output_rows::last);
  const option_scores h =
      label_scorer<normalised_logprobs>(m).score_options(c16, r.hidden_row(0), p.options);
  CHECK(c16.size() == 32);
  for (std::size_t c = 0; c < h.size(); ++c)
    CHECK(h.log_probs[c] == Approx(one.log_probs[c]).margin(2e-2));
}

TEST_CASE("length-normalised scores average the token log-probs") {
  FLIPSIDE_SHARED_OR_SKIP(dir, "golden/hf/gpt2");
  const model m = model::load(dir);
  const auto tokens = read_golden_tensor<std::int32_t>(dir / "golden.safetensors", "tokens");
  const auto p = golden_prompt(tokens, 0, 20, 12, some_options);
  const option_scores sum = label_scorer<normalised_logprobs>(m).score(p);
  const option_scores mean =
      label_scorer<normalised_logprobs>(m, {option_aggregation::mean, nullptr}).score(p);
  CHECK(same_bits(sum.log_probs, mean.log_probs));
  std::vector<double> d;
  for (std::size_t c = 0; c < sum.size(); ++c)
    d.push_back(sum.log_probs[c] / double(sum.n_tokens[c]));
  CHECK(mean.predicted == argmax_option(d));
  CHECK(same_bits(mean.probs, renormalise(d)));
  CHECK_THROWS_WITH(label_scorer<unnormalised_logprobs>(m, {option_aggregation::mean, nullptr}),
                    Catch::Contains("need normalised log-probs"));
}

TEST_CASE("label options that cannot be scored are errors naming the label") {
  FLIPSIDE_SHARED_OR_SKIP(dir, "golden/hf/llama");
  const model m = model::load(dir);
  auto cache = m.new_cache(8);
  const std::vector<std::int32_t> prompt{1, 2, 3};
  label_scorer<> s(m);
  CHECK_THROWS_WITH(s.score_prompt(cache, prompt, {{4}, {}}, {"Foo", "Bar"}),
                    Catch::Contains("label option 1 ('Bar') tokenizes to no tokens"));
  CHECK_THROWS_WITH(
      s.score_prompt(cache, prompt, {{4}, {5, 1024}}, {"Foo", "Bar"}),
      Catch::Contains("label option 1 ('Bar'): token 1024 is outside the vocabulary"));
  CHECK_THROWS_WITH(s.score_prompt(cache, prompt, {}), Catch::Contains("no label options"));
  CHECK_THROWS_WITH(s.score_prompt(cache, {}, {{4}}), Catch::Contains("empty prompt tail"));
  CHECK(cache.size() == 0);
}
