#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include <flipside/prompt/random.hpp>

using namespace flipside;

TEST_CASE("splitmix64 reproduces the published outputs for seed 1234567") {
  std::uint64_t s = 1234567;
  const std::uint64_t want[] = {6457827717110365317ull, 3203168211198807973ull,
                                9817491932198370423ull, 4593380528125082431ull,
                                16408922859458223821ull};
  for (const auto w : want) CHECK(splitmix64(s) == w);
  // derive_seed with an empty path is splitmix64's first output (0xe220a8397b1dcdaf for 0).
  CHECK(derive_seed(0, {}) == 0xE220A8397B1DCDAFull);
}

TEST_CASE("xoshiro256 starstar reproduces the reference outputs from state 1 2 3 4") {
  auto g = xoshiro256ss::from_state(1, 2, 3, 4);
  const std::uint64_t want[] = {11520ull,
                                0ull,
                                1509978240ull,
                                1215971899390074240ull,
                                1216172134540287360ull,
                                607988272756665600ull,
                                16172922978634559625ull,
                                8476171486693032832ull,
                                10595114339597558777ull,
                                2904607092377533576ull};
  for (const auto w : want) CHECK(g() == w);
}

TEST_CASE("bounded draws stay in range and are uniform enough - recorded values") {
  rng g(7);
  const std::uint64_t recorded[] = {0, 2, 0, 4, 2, 5, 4, 4};
  for (const auto r : recorded) CHECK(g.bounded(6) == r);
  CHECK(g.bounded(1) == 0);
  CHECK_THROWS_AS(g.bounded(0), argument_error);

  // 60 000 draws over 6 bins: a chi-square far beyond any plausible value (df 5: 99.99 % < 25.7)
  // would mean a biased reduction.
  std::size_t bins[6] = {};
  for (int i = 0; i < 60000; ++i) ++bins[g.bounded(6)];
  double chi2 = 0;
  for (const auto b : bins) chi2 += (b - 10000.0) * (b - 10000.0) / 10000.0;
  CHECK(chi2 < 25.7);

  // A range near 2^64 exercises the rejection path.
  const std::uint64_t big = (std::uint64_t{1} << 63) + 12345;
  for (int i = 0; i < 100; ++i) CHECK(g.bounded(big) < big);
  for (int i = 0; i < 100; ++i) {
    const auto v = g.uniform_int(-3, 3);
    CHECK(v >= -3);
    CHECK(v <= 3);
  }
  CHECK(g.uniform_int(5, 5) == 5);
}

TEST_CASE("shuffle is a recorded permutation for a seed") {
  rng g(42);
  const auto p = random_permutation(10, g);
  CHECK(p == std::vector<std::size_t>{7, 3, 8, 9, 5, 6, 4, 1, 0, 2});
  std::vector<int> empty;
  shuffle(empty, g);
  CHECK(empty.empty());
  // Every permutation of 3 elements appears (Fisher–Yates reaches all n!).
  std::set<std::vector<std::size_t>> seen;
  for (int i = 0; i < 200; ++i) seen.insert(random_permutation(3, g));
  CHECK(seen.size() == 6);
}

TEST_CASE("derive_seed separates streams") {
  std::set<std::uint64_t> s;
  for (std::uint64_t a = 0; a < 8; ++a) {
    for (std::uint64_t b = 0; b < 8; ++b) s.insert(derive_seed(3, {a, b}));
  }
  CHECK(s.size() == 64);
  CHECK(derive_seed(3, {1, 2}) != derive_seed(3, {2, 1}));
  CHECK(derive_seed(3, {1}) != derive_seed(4, {1}));
  CHECK(derive_seed(0, {1, 2}) == 6768782832058643234ull);
}
