// Label policies: which class label each in-context exemplar shows (Wei et al. 2023).
//
// - gold_labels: the exemplar's own class.
// - flipped_labels{p}: exactly m = round(p·n) of the n exemplars show a wrong class (round half
//   away from zero). The wrong class is a fixed derangement, flip_class(c) = (c + 1) mod C — for a
//   binary task the other class; it never maps a class to itself and is the same for every
//   exemplar, so the flipped exemplars teach one consistent inverted mapping.
//   Nested draw (the default): the flipped positions are the first m entries of one random order
//   of the positions that depends on (seed, stream) only, so for one seed the 25 % set ⊂ 50 % ⊂
//   75 % ⊂ 100 %, with the same exemplars in the same order: results are paired across p and the
//   prompts share their text up to the first changed label. Independent draw: m positions drawn
//   afresh for each m.
// - random_labels: each exemplar shows a class drawn uniformly (Min et al. 2022's control).
//
// Which words name the classes is orthogonal (label_words.hpp): the paper's SUL-ICL setting is
// gold_labels with unrelated words. Evaluation targets are always the gold classes.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <flipside/core/error.hpp>
#include <flipside/prompt/label_words.hpp>
#include <flipside/prompt/random.hpp>

namespace flipside {

// Sub-stream tags of derive_seed(); never renumber (recorded results depend on them).
namespace stream_tag {
inline constexpr std::uint64_t exemplars = 1;
inline constexpr std::uint64_t flip_order = 2;
inline constexpr std::uint64_t flip_independent = 3;
inline constexpr std::uint64_t random_labels = 4;
inline constexpr std::uint64_t synthetic_linear = 5;
}  // namespace stream_tag

// The fixed derangement of classes used for flipped labels.
inline int flip_class(int c, std::size_t n_classes) {
  return static_cast<int>((static_cast<std::size_t>(c) + 1) % n_classes);
}

// round(p·n), half away from zero; p in [0, 1].
inline std::size_t flip_count(double p, std::size_t n) {
  if (!(p >= 0.0 && p <= 1.0)) throw argument_error("flip fraction must be in [0, 1]");
  return static_cast<std::size_t>(std::llround(p * static_cast<double>(n)));
}

enum class flip_draw { nested, independent };

struct gold_labels {};
struct flipped_labels {
  double fraction = 1.0;  // p in [0, 1]
  flip_draw draw = flip_draw::nested;
};
struct random_labels {};

using label_mapping = std::variant<gold_labels, flipped_labels, random_labels>;

// shown_classes(mapping, truth, C, seed, stream): the class each exemplar shows, given the true
// classes in prompt order. `stream` identifies the exemplar set (eval index, or a constant when one
// set is shared), so that the same exemplars get the same flips under every p.
inline std::vector<int> shown_classes(const gold_labels&, const std::vector<int>& truth,
                                      std::size_t, std::uint64_t, std::uint64_t) {
  return truth;
}

inline std::vector<int> shown_classes(const flipped_labels& f, const std::vector<int>& truth,
                                      std::size_t n_classes, std::uint64_t seed,
                                      std::uint64_t stream) {
  const std::size_t n = truth.size();
  const std::size_t m = flip_count(f.fraction, n);
  std::vector<int> shown = truth;
  std::vector<std::size_t> order;
  if (f.draw == flip_draw::nested) {
    rng g(derive_seed(seed, {stream_tag::flip_order, stream}));
    order = random_permutation(n, g);
  } else {
    rng g(derive_seed(seed, {stream_tag::flip_independent, stream, m}));
    order = random_permutation(n, g);
  }
  for (std::size_t j = 0; j < m; ++j) shown[order[j]] = flip_class(truth[order[j]], n_classes);
  return shown;
}

inline std::vector<int> shown_classes(const random_labels&, const std::vector<int>& truth,
                                      std::size_t n_classes, std::uint64_t seed,
                                      std::uint64_t stream) {
  rng g(derive_seed(seed, {stream_tag::random_labels, stream}));
  std::vector<int> shown(truth.size());
  for (auto& c : shown) c = static_cast<int>(g.bounded(n_classes));
  return shown;
}

inline std::vector<int> shown_classes(const label_mapping& m, const std::vector<int>& truth,
                                      std::size_t n_classes, std::uint64_t seed,
                                      std::uint64_t stream) {
  return std::visit([&](const auto& p) { return shown_classes(p, truth, n_classes, seed, stream); },
                    m);
}

// A percentage without trailing zeros: 50 → "50", 12.5 → "12.5".
inline std::string format_percent(double fraction) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", fraction * 100.0);
  return buf;
}

