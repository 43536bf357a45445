// Pooling the seeds of each grid point: one grid_point per (model, task, policy, k, scoring,
// calibration) — a row of summary.csv. Metrics pool the records of all seeds (cell_metrics
// counts add up), timings add up, and the per-seed accuracies are kept for their spread.
//
// Note on the interval: a pooled Wilson interval treats every (seed, example) prediction as an
// independent trial; seeds change the exemplars, not the eval examples, so it is somewhat narrower
// than the between-seed variability. accuracy_sd() reports that variability next to it.
#pragma once

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include <flipside/core/error.hpp>
#include <flipside/eval/cell.hpp>
#include <flipside/eval/cell_metrics.hpp>

namespace flipside {

// A scoring variant: the pair (scoring mode, calibration). Reports draw one set of plots each.
struct scoring_variant {
  scoring_mode scoring = scoring_mode::label_logit;
  bool calibrated = false;

  auto tie() const { return std::tie(scoring, calibrated); }
  bool operator==(const scoring_variant& o) const { return tie() == o.tie(); }
  bool operator!=(const scoring_variant& o) const { return !(*this == o); }
  bool operator<(const scoring_variant& o) const { return tie() < o.tie(); }
  // "label-logit", "label-logit, calibrated", "generate", …
  std::string name() const {
    return std::string(to_string(scoring)) + (calibrated ? ", calibrated" : "");
  }
};

// Sort rank of a policy in tables and plots: gold, flip:P by P, SUL variants, random, the rest.
inline std::tuple<int, double, std::string> policy_order(const std::string& policy) {
  if (policy == "gold") return {0, 0.0, policy};
  if (const auto p = flip_percent(policy)) return {1, *p, policy};
  if (is_sul_policy(policy)) return {2, policy == "sul" ? 0.0 : 1.0, policy};
  if (policy == "random") return {3, 0.0, policy};
  return {4, 0.0, policy};
}

struct grid_point {
  std::string model, task, policy;
  int k = 0;
  scoring_variant variant;
  std::vector<std::uint64_t> seeds;     // ascending
  std::vector<double> seed_accuracies;  // by seed, same order
  std::vector<std::string> classes;
  cell_metrics metrics;  // pooled over seeds
  cell_timing timing;    // summed over seeds

  double chance() const {
    return classes.empty() ? cell_metrics::nan : 1.0 / double(classes.size());
  }
  // Sample standard deviation of the per-seed accuracies; NaN with fewer than two seeds.
  double accuracy_sd() const {
    const std::size_t m = seed_accuracies.size();
    if (m < 2) return cell_metrics::nan;
    double mean = 0;
    for (const double a : seed_accuracies) mean += a;
    mean /= double(m);
    double ss = 0;
    for (const double a : seed_accuracies) ss += (a - mean) * (a - mean);
    return std::sqrt(ss / double(m - 1));
  }
};

// Grid points sorted by model, task, variant, policy (policy_order) and k. Throws argument_error
// when the seeds of one point disagree on the class names.
inline std::vector<grid_point> aggregate_over_seeds(const std::vector<cell_result>& cells) {
  using point_key = std::tuple<std::string, std::string, scoring_variant,
                               std::tuple<int, double, std::string>, int>;
  std::map<point_key, grid_point> points;
  std::map<point_key, std::map<std::uint64_t, double>> seed_acc;
  for (const auto& c : cells) {
    const scoring_variant v{c.key.scoring, c.key.calibrated};
    const point_key pk{c.key.model, c.key.task, v, policy_order(c.key.policy), c.key.k};
    auto it = points.find(pk);
    const cell_metrics m = compute_metrics(c);
    if (it == points.end()) {
      grid_point g;
      g.model = c.key.model;
      g.task = c.key.task;
      g.policy = c.key.policy;
      g.k = c.key.k;
      g.variant = v;
      g.classes = c.classes;
      g.metrics = cell_metrics::empty(c.classes.size());
      it = points.emplace(pk, std::move(g)).first;
    } else if (it->second.classes != c.classes) {
      throw argument_error(c.key.canonical() + ": class names differ from another seed's");
    }
    grid_point& g = it->second;
    g.metrics += m;
    g.timing.seconds += c.timing.seconds;
    g.timing.prompts += c.timing.prompts;
    g.timing.prompt_tokens += c.timing.prompt_tokens;
    g.timing.computed_tokens += c.timing.computed_tokens;
    seed_acc[pk][c.key.seed] = m.accuracy();
  }
  std::vector<grid_point> out;
  out.reserve(points.size());
  for (auto& kv : points) {
    for (const auto& sa : seed_acc[kv.first]) {
      kv.second.seeds.push_back(sa.first);
      kv.second.seed_accuracies.push_back(sa.second);
    }
    out.push_back(std::move(kv.second));
  }
  return out;
}

}  // namespace flipside
