// Label policies: exact flip counts, nesting across p, the derangement, SUL mappings, parsing.
#include <catch2/catch.hpp>

#include <algorithm>

#include <flipside/data/builtin_datasets.hpp>
#include <flipside/prompt/label_policy.hpp>
#include <flipside/prompt/label_words.hpp>

using namespace flipside;

namespace {
std::vector<int> classes(std::size_t n, std::size_t n_classes) {
  std::vector<int> t(n);
  for (std::size_t i = 0; i < n; ++i) t[i] = static_cast<int>((i * 7 + 3) % n_classes);
  return t;
}
std::size_t count_flips(const std::vector<int>& a, const std::vector<int>& b) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < a.size(); ++i) n += a[i] != b[i];
  return n;
}
}  // namespace

TEST_CASE("flip_count is round(p times n) - half away from zero") {
  CHECK(flip_count(0.5, 32) == 16);
  CHECK(flip_count(0.25, 6) == 2);  // 1.5 → 2
  CHECK(flip_count(0.5, 5) == 3);   // 2.5 → 3
  CHECK(flip_count(0.75, 2) == 2);  // 1.5 → 2
  CHECK(flip_count(0.1, 4) == 0);   // 0.4 → 0
  CHECK(flip_count(0.0, 9) == 0);
  CHECK(flip_count(1.0, 9) == 9);
  CHECK_THROWS_AS(flip_count(1.5, 3), argument_error);
  CHECK_THROWS_AS(flip_count(-0.1, 3), argument_error);
}

TEST_CASE("flip_class is a derangement: no class maps to itself - binary swaps") {
  CHECK(flip_class(0, 2) == 1);
  CHECK(flip_class(1, 2) == 0);
  for (std::size_t n = 2; n <= 10; ++n) {
    std::vector<bool> hit(n, false);
    for (std::size_t c = 0; c < n; ++c) {
      const int f = flip_class(static_cast<int>(c), n);
      CHECK(static_cast<std::size_t>(f) != c);
      hit[static_cast<std::size_t>(f)] = true;
    }
    CHECK(std::all_of(hit.begin(), hit.end(), [](bool b) { return b; }));  // a permutation
  }
  CHECK(flip_class(5, 6) == 0);  // TREC: NUM → ABBR
}

TEST_CASE(
    "flipped labels: exactly round(p times n) flips - nested across p for one seed and stream") {
  for (std::size_t n_classes : {2u, 3u, 6u}) {
    for (std::size_t n : {1u, 2u, 5u, 8u, 32u, 96u}) {
      const auto truth = classes(n, n_classes);
      for (std::uint64_t stream = 0; stream < 20; ++stream) {
        std::vector<int> previous = truth;
        for (int pct = 0; pct <= 100; pct += 5) {
          const double p = pct / 100.0;
          const auto shown = shown_classes(flipped_labels{p}, truth, n_classes, 11, stream);
          REQUIRE(count_flips(truth, shown) == flip_count(p, n));
          for (std::size_t i = 0; i < n; ++i) {
            if (shown[i] != truth[i]) REQUIRE(shown[i] == flip_class(truth[i], n_classes));
            // Nested: whatever was flipped at a smaller p stays flipped.
            if (previous[i] != truth[i]) REQUIRE(shown[i] == previous[i]);
          }
          previous = shown;
        }
      }
    }
  }
  // Recorded: the flipped positions of 8 exemplars for seed 0, stream 0.
  const std::vector<int> truth{0, 1, 0, 1, 1, 0, 1, 0};
  CHECK(shown_classes(flipped_labels{0.25}, truth, 2, 0, 0) ==
        std::vector<int>{1, 1, 0, 1, 1, 1, 1, 0});
  CHECK(shown_classes(flipped_labels{0.5}, truth, 2, 0, 0) ==
        std::vector<int>{1, 1, 1, 1, 1, 1, 1, 1});
  CHECK(shown_classes(flipped_labels{0.75}, truth, 2, 0, 0) ==
        std::vector<int>{1, 0, 1, 1, 1, 1, 0, 1});
  CHECK(shown_classes(flipped_labels{1.0}, truth, 2, 0, 0) ==
        std::vector<int>{1, 0, 1, 0, 0, 1, 0, 1});
}

