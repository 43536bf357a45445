// One labelled example of a classification dataset.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace flipside {

struct example {
  std::vector<std::string>
      fields;            // input text fields, UTF-8: one sentence, or premise + hypothesis
  int label = -1;        // class index into task_info::class_names
  std::size_t line = 0;  // 1-based line in its source file (0: generated)

  // The fields joined with a unit separator: a key for "is this the same input?".
  std::string key() const {
    std::string k;
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (i) k.push_back('\x1f');
      k += fields[i];
    }
    return k;
  }
};

}  // namespace flipside
