// How a generated answer is read and matched against the label set (generate mode).
//
//   answer(text) = text cut before the first occurrence of `stop` (default "\n": every template
//                  ends a label with a newline — the paper's separates exemplars by "\n\n"), then
//                  trimmed of ASCII whitespace (space, \t, \n, \v, \f, \r) at both ends
//   match        = the first label c whose string, trimmed the same way, equals the answer byte
//                  for byte: case-sensitive, no Unicode normalisation, no partial credit
//                  ("Positive" does not match "Positive Sentiment", nor "positive sentiment")
//
// An answer that matches no label is outside the label set (no_label_match): small models often
// answer that way, and the benchmark counts it rather than forcing it onto a label.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace flipside {

// The label index of an answer that matches no label (eval's out_of_set has the same value).
inline constexpr int no_label_match = -1;

inline bool is_ascii_space(char ch) noexcept {
  return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\v' || ch == '\f' || ch == '\r';
}

inline std::string_view trim_ascii_space(std::string_view s) noexcept {
  std::size_t b = 0, e = s.size();
  while (b < e && is_ascii_space(s[b])) ++b;
  while (e > b && is_ascii_space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

// The answer inside a generated continuation (see the top of this file). An empty stop string
// cuts nothing.
inline std::string extract_answer(std::string_view text, std::string_view stop = "\n") {
  if (!stop.empty()) {
    const std::size_t at = text.find(stop);
    if (at != std::string_view::npos) text = text.substr(0, at);
  }
  return std::string(trim_ascii_space(text));
}

// The first label equal to the (already extracted) answer, or no_label_match.
inline int match_label(std::string_view answer, const std::vector<std::string>& labels) {
  answer = trim_ascii_space(answer);
  for (std::size_t c = 0; c < labels.size(); ++c)
    if (trim_ascii_space(labels[c]) == answer) return static_cast<int>(c);
  return no_label_match;
}

// Answers seen and how many fell outside the label set.
struct answer_tally {
  std::size_t answers = 0;
  std::size_t out_of_set = 0;

  void add(int label) noexcept {
    ++answers;
    if (label == no_label_match) ++out_of_set;
  }
  double out_of_set_rate() const noexcept {
    return answers == 0 ? 0.0 : static_cast<double>(out_of_set) / static_cast<double>(answers);
  }
};

}  // namespace flipside
