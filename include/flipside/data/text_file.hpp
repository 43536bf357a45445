// A dataset file read whole and decoded to UTF-8, and iteration over its lines with 1-based line
// numbers (for messages "file: line N: …"). Line ends "\n" and "\r\n" are both accepted; a UTF-8
// byte-order mark at the start is dropped; the last line needs no terminator.
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <flipside/core/error.hpp>
#include <flipside/data/text_encoding.hpp>

namespace flipside {

struct text_file {
  std::string path;                // as opened, for messages
  std::string text;                // UTF-8, "\r\n" normalised to "\n"
  bool decoded_as_latin1 = false;  // utf8_or_latin1 chose latin-1 (or latin1 was asked for)
  std::vector<std::size_t>
      bad_lines;  // utf8 mode: lines that held invalid UTF-8 (repaired to U+FFFD)

  bool line_is_bad(std::size_t line) const {
    return std::binary_search(bad_lines.begin(), bad_lines.end(), line);
  }
};

namespace detail {

// Lines of `text` holding invalid UTF-8, 1-based, ascending.
inline std::vector<std::size_t> invalid_utf8_lines(std::string_view text) {
  std::vector<std::size_t> bad;
  std::size_t line = 1;
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == '\n') {
      ++line;
      ++i;
      continue;
    }
    const std::size_t n = utf8_sequence_length(text, i);
    if (n == 0) {
      if (bad.empty() || bad.back() != line) bad.push_back(line);
      ++i;
    } else {
      i += n;
    }
  }
  return bad;
}

}  // namespace detail

inline text_file read_text_file(const std::filesystem::path& path, text_encoding enc) {
  text_file f;
  f.path = path.string();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw format_error(f.path, "open", std::strerror(errno));
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) throw format_error(f.path, "read", "I/O error");
  std::string raw = std::move(buf).str();

  // "\r\n" → "\n" (a lone "\r" is kept: it is content).
  std::string text;
  text.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n') continue;
    text.push_back(raw[i]);
  }
  if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.erase(0, 3);

  const bool valid = is_valid_utf8(text);
  if (enc == text_encoding::latin1 || (enc == text_encoding::utf8_or_latin1 && !valid)) {
    f.text = latin1_to_utf8(text);
    f.decoded_as_latin1 = true;
  } else {
    if (!valid) {
      f.bad_lines = detail::invalid_utf8_lines(text);
      repair_utf8(text);
    }
    f.text = std::move(text);
  }
  return f;
}

// Calls fn(line_number, line) for every line of `text` (without its "\n").
template <class Fn>
void for_each_line(std::string_view text, Fn&& fn) {
  std::size_t line = 1;
  std::size_t begin = 0;
  while (begin < text.size()) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) end = text.size();
    fn(line, text.substr(begin, end - begin));
    ++line;
    begin = end + 1;
  }
}

// Whitespace trimming for dataset text: ASCII spaces, tabs, CR, LF, FF, VT only (never bytes of a
// multi-byte UTF-8 sequence).
inline std::string_view trim(std::string_view s) noexcept {
  const auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
  };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace flipside
