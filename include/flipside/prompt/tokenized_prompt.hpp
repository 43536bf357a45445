// The token-level structure of an assembled prompt: ids of the exemplar prefix, of the query, and
// of each label option's continuation, such that for every option c
//
//   prefix ++ query ++ options[c] == encode(prefix_text + query_text + option_text[c])
//
// exactly — the ids a model would get from tokenizing the whole text at once. Tokenizing the pieces
// separately is not enough in general: a BPE merge can cross a boundary (": P" merging), and
// SentencePiece adds a dummy leading space to every piece it encodes. So every id sequence is cut
// from an encoding of a full text, starting at its beginning:
//
//   F_c = encode(full text of option c), Q = encode(prefix + query), P = encode(prefix)
//   L   = min_c lcp(Q, F_c)        the query/option boundary (= |Q| when no merge crosses it)
//   Lp  = min(lcp(P, Q), L)        the prefix/query boundary (= |P| when no merge crosses it)
//   prefix = Q[0, Lp), query = Q[Lp, L), options[c] = F_c[L, end)
//
// When a merge does cross a boundary the boundary moves back to the last token both sides share
// and the *_clean flags say so. The assembled prompt puts boundaries where tokenizers end tokens
// (the prefix ends with "\n\n", options start with a space), so with the real tokenizers they are
// clean; the ids are exact either way. `encode` is any callable string → vector of ids (it decides
// whether a BOS token is added).
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <flipside/prompt/assembled_prompt.hpp>

namespace flipside {

template <class Id>
struct tokenized_prompt {
  std::vector<Id> prefix;  // shared by every query of an exemplar set (when clean)
  std::vector<Id> query;
  std::vector<std::vector<Id>> options;  // per class
  bool prefix_boundary_clean = true;     // encode(prefix) is a prefix of encode(prefix + query)
  bool option_boundary_clean = true;     // encode(prefix + query) is a prefix of every full text

  std::vector<Id> prompt() const {  // prefix ++ query
    std::vector<Id> v = prefix;
    v.insert(v.end(), query.begin(), query.end());
    return v;
  }
  std::vector<Id> full(std::size_t c) const {  // prefix ++ query ++ options[c]
    std::vector<Id> v = prompt();
    v.insert(v.end(), options.at(c).begin(), options.at(c).end());
    return v;
  }
};

namespace detail {
template <class V>
std::size_t common_prefix_length(const V& a, const V& b) {
  const std::size_t n = std::min(a.size(), b.size());
  std::size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}
}  // namespace detail

template <class Encode>
auto tokenize_prompt(const assembled_prompt& p, Encode&& encode)
    -> tokenized_prompt<typename std::decay_t<decltype(encode(std::string()))>::value_type> {
  using ids = std::decay_t<decltype(encode(std::string()))>;
  tokenized_prompt<typename ids::value_type> t;
  const std::string prompt_text = p.prefix + p.query;
  const ids q = encode(prompt_text);
  const ids pre = encode(p.prefix);

  std::vector<ids> full;
  std::size_t cut = q.size();
  for (const auto& opt : p.options) {
    full.push_back(encode(prompt_text + opt));
    cut = std::min(cut, detail::common_prefix_length(q, full.back()));
  }
  t.option_boundary_clean = cut == q.size();
  const std::size_t pre_cut = std::min(detail::common_prefix_length(pre, q), cut);
  t.prefix_boundary_clean = pre_cut == pre.size();

  t.prefix.assign(q.begin(), q.begin() + static_cast<std::ptrdiff_t>(pre_cut));
  t.query.assign(q.begin() + static_cast<std::ptrdiff_t>(pre_cut),
                 q.begin() + static_cast<std::ptrdiff_t>(cut));
  for (const auto& f : full) {
    t.options.emplace_back(f.begin() + static_cast<std::ptrdiff_t>(cut), f.end());
  }
  return t;
}

}  // namespace flipside
