// Grouped bar figures: one panel per task, one group per model, one bar per condition — the
// paper's "regular ICL vs SUL-ICL" comparison.
#pragma once

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include <flipside/eval/plot_frame.hpp>
#include <flipside/eval/svg.hpp>

namespace flipside::plot {

struct bar_panel {
  std::string title;
  std::optional<double> reference;
  std::vector<std::string> groups;         // x-axis groups (models)
  std::vector<std::vector<point>> values;  // [group][bar]; y NaN = missing bar (x unused)
};

struct bar_figure {
  std::string title, y_label = "accuracy (%)";
  std::vector<std::string> bars;  // legend: one name per bar of a group
  double y_min = 0, y_max = 100, y_step = 20;
  std::string reference_label = "chance";
  std::vector<bar_panel> panels;
};

inline std::string render(const bar_figure& f) {
  std::vector<legend_entry> legend;
  for (std::size_t b = 0; b < f.bars.size(); ++b)
    legend.push_back({f.bars[b], palette(b), false, true});
  frame fr(f.panels.size(), legend);
  svg_writer svg(fr.width, fr.height);
  fr.draw_title(svg, f.title);
  for (std::size_t i = 0; i < f.panels.size(); ++i) {
    const auto& p = f.panels[i];
    const panel_area a = fr.area(i, f.y_min, f.y_max);
    draw_panel_axes(svg, a, p.title, f.y_label, f.y_step, std::nullopt, f.reference_label);
    const std::size_t G = std::max<std::size_t>(p.groups.size(), 1);
    const std::size_t B = std::max<std::size_t>(f.bars.size(), 1);
    const double gw = (a.x1 - a.x0) / double(G);
    const double bw = gw * 0.8 / double(B);
    for (std::size_t g = 0; g < p.groups.size(); ++g) {
      const double gx = a.x0 + double(g) * gw + gw * 0.1;
      for (std::size_t b = 0; b < B && g < p.values.size() && b < p.values[g].size(); ++b) {
        const point& q = p.values[g][b];
        if (!std::isfinite(q.y)) continue;
        const double x = gx + double(b) * bw;
        const double top = a.py(std::clamp(q.y, f.y_min, f.y_max));
        svg.begin_group(p.groups[g] + " — " + (b < f.bars.size() ? f.bars[b] : ""));
        svg.rect(x + 1, top, bw - 2, a.y1 - top, palette(b));
        draw_error_bar(svg, a, x + bw / 2, q, "#333333");
        svg.end_group();
      }
      const double cx = a.x0 + (double(g) + 0.5) * gw;
      const bool slant = text_width(p.groups[g], 10) > gw;
      svg.text(cx, a.y1 + 14, p.groups[g], 10, slant ? "end" : "middle", slant ? -25 : 0);
    }
    draw_reference(svg, a, p.reference, f.reference_label);  // over the bars, stays visible
  }
  fr.draw_legend(svg);
  return svg.str();
}

}  // namespace flipside::plot
