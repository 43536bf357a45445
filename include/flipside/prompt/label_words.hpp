// The words that name the classes in a prompt: the task's own (the paper's defaults), or
// semantically unrelated ones (SUL-ICL, Wei et al. 2023 §4: "Foo"/"Bar" for binary tasks,
// "Foo", "Bar", "Iff", "Roc", "Ket", "Dal" for TREC's six classes), letters, numbers, or a user
// list.
#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <vector>

#include <flipside/core/error.hpp>
#include <flipside/data/task.hpp>

namespace flipside {

enum class label_vocabulary {
  task,       // task_info::label_words
  unrelated,  // Foo, Bar, Iff, Roc, Ket, Dal (first n)
  letters,    // A, B, C, …
  numbers,    // 0, 1, 2, … (class index order)
  custom,     // label_words_choice::custom, one per class
};

struct label_words_choice {
  label_vocabulary kind = label_vocabulary::task;
  std::vector<std::string> custom;

  // "task", "sul", "sul:letters", "sul:numbers", "sul:w0,w1,…" (the spelling parse_label_policy
  // accepts after "sul").
  std::string name() const {
    switch (kind) {
      case label_vocabulary::task:
        return "task";
      case label_vocabulary::unrelated:
        return "sul";
      case label_vocabulary::letters:
        return "sul:letters";
      case label_vocabulary::numbers:
        return "sul:numbers";
      case label_vocabulary::custom:
        break;
    }
    std::string s = "sul:";
    for (std::size_t i = 0; i < custom.size(); ++i) s += (i ? "," : "") + custom[i];
    return s;
  }
};

inline const std::vector<std::string>& unrelated_words() {
  static const std::vector<std::string> w{"Foo", "Bar", "Iff", "Roc", "Ket", "Dal"};
  return w;
}

// One word per class of `task`, in class order.
inline std::vector<std::string> resolve_label_words(const label_words_choice& c,
                                                    const task_info& task) {
  const std::size_t n = task.num_classes();
  std::vector<std::string> w;
  switch (c.kind) {
    case label_vocabulary::task:
      w = task.label_words;
      break;
    case label_vocabulary::unrelated:
      if (n > unrelated_words().size()) {
        throw argument_error("task '" + task.name + "' has " + std::to_string(n) +
                             " classes; the unrelated words cover 6 (use letters or numbers)");
      }
      w.assign(unrelated_words().begin(), unrelated_words().begin() + static_cast<long>(n));
      break;
    case label_vocabulary::letters:
      if (n > 26) throw argument_error("more than 26 classes for letter labels");
      for (std::size_t i = 0; i < n; ++i) w.emplace_back(1, static_cast<char>('A' + i));
      break;
    case label_vocabulary::numbers:
      for (std::size_t i = 0; i < n; ++i) w.push_back(std::to_string(i));
      break;
    case label_vocabulary::custom:
      w = c.custom;
      break;
  }
  if (w.size() != n) {
    throw argument_error("task '" + task.name + "': " + std::to_string(w.size()) +
                         " label words for " + std::to_string(n) + " classes");
  }
  std::set<std::string> seen;
  for (const auto& x : w) {
    if (x.empty()) throw argument_error("empty label word");
    if (!seen.insert(x).second) throw argument_error("label word '" + x + "' repeated");
  }
  return w;
}

}  // namespace flipside
