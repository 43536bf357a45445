// The prefix tree of KV blocks (prefix_tree.hpp) and the prompt evaluator on top of it
// (prompt_evaluator.hpp): stored rows come back exactly, splits and eviction keep the tree
// consistent, and prompts scored through the tree equal prompts scored from scratch on a golden
// model (Hugging Face reference models of ../shared/golden/hf).
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include <flipside/eval/prefix_tree.hpp>
#include <flipside/eval/prompt_evaluator.hpp>
#include <flipside/model/model.hpp>
#include <flipside/prompt/random.hpp>

#include "shared_data.hpp"

using namespace flipside;

namespace {

// n token ids drawn uniformly from a vocabulary of V.
std::vector<std::int32_t> vocab_tokens(rng& g, std::int64_t V, std::size_t n) {
  std::vector<std::int32_t> v(n);
  for (auto& t : v) t = static_cast<std::int32_t>(g.bounded(static_cast<std::uint64_t>(V)));
  return v;
}

// A cache whose row of position j, layer l, element e is value(token_j, j, l, e): what a causal
// model would store for the tokens (rows depend on the prefix only through the position here).
kv_cache<float> fake_cache(const std::vector<std::int32_t>& tokens, std::size_t layers,
                           std::size_t row) {
  kv_cache<float> c(layers, tokens.size() + 4, 1, row);
  for (std::size_t l = 0; l < layers; ++l) {
    std::vector<float> k(tokens.size() * row), v(tokens.size() * row);
    for (std::size_t j = 0; j < tokens.size(); ++j)
      for (std::size_t e = 0; e < row; ++e) {
        k[j * row + e] = float(tokens[j] * 1000 + int(j) * 10 + int(l)) + 0.25f * float(e);
        v[j * row + e] = -k[j * row + e];
      }
    c.layer(l).append(k.data(), v.data(), tokens.size());
  }
  return c;
}

void require_rows_equal(const kv_cache<float>& a, const kv_cache<float>& b, std::size_t n,
                        std::size_t row) {
  for (std::size_t l = 0; l < a.n_layers(); ++l)
    for (std::size_t i = 0; i < n * row; ++i) {
      REQUIRE(a.layer(l).keys()[i] == b.layer(l).keys()[i]);
      REQUIRE(a.layer(l).values()[i] == b.layer(l).values()[i]);
    }
}

}  // namespace

TEST_CASE("prefix tree: longest stored prefix, splits, exact rows back") {
  const std::size_t L = 3, R = 5;
  prefix_tree<float> t(L, R, std::size_t{1} << 30);
  const std::vector<std::int32_t> a{1, 2, 3, 4, 5, 6}, b{1, 2, 3, 9, 9}, c{1, 2, 7};
  CHECK(t.match(a.data(), a.size()) == 0);
  t.insert(a.data(), a.size(), fake_cache(a, L, R));
  CHECK(t.match(a.data(), a.size()) == 6);
  CHECK(t.match(b.data(), b.size()) == 3);
  t.insert(b.data(), b.size(), fake_cache(b, L, R));  // splits a's node after 3 tokens
  t.insert(c.data(), c.size(), fake_cache(c, L, R));  // splits again after 2
  CHECK(t.stats().nodes == 5);
  CHECK(t.stats().stored_tokens == 6 + 2 + 1);
  CHECK(t.stats().bytes == 9 * t.bytes_per_token());
  for (const auto* s : {&a, &b, &c}) {
    CHECK(t.match(s->data(), s->size()) == s->size());
    // Copy the stored rows in two steps (as after a working cache kept the first two).
    kv_cache<float> out(L, 16, 1, R);
    t.copy_to(s->data(), 0, 2, out);
    t.copy_to(s->data(), 2, s->size(), out);
    REQUIRE(out.size() == s->size());
    require_rows_equal(out, fake_cache(*s, L, R), s->size(), R);
  }
  // A prefix of a stored sequence, ending inside a node, is already stored.
  const std::vector<std::int32_t> a4(a.begin(), a.begin() + 4);
  t.insert(a4.data(), a4.size(), fake_cache(a4, L, R));
  CHECK(t.stats().stored_tokens == 9);
}

TEST_CASE("prefix tree: the memory bound evicts least recently used leaves") {
  const std::size_t L = 2, R = 4;
  prefix_tree<float> probe(L, R, 1);
  const std::size_t per = probe.bytes_per_token();
  prefix_tree<float> t(L, R, 10 * per);
  const std::vector<std::int32_t> a{1, 2, 3, 4}, b{5, 6, 7, 8}, c{9, 10, 11, 12};
  t.insert(a.data(), 4, fake_cache(a, L, R));
  t.insert(b.data(), 4, fake_cache(b, L, R));
  CHECK(t.match(a.data(), 4) == 4);  // a is now more recently used than b
  t.insert(c.data(), 4, fake_cache(c, L, R));
  CHECK(t.stats().bytes <= 10 * per);
  CHECK(t.match(b.data(), 4) == 0);  // b evicted
  CHECK(t.match(a.data(), 4) == 4);
  CHECK(t.match(c.data(), 4) == 4);
  CHECK(t.stats().evicted_tokens == 4);
  // A sequence longer than the whole bound is not stored (and evicts nothing).
  const std::vector<std::int32_t> big(11, 42);
  t.insert(big.data(), big.size(), fake_cache(big, L, R));
  CHECK(t.match(big.data(), big.size()) == 0);
  CHECK(t.stats().evicted_tokens == 4);
}

