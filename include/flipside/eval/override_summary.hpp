// The override summary of one model on one task (per scoring variant), after Wei et al. 2023
// ("Larger language models do in-context learning differently", arXiv 2303.03846):
//  - accuracy at 0 % and 100 % flipped exemplar labels and the drop between them;
//  - override: 100 %-flipped accuracy below chance (1/C for C classes — the paper's "random
//    guessing" line; our eval sets are class-balanced by default), i.e. the model follows the
//    in-context mapping against its semantic prior; "significant" when even the Wilson upper
//    bound is below chance;
//  - SUL-ICL accuracy (gold mapping, semantically unrelated label words);
//  - override speed: accuracy vs k at 100 % flipped, and the smallest k at which a strict majority
//    of predictions follow the flipped mapping ("never" within the sweep otherwise).
// The single-k numbers use a reference k: the largest k that has both a 0 % and a 100 % point
// (else the largest k with either).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <flipside/eval/aggregate.hpp>
#include <flipside/eval/cell_metrics.hpp>

namespace flipside {

struct k_point {
  int k = 0;
  cell_metrics metrics;
};

struct override_summary {
  std::string model, task;
  scoring_variant variant;
  std::size_t n_classes = 0;
  double chance = cell_metrics::nan;
  int k = 0;  // reference k
  std::optional<cell_metrics> flip0, flip100, sul;
  std::vector<std::pair<double, cell_metrics>> flip_curve;  // (% flipped, metrics) at k
  std::vector<k_point> flipped_by_k;                        // 100 % flipped, ascending k
  std::vector<k_point> gold_by_k;                           // 0 % flipped, ascending k
  std::vector<k_point> sul_by_k;                            // SUL, ascending k
  std::optional<int> override_k;  // smallest k with a flip-following majority

  double accuracy0() const { return flip0 ? flip0->accuracy() : cell_metrics::nan; }
  double accuracy100() const { return flip100 ? flip100->accuracy() : cell_metrics::nan; }
  double sul_accuracy() const { return sul ? sul->accuracy() : cell_metrics::nan; }
  double drop() const { return accuracy0() - accuracy100(); }
  bool overrides() const { return flip100 && flip100->n && accuracy100() < chance; }
  bool significantly_overrides() const {
    return flip100 && flip100->n && flip100->accuracy_interval().hi < chance;
  }
};

inline std::vector<override_summary> summarize_override(const std::vector<grid_point>& points) {
  using group_key = std::tuple<std::string, std::string, scoring_variant>;
  std::map<group_key, std::vector<const grid_point*>> groups;
  std::vector<group_key> order;
  for (const auto& g : points) {
    const group_key key{g.model, g.task, g.variant};
    if (!groups.count(key)) order.push_back(key);
    groups[key].push_back(&g);
  }
  std::vector<override_summary> out;
  for (const auto& key : order) {
    const auto& gs = groups[key];
    override_summary s;
    s.model = std::get<0>(key);
    s.task = std::get<1>(key);
    s.variant = std::get<2>(key);
    s.n_classes = gs.front()->classes.size();
    s.chance = gs.front()->chance();
    // 0 % flipped: "gold", or "flip:0" when no gold point exists for that k.
    std::map<int, const grid_point*> zero, full, sul;
    std::map<int, std::vector<const grid_point*>> curve;
    for (const grid_point* g : gs) {
      const auto p = flip_percent(g->policy);
      if (p) {
        if (*p == 0 && (g->policy == "gold" || !zero.count(g->k))) zero[g->k] = g;
        if (*p == 100) full[g->k] = g;
        curve[g->k].push_back(g);
      } else if (g->policy == "sul" || (is_sul_policy(g->policy) && !sul.count(g->k))) {
        sul[g->k] = g;
      }
    }
    int ref = 0;
    for (const auto& kv : zero)
      if (full.count(kv.first)) ref = std::max(ref, kv.first);
    if (ref == 0) {
      for (const auto& kv : zero) ref = std::max(ref, kv.first);
      for (const auto& kv : full) ref = std::max(ref, kv.first);
    }
    if (ref == 0)
      for (const auto& kv : sul) ref = std::max(ref, kv.first);
    s.k = ref;
    if (zero.count(ref)) s.flip0 = zero[ref]->metrics;
    if (full.count(ref)) s.flip100 = full[ref]->metrics;
    if (sul.count(ref)) s.sul = sul[ref]->metrics;
    const grid_point* z = zero.count(ref) ? zero.at(ref) : nullptr;
    for (const grid_point* g : curve[ref]) {
      const double p = *flip_percent(g->policy);
      if (p == 0 && g != z) continue;  // flip:0 beside gold: the same prompts
      s.flip_curve.emplace_back(p, g->metrics);
    }
    for (const auto& kv : full) {
      s.flipped_by_k.push_back({kv.first, kv.second->metrics});
      if (!s.override_k && kv.second->metrics.majority_follows_flip()) s.override_k = kv.first;
    }
    for (const auto& kv : zero) s.gold_by_k.push_back({kv.first, kv.second->metrics});
    for (const auto& kv : sul) s.sul_by_k.push_back({kv.first, kv.second->metrics});
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace flipside
