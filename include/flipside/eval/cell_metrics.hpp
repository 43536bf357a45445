// Metrics of one cell (or of several pooled cells, e.g. all seeds of a grid point): counts, from
// which accuracy vs gold (with a Wilson 95 % interval), flip-following rate, out-of-label-set rate
// and the confusion matrix follow. Counts pool exactly: metrics of seeds s1+s2 = metrics of the
// records of both.
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include <flipside/core/error.hpp>
#include <flipside/eval/cell.hpp>
#include <flipside/eval/wilson.hpp>

namespace flipside {

struct cell_metrics {
  std::size_t n_classes = 0;
  std::size_t n = 0;              // eval records
  std::size_t correct = 0;        // predicted == gold
  std::size_t n_out_of_set = 0;   // predicted == out_of_set (generate mode)
  std::size_t flip_eligible = 0;  // records whose prompt has a flipped mapping
  std::size_t flip_followed = 0;  // … and predicted == that flipped class
  // confusion[g][p]: gold g predicted p; column n_classes counts out-of-set answers.
  std::vector<std::vector<std::size_t>> confusion;

  static constexpr double nan = std::numeric_limits<double>::quiet_NaN();

  // Fractions in [0, 1]; NaN when their denominator is zero.
  double accuracy() const { return n ? double(correct) / double(n) : nan; }
  proportion_interval accuracy_interval() const { return wilson_interval(correct, n); }
  double flip_following() const {
    return flip_eligible ? double(flip_followed) / double(flip_eligible) : nan;
  }
  // A strict majority of the eligible predictions follow the flipped labels.
  bool majority_follows_flip() const { return flip_eligible && 2 * flip_followed > flip_eligible; }
  double out_of_set_rate() const { return n ? double(n_out_of_set) / double(n) : nan; }
  // Recall of class c (accuracy among examples of gold class c); NaN when there are none.
  double class_recall(std::size_t c) const {
    std::size_t total = 0;
    for (const auto v : confusion.at(c)) total += v;
    return total ? double(confusion[c][c]) / double(total) : nan;
  }

  void add(const example_record& r, const std::string& where = "record") {
    const int C = static_cast<int>(n_classes);
    if (r.gold < 0 || r.gold >= C)
      throw argument_error(where + ": gold class " + std::to_string(r.gold) + " outside [0, " +
                           std::to_string(C) + ")");
    if (r.predicted < out_of_set || r.predicted >= C)
      throw argument_error(where + ": predicted class " + std::to_string(r.predicted) +
                           " outside [-1, " + std::to_string(C) + ")");
    if (r.flipped < no_flip || r.flipped >= C)
      throw argument_error(where + ": flipped class " + std::to_string(r.flipped) +
                           " outside [-1, " + std::to_string(C) + ")");
    ++n;
    if (r.predicted == r.gold) ++correct;
    if (r.predicted == out_of_set) ++n_out_of_set;
    if (r.flipped != no_flip) {
      ++flip_eligible;
      if (r.predicted == r.flipped) ++flip_followed;
    }
    const std::size_t col = r.predicted == out_of_set ? n_classes : std::size_t(r.predicted);
    ++confusion[std::size_t(r.gold)][col];
  }

  cell_metrics& operator+=(const cell_metrics& o) {
    if (n_classes != o.n_classes)
      throw argument_error("cannot pool metrics of " + std::to_string(n_classes) + " and " +
                           std::to_string(o.n_classes) + " classes");
    n += o.n;
    correct += o.correct;
    n_out_of_set += o.n_out_of_set;
    flip_eligible += o.flip_eligible;
    flip_followed += o.flip_followed;
    for (std::size_t g = 0; g < confusion.size(); ++g)
      for (std::size_t p = 0; p < confusion[g].size(); ++p) confusion[g][p] += o.confusion[g][p];
    return *this;
  }

  static cell_metrics empty(std::size_t n_classes) {
    cell_metrics m;
    m.n_classes = n_classes;
    m.confusion.assign(n_classes, std::vector<std::size_t>(n_classes + 1, 0));
    return m;
  }
};

// Throws argument_error naming the cell and record when a record's classes are out of range.
inline cell_metrics compute_metrics(const cell_result& cell) {
  if (cell.classes.empty())
    throw argument_error(cell.key.canonical() + ": a cell needs at least one class");
  cell_metrics m = cell_metrics::empty(cell.classes.size());
  for (std::size_t i = 0; i < cell.records.size(); ++i)
    m.add(cell.records[i], cell.key.canonical() + ": record " + std::to_string(i));
  return m;
}

}  // namespace flipside
