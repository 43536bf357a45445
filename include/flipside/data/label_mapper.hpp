// Turns the label as written in a file ("1", "entailment", "positive", "0.83") into a class index.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flipside {

class label_mapper {
 public:
  enum class outcome { ok, filtered, unknown };

  // values[i] is the file's spelling of class i; `ignored` are well-formed labels outside the task
  // (counted as filtered, e.g. FP's "neutral" for the paper's binary FP).
  label_mapper(std::vector<std::string> values, std::vector<std::string> ignored = {})
      : values_(std::move(values)), ignored_(std::move(ignored)) {}

  // A numeric label binarised at `threshold`: value ≥ threshold → class 1, else class 0.
  static label_mapper threshold(double t) {
    label_mapper m({}, {});
    m.threshold_ = t;
    return m;
  }

  outcome map(std::string_view v, int& cls) const {
    if (threshold_) {
      const std::string s(v);
      char* end = nullptr;
      const double x = std::strtod(s.c_str(), &end);
      if (s.empty() || end != s.c_str() + s.size() || x != x) return outcome::unknown;
      cls = x >= *threshold_ ? 1 : 0;
      return outcome::ok;
    }
    for (std::size_t i = 0; i < values_.size(); ++i) {
      if (values_[i] == v) {
        cls = static_cast<int>(i);
        return outcome::ok;
      }
    }
    for (const auto& g : ignored_) {
      if (g == v) return outcome::filtered;
    }
    return outcome::unknown;
  }

  // "expected one of: a, b" for error messages.
  std::string expected() const {
    if (threshold_) return "expected a number (class 1 when ≥ " + std::to_string(*threshold_) + ")";
    std::string s = "expected one of: ";
    for (std::size_t i = 0; i < values_.size(); ++i) s += (i ? ", " : "") + values_[i];
    for (const auto& g : ignored_) s += ", " + g + " (ignored)";
    return s;
  }

 private:
  std::vector<std::string> values_;
  std::vector<std::string> ignored_;
  std::optional<double> threshold_;
};

}  // namespace flipside