TEST_CASE("prompt evaluator: prefix-tree scores equal from-scratch scores on a golden model") {
  FLIPSIDE_SHARED_OR_SKIP(dir, "golden/hf/qwen2");
  const model m = model::load(dir);
  const auto V = m.config().vocab_size;
  // Prompts shaped like a sweep's: exemplar blocks of one draw shown with nested label changes
  // (prompts share their text up to the first changed block), several queries per exemplar set,
  // multi-token label options.
  rng g(7);
  auto draw = [&](std::size_t n) { return vocab_tokens(g, V, n); };
  std::vector<std::vector<std::int32_t>> blocks;
  for (int i = 0; i < 6; ++i) blocks.push_back(draw(7));
  const label_option_ids options{draw(1), draw(2), draw(3)};
  std::vector<tokenized_prompt<std::int32_t>> prompts;
  // Queries outer, variants inner: each variant's best stored prefix is then an older prompt's
  // (the tree's), not the one just before it (the working cache's).
  for (int q = 0; q < 3; ++q)
    for (int variant = 0; variant < 4; ++variant) {
      tokenized_prompt<std::int32_t> p;
      for (int i = 0; i < 6; ++i) {
        p.prefix.insert(p.prefix.end(), blocks[std::size_t(i)].begin(),
                        blocks[std::size_t(i)].end());
        // variant v changes the label token of blocks ≥ 6 − v … a nested change.
        p.prefix.push_back(i >= 6 - variant ? 11 : 13);
      }
      p.query = draw(5);
      p.options = options;
      prompts.push_back(p);
    }
  thread_pool pool(2);
  evaluator_options on, off;
  on.pool = off.pool = &pool;
  off.share_prefixes = false;
  prompt_evaluator shared(m, on), scratch(m, off);
  for (const auto& p : prompts) {
    const option_scores a = shared.score(p), b = scratch.score(p);
    CHECK(a.predicted == b.predicted);
    REQUIRE(a.log_probs.size() == 3);
    for (std::size_t c = 0; c < 3; ++c) {
      CHECK(a.log_probs[c] == Approx(b.log_probs[c]).margin(1e-4));
      CHECK(a.probs[c] == Approx(b.probs[c]).margin(1e-5));
    }
  }
  CHECK(shared.counters().prompt_tokens == scratch.counters().prompt_tokens);
  CHECK(shared.counters().computed_tokens * 3 < scratch.counters().computed_tokens);
  CHECK(shared.tree_stats().reused_tokens > 0);
  // Every prompt against a fresh scorer: the tree's rows are the rows of a from-scratch run.
  label_scorer<> ref(m);
  for (const auto& p : prompts) {
    const option_scores a = shared.score(p), r = ref.score(p);
    CHECK(a.predicted == r.predicted);
    for (std::size_t c = 0; c < 3; ++c)
      CHECK(a.log_probs[c] == Approx(r.log_probs[c]).margin(1e-4));
  }
}

TEST_CASE("prompt evaluator: score_batch equals scoring the prompts one at a time") {
  FLIPSIDE_SHARED_OR_SKIP(dir, "golden/hf/qwen2");
  const model m = model::load(dir);
  const auto V = m.config().vocab_size;
  rng g(11);
  auto draw = [&](std::size_t n) { return vocab_tokens(g, V, n); };
  const std::vector<std::int32_t> prefix = draw(40);
  const label_option_ids options{draw(1), draw(2)};
  // Queries of several lengths (all > 4 tokens: the dense kernels' class is then the same alone
  // and batched); the long ones make the tails exceed one forward call's 512 rows, so the batch
  // runs in several groups.
  std::vector<tokenized_prompt<std::int32_t>> prompts;
  for (const std::size_t n : {5, 9, 6, 200, 17, 300, 180, 7}) {
    tokenized_prompt<std::int32_t> p;
    p.prefix = prefix;
    p.query = draw(n);
    p.options = options;
    prompts.push_back(p);
  }
  thread_pool pool(2);
  evaluator_options opt;
  opt.pool = &pool;
  prompt_evaluator batched(m, opt), single(m, opt);
  const std::vector<option_scores> a = batched.score_batch(prompts);
  REQUIRE(a.size() == prompts.size());
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    const option_scores b = single.score(prompts[i]);
    CHECK(a[i].predicted == b.predicted);
    REQUIRE(a[i].log_probs.size() == 2);
    for (std::size_t c = 0; c < 2; ++c) CHECK(a[i].log_probs[c] == b.log_probs[c]);
  }
  CHECK(batched.counters().prompts == single.counters().prompts);
  CHECK(batched.counters().prompt_tokens == single.counters().prompt_tokens);
  CHECK(batched.counters().computed_tokens == single.counters().computed_tokens);

  // Prompts with nothing in common are scored one by one; a second batch on the same evaluator
  // continues from the stored prefix.
  std::vector<tokenized_prompt<std::int32_t>> unrelated(2);
  for (auto& p : unrelated) {
    p.query = draw(6);
    p.options = options;
  }
  unrelated[0].query[0] = 1;
  unrelated[1].query[0] = 2;
  const std::vector<option_scores> u = batched.score_batch(unrelated);
  for (std::size_t i = 0; i < 2; ++i)
    CHECK(u[i].log_probs[1] == single.score(unrelated[i]).log_probs[1]);
  const std::uint64_t before = batched.counters().computed_tokens;
  const std::vector<option_scores> again = batched.score_batch({prompts[0], prompts[2]});
  CHECK(again[1].log_probs[0] == a[2].log_probs[0]);
  CHECK(batched.counters().computed_tokens - before < prefix.size());
}
