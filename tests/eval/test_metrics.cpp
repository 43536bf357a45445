#include <catch2/catch.hpp>

#include <cmath>

#include <flipside/eval/cell_metrics.hpp>
#include <flipside/eval/wilson.hpp>

#include "eval_support.hpp"

using namespace flipside;

namespace {
// The Wilson bounds are the roots in p of (p̂ − p)² = z² p (1 − p) / n, i.e. of
// (1 + z²/n) p² − (2p̂ + z²/n) p + p̂² = 0: solved here by the quadratic formula, independently of
// the centre/half-width form in wilson.hpp.
std::pair<double, double> wilson_by_quadratic(double s, double n, double z) {
  const double ph = s / n, a = 1 + z * z / n, b = -(2 * ph + z * z / n), c = ph * ph;
  const double disc = std::sqrt(b * b - 4 * a * c);
  return {(-b - disc) / (2 * a), (-b + disc) / (2 * a)};
}
}  // namespace

TEST_CASE("Wilson interval equals the roots of its defining quadratic to 1e-9") {
  for (const auto& sn : {std::pair<int, int>{81, 263},
                         {15, 148},
                         {1, 29},
                         {50, 100},
                         {99, 100},
                         {100, 100},
                         {0, 100},
                         {3, 7}}) {
    const auto iv = wilson_interval(sn.first, sn.second);
    const auto ref = wilson_by_quadratic(sn.first, sn.second, z_95);
    CHECK(iv.lo == Approx(std::max(0.0, ref.first)).margin(1e-9));
    CHECK(iv.hi == Approx(std::min(1.0, ref.second)).margin(1e-9));
  }
  // 0 of n: the upper bound is z²/(n + z²) exactly (the quadratic's root with p̂ = 0).
  const double z2 = z_95 * z_95;
  CHECK(wilson_interval(0, 10).lo == 0.0);
  CHECK(wilson_interval(0, 10).hi == Approx(z2 / (10 + z2)).margin(1e-12));
  CHECK(wilson_interval(10, 10).lo == Approx(10 / (10 + z2)).margin(1e-12));
  CHECK(wilson_interval(0, 0).lo == 0.0);
  CHECK(wilson_interval(0, 0).hi == 1.0);
}

TEST_CASE("Wilson interval reproduces Newcombe (1998), Table II, method 3") {
  // Newcombe, "Two-sided confidence intervals for the single proportion", Stat Med 17:857, 1998.
  CHECK(wilson_interval(81, 263).lo == Approx(0.2553).margin(5e-5));
  CHECK(wilson_interval(81, 263).hi == Approx(0.3662).margin(5e-5));
  CHECK(wilson_interval(15, 148).lo == Approx(0.0624).margin(5e-5));
  CHECK(wilson_interval(15, 148).hi == Approx(0.1605).margin(5e-5));
  CHECK(wilson_interval(0, 20).hi == Approx(0.1611).margin(5e-5));
  CHECK(wilson_interval(1, 29).lo == Approx(0.0061).margin(5e-5));
  CHECK(wilson_interval(1, 29).hi == Approx(0.1718).margin(5e-5));
}

TEST_CASE("cell metrics on a hand-computed three-class example") {
  cell_result c;
  c.key.policy = "flip:100";
  c.classes = {"a", "b", "c"};
  // gold, pred, flipped (flip derangement g → g+1 mod 3)
  const int rows[][3] = {{0, 0, 1}, {0, 1, 1},  {1, 2, 2}, {1, 1, 2},
                         {2, 0, 0}, {2, -1, 0}, {0, 1, 1}, {2, 2, 0}};
  for (const auto& r : rows) {
    example_record e;
    e.gold = r[0];
    e.predicted = r[1];
    e.flipped = r[2];
    c.records.push_back(e);
  }
  const cell_metrics m = compute_metrics(c);
  CHECK(m.n == 8);
  CHECK(m.correct == 3);  // rows 0, 3, 7
  CHECK(m.accuracy() == 3.0 / 8);
  CHECK(m.flip_eligible == 8);
  CHECK(m.flip_followed == 4);  // rows 1, 2, 4, 6
  CHECK(m.flip_following() == 0.5);
  CHECK_FALSE(m.majority_follows_flip());  // 4 of 8 is not a strict majority
  CHECK(m.n_out_of_set == 1);
  CHECK(m.out_of_set_rate() == 1.0 / 8);
  const std::vector<std::vector<std::size_t>> confusion = {
      {1, 2, 0, 0}, {0, 1, 1, 0}, {1, 0, 1, 1}};
  CHECK(m.confusion == confusion);
  CHECK(m.class_recall(0) == 1.0 / 3);
  CHECK(m.class_recall(2) == 1.0 / 3);
  const auto iv = m.accuracy_interval();
  CHECK(iv.lo == wilson_interval(3, 8).lo);

  // Pooling two cells equals the metrics of their concatenated records.
  cell_metrics pooled = m;
  pooled += m;
  CHECK(pooled.n == 16);
  CHECK(pooled.correct == 6);
  CHECK(pooled.confusion[2][3] == 2);

  // No flipped exemplars: flip-following is undefined (NaN), not 0.
  for (auto& e : c.records) e.flipped = no_flip;
  CHECK(std::isnan(compute_metrics(c).flip_following()));
}

TEST_CASE("cell metrics reject records outside the label set") {
  cell_result c = eval_test::make_cell({"m", "sst2", "gold", 4, 0}, 4, 4);
  c.records[2].predicted = 2;
  CHECK_THROWS_AS(compute_metrics(c), argument_error);
  c.records[2].predicted = 0;
  c.records[1].gold = -1;
  CHECK_THROWS_WITH(compute_metrics(c), Catch::Contains("record 1"));
  cell_metrics a = cell_metrics::empty(2), b = cell_metrics::empty(3);
  CHECK_THROWS_AS(a += b, argument_error);
}
