// Exemplar sampling: recorded indices for fixed seeds (written once, asserted forever), class
// balance, never the query, the two sampling modes.
#include <catch2/catch.hpp>

#include <set>

#include <flipside/data/builtin_datasets.hpp>
#include <flipside/prompt/exemplar_sampler.hpp>

#include "shared_data.hpp"

using namespace flipside;

namespace {
std::vector<example> toy(std::size_t n, std::size_t n_classes) {
  std::vector<example> v;
  for (std::size_t i = 0; i < n; ++i) {
    v.push_back({{"t" + std::to_string(i)}, static_cast<int>(i % n_classes), i + 1});
  }
  return v;
}
}  // namespace

TEST_CASE("sampler: recorded indices on a toy split") {
  const auto train = toy(30, 3);
  const exemplar_sampler s(train, 3, 2);
  CHECK(s.sample(0, 0) == std::vector<std::size_t>{25, 2, 0, 24, 8, 13});
  CHECK(s.sample(0, 1) == std::vector<std::size_t>{1, 23, 28, 24, 15, 26});
  CHECK(s.sample(1, 0) == std::vector<std::size_t>{23, 16, 8, 7, 15, 12});
}

TEST_CASE("sampler: k per class - distinct - deterministic - order shuffled") {
  const auto train = toy(300, 3);
  const exemplar_sampler s(train, 3, 8);
  bool some_order_not_grouped = false;
  for (std::uint64_t stream = 0; stream < 50; ++stream) {
    const auto picks = s.sample(9, stream);
    REQUIRE(picks.size() == 24);
    CHECK(picks == s.sample(9, stream));
    std::set<std::size_t> distinct(picks.begin(), picks.end());
    CHECK(distinct.size() == 24);
    std::size_t per[3] = {};
    for (const auto i : picks) ++per[train[i].label];
    CHECK(per[0] == 8);
    CHECK(per[1] == 8);
    CHECK(per[2] == 8);
    for (std::size_t i = 1; i < picks.size(); ++i) {
      if (train[picks[i]].label < train[picks[i - 1]].label) some_order_not_grouped = true;
    }
  }
  CHECK(some_order_not_grouped);
}

TEST_CASE("sampler: never the query") {
  // Eval inputs that also appear in train are removed from the pool.
  auto train = toy(12, 2);
  std::vector<example> eval{{{"t3"}, 1, 1}, {{"unseen"}, 0, 2}};
  const exemplar_sampler s(train, 2, 5, &eval);
  CHECK(s.excluded() == 1);
  CHECK(s.pool(1).size() == 5);
  for (std::uint64_t stream = 0; stream < 30; ++stream) {
    for (const auto i : s.sample(0, stream)) CHECK(train[i].fields[0] != "t3");
  }
  // Queries from the train split itself: the query's index is skipped.
  const exemplar_sampler same(train, 2, 5, &train);
  CHECK(same.excluded() == 0);
  for (std::size_t q = 0; q < train.size(); ++q) {
    const auto picks = same.sample_for<fresh_per_example>(4, q);
    CHECK(std::count(picks.begin(), picks.end(), q) == 0);
    // Class of the query has only 5 others left when k = 5 of 6: still possible.
    CHECK(picks.size() == 10);
  }
  const exemplar_sampler greedy(train, 2, 6, &train);
  CHECK_THROWS_AS(greedy.sample_for<fresh_per_example>(0, 0), argument_error);
  CHECK_THROWS_WITH(exemplar_sampler(train, 2, 7), Catch::Contains("class 0 has 6"));
}

TEST_CASE("sampler: fresh exemplars per eval example vs one shared set per seed") {
  const auto train = toy(100, 2);
  const exemplar_sampler s(train, 2, 4);
  const auto a = s.sample_for<shared_per_seed>(1, 0);
  for (std::size_t q = 1; q < 20; ++q) CHECK(s.sample_for<shared_per_seed>(1, q) == a);
  CHECK(s.sample_for<shared_per_seed>(2, 0) != a);
  std::set<std::vector<std::size_t>> fresh;
  for (std::size_t q = 0; q < 20; ++q) fresh.insert(s.sample_for<fresh_per_example>(1, q));
  CHECK(fresh.size() == 20);
  CHECK(s.sample_for<fresh_per_example>(1, 3) == s.sample(1, 3));
}

TEST_CASE("sampler: recorded SST-2 exemplars (k = 4 per class)") {
  FLIPSIDE_SHARED_OR_SKIP(dir, "data");
  const auto d = load_builtin_dataset("sst2", dir);
  const exemplar_sampler s(d.train, 2, 4, &d.test);
  CHECK(s.excluded() == 3);  // three train sentences are also test sentences
  CHECK(s.sample_for<fresh_per_example>(0, 0) ==
        std::vector<std::size_t>{519, 4868, 1889, 4104, 5148, 5668, 1430, 6888});
  CHECK(s.sample_for<fresh_per_example>(0, 1) ==
        std::vector<std::size_t>{6850, 2284, 4740, 5720, 6518, 1352, 3261, 6663});
  CHECK(s.sample_for<shared_per_seed>(3, 5) ==
        std::vector<std::size_t>{6148, 6272, 1349, 892, 4000, 3856, 4737, 131});
}
