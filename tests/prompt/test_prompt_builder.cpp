// The builder end to end on SST-2: one prompt byte for byte, and the structure the benchmark relies
// on (same exemplars under every policy, nested flips, shared prefixes).
#include <catch2/catch.hpp>

#include <flipside/data/builtin_datasets.hpp>
#include <flipside/prompt/prompt_builder.hpp>

#include "shared_data.hpp"

using namespace flipside;

namespace {
std::size_t common_prefix(const std::string& a, const std::string& b) {
  std::size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  return i;
}
}  // namespace

TEST_CASE("builder: a 4-shot SST-2 prompt byte for byte - under four policies") {
  FLIPSIDE_SHARED_OR_SKIP(dir, "data");
  const auto d = load_builtin_dataset("sst2", dir);
  const auto make = [&](const char* policy) {
    return prompt_builder<>(d, split::test,
                            {templates::paper(), parse_label_policy(policy), 2, 0})(0);
  };
  const auto gold = make("gold");
  const std::string e1 =
      "Input: nicely combines the enigmatic features of ` memento ' with the hallucinatory drug "
      "culture of ` requiem for a dream . '\nOutput: ";
  const std::string e2 =
      "Input: even during the climactic hourlong cricket match , boredom never takes hold .\n"
      "Output: ";
  const std::string e3 = "Input: stiff and schmaltzy and clumsily directed .\nOutput: ";
  const std::string e4 =
      "Input: lacking substance and soul , crossroads comes up shorter than britney 's cutoffs "
      ".\nOutput: ";
  const std::string q = "\n\nInput: no movement , no yuks , not much of anything .\nOutput:";
  const std::string pos = "Positive Sentiment", neg = "Negative Sentiment", sep = "\n\n";
  CHECK(gold.prefix == e1 + pos + sep + e2 + pos + sep + e3 + neg + sep + e4 + neg);
  CHECK(gold.query == q);
  CHECK(gold.gold == 0);
  CHECK(make("flip:50").prefix == e1 + neg + sep + e2 + neg + sep + e3 + neg + sep + e4 + neg);
  CHECK(make("flip:100").prefix == e1 + neg + sep + e2 + neg + sep + e3 + pos + sep + e4 + pos);
  const auto sul = make("sul");
  CHECK(sul.prefix == e1 + "Bar" + sep + e2 + "Bar" + sep + e3 + "Foo" + sep + e4 + "Foo");
  CHECK(sul.options == std::vector<std::string>{" Foo", " Bar"});
  CHECK(sul.gold == 0);
}

TEST_CASE("builder: every policy shows the same exemplars - flips nest and share prefixes") {
  FLIPSIDE_SHARED_OR_SKIP(dir, "data");
  const auto d = load_builtin_dataset("sst2", dir);
  const char* policies[] = {"gold", "flip:25", "flip:50", "flip:75", "flip:100", "sul", "random"};
  for (std::size_t q = 0; q < 5; ++q) {
    std::vector<assembled_prompt> ps;
    for (const char* pol : policies) {
      ps.push_back(prompt_builder<>(d, split::test,
                                    {templates::paper(), parse_label_policy(pol), 16, 7})(q));
    }
    const auto& gold = ps[0];
    REQUIRE(gold.exemplars.size() == 32);
    for (const auto& p : ps) {
      REQUIRE(p.exemplars.size() == 32);
      for (std::size_t i = 0; i < 32; ++i) {
        CHECK(p.exemplars[i].train_index == gold.exemplars[i].train_index);
        CHECK(p.exemplars[i].true_class == d.train[gold.exemplars[i].train_index].label);
      }
      CHECK(p.query == gold.query);
      CHECK(p.gold == d.test[q].label);
    }
    // Flip counts 8, 16, 24, 32 and nesting.
    for (std::size_t j = 1; j <= 4; ++j) CHECK(ps[j].num_flipped() == 8 * j);
    for (std::size_t j = 2; j <= 4; ++j) {
      for (std::size_t i = 0; i < 32; ++i) {
        if (ps[j - 1].exemplars[i].flipped()) CHECK(ps[j].exemplars[i].flipped());
      }
    }
    // Two prompts agree on their text exactly up to the first exemplar whose label differs.
    for (std::size_t j = 1; j <= 4; ++j) {
      std::size_t first = 32;
      for (std::size_t i = 0; i < 32; ++i) {
        if (ps[j].exemplars[i].flipped()) {
          first = i;
          break;
        }
      }
      REQUIRE(first < 32);
      CHECK(common_prefix(gold.prefix, ps[j].prefix) ==
            gold.exemplars[first].label_begin + 1 +
                common_prefix("Positive Sentiment", "Negative Sentiment"));
    }
  }
}

TEST_CASE("builder: shared-per-seed mode gives every query the same prefix") {
  FLIPSIDE_SHARED_OR_SKIP(dir, "data");
  const auto d = load_builtin_dataset("sst2", dir);
  const prompt_builder<shared_per_seed> b(d, split::test,
                                          {templates::paper(), label_policy::flipped(0.5), 4, 1});
  const auto first = b(0);
  CHECK(first.num_flipped() == 4);
  for (std::size_t q = 1; q < 30; ++q) {
    const auto p = b(q);
    CHECK(p.prefix == first.prefix);
    CHECK(p.query != first.query);
  }
  CHECK(b.size() == 1821);
  CHECK_THROWS_AS(b(1821), argument_error);
  CHECK(std::string(b.sampling_name()) == "shared");
}

TEST_CASE("builder: pair tasks - multi-class - instruction - errors") {
  FLIPSIDE_SHARED_OR_SKIP(dir, "data");
  const auto rte = load_builtin_dataset("rte", dir);
  const auto p =
      prompt_builder<>(rte, split::test, {templates::paper(), label_policy::gold(), 1, 0})(0);
  CHECK(
      p.query ==
      "\n\nInput: Dana Reeve, the widow of the actor Christopher Reeve, has died of lung cancer at "
      "age 44, according to the Christopher Reeve Foundation.\nChristopher Reeve had an "
      "accident.\nOutput:");
  CHECK(p.options == std::vector<std::string>{" Entails", " Does not entail"});

  const auto trec = load_builtin_dataset("trec", dir);
  const prompt_builder<> tb(trec, split::test, {templates::qa(), label_policy::flipped(1.0), 1, 2});
  const auto t = tb(3);
  REQUIRE(t.exemplars.size() == 6);
  for (const auto& e : t.exemplars) CHECK(e.shown_class == flip_class(e.true_class, 6));
  CHECK(t.query == "\n\nQ: What is an atom ?\nA:");
  CHECK(t.flipped_target == flip_class(t.gold, 6));

  prompt_config cfg;
  cfg.tmpl.instruction = "Classify the question.";
  cfg.k_per_class = 1;
  const auto withi = prompt_builder<>(trec, split::test, cfg)(0);
  CHECK(withi.prefix.rfind("Classify the question.\n\nInput: ", 0) == 0);

  // TREC has 86 ABBR questions in train, two of which are also test questions: 84 are usable.
  CHECK_THROWS_WITH(
      prompt_builder<>(trec, split::test, {templates::paper(), label_policy::gold(), 85, 0}),
      Catch::Contains("class 0 has 84 train examples available, fewer than k = 85"));
  CHECK_NOTHROW(
      prompt_builder<>(trec, split::test, {templates::paper(), label_policy::gold(), 84, 0}));
  CHECK_THROWS_AS(prompt_builder<>(rte, split::dev, {}), argument_error);  // no dev split
}
