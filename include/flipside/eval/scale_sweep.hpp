// Adapter scale sweeps (issue 8): models that share a base path and a LoRA adapter and differ in
// the adapter scale (`base.gguf+lora:ad@0.25`, `…@0.5`, `…@1`). The plain base model, when it was
// run too, joins the sweep as scale 0 (a LoRA adapter at scale 0 is the base model). For each
// sweep and task, the override summaries by scale — what the "override vs scale" plot draws.
#pragma once

#include <algorithm>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <flipside/eval/model_id.hpp>
#include <flipside/eval/override_summary.hpp>

namespace flipside {

struct scale_sweep {
  std::string base, adapter, task;
  scoring_variant variant;
  std::vector<std::pair<double, override_summary>> by_scale;  // ascending scale
};

// Sweeps with at least two scales, in (base, adapter, task, variant) order.
inline std::vector<scale_sweep> find_scale_sweeps(const std::vector<override_summary>& summaries) {
  using key = std::tuple<std::string, std::string, std::string, scoring_variant>;
  std::map<key, std::map<double, override_summary>> sweeps;
  for (const auto& s : summaries) {
    const model_id id = model_id::parse(s.model);
    if (id.has_adapter() && id.scale)
      sweeps[key{id.path, id.adapter, s.task, s.variant}].emplace(*id.scale, s);
  }
  for (auto& kv : sweeps) {
    if (kv.second.count(0.0)) continue;
    for (const auto& s : summaries)
      if (s.model == std::get<0>(kv.first) && s.task == std::get<2>(kv.first) &&
          s.variant == std::get<3>(kv.first))
        kv.second.emplace(0.0, s);
  }
  std::vector<scale_sweep> out;
  for (auto& kv : sweeps) {
    if (kv.second.size() < 2) continue;
    scale_sweep sw;
    std::tie(sw.base, sw.adapter, sw.task, sw.variant) = kv.first;
    for (auto& p : kv.second) sw.by_scale.emplace_back(p.first, std::move(p.second));
    out.push_back(std::move(sw));
  }
  return out;
}

}  // namespace flipside
