// Which eval examples a run scores (`--eval-n`): a class-balanced, seeded subset of the eval split,
// the same for every cell of a run, so that cells are paired (every policy, k and seed is asked
// about the same examples). The paper evaluates 100 examples per task (Wei et al. 2023, §2).
//
// Algorithm, with g = xoshiro256**(derive_seed(eval_seed, {eval_subset_tag})): for each class in
// order, a random permutation of that class's eval indices; then round-robin over the classes in
// class order, taking each class's next index, skipping exhausted classes, until n are taken;
// returned in ascending order. n ≥ the split size takes every example (in order).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <flipside/core/error.hpp>
#include <flipside/data/example.hpp>
#include <flipside/prompt/random.hpp>

namespace flipside {

// A derive_seed() stream tag of its own (the prompt layer's tags are 1 … 5).
inline constexpr std::uint64_t eval_subset_tag = 101;

inline std::vector<std::size_t> select_eval_examples(const std::vector<example>& eval,
                                                     std::size_t n_classes, std::size_t n,
                                                     std::uint64_t eval_seed = 0) {
  std::vector<std::size_t> out;
  if (n >= eval.size()) {
    for (std::size_t i = 0; i < eval.size(); ++i) out.push_back(i);
    return out;
  }
  std::vector<std::vector<std::size_t>> by_class(n_classes);
  for (std::size_t i = 0; i < eval.size(); ++i) {
    const auto c = static_cast<std::size_t>(eval[i].label);
    if (eval[i].label < 0 || c >= n_classes)
      throw argument_error("eval example " + std::to_string(i) + ": label out of range");
    by_class[c].push_back(i);
  }
  rng g(derive_seed(eval_seed, {eval_subset_tag}));
  for (auto& v : by_class) {
    const auto perm = random_permutation(v.size(), g);
    std::vector<std::size_t> shuffled(v.size());
    for (std::size_t j = 0; j < v.size(); ++j) shuffled[j] = v[perm[j]];
    v = std::move(shuffled);
  }
  std::vector<std::size_t> next(n_classes, 0);
  while (out.size() < n) {
    for (std::size_t c = 0; c < n_classes && out.size() < n; ++c)
      if (next[c] < by_class[c].size()) out.push_back(by_class[c][next[c]++]);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace flipside
