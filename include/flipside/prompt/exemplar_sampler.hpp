// Exemplar sampling: k exemplars per class from the train split, class-balanced, never the query,
// in shuffled order, reproducible from a seed on every platform.
//
// The pool is the train split minus every example whose input also appears in the eval split
// (SST-2's train and test share three sentences), so no exemplar is ever a copy of a query. When
// the eval split is the train split itself, only the query's own index is excluded instead.
//
// Algorithm, for a seed and a stream (see the sampling modes below), with
// g = xoshiro256**(derive_seed(seed, {stream_tag::exemplars, stream})):
//   for each class c in order: take the pool's train indices of class c in ascending order and
//     draw k of them by partial Fisher–Yates (for j = 0, 1, …: swap entry j with entry
//     j + g.bounded(size − j); entry j is the pick, skipped when it is the excluded query);
//   then shuffle the k·C picks with Fisher–Yates (shuffle() in random.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include <flipside/core/error.hpp>
#include <flipside/data/example.hpp>
#include <flipside/prompt/label_policy.hpp>
#include <flipside/prompt/random.hpp>

namespace flipside {

// Sampling modes (policy tags): which stream an eval example's exemplars come from.
// fresh_per_example: new exemplars for every eval example (the paper).
struct fresh_per_example {
  static constexpr const char* name = "fresh";
  static constexpr std::uint64_t stream(std::size_t eval_index) noexcept { return eval_index; }
};
// shared_per_seed: one exemplar set (and one set of flipped positions) for all eval examples of a
// seed — every prompt then shares its whole prefix (HELM-style, cache friendly).
struct shared_per_seed {
  static constexpr const char* name = "shared";
  static constexpr std::uint64_t stream(std::size_t) noexcept { return ~std::uint64_t{0}; }
};

class exemplar_sampler {
 public:
  // `eval`: the split the queries come from (its inputs are removed from the pool), or the train
  // split itself (then sample() excludes the query by index), or nullptr (no exclusion).
  exemplar_sampler(const std::vector<example>& train, std::size_t n_classes,
                   std::size_t k_per_class, const std::vector<example>* eval = nullptr)
      : n_classes_(n_classes), k_(k_per_class), same_split_(eval == &train) {
    if (n_classes < 1) throw argument_error("exemplar_sampler: no classes");
    std::unordered_set<std::string> eval_keys;
    if (eval && !same_split_) {
      for (const auto& e : *eval) eval_keys.insert(e.key());
    }
    pools_.resize(n_classes);
    for (std::size_t i = 0; i < train.size(); ++i) {
      const auto c = static_cast<std::size_t>(train[i].label);
      if (c >= n_classes) throw argument_error("exemplar_sampler: train label out of range");
      if (!eval_keys.empty() && eval_keys.count(train[i].key())) {
        ++excluded_;
        continue;
      }
      pools_[c].push_back(i);
    }
    for (std::size_t c = 0; c < n_classes; ++c) {
      if (pools_[c].size() < k_) {
        throw argument_error(
            "class " + std::to_string(c) + " has " + std::to_string(pools_[c].size()) +
            " train examples available, fewer than k = " + std::to_string(k_) + " per class");
      }
    }
  }

  std::size_t k_per_class() const noexcept { return k_; }
  std::size_t num_classes() const noexcept { return n_classes_; }
  // Train examples left out because their input is also an eval input.
  std::size_t excluded() const noexcept { return excluded_; }
  const std::vector<std::size_t>& pool(std::size_t c) const { return pools_.at(c); }

  // Train indices of k exemplars per class, in prompt order. `skip_train_index`: the query's own
  // index when the queries come from the train split.
  std::vector<std::size_t> sample(std::uint64_t seed, std::uint64_t stream,
                                  std::optional<std::size_t> skip_train_index = {}) const {
    rng g(derive_seed(seed, {stream_tag::exemplars, stream}));
    std::vector<std::size_t> picks;
    picks.reserve(k_ * n_classes_);
    for (std::size_t c = 0; c < n_classes_; ++c) {
      std::vector<std::size_t> pool = pools_[c];
      std::size_t got = 0;
      for (std::size_t j = 0; got < k_; ++j) {
        if (j == pool.size()) {
          throw argument_error("class " + std::to_string(c) +
                               ": not enough train examples for k = " + std::to_string(k_));
        }
        std::swap(pool[j], pool[j + static_cast<std::size_t>(g.bounded(pool.size() - j))]);
        if (skip_train_index && pool[j] == *skip_train_index) continue;
        picks.push_back(pool[j]);
        ++got;
      }
    }
    shuffle(picks, g);
    return picks;
  }

  // The exemplars of eval example `eval_index` under sampling mode `Mode`. (With queries from the
  // train split, shared_per_seed still replaces the query when the shared set would contain it.)
  template <class Mode = fresh_per_example>
  std::vector<std::size_t> sample_for(std::uint64_t seed, std::size_t eval_index) const {
    std::optional<std::size_t> skip;
    if (same_split_) skip = eval_index;
    return sample(seed, Mode::stream(eval_index), skip);
  }

 private:
  std::size_t n_classes_;
  std::size_t k_;
  bool same_split_;
  std::size_t excluded_ = 0;
  std::vector<std::vector<std::size_t>> pools_;
};

}  // namespace flipside
