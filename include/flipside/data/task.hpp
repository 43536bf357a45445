// What a classification task is, independently of its files: class names, the input fields, and
// the default label words a prompt shows for each class.
#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <vector>

#include <flipside/core/error.hpp>

namespace flipside {

struct task_info {
  std::string name;                      // "sst2"
  std::vector<std::string> class_names;  // the dataset's own names, index = class id
  std::vector<std::string> label_words;  // default verbalizer per class (Wei et al. 2023's words)
  std::vector<std::string> field_names;  // "sentence", or "premise", "hypothesis"

  std::size_t num_classes() const noexcept { return class_names.size(); }

  // Throws argument_error unless there are ≥ 2 classes, one distinct non-empty word per class and
  // at least one field.
  void validate() const {
    const std::string who = "task '" + name + "': ";
    if (class_names.size() < 2) throw argument_error(who + "needs at least two classes");
    if (label_words.size() != class_names.size()) {
      throw argument_error(who + std::to_string(label_words.size()) + " label words for " +
                           std::to_string(class_names.size()) + " classes");
    }
    std::set<std::string> seen;
    for (const auto& w : label_words) {
      if (w.empty()) throw argument_error(who + "empty label word");
      if (!seen.insert(w).second) throw argument_error(who + "label word '" + w + "' repeated");
    }
    if (field_names.empty()) throw argument_error(who + "no input fields");
  }
};

}  // namespace flipside
