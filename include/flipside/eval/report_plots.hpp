// The report's figures for one scoring variant, built from grid points and override summaries:
//  - accuracy_vs_flipped: accuracy vs % flipped exemplar labels at the reference k, one line per
//    model, one panel per task, Wilson 95 % error bars, chance line (the paper's Figure 2 layout);
//  - accuracy_vs_k: accuracy vs k at 100 % flipped (solid) and 0 % flipped (dashed), when the
//    sweep has more than one k;
//  - sul_vs_gold: regular ICL vs SUL-ICL bars per model, when SUL was run;
//  - override_vs_scale: accuracy at 0 % / 100 % flipped, flip-following at 100 % and SUL
//    accuracy against the LoRA adapter scale, when a scale sweep was run.
#pragma once

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <flipside/eval/model_id.hpp>
#include <flipside/eval/override_summary.hpp>
#include <flipside/eval/plot_bars.hpp>
#include <flipside/eval/plot_lines.hpp>
#include <flipside/eval/scale_sweep.hpp>

namespace flipside {

struct report_figure {
  std::string file;   // e.g. "accuracy_vs_flipped.svg"
  std::string title;  // for the markdown link
  std::string svg;
};

namespace detail {

inline plot::point percent_point(double x, const cell_metrics& m) {
  const auto ci = m.accuracy_interval();
  return {x, 100 * m.accuracy(), 100 * ci.lo, 100 * ci.hi};
}

inline std::vector<std::string> tasks_of(const std::vector<override_summary>& ss) {
  std::vector<std::string> tasks;
  for (const auto& s : ss)
    if (std::find(tasks.begin(), tasks.end(), s.task) == tasks.end()) tasks.push_back(s.task);
  return tasks;
}

inline std::string chance_panel_title(const std::string& task, const override_summary& s) {
  return task + " (" + std::to_string(s.n_classes) + " classes)";
}

}  // namespace detail

// Figures for the summaries of one variant (callers filter); `suffix` goes before ".svg".
inline std::vector<report_figure> report_figures(const std::vector<override_summary>& ss,
                                                 const std::string& variant_name,
                                                 const std::string& suffix = "") {
  std::vector<report_figure> out;
  if (ss.empty()) return out;
  const auto tasks = detail::tasks_of(ss);
  std::vector<std::string> ids;
  for (const auto& s : ss) ids.push_back(s.model);
  const auto names = unique_display_names(ids);
  std::set<int> ref_ks;
  for (const auto& s : ss) ref_ks.insert(s.k);
  const std::string k_note = ref_ks.size() == 1
                                 ? "k = " + std::to_string(*ref_ks.begin()) + " per class"
                                 : "largest k per model";

  // Accuracy vs % flipped labels.
  {
    plot::line_figure f;
    f.title = "Accuracy vs % flipped labels (" + k_note + ", " + variant_name + ")";
    f.x_label = "% flipped exemplar labels";
    std::set<double> xs;
    bool any = false;
    for (const auto& task : tasks) {
      plot::line_panel p;
      p.title = task;
      for (const auto& s : ss) {
        if (s.task != task) continue;
        p.title = detail::chance_panel_title(task, s);
        p.reference = 100 * s.chance;
        plot::series line;
        line.name = names.at(s.model);
        line.color_key = s.model;
        for (const auto& c : s.flip_curve) {
          line.points.push_back(detail::percent_point(c.first, c.second));
          xs.insert(c.first);
        }
        any = any || !line.points.empty();
        p.lines.push_back(std::move(line));
      }
      f.panels.push_back(std::move(p));
    }
    f.x_ticks.assign(xs.begin(), xs.end());
    if (any) out.push_back({"accuracy_vs_flipped" + suffix + ".svg", f.title, plot::render(f)});
  }

  // Accuracy vs k.
  {
    std::set<int> ks;
    for (const auto& s : ss) {
      for (const auto& p : s.flipped_by_k) ks.insert(p.k);
      for (const auto& p : s.gold_by_k) ks.insert(p.k);
    }
    if (ks.size() > 1) {
      const std::vector<int> kv(ks.begin(), ks.end());
      auto index_of = [&](int k) {
        return double(std::find(kv.begin(), kv.end(), k) - kv.begin());
      };
      plot::line_figure f;
      f.title = "Accuracy vs exemplars per class (" + variant_name + ")";
      f.x_label = "k (exemplars per class)";
      f.categorical = true;
      for (const int k : kv) {
        f.x_ticks.push_back(k);
        f.x_tick_labels.push_back(std::to_string(k));
      }
      for (const auto& task : tasks) {
        plot::line_panel p;
        p.title = task;
        for (const auto& s : ss) {
          if (s.task != task) continue;
          p.title = detail::chance_panel_title(task, s);
          p.reference = 100 * s.chance;
          const std::string name = names.at(s.model);
          plot::series flipped{name + ", 100 % flipped", s.model, false, {}};
          for (const auto& q : s.flipped_by_k)
            flipped.points.push_back(detail::percent_point(index_of(q.k), q.metrics));
          plot::series gold{name + ", 0 % flipped", s.model, true, {}};
          for (const auto& q : s.gold_by_k)
            gold.points.push_back(detail::percent_point(index_of(q.k), q.metrics));
          if (!flipped.points.empty()) p.lines.push_back(std::move(flipped));
          if (!gold.points.empty()) p.lines.push_back(std::move(gold));
        }
        f.panels.push_back(std::move(p));
      }
      out.push_back({"accuracy_vs_k" + suffix + ".svg", f.title, plot::render(f)});
    }
  }

  // Regular ICL vs SUL-ICL.
  if (std::any_of(ss.begin(), ss.end(), [](const override_summary& s) { return s.sul; })) {
    plot::bar_figure f;
    f.title = "Regular ICL vs SUL-ICL (" + k_note + ", " + variant_name + ")";
    f.bars = {"regular ICL (gold labels)", "SUL-ICL (unrelated labels)"};
    for (const auto& task : tasks) {
      plot::bar_panel p;
      p.title = task;
      for (const auto& s : ss) {
        if (s.task != task) continue;
        p.title = detail::chance_panel_title(task, s);
        p.reference = 100 * s.chance;
        p.groups.push_back(names.at(s.model));
        const plot::point none{0, std::nan(""), std::nan(""), std::nan("")};
        p.values.push_back({s.flip0 ? detail::percent_point(0, *s.flip0) : none,
                            s.sul ? detail::percent_point(1, *s.sul) : none});
      }
      f.panels.push_back(std::move(p));
    }
    out.push_back({"sul_vs_gold" + suffix + ".svg", f.title, plot::render(f)});
  }

  // Override metrics vs adapter scale.
  const auto sweeps = find_scale_sweeps(ss);
  if (!sweeps.empty()) {
    plot::line_figure f;
    f.title = "Override vs LoRA adapter scale (" + variant_name + ")";
    f.x_label = "adapter scale";
    f.y_label = "%";
    std::set<double> xs;
    for (const auto& sw : sweeps) {
      plot::line_panel p;
      p.title = sw.task + " · " + model_id::parse(sw.base + "+lora:" + sw.adapter).display_name();
      p.reference = 100 * sw.by_scale.front().second.chance;
      plot::series a0{"accuracy, 0 % flipped", "acc0", false, {}};
      plot::series a100{"accuracy, 100 % flipped", "acc100", false, {}};
      plot::series follow{"flip-following, 100 % flipped", "acc100", true, {}};
      plot::series sul{"SUL-ICL accuracy", "sul", false, {}};
      for (const auto& bs : sw.by_scale) {
        const double x = bs.first;
        xs.insert(x);
        const override_summary& s = bs.second;
        if (s.flip0) a0.points.push_back(detail::percent_point(x, *s.flip0));
        if (s.flip100) {
          a100.points.push_back(detail::percent_point(x, *s.flip100));
          const auto ci = wilson_interval(s.flip100->flip_followed, s.flip100->flip_eligible);
          if (s.flip100->flip_eligible)
            follow.points.push_back(
                {x, 100 * s.flip100->flip_following(), 100 * ci.lo, 100 * ci.hi});
        }
        if (s.sul) sul.points.push_back(detail::percent_point(x, *s.sul));
      }
      for (auto* l : {&a0, &a100, &follow, &sul})
        if (!l->points.empty()) p.lines.push_back(std::move(*l));
      f.panels.push_back(std::move(p));
    }
    f.x_ticks.assign(xs.begin(), xs.end());
    out.push_back({"override_vs_scale" + suffix + ".svg", f.title, plot::render(f)});
  }
  return out;
}

}  // namespace flipside
