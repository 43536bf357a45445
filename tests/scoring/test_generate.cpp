// Generate mode on golden models (greedy ids of transformers, ../shared/golden/hf/<case>/
// golden.safetensors gen_prompt/gen_greedy) and calibration run end to end through the scorer.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <flipside/prompt/prompt_builder.hpp>
#include <flipside/scoring.hpp>

#include "scoring_test_util.hpp"
#include "shared_data.hpp"

using namespace flipside;
using namespace flipside::test;

namespace {

// A stand-in detokenizer: token t is the text "t<id> ", except the ids in `newline`, which decode
// to "\n".
struct toy_decode {
  std::vector<std::int32_t> newline;
  std::string operator()(const std::vector<std::int32_t>& ids) const {
    std::string s;
    for (const auto t : ids) {
      bool nl = false;
      for (const auto n : newline) nl = nl || n == t;
      s += nl ? std::string("\n") : "t" + std::to_string(t) + " ";
    }
    return s;
  }
};

std::string words(const std::vector<std::int32_t>& ids, std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += (i ? " t" : "t") + std::to_string(ids[i]);
  return s;
}

}  // namespace

TEST_CASE("greedy generation reproduces transformers' greedy ids and matches labels exactly") {
  const std::string name = GENERATE(values<std::string>({"llama", "qwen2", "gpt2"}));
  FLIPSIDE_SHARED_OR_SKIP(dir, "golden/hf/" + name);
  INFO(name);
  const model m = model::load(dir);
  const auto prompt = read_golden_tensor<std::int32_t>(dir / "golden.safetensors", "gen_prompt");
  const auto greedy = read_golden_tensor<std::int32_t>(dir / "golden.safetensors", "gen_greedy");
  REQUIRE(greedy.size() == 12);

  generate_options o;
  o.max_new_tokens = 12;
  o.stop = "";
  const std::vector<std::string> labels{"nothing like it", words(greedy, 12)};
  const generated_answer all = generate_answer(m, prompt, labels, toy_decode{}, o);
  CHECK(all.tokens == greedy);
  CHECK(all.label == 1);
  CHECK(all.answer == words(greedy, 12));

  // Fewer tokens: the same prefix of the greedy ids; the 12-token label no longer matches.
  o.max_new_tokens = 5;
  const generated_answer five = generate_answer(m, prompt, labels, toy_decode{}, o);
  CHECK(five.tokens == std::vector<std::int32_t>(greedy.begin(), greedy.begin() + 5));
  CHECK(five.label == no_label_match);
  CHECK_FALSE(five.in_label_set());

  // Stop string: decoding ends with the token that produced it; the answer is what came before.
  // k: the first position whose id did not occur before it (decoded as the newline).
  std::size_t k = 1;
  while (k < 12 && std::find(greedy.begin(), greedy.begin() + static_cast<std::ptrdiff_t>(k),
                             greedy[k]) != greedy.begin() + static_cast<std::ptrdiff_t>(k))
    ++k;
  REQUIRE(k < 12);
  o.max_new_tokens = 12;
  o.stop = "\n";
  const generated_answer stopped =
      generate_answer(m, prompt, {words(greedy, k), "x"}, toy_decode{{greedy[k]}}, o);
  CHECK(stopped.tokens.size() == k + 1);
  CHECK(stopped.answer == words(greedy, k));
  CHECK(stopped.label == 0);

  // End of sequence: not part of the tokens or the text.
  o.eos = greedy[k];
  const generated_answer eos = generate_answer(m, prompt, {"x"}, toy_decode{}, o);
  CHECK(eos.tokens ==
        std::vector<std::int32_t>(greedy.begin(), greedy.begin() + static_cast<std::ptrdiff_t>(k)));

  // On a caller's cache holding the prompt, too small for the answer (a fork is used): the cache
  // keeps its size; the same answer.
  auto cache = m.new_cache(prompt.size());
  const auto r = m.forward(cache, prompt, output_rows::last);
  o.eos = -1;
  o.stop = "";
  const generated_answer in_cache =
      generate_answer(m, cache, r.hidden_row(0), labels, toy_decode{}, o);
  CHECK(in_cache.tokens == greedy);
  CHECK(cache.size() == prompt.size());

  answer_tally tally;
  for (const auto* g : {&all, &five, &stopped, &eos}) tally.add(g->label);
  CHECK(tally.out_of_set == 2);
}

TEST_CASE("contextual calibration end to end: content-free prompts share the exemplar prefix") {
  FLIPSIDE_SHARED_OR_SKIP(dir, "golden/hf/llama");
  const model m = model::load(dir);
  // A byte-level stand-in tokenizer (vocab 1024 ≥ 256): every byte is a token.
  auto encode = [](const std::string& s) {
    std::vector<std::int32_t> ids;
    for (const unsigned char ch : s) ids.push_back(ch);
    return ids;
  };
  auto ex = [](std::string text, int label) {
    example e;
    e.fields = {std::move(text)};
    e.label = label;
    return e;
  };
  const prompt_template t = templates::paper();
  const std::vector<example> train{ex("good", 1), ex("bad", 0), ex("fine", 1), ex("dull", 0)};
  const std::vector<std::string> words{"No", "Yes"};
  const auto p = assemble_prompt(t, words, train, {0, 1, 2, 3}, {1, 0, 1, 0}, ex("great", 1));

  std::vector<tokenized_prompt<std::int32_t>> ps{tokenize_prompt(p, encode)};
  for (const auto& input : default_content_free_inputs())
    ps.push_back(tokenize_prompt(content_free_prompt(p, t, input), encode));
  for (const auto& q : ps) REQUIRE(q.prefix == ps[0].prefix);

  label_scorer<> scorer(m);
  const auto scores = scorer.score_prompts(ps, words);
  // The exemplars were run once, then each query and the options' continuations (" No" and
  // " Yes" are 3 and 4 byte tokens: 2 + 3 teacher-forced tokens per prompt).
  std::size_t expected = ps[0].prefix.size();
  for (const auto& q : ps) expected += q.query.size() + 2 + 3;
  CHECK(scorer.stats().forward_tokens == expected);
  const auto cal = contextual_calibration::from_content_free(
      std::vector<option_scores>(scores.begin() + 1, scores.end()));
  // p_cf is the mean of the content-free probabilities …
  for (std::size_t c = 0; c < 2; ++c)
    CHECK(
        cal.p_cf()[c] ==
        Approx((scores[1].probs[c] + scores[2].probs[c] + scores[3].probs[c]) / 3).epsilon(1e-12));
  // … and the query is corrected by it: q ∝ exp(p_c / p_cf_c).
  const option_scores q = cal.apply(scores[0]);
  const double w0 = scores[0].probs[0] / cal.p_cf()[0], w1 = scores[0].probs[1] / cal.p_cf()[1];
  CHECK(q.probs[1] == Approx(std::exp(w1) / (std::exp(w0) + std::exp(w1))).epsilon(1e-12));
  CHECK(q.predicted == (w1 > w0 ? 1 : 0));
}
