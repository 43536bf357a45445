// Checks on the label options handed to a scorer: each option is the token ids of one label's
// continuation (tokenized_prompt::options), optionally with the label's name for messages.
//
// A label that tokenizes to nothing (an empty word with no leading space, or a boundary merge that
// swallowed it) cannot be scored — it would get probability 1 for free — so it is an error that
// names the label, as is a token outside the model's vocabulary.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <flipside/core/error.hpp>

namespace flipside {

using label_option_ids = std::vector<std::vector<std::int32_t>>;

namespace detail {

inline std::string describe_label(std::size_t c, const std::vector<std::string>& names) {
  std::string s = "label option " + std::to_string(c);
  if (c < names.size()) s += " ('" + names[c] + "')";
  return s;
}

}  // namespace detail

// Throws argument_error naming the first bad option: none at all, an option of no tokens, a token
// outside [0, vocab_size). `names` may be empty (options are then named by index only).
inline void check_label_options(const label_option_ids& options,
                                const std::vector<std::string>& names, std::int64_t vocab_size) {
  if (options.empty()) throw argument_error("scoring: no label options");
  if (!names.empty() && names.size() != options.size())
    throw argument_error("scoring: " + std::to_string(names.size()) + " label names for " +
                         std::to_string(options.size()) + " options");
  for (std::size_t c = 0; c < options.size(); ++c) {
    if (options[c].empty())
      throw argument_error("scoring: " + detail::describe_label(c, names) +
                           " tokenizes to no tokens; it cannot be scored");
    for (const std::int32_t t : options[c])
      if (t < 0 || t >= vocab_size)
        throw argument_error("scoring: " + detail::describe_label(c, names) + ": token " +
                             std::to_string(t) + " is outside the vocabulary [0, " +
                             std::to_string(vocab_size) + ")");
  }
}

}  // namespace flipside
