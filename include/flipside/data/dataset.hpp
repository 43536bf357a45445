// A loaded task: its description and its train / dev / test splits.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <flipside/core/error.hpp>
#include <flipside/data/example.hpp>
#include <flipside/data/load_options.hpp>
#include <flipside/data/task.hpp>

namespace flipside {

enum class split { train, dev, test };

inline const char* to_string(split s) noexcept {
  switch (s) {
    case split::train:
      return "train";
    case split::dev:
      return "dev";
    case split::test:
      return "test";
  }
  return "?";
}

inline split parse_split(std::string_view s) {
  if (s == "train") return split::train;
  if (s == "dev" || s == "val" || s == "validation") return split::dev;
  if (s == "test") return split::test;
  throw argument_error("unknown split '" + std::string(s) + "' (train, dev, test)");
}

struct dataset {
  task_info task;
  std::vector<example> train, dev, test;  // dev may be empty
  std::string split_rule;                 // where each split came from (files, or the holdout rule)
  load_stats stats;                       // summed over every file read

  const std::vector<example>& get(split s) const {
    switch (s) {
      case split::train:
        return train;
      case split::dev:
        return dev;
      case split::test:
        break;
    }
    return test;
  }
  std::vector<example>& get(split s) {
    return const_cast<std::vector<example>&>(static_cast<const dataset&>(*this).get(s));
  }

  std::vector<std::size_t> class_counts(split s) const {
    std::vector<std::size_t> n(task.num_classes(), 0);
    for (const auto& e : get(s)) ++n.at(static_cast<std::size_t>(e.label));
    return n;
  }
};

// The deterministic split of a dataset published as one file (or one file per class): within each
// class, in file order, the every-th example (positions every-1, 2·every-1, …) goes to test and
// the others to train. Stratified, independent of any random generator, stable when a file grows
// at its end; every = 5 gives 80 % train / 20 % test.
inline void holdout_split(const std::vector<example>& all, std::size_t n_classes, std::size_t every,
                          std::vector<example>& train, std::vector<example>& test) {
  if (every < 2) throw argument_error("holdout_split: every must be ≥ 2");
  std::vector<std::size_t> seen(n_classes, 0);
  for (const auto& e : all) {
    const auto c = static_cast<std::size_t>(e.label);
    if (c >= n_classes) throw argument_error("holdout_split: label out of range");
    (++seen[c] % every == 0 ? test : train).push_back(e);
  }
}

}  // namespace flipside
