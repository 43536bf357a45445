// The cells of a sweep: every combination of the run's models, tasks, label policies, k values,
// seeds, scoring modes and calibration settings. Cells come out grouped the way prefix sharing
// wants them — model, task, k and seed outermost (one exemplar set), then policy, scoring and
// calibration innermost — so that an orchestrator walking the list in order keeps a group's
// shared prefixes hot. shard.hpp splits the same list; resume.hpp filters it.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <flipside/core/error.hpp>
#include <flipside/eval/cell.hpp>

namespace flipside {

struct grid_spec {
  std::vector<std::string> models, tasks, policies;
  std::vector<int> ks = {16};
  std::vector<std::uint64_t> seeds = {0};
  std::vector<scoring_mode> scorings = {scoring_mode::label_logit};
  std::vector<bool> calibrations = {false};

  // Throws argument_error on an empty dimension or a repeated value (a repeated cell would be
  // computed twice and then refused as a duplicate key).
  std::vector<cell_key> cells() const {
    check(models, "models");
    check(tasks, "tasks");
    check(policies, "policies");
    check(ks, "k values");
    check(seeds, "seeds");
    check(scorings, "scoring modes");
    check(calibrations, "calibration settings");
    for (const int k : ks)
      if (k < 1) throw argument_error("k must be at least 1 (got " + std::to_string(k) + ")");
    std::vector<cell_key> out;
    for (const auto& m : models)
      for (const auto& t : tasks)
        for (const int k : ks)
          for (const auto s : seeds)
            for (const auto& p : policies)
              for (const auto sc : scorings)
                for (const bool cal : calibrations) out.push_back({m, t, p, k, s, sc, cal});
    return out;
  }

 private:
  template <class T>
  static void check(const std::vector<T>& v, const char* what) {
    if (v.empty()) throw argument_error(std::string("the grid needs at least one of: ") + what);
    const std::set<T> unique(v.begin(), v.end());
    if (unique.size() != v.size())
      throw argument_error(std::string("repeated value among the ") + what);
  }
};

}  // namespace flipside
