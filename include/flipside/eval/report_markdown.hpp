// report.md: the run at a glance — the override summary per model × task, accuracy of every grid
// point with its Wilson 95 % interval, LoRA adapter scale sweeps, throughput and prefix-sharing
// savings, and the plots.
#pragma once

#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <flipside/eval/aggregate.hpp>
#include <flipside/eval/model_id.hpp>
#include <flipside/eval/override_summary.hpp>
#include <flipside/eval/report_plots.hpp>
#include <flipside/eval/scale_sweep.hpp>
#include <flipside/eval/throughput.hpp>

namespace flipside {

namespace detail {

inline std::string md_cell(std::string s) {
  std::string out;
  for (const char c : s) {
    if (c == '|') out += '\\';
    out += (c == '\n' || c == '\r') ? ' ' : c;
  }
  return out;
}

inline std::string fmt(const char* f, double v) {
  if (!std::isfinite(v)) return "—";
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

inline std::string pct(double frac) { return fmt("%.1f %%", 100 * frac); }

inline std::string pct_ci(const cell_metrics& m) {
  if (!m.n) return "—";
  const auto ci = m.accuracy_interval();
  return pct(m.accuracy()) + " [" + fmt("%.1f", 100 * ci.lo) + ", " + fmt("%.1f", 100 * ci.hi) +
         "]";
}

inline std::string count(std::uint64_t v) {
  std::string s = std::to_string(v), out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i && (s.size() - i) % 3 == 0) out += ',';
    out += s[i];
  }
  return out;
}

inline void md_row(std::string& out, const std::vector<std::string>& cells) {
  out += "|";
  for (const auto& c : cells) out += " " + md_cell(c) + " |";
  out += "\n";
}

inline void md_header(std::string& out, const std::vector<std::string>& cells) {
  md_row(out, cells);
  out += "|";
  for (std::size_t i = 0; i < cells.size(); ++i) out += " --- |";
  out += "\n";
}

}  // namespace detail

struct report_context {
  std::string source;                 // where the cells came from
  std::vector<std::string> warnings;  // e.g. a dropped torn line
  std::string settings_fp, code_fp;   // the run's fingerprints
};

