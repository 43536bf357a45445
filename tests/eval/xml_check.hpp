// A tiny XML 1.0 well-formedness checker for the SVG tests: one root element, properly nested and
// closed tags, quoted attributes without '<' or duplicates, only the five predefined entities or
// numeric character references, no control characters. Returns "" when well-formed, else the
// first problem with its byte offset.
#pragma once

#include <cctype>
#include <set>
#include <string>
#include <vector>

namespace eval_test {

inline std::string xml_problem(const std::string& x) {
  std::size_t i = 0;
  auto err = [&](const std::string& what) { return what + " at byte " + std::to_string(i); };
  auto is_name_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == ':' ||
           c == '.';
  };
  auto check_text = [&](std::size_t from, std::size_t to) -> std::string {
    for (std::size_t j = from; j < to; ++j) {
      const auto c = static_cast<unsigned char>(x[j]);
      if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') return "control character";
      if (x[j] == '&') {
        const auto semi = x.find(';', j);
        if (semi == std::string::npos || semi > to) return "unterminated entity";
        const std::string ent = x.substr(j + 1, semi - j - 1);
        static const std::set<std::string> named = {"amp", "lt", "gt", "quot", "apos"};
        const bool numeric = ent.size() > 1 && ent[0] == '#';
        if (!named.count(ent) && !numeric) return "unknown entity &" + ent + ";";
      }
    }
    return "";
  };
  if (x.compare(0, 5, "<?xml") == 0) {
    i = x.find("?>");
    if (i == std::string::npos) return "unterminated XML declaration";
    i += 2;
  }
  std::vector<std::string> stack;
  bool root_seen = false;
  while (i < x.size()) {
    const std::size_t lt = x.find('<', i);
    const std::size_t text_end = lt == std::string::npos ? x.size() : lt;
    if (stack.empty()) {
      for (std::size_t j = i; j < text_end; ++j)
        if (!std::isspace(static_cast<unsigned char>(x[j]))) return err("text outside the root");
    } else if (const auto p = check_text(i, text_end); !p.empty()) {
      return err(p);
    }
    if (x.find('>', i) < text_end) return err("stray '>'");
    if (lt == std::string::npos) break;
    i = lt + 1;
    if (x.compare(i, 3, "!--") == 0) {
      const auto end = x.find("-->", i);
      if (end == std::string::npos) return err("unterminated comment");
      i = end + 3;
      continue;
    }
    const bool closing = i < x.size() && x[i] == '/';
    if (closing) ++i;
    const std::size_t name_start = i;
    while (i < x.size() && is_name_char(x[i])) ++i;
    const std::string name = x.substr(name_start, i - name_start);
    if (name.empty()) return err("missing tag name");
    if (closing) {
      while (i < x.size() && std::isspace(static_cast<unsigned char>(x[i]))) ++i;
      if (i >= x.size() || x[i] != '>') return err("bad closing tag");
      if (stack.empty() || stack.back() != name) return err("mismatched </" + name + ">");
      stack.pop_back();
      ++i;
      continue;
    }
    if (stack.empty() && root_seen) return err("second root element");
    std::set<std::string> attrs;
    for (;;) {
      while (i < x.size() && std::isspace(static_cast<unsigned char>(x[i]))) ++i;
      if (i >= x.size()) return err("unterminated tag");
      if (x[i] == '>') {
        stack.push_back(name);
        root_seen = true;
        ++i;
        break;
      }
      if (x.compare(i, 2, "/>") == 0) {
        root_seen = true;
        i += 2;
        break;
      }
      const std::size_t a = i;
      while (i < x.size() && is_name_char(x[i])) ++i;
      const std::string attr = x.substr(a, i - a);
      if (attr.empty()) return err("bad attribute");
      if (!attrs.insert(attr).second) return err("duplicate attribute " + attr);
      if (i >= x.size() || x[i] != '=') return err("attribute without value");
      ++i;
      if (i >= x.size() || (x[i] != '"' && x[i] != '\'')) return err("unquoted attribute");
      const char q = x[i++];
      const auto end = x.find(q, i);
      if (end == std::string::npos) return err("unterminated attribute");
      if (x.find('<', i) < end) return err("'<' in attribute");
      if (const auto p = check_text(i, end); !p.empty()) return err(p);
      i = end + 1;
    }
  }
  if (!stack.empty()) return "unclosed <" + stack.back() + ">";
  if (!root_seen) return "no root element";
  return "";
}

}  // namespace eval_test