inline std::string mapping_name(const label_mapping& m) {
  if (std::holds_alternative<gold_labels>(m)) return "gold";
  if (std::holds_alternative<random_labels>(m)) return "random";
  const auto& f = std::get<flipped_labels>(m);
  return std::string(f.draw == flip_draw::nested ? "flip:" : "flip-indep:") +
         format_percent(f.fraction);
}

struct label_policy {
  label_mapping mapping = gold_labels{};
  label_words_choice words;

  static label_policy gold() { return {}; }
  static label_policy flipped(double fraction, flip_draw draw = flip_draw::nested) {
    return {flipped_labels{fraction, draw}, {}};
  }
  static label_policy random() { return {random_labels{}, {}}; }
  // SUL-ICL: gold mapping, semantically unrelated words.
  static label_policy unrelated(label_vocabulary v = label_vocabulary::unrelated,
                                std::vector<std::string> custom = {}) {
    return {gold_labels{}, {v, std::move(custom)}};
  }

  bool is_flipped() const {
    return std::holds_alternative<flipped_labels>(mapping) &&
           std::get<flipped_labels>(mapping).fraction > 0;
  }

  // The canonical spelling parse_label_policy() reads back: "gold", "flip:50", "random", "sul",
  // "sul:letters", "sul+flip:100", …
  std::string name() const {
    if (words.kind == label_vocabulary::task) return mapping_name(mapping);
    if (std::holds_alternative<gold_labels>(mapping)) return words.name();
    return words.name() + "+" + mapping_name(mapping);
  }
};

// Parses "gold" | "flip:P" | "flip-indep:P" | "random" | "sul[:letters|:numbers|:w0,w1,…]" and
// "+"-joined combinations of one mapping and one word set ("sul+flip:100"). P is a percentage.
inline label_policy parse_label_policy(std::string_view spec) {
  const auto bad = [&](const std::string& why) {
    return argument_error("label policy '" + std::string(spec) + "': " + why +
                          " (gold, flip:P, flip-indep:P, random, sul, sul:letters, "
                          "sul:numbers, sul:w0,w1,…, or sul+flip:P)");
  };
  label_policy p;
  bool have_mapping = false, have_words = false;
  std::size_t start = 0;
  while (start <= spec.size()) {
    std::size_t plus = spec.find('+', start);
    if (plus == std::string_view::npos) plus = spec.size();
    const std::string_view part = spec.substr(start, plus - start);
    start = plus + 1;
    if (part.rfind("sul", 0) == 0) {
      if (have_words) throw bad("two word sets");
      have_words = true;
      if (part == "sul") {
        p.words.kind = label_vocabulary::unrelated;
      } else if (part == "sul:letters") {
        p.words.kind = label_vocabulary::letters;
      } else if (part == "sul:numbers") {
        p.words.kind = label_vocabulary::numbers;
      } else if (part.rfind("sul:", 0) == 0) {
        p.words.kind = label_vocabulary::custom;
        std::string_view rest = part.substr(4);
        std::size_t s = 0;
        while (s <= rest.size()) {
          std::size_t c = rest.find(',', s);
          if (c == std::string_view::npos) c = rest.size();
          p.words.custom.emplace_back(rest.substr(s, c - s));
          s = c + 1;
        }
      } else {
        throw bad("unknown word set");
      }
      continue;
    }
    if (have_mapping) throw bad("two label mappings");
    have_mapping = true;
    if (part == "gold") {
      p.mapping = gold_labels{};
    } else if (part == "random") {
      p.mapping = random_labels{};
    } else if (part.rfind("flip:", 0) == 0 || part.rfind("flip-indep:", 0) == 0) {
      const bool indep = part[4] == '-';
      const std::string num(part.substr(indep ? 11 : 5));
      char* end = nullptr;
      const double pct = std::strtod(num.c_str(), &end);
      if (num.empty() || end != num.c_str() + num.size() || !(pct >= 0 && pct <= 100)) {
        throw bad("the flip percentage must be a number in [0, 100]");
      }
      p.mapping = flipped_labels{pct / 100.0, indep ? flip_draw::independent : flip_draw::nested};
    } else if (part == "flip") {
      p.mapping = flipped_labels{1.0, flip_draw::nested};
    } else {
      throw bad("unknown policy '" + std::string(part) + "'");
    }
  }
  return p;
}

}  // namespace flipside
