// The paper's synthetic task (Wei et al. 2023, §4 and Algorithm 1): N-dimensional linear
// classification, shown with semantically unrelated labels so that only the in-context mapping can
// solve it.
//
//   a ~ U{lo..hi}^N (coefficients), p ~ U{lo..hi}^N (pivot), threshold t = ⟨a, p⟩
//   x ~ U{lo..hi}^N;  class 0 ("Foo") when ⟨a, x⟩ > t, class 1 ("Bar") otherwise
//   input text: the coordinates joined by ", " — "Input: 648, 626, 543, …" / "Output: Foo"
//
// Points are drawn until each class has its quota (rejection keeps the classes balanced). One seed
// fixes a, p and every point: g = xoshiro256**(derive_seed(seed, {stream_tag::synthetic_linear,
// N})), drawing a, then p, then points, coordinate by coordinate. Train and test points are
// distinct draws from the same generator.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <flipside/core/error.hpp>
#include <flipside/data/dataset.hpp>
#include <flipside/prompt/label_policy.hpp>
#include <flipside/prompt/random.hpp>

namespace flipside {

struct linear_task_params {
  std::size_t dims = 16;  // N
  std::size_t train_per_class = 256;
  std::size_t test_per_class = 50;
  std::int64_t lo = 1;  // coordinates, coefficients and pivot are integers in [lo, hi]
  std::int64_t hi = 1000;
  std::uint64_t seed = 0;
  std::size_t max_draws = 10'000'000;  // give up when a class is this rare
};

struct linear_task {
  dataset data;
  std::vector<std::int64_t> coefficients;  // a
  std::vector<std::int64_t> pivot;         // p
  std::int64_t threshold = 0;              // ⟨a, p⟩
};

inline linear_task make_linear_task(const linear_task_params& prm) {
  if (prm.dims == 0) throw argument_error("linear task: dims must be ≥ 1");
  if (prm.hi < prm.lo) throw argument_error("linear task: empty value range");
  if (prm.lo < -1'000'000 || prm.hi > 1'000'000 || prm.dims > 100'000) {
    throw argument_error("linear task: values beyond ±1e6 or more than 1e5 dims could overflow");
  }
  linear_task t;
  rng g(derive_seed(prm.seed, {stream_tag::synthetic_linear, prm.dims}));
  t.coefficients.resize(prm.dims);
  t.pivot.resize(prm.dims);
  for (auto& v : t.coefficients) v = g.uniform_int(prm.lo, prm.hi);
  for (auto& v : t.pivot) v = g.uniform_int(prm.lo, prm.hi);
  for (std::size_t i = 0; i < prm.dims; ++i) t.threshold += t.coefficients[i] * t.pivot[i];

  t.data.task = {
      "linear" + std::to_string(prm.dims), {"above", "not above"}, {"Foo", "Bar"}, {"x"}};
  t.data.split_rule = "generated (Wei et al. 2023, Algorithm 1), seed " + std::to_string(prm.seed);

  const auto fill = [&](std::vector<example>& out, std::size_t per_class) {
    std::size_t have[2] = {0, 0};
    std::vector<std::int64_t> x(prm.dims);
    for (std::size_t draws = 0; have[0] < per_class || have[1] < per_class; ++draws) {
      if (draws == prm.max_draws) {
        throw argument_error("linear task: a class is too rare with this seed (" +
                             std::to_string(have[0]) + " / " + std::to_string(have[1]) + " after " +
                             std::to_string(draws) + " draws)");
      }
      std::int64_t dot = 0;
      for (std::size_t i = 0; i < prm.dims; ++i) {
        x[i] = g.uniform_int(prm.lo, prm.hi);
        dot += t.coefficients[i] * x[i];
      }
      const int cls = dot > t.threshold ? 0 : 1;
      if (have[cls] == per_class) continue;
      ++have[cls];
      std::string text;
      for (std::size_t i = 0; i < prm.dims; ++i) {
        if (i) text += ", ";
        text += std::to_string(x[i]);
      }
      out.push_back(example{{std::move(text)}, cls, 0});
    }
  };
  fill(t.data.train, prm.train_per_class);
  fill(t.data.test, prm.test_per_class);
  t.data.stats.records = t.data.stats.kept = t.data.train.size() + t.data.test.size();
  return t;
}

}  // namespace flipside