TEST_CASE("flipped labels: the independent draw has exact counts but is not nested") {
  const auto truth = classes(32, 2);
  bool some_not_nested = false;
  for (std::uint64_t stream = 0; stream < 20; ++stream) {
    const auto a = shown_classes(flipped_labels{0.25, flip_draw::independent}, truth, 2, 5, stream);
    const auto b = shown_classes(flipped_labels{0.5, flip_draw::independent}, truth, 2, 5, stream);
    CHECK(count_flips(truth, a) == 8);
    CHECK(count_flips(truth, b) == 16);
    for (std::size_t i = 0; i < truth.size(); ++i) {
      if (a[i] != truth[i] && b[i] == truth[i]) some_not_nested = true;
    }
    // Deterministic.
    CHECK(a == shown_classes(flipped_labels{0.25, flip_draw::independent}, truth, 2, 5, stream));
  }
  CHECK(some_not_nested);
}

TEST_CASE("gold and random label mappings") {
  const auto truth = classes(40, 3);
  CHECK(shown_classes(gold_labels{}, truth, 3, 1, 2) == truth);
  const auto r = shown_classes(random_labels{}, truth, 3, 1, 2);
  CHECK(r == shown_classes(random_labels{}, truth, 3, 1, 2));
  CHECK(r != shown_classes(random_labels{}, truth, 3, 1, 3));
  std::size_t seen[3] = {};
  for (const int c : r) {
    REQUIRE(c >= 0);
    REQUIRE(c < 3);
    ++seen[c];
  }
  CHECK(seen[0] > 0);
  CHECK(seen[1] > 0);
  CHECK(seen[2] > 0);
}

TEST_CASE("semantically unrelated labels (SUL) per task") {
  const auto sst2 = builtin_task("sst2");
  const auto trec = builtin_task("trec");
  const auto cb = builtin_task("cb");
  label_words_choice sul{label_vocabulary::unrelated, {}};
  CHECK(resolve_label_words(sul, sst2) == std::vector<std::string>{"Foo", "Bar"});
  CHECK(resolve_label_words(sul, cb) == std::vector<std::string>{"Foo", "Bar", "Iff"});
  CHECK(resolve_label_words(sul, trec) ==
        std::vector<std::string>{"Foo", "Bar", "Iff", "Roc", "Ket", "Dal"});
  CHECK(resolve_label_words({label_vocabulary::letters, {}}, trec) ==
        std::vector<std::string>{"A", "B", "C", "D", "E", "F"});
  CHECK(resolve_label_words({label_vocabulary::numbers, {}}, sst2) ==
        std::vector<std::string>{"0", "1"});
  CHECK(resolve_label_words({label_vocabulary::custom, {"cold", "hot"}}, sst2) ==
        std::vector<std::string>{"cold", "hot"});
  CHECK(resolve_label_words({}, sst2) == sst2.label_words);
  CHECK_THROWS_AS(resolve_label_words({label_vocabulary::custom, {"x"}}, sst2), argument_error);
  CHECK_THROWS_AS(resolve_label_words({label_vocabulary::custom, {"x", "x"}}, sst2),
                  argument_error);
  task_info seven{
      "seven", {"a", "b", "c", "d", "e", "f", "g"}, {"A", "B", "C", "D", "E", "F", "G"}, {"s"}};
  CHECK_THROWS_WITH(resolve_label_words(sul, seven), Catch::Contains("use letters or numbers"));
}

TEST_CASE("label policies parse and print their canonical names") {
  for (const char* s :
       {"gold", "flip:0", "flip:25", "flip:50", "flip:12.5", "flip:100", "flip-indep:75", "random",
        "sul", "sul:letters", "sul:numbers", "sul:yes,no", "sul+flip:100", "sul:letters+random"}) {
    CHECK(parse_label_policy(s).name() == s);
  }
  CHECK(parse_label_policy("flip").name() == "flip:100");
  CHECK(parse_label_policy("flip+sul").name() == "sul+flip:100");
  const auto p = parse_label_policy("flip:50");
  REQUIRE(std::holds_alternative<flipped_labels>(p.mapping));
  CHECK(std::get<flipped_labels>(p.mapping).fraction == 0.5);
  CHECK(p.is_flipped());
  CHECK_FALSE(parse_label_policy("flip:0").is_flipped());
  CHECK(label_policy::unrelated().name() == "sul");
  CHECK(label_policy::flipped(0.75, flip_draw::independent).name() == "flip-indep:75");
  for (const char* bad : {"", "flip:", "flip:150", "flip:-5", "flip:abc", "gold+random", "sul+sul",
                          "sul:", "swap", "sul:,x"}) {
    CHECK_THROWS_AS(
        [&] {
          auto q = parse_label_policy(bad);
          resolve_label_words(q.words, builtin_task("sst2"));
        }(),
        argument_error);
  }
}