inline std::string report_markdown(const std::vector<cell_result>& cells,
                                   const std::vector<grid_point>& points,
                                   const std::vector<override_summary>& summaries,
                                   const std::vector<report_figure>& figures,
                                   const report_context& ctx) {
  using namespace detail;
  std::set<std::string> models, tasks;
  for (const auto& c : cells) {
    models.insert(c.key.model);
    tasks.insert(c.key.task);
  }
  const auto names = unique_display_names({models.begin(), models.end()});
  std::string out = "# flipside override report\n\n";
  out += "Generated from `" + ctx.source + "`: " + std::to_string(cells.size()) + " cells, " +
         std::to_string(models.size()) + " model(s), " + std::to_string(tasks.size()) +
         " task(s). Settings fingerprint `" + ctx.settings_fp + "`, code `" + ctx.code_fp +
         "`.\n\n";
  for (const auto& w : ctx.warnings) out += "> **Warning:** " + w + "\n\n";
  out +=
      "Accuracy is against the gold labels, pooled over seeds, with a Wilson 95 % interval. "
      "*Override* means accuracy with 100 % flipped exemplar labels is below chance (the model "
      "follows the in-context mapping against its prior; Wei et al. 2023); *significant* when "
      "the whole interval is below chance. *Follows flips from k* is the smallest k at which a "
      "majority of predictions at 100 % flipped equal the flipped label.\n\n";

  std::set<scoring_variant> variants;
  for (const auto& s : summaries) variants.insert(s.variant);
  for (const auto& v : variants) {
    out += "## Override summary (" + v.name() + ")\n\n";
    md_header(out, {"model", "task", "k", "accuracy, 0 % flipped", "accuracy, 100 % flipped",
                    "drop", "chance", "override", "flip-following, 100 %", "SUL-ICL accuracy",
                    "follows flips from k"});
    for (const auto& s : summaries) {
      if (s.variant != v) continue;
      std::string ov = "—";
      if (s.flip100 && s.flip100->n)
        ov = s.significantly_overrides() ? "yes (significant)" : s.overrides() ? "yes" : "no";
      std::string speed = "—";
      if (s.override_k) {
        speed = std::to_string(*s.override_k);
      } else if (!s.flipped_by_k.empty()) {
        speed = "never (k ≤ " + std::to_string(s.flipped_by_k.back().k) + ")";
      }
      md_row(out, {names.at(s.model), s.task, std::to_string(s.k), s.flip0 ? pct_ci(*s.flip0) : "—",
                   s.flip100 ? pct_ci(*s.flip100) : "—", fmt("%.1f pt", 100 * s.drop()),
                   pct(s.chance), ov, s.flip100 ? pct(s.flip100->flip_following()) : "—",
                   s.sul ? pct_ci(*s.sul) : "—", speed});
    }
    out += "\n";
  }

  // Adapter scale sweeps (issue 8): the override metrics against the LoRA adapter's strength,
  // the numbers of the override_vs_scale plot.
  const auto sweeps = find_scale_sweeps(summaries);
  if (!sweeps.empty()) {
    out += "## Override vs LoRA adapter scale\n\n";
    out +=
        "The same base model and adapter at several strengths (`PATH+lora:ADAPTER@SCALE`); the "
        "base model alone counts as scale 0.\n\n";
    md_header(out, {"base + adapter", "task", "scoring", "scale", "accuracy, 0 % flipped",
                    "accuracy, 100 % flipped", "flip-following, 100 %", "SUL-ICL accuracy"});
    for (const auto& sw : sweeps) {
      const std::string name = model_id::parse(sw.base + "+lora:" + sw.adapter).display_name();
      for (const auto& bs : sw.by_scale) {
        const override_summary& s = bs.second;
        md_row(out,
               {name, sw.task, sw.variant.name(), model_id::format_scale(bs.first),
                s.flip0 ? pct_ci(*s.flip0) : "—", s.flip100 ? pct_ci(*s.flip100) : "—",
                s.flip100 ? pct(s.flip100->flip_following()) : "—", s.sul ? pct_ci(*s.sul) : "—"});
      }
    }
    out += "\n";
  }

  out += "## Accuracy by grid point (seeds pooled)\n\n";
  md_header(out, {"model", "task", "policy", "k", "scoring", "seeds", "n", "accuracy [95 % CI]",
                  "seed sd", "flip-following", "out of set"});
  for (const auto& g : points)
    md_row(out, {names.at(g.model), g.task, g.policy, std::to_string(g.k), g.variant.name(),
                 std::to_string(g.seeds.size()), std::to_string(g.metrics.n), pct_ci(g.metrics),
                 fmt("%.1f pt", 100 * g.accuracy_sd()), pct(g.metrics.flip_following()),
                 pct(g.metrics.out_of_set_rate())});
  out += "\n";

  out += "## Throughput\n\n";
  out +=
      "Per-cell wall time summed (one process's compute time). *Prompt tokens*: tokens of every "
      "prompt and label option as if each were evaluated from scratch; *computed*: tokens run "
      "through the model with prefix sharing.\n\n";
  md_header(out, {"model", "cells", "seconds", "cells/s", "prompts/s", "computed tokens/s",
                  "prompt tokens", "computed tokens", "sharing saving"});
  std::map<std::string, throughput> by_model;
  throughput all;
  for (const auto& c : cells) {
    by_model[c.key.model].add(c.timing);
    all.add(c.timing);
  }
  auto row = [&](const std::string& name, const throughput& t) {
    md_row(out, {name, std::to_string(t.cells), fmt("%.1f", t.seconds),
                 fmt("%.3g", t.cells_per_second()), fmt("%.3g", t.prompts_per_second()),
                 fmt("%.0f", t.computed_tokens_per_second()), count(t.prompt_tokens),
                 count(t.computed_tokens),
                 fmt("%.2f×", t.sharing_factor()) + " (" + pct(t.saved_fraction()) + " saved)"});
  };
  for (const auto& kv : by_model) row(names.at(kv.first), kv.second);
  if (by_model.size() > 1) row("all", all);
  out += "\n";

  if (!figures.empty()) {
    out += "## Plots\n\n";
    for (const auto& f : figures) out += "![" + f.title + "](" + f.file + ")\n\n";
  }
  return out;
}

}  // namespace flipside
