// Line figures: one panel per task, one line per series (model), points with error bars — the
// layout of Wei et al. 2023's figures (accuracy vs % flipped labels, accuracy vs k).
#pragma once

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <flipside/eval/plot_frame.hpp>
#include <flipside/eval/svg.hpp>

namespace flipside::plot {

struct series {
  std::string name;       // legend text
  std::string color_key;  // series with the same key share a colour (default: name)
  bool dashed = false;
  std::vector<point> points;  // drawn in order
};

struct line_panel {
  std::string title;
  std::optional<double> reference;  // e.g. chance accuracy
  std::vector<series> lines;
};

struct line_figure {
  std::string title, x_label, y_label = "accuracy (%)";
  std::vector<double> x_ticks;             // numeric axis: tick positions (first..last = range)
  std::vector<std::string> x_tick_labels;  // optional labels, same length as x_ticks
  bool categorical = false;                // x values are tick indices 0 … n-1, spaced evenly
  double y_min = 0, y_max = 100, y_step = 20;
  std::string reference_label = "chance";
  std::vector<line_panel> panels;
};

inline std::string render(const line_figure& f) {
  // Colours by colour key, legend entries by (name, dash), both in order of first appearance.
  std::map<std::string, std::size_t> color_of;
  std::vector<legend_entry> legend;
  for (const auto& p : f.panels)
    for (const auto& s : p.lines) {
      const std::string key = s.color_key.empty() ? s.name : s.color_key;
      if (!color_of.count(key)) {
        const std::size_t next = color_of.size();
        color_of[key] = next;
      }
      const bool known = std::any_of(legend.begin(), legend.end(), [&](const legend_entry& e) {
        return e.name == s.name && e.dashed == s.dashed;
      });
      if (!known) legend.push_back({s.name, palette(color_of[key]), s.dashed, false});
    }
  frame fr(f.panels.size(), legend);
  svg_writer svg(fr.width, fr.height);
  fr.draw_title(svg, f.title);
  const std::size_t n_ticks = f.x_ticks.size();
  double lo = 0, hi = 1;
  if (!f.categorical && n_ticks) {
    lo = *std::min_element(f.x_ticks.begin(), f.x_ticks.end());
    hi = *std::max_element(f.x_ticks.begin(), f.x_ticks.end());
    if (hi == lo) hi = lo + 1;
  }
  for (std::size_t i = 0; i < f.panels.size(); ++i) {
    const auto& p = f.panels[i];
    const panel_area a = fr.area(i, f.y_min, f.y_max);
    const double pad = 10;
    auto px = [&](double x) {
      if (f.categorical)
        return a.x0 + (x + 0.5) / double(std::max<std::size_t>(n_ticks, 1)) * (a.x1 - a.x0);
      return a.x0 + pad + (x - lo) / (hi - lo) * (a.x1 - a.x0 - 2 * pad);
    };
    draw_panel_axes(svg, a, p.title, f.y_label, f.y_step, p.reference, f.reference_label);
    for (std::size_t t = 0; t < n_ticks; ++t) {
      const double x = px(f.categorical ? double(t) : f.x_ticks[t]);
      std::string label;
      if (t < f.x_tick_labels.size()) {
        label = f.x_tick_labels[t];
      } else {
        label = svg_writer::num(f.x_ticks[t]);
      }
      svg.line(x, a.y1, x, a.y1 + 4, {"#555555", 1, ""});
      svg.text(x, a.y1 + 16, label, 10, "middle");
    }
    svg.text((a.x0 + a.x1) / 2, a.y1 + 34, f.x_label, 11, "middle");
    // Dodge: series are shifted a few pixels apart so that error bars at one x stay readable.
    const double dodge = std::min(3.0, 18.0 / double(std::max<std::size_t>(p.lines.size(), 1)));
    for (std::size_t si = 0; si < p.lines.size(); ++si) {
      const auto& s = p.lines[si];
      const double shift = (double(si) - double(p.lines.size() - 1) / 2) * dodge;
      const std::string& color = palette(color_of[s.color_key.empty() ? s.name : s.color_key]);
      svg.begin_group(s.name);
      std::vector<std::pair<double, double>> pts;
      for (const auto& q : s.points) {
        if (!std::isfinite(q.y)) continue;
        pts.emplace_back(px(q.x) + shift, a.py(q.y));
      }
      svg.polyline(pts, {color, 2, s.dashed ? "6 4" : ""});
      for (const auto& q : s.points) {
        if (!std::isfinite(q.y)) continue;
        draw_error_bar(svg, a, px(q.x) + shift, q, color);
        svg.circle(px(q.x) + shift, a.py(q.y), 3, color);
      }
      svg.end_group();
    }
  }
  fr.draw_legend(svg);
  return svg.str();
}

}  // namespace flipside::plot
