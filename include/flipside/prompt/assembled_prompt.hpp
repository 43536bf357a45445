// An assembled few-shot prompt, kept in the pieces a model runtime needs:
//
//   prefix  = [instruction] + sep + exemplar_1 + sep + … + sep + exemplar_n   (sep = "\n\n")
//   query   = sep + the eval input up to and including the output cue ("\n\nInput: …\nOutput:")
//   options = one continuation per class, leading space included (" Positive Sentiment")
//
// (blocks are joined by sep; with no instruction and no exemplar the query has no leading sep).
// The model sees prefix + query, and option c is scored as the continuation of that text; the
// prefix (the expensive part) is shared by every query of an exemplar set and, across nested flip
// ratios, up to the first changed label (exemplars[i].label_begin).
//
// The cuts are placed where tokenizers end tokens whatever follows: the prefix ends with a label
// word and the query starts with the newlines (GPT-2's pre-tokenizer splits a trailing "\n\n"
// differently from a "\n\n" followed by text, so a prefix ending in "\n\n" would not tokenize as
// it does in context), and each option starts with a space. tokenized_prompt.hpp checks this.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace flipside {

struct exemplar_slot {
  std::size_t train_index = 0;  // index into the train split
  int true_class = -1;
  int shown_class = -1;         // the class whose label word the prompt shows
  std::size_t begin = 0;        // byte offsets into prefix: the exemplar's first byte,
  std::size_t label_begin = 0;  // where its label option (leading space included) starts,
  std::size_t end = 0;          // one past its last byte (a separator or the query follows)

  bool flipped() const noexcept { return shown_class != true_class; }
};

struct assembled_prompt {
  std::string prefix;
  std::string query;
  std::vector<std::string> options;      // per class, in class order
  std::vector<std::string> label_words;  // the words shown (options without the lead)
  int gold = -1;                         // the eval example's class: the target
  int flipped_target = -1;  // flip_class(gold): the answer of a model that follows flips
  std::size_t eval_index = 0;
  std::vector<exemplar_slot> exemplars;

  std::string text() const { return prefix + query; }
  std::string full_text(std::size_t option) const { return prefix + query + options.at(option); }
  std::size_t num_flipped() const {
    std::size_t n = 0;
    for (const auto& e : exemplars) n += e.flipped() ? 1 : 0;
    return n;
  }
};

}  // namespace flipside
