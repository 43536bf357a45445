// What the report's figures share: a grid of panels (one per task, like the paper's figures), a
// colour-blind-safe palette (Okabe & Ito 2008, "Color Universal Design"), y axes in percent with
// grid lines, a dashed reference line (chance) and a legend below the panels.
#pragma once

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include <flipside/eval/svg.hpp>

namespace flipside::plot {

inline const std::string& palette(std::size_t i) {
  static const std::vector<std::string> colors = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                                  "#E69F00", "#56B4E9", "#000000", "#999999"};
  return colors[i % colors.size()];
}

// A point with an optional error bar (lo/hi NaN = none); y NaN = missing.
struct point {
  double x = 0;
  double y = 0;
  double lo = std::nan("");
  double hi = std::nan("");
};

struct legend_entry {
  std::string name;
  std::string color;
  bool dashed = false;
  bool box = false;  // a filled swatch (bars) rather than a line
};

struct layout {
  double panel_w = 300, panel_h = 230;
  double left = 58, right = 16, top = 30, bottom = 56;
  double title_h = 36;
  std::size_t columns = 3;
};

// Geometry of one panel's plotting area and the value → pixel maps.
struct panel_area {
  double x0, x1, y0, y1;  // pixel bounds: x0 left, x1 right, y0 top, y1 bottom
  double v_min, v_max;    // y value range
  double py(double v) const { return y1 - (v - v_min) / (v_max - v_min) * (y1 - y0); }
};

inline double text_width(const std::string& s, double size) {
  return 0.58 * size * double(s.size());  // rough Helvetica average; layout only
}

// Lays out `n` panels; returns the canvas height needed including a legend of `legend` entries.
struct frame {
  layout lay;
  std::size_t n_panels;
  double width, height, legend_y;
  std::vector<legend_entry> legend;

  frame(std::size_t panels, std::vector<legend_entry> entries, layout l = {})
      : lay(l), n_panels(std::max<std::size_t>(panels, 1)), legend(std::move(entries)) {
    const std::size_t cols = std::min(lay.columns, n_panels);
    const std::size_t rows = (n_panels + cols - 1) / cols;
    width = double(cols) * lay.panel_w;
    legend_y = lay.title_h + double(rows) * lay.panel_h + 8;
    double x = 20, rows_used = 1;
    for (const auto& e : legend) {
      const double w = 34 + text_width(e.name, 11) + 18;
      if (x + w > width - 10 && x > 20) {
        x = 20;
        ++rows_used;
      }
      x += w;
    }
    height = legend_y + (legend.empty() ? 0 : rows_used * 18) + 12;
  }

  panel_area area(std::size_t i, double v_min, double v_max) const {
    const std::size_t cols = std::min(lay.columns, n_panels);
    const double px = double(i % cols) * lay.panel_w,
                 py = lay.title_h + double(i / cols) * lay.panel_h;
    return {px + lay.left, px + lay.panel_w - lay.right,
            py + lay.top,  py + lay.panel_h - lay.bottom,
            v_min,         v_max};
  }

  void draw_title(svg_writer& svg, const std::string& title) const {
    svg.text(width / 2, 22, title, 15, "middle", 0, true);
  }

  void draw_legend(svg_writer& svg) const {
    double x = 20, y = legend_y + 9;
    for (const auto& e : legend) {
      const double w = 34 + text_width(e.name, 11) + 18;
      if (x + w > width - 10 && x > 20) {
        x = 20;
        y += 18;
      }
      if (e.box) {
        svg.rect(x, y - 10, 24, 10, e.color);
      } else {
        svg.line(x, y - 4, x + 24, y - 4, {e.color, 2, e.dashed ? "6 4" : ""});
        svg.circle(x + 12, y - 4, 3, e.color);
      }
      svg.text(x + 30, y, e.name, 11);
      x += w;
    }
  }
};

// A dashed horizontal line at `reference` (e.g. chance), labelled at its left end where the
// curves of an override plot usually are high.
inline void draw_reference(svg_writer& svg, const panel_area& a, std::optional<double> reference,
                           const std::string& label) {
  if (!reference || *reference < a.v_min || *reference > a.v_max) return;
  const double y = a.py(*reference);
  svg.line(a.x0, y, a.x1, y, {"#777777", 1.2, "4 3"});
  svg.text(a.x0 + 3, y - 4, label, 9, "start");
}

// Panel title, y grid/ticks (in the value units, e.g. percent), y label, frame, and an optional
// dashed reference line labelled `ref_label`.
inline void draw_panel_axes(svg_writer& svg, const panel_area& a, const std::string& title,
                            const std::string& y_label, double y_step,
                            std::optional<double> reference, const std::string& ref_label) {
  svg.text((a.x0 + a.x1) / 2, a.y0 - 10, title, 13, "middle", 0, true);
  for (double v = a.v_min; v <= a.v_max + 1e-9; v += y_step) {
    const double y = a.py(v);
    svg.line(a.x0, y, a.x1, y, {"#e5e5e5", 1, ""});
    char buf[16];
    std::snprintf(buf, sizeof buf, "%g", v);
    svg.text(a.x0 - 6, y + 4, buf, 10, "end");
  }
  svg.rect(a.x0, a.y0, a.x1 - a.x0, a.y1 - a.y0, "none", "#555555");
  svg.text(a.x0 - 38, (a.y0 + a.y1) / 2, y_label, 11, "middle", -90);
  draw_reference(svg, a, reference, ref_label);
}

inline void draw_error_bar(svg_writer& svg, const panel_area& a, double x, const point& p,
                           const std::string& color) {
  if (!std::isfinite(p.lo) || !std::isfinite(p.hi)) return;
  const double ylo = a.py(p.lo), yhi = a.py(p.hi);
  svg.line(x, ylo, x, yhi, {color, 1, ""});
  svg.line(x - 3, ylo, x + 3, ylo, {color, 1, ""});
  svg.line(x - 3, yhi, x + 3, yhi, {color, 1, ""});
}

}  // namespace flipside::plot
