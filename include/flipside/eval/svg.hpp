// A minimal SVG 1.1 writer for the report's plots: lines, polylines, rectangles, circles and text,
// with XML escaping and fixed two-decimal coordinates (small files, byte-identical output on every
// platform). No library: the plots need nothing more.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flipside {

class svg_writer {
 public:
  struct stroke_style {
    std::string color = "#000000";
    double width = 1;
    std::string dash;  // e.g. "6 4"; empty = solid
  };

  svg_writer(double width, double height) : width_(width), height_(height) {}

  void line(double x1, double y1, double x2, double y2, const stroke_style& s) {
    body_ += "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" +
             num(y2) + "\"" + stroke(s) + "/>\n";
  }

  void polyline(const std::vector<std::pair<double, double>>& pts, const stroke_style& s) {
    if (pts.empty()) return;
    body_ += "<polyline fill=\"none\" points=\"";
    for (std::size_t i = 0; i < pts.size(); ++i)
      body_ += (i ? " " : "") + num(pts[i].first) + "," + num(pts[i].second);
    body_ += "\"" + stroke(s) + "/>\n";
  }

  void rect(double x, double y, double w, double h, const std::string& fill,
            const std::string& outline = "") {
    body_ += "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(w) + "\" height=\"" +
             num(h) + "\" fill=\"" + escape(fill) + "\"";
    if (!outline.empty()) body_ += " stroke=\"" + escape(outline) + "\"";
    body_ += "/>\n";
  }

  void circle(double cx, double cy, double r, const std::string& fill) {
    body_ += "<circle cx=\"" + num(cx) + "\" cy=\"" + num(cy) + "\" r=\"" + num(r) + "\" fill=\"" +
             escape(fill) + "\"/>\n";
  }

  // anchor: "start", "middle" or "end"; rotate: degrees about (x, y).
  void text(double x, double y, std::string_view s, double size = 12,
            std::string_view anchor = "start", double rotate = 0, bool bold = false) {
    body_ += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" font-size=\"" + num(size) +
             "\" text-anchor=\"" + escape(anchor) + "\"";
    if (bold) body_ += " font-weight=\"bold\"";
    if (rotate != 0)
      body_ += " transform=\"rotate(" + num(rotate) + " " + num(x) + " " + num(y) + ")\"";
    body_ += ">" + escape(s) + "</text>\n";
  }

  // A tooltip-bearing group (<title> shows on hover in browsers).
  void begin_group(std::string_view title = {}) {
    body_ += "<g>";
    if (!title.empty()) body_ += "<title>" + escape(title) + "</title>";
    body_ += "\n";
  }
  void end_group() { body_ += "</g>\n"; }

  std::string str() const {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" +
           num(width_) + "\" height=\"" + num(height_) + "\" viewBox=\"0 0 " + num(width_) + " " +
           num(height_) +
           "\" font-family=\"Helvetica, Arial, sans-serif\">\n"
           "<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n" +
           body_ + "</svg>\n";
  }

  static std::string escape(std::string_view s) {
    std::string out;
    for (const char c : s) {
      switch (c) {
        case '&':
          out += "&amp;";
          break;
        case '<':
          out += "&lt;";
          break;
        case '>':
          out += "&gt;";
          break;
        case '"':
          out += "&quot;";
          break;
        case '\'':
          out += "&apos;";
          break;
        default:
          // Control characters are not allowed in XML 1.0; drop them.
          if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n') out += c;
      }
    }
    return out;
  }

  static std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    std::string s = buf;
    while (s.size() > 1 && s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
    if (s == "-0") s = "0";
    return s;
  }

 private:
  static std::string stroke(const stroke_style& s) {
    std::string out = " stroke=\"" + escape(s.color) + "\" stroke-width=\"" + num(s.width) + "\"";
    if (!s.dash.empty()) out += " stroke-dasharray=\"" + escape(s.dash) + "\"";
    return out;
  }

  double width_, height_;
  std::string body_;
};

}  // namespace flipside
